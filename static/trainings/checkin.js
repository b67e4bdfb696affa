/* Check-in at the venue: badges read by the phone's camera, every scan queued in
 * localStorage first and then POSTed as JSON, so that a lost connection loses nothing:
 * the queue is re-sent when the browser comes back online, every few seconds, and after
 * a reload. The portal's check-in is idempotent, so a scan sent twice does no harm.
 *
 * window.norecCheckIn.handleScan(text) is the one entry for a scanned text (the camera
 * loop calls it; tests and a hand-held scanner may too).
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-checkin]");
  if (!root) { return; }

  var scanUrl = root.getAttribute("data-scan-url");
  var day = root.getAttribute("data-day");
  var storageKey = "norec-checkin-queue:" + scanUrl;
  var RETRY_MS = 5000;
  var SAME_CODE_MS = 4000; // the camera sees one badge many times a second
  var text = function (name) { return root.getAttribute("data-text-" + name) || ""; };

  var pendingEl = root.querySelector("[data-pending]");
  var resultEl = root.querySelector("[data-result]");
  var sending = false;
  var lastCode = "";
  var lastCodeAt = 0;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function load() {
    try {
      var queue = JSON.parse(window.localStorage.getItem(storageKey) || "[]");
      return Array.isArray(queue) ? queue : [];
    } catch (error) {
      return [];
    }
  }

  function save(queue) {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(queue));
    } catch (error) { /* storage full or off: the scan is still sent now */ }
  }

  function showPending() {
    var count = load().length;
    if (count === 0) {
      pendingEl.textContent = text("pending-none");
    } else if (count === 1) {
      pendingEl.textContent = text("pending-one");
    } else {
      pendingEl.textContent = text("pending-many").replace("__N__", String(count));
    }
    pendingEl.classList.toggle("checkin-pending--waiting", count > 0);
  }

  var STYLES = {
    checked_in: "ok", already: "same", elsewhere: "warn", refused: "bad",
    unknown: "bad", invalid: "bad", queued: "warn"
  };

  function showResult(outcome, headline, detail) {
    resultEl.hidden = false;
    resultEl.className = "checkin-result checkin-result--" + (STYLES[outcome] || "warn");
    resultEl.setAttribute("data-outcome", outcome);
    resultEl.textContent = "";
    // A person's name is shown big; a note about the queue in plain size.
    var strong = document.createElement(outcome === "queued" ? "span" : "strong");
    strong.textContent = headline;
    resultEl.appendChild(strong);
    resultEl.classList.toggle("checkin-result--note", outcome === "queued");
    if (detail) {
      var small = document.createElement("small");
      small.textContent = detail;
      resultEl.appendChild(small);
    }
    if (navigator.vibrate && outcome !== "queued") {
      navigator.vibrate(outcome === "checked_in" || outcome === "already" ? 80 : [60, 40, 60]);
    }
  }

  // The same Undo as the rows the page came with: it asks for a confirmation first.
  function undoForm(answer) {
    var form = document.createElement("form");
    form.method = "post";
    form.className = "checkin-undo";
    var fields = {csrfmiddlewaretoken: csrfToken(), enrolment: answer.enrolment, day: answer.day};
    Object.keys(fields).forEach(function (key) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = key;
      input.value = String(fields[key]);
      form.appendChild(input);
    });
    var button = document.createElement("button");
    button.type = "submit";
    button.name = "action";
    button.value = "undo";
    button.className = "button--small button--secondary";
    button.textContent = text("undo");
    form.appendChild(button);
    return form;
  }

  function addPresent(answer) {
    if (answer.day !== day) { return; }
    var list = document.querySelector("[data-present-list]");
    if (list) {
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.className = "checkin-present__name";
      name.textContent = answer.name;
      var about = document.createElement("span");
      about.className = "muted";
      about.textContent = answer.session + " · " + answer.time;
      item.appendChild(name);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(about);
      item.appendChild(undoForm(answer));
      list.insertBefore(item, list.firstChild);
    }
    var empty = document.querySelector("[data-present-empty]");
    if (empty) { empty.hidden = true; }
    var count = document.querySelector('[data-present-for="' + answer.session_id + '"]');
    if (count) { count.textContent = String(answer.present); }
  }

  function show(answer) {
    var headline = answer.name || answer.message;
    var detail = answer.name ? [answer.message, answer.session].filter(Boolean).join(" · ") : "";
    showResult(answer.outcome, headline, detail);
    if (answer.outcome === "checked_in") { addPresent(answer); }
  }

  function forget(clientId) {
    save(load().filter(function (item) { return item.client_id !== clientId; }));
    showPending();
  }

  function sendOne(item) {
    return fetch(scanUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify({ code: item.code, day: item.day, client_id: item.client_id })
    }).then(function (response) {
      // A 400 is a scan the portal will never take: drop it and say why. A 403 (logged
      // out) or a server error keeps it queued.
      if (response.ok || response.status === 400) {
        return response.json().then(function (answer) {
          forget(item.client_id);
          show(answer);
          return true;
        });
      }
      showResult("invalid", text("failed"), "");
      return false;
    });
  }

  function flush() {
    if (sending) { return Promise.resolve(); }
    var queue = load();
    if (queue.length === 0) { showPending(); return Promise.resolve(); }
    // Known to be offline: nothing is tried until the browser says it is back ("online").
    if (navigator.onLine === false) { showPending(); return Promise.resolve(); }
    sending = true;
    var next = function (index) {
      if (index >= queue.length) { return Promise.resolve(true); }
      return sendOne(queue[index]).then(function (sent) {
        return sent ? next(index + 1) : false;
      });
    };
    return next(0)
      .catch(function () { return false; /* offline: the queue stays for the next try */ })
      .then(function (allSent) {
        sending = false;
        showPending();
        // Scans made while these were on their way go now, not at the next retry.
        if (allSent && load().length > 0) { return flush(); }
      });
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }

  function handleScan(code) {
    code = String(code || "").trim();
    if (!code) { return Promise.resolve(); }
    var now = Date.now();
    if (code === lastCode && now - lastCodeAt < SAME_CODE_MS) { return Promise.resolve(); }
    lastCode = code;
    lastCodeAt = now;
    var queue = load();
    queue.push({ code: code, day: day, client_id: newId(), at: new Date().toISOString() });
    save(queue);
    showPending();
    if (navigator.onLine === false) {
      showResult("queued", text("queued"), "");
      return Promise.resolve();
    }
    showResult("queued", text("sending"), "");
    return flush().then(function () {
      if (load().length > 0) { showResult("queued", text("queued"), ""); }
    });
  }

  // --- The camera ----------------------------------------------------------------------

  var video = root.querySelector("[data-video]");
  var cameraBox = root.querySelector("[data-camera]");
  var startButton = root.querySelector("[data-camera-start]");
  var stopButton = root.querySelector("[data-camera-stop]");
  var stream = null;
  var detect = null;
  var canvas = document.createElement("canvas");

  function loadJsQR() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = root.getAttribute("data-jsqr-url");
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function makeDetector() {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") === -1) { throw new Error("no qr_code"); }
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function () {
          return detector.detect(video).then(function (codes) {
            return codes.length ? codes[0].rawValue : null;
          });
        };
      }).catch(jsQRDetector);
    }
    return jsQRDetector();
  }

  function jsQRDetector() {
    return loadJsQR().then(function () {
      var context = canvas.getContext("2d", { willReadFrequently: true });
      return function () {
        var width = video.videoWidth;
        var height = video.videoHeight;
        if (!width || !height) { return Promise.resolve(null); }
        canvas.width = width;
        canvas.height = height;
        context.drawImage(video, 0, 0, width, height);
        var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height,
          { inversionAttempts: "dontInvert" });
        return Promise.resolve(found ? found.data : null);
      };
    });
  }

  function tick() {
    if (!stream || !detect) { return; }
    detect().then(function (code) {
      if (code) { handleScan(code); }
    }).catch(function () { /* a frame that could not be read */ }).then(function () {
      if (stream) { window.setTimeout(tick, 250); }
    });
  }

  function startCamera() {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        cameraBox.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        return video.play();
      })
      .then(makeDetector)
      .then(function (detector) { detect = detector; tick(); })
      .catch(function () {
        stopCamera();
        showResult("invalid", text("camera-failed"), "");
      });
  }

  function stopCamera() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    stream = null;
    detect = null;
    video.srcObject = null;
    cameraBox.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
  }

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    startButton.hidden = false;
    startButton.addEventListener("click", startCamera);
    stopButton.addEventListener("click", stopCamera);
  } else {
    showResult("invalid", text("no-camera"), "");
  }

  // --- Opening again without a connection ------------------------------------------------

  function keepForOffline(worker) {
    var files = [window.location.href];
    document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=icon][href]")
      .forEach(function (el) { files.push(el.src || el.href); });
    files.push(root.getAttribute("data-jsqr-url"));
    worker.postMessage({ keep: files });
  }

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(root.getAttribute("data-worker-url"), {
      scope: root.getAttribute("data-worker-scope")
    }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (registration.active && navigator.onLine !== false) { keepForOffline(registration.active); }
    }).catch(function () { /* the page still works; only a reload needs the network */ });
  }

  window.addEventListener("online", flush);
  window.setInterval(function () { if (load().length) { flush(); } }, RETRY_MS);
  showPending();
  flush();

  window.norecCheckIn = { handleScan: handleScan, flush: flush, pending: function () { return load().length; } };
})();
