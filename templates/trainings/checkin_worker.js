/* The check-in page's service worker: keeps the last copy of each check-in page and of the
 * files it needs, so that the page opens again without a connection (a reload at a venue
 * whose network comes and goes) and its scans queue up as usual. Network first: a copy is
 * used only when the portal cannot be reached. Copies older than a day are not used, and a
 * page that now answers with a login is dropped (the cached page lists names).
 */
"use strict";

var CACHE = "norec-checkin-v1";
var PAGE = /\/staff\/trainings\/(weeks|sessions)\/\d+\/check-in\/$/;
var MAX_AGE_MS = 24 * 60 * 60 * 1000;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function keyFor(request) {
  var url = new URL(request.url);
  return PAGE.test(url.pathname) ? url.origin + url.pathname : request.url;
}

function stamped(response) {
  var headers = new Headers(response.headers);
  headers.set("X-Cached-At", String(Date.now()));
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function remember(key, response) {
  return caches.open(CACHE).then(function (cache) {
    if (!response.ok || response.redirected) { return cache.delete(key); }
    return stamped(response.clone()).then(function (copy) { return cache.put(key, copy); });
  });
}

function fromCache(key) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(key).then(function (found) {
      var at = found ? Number(found.headers.get("X-Cached-At") || 0) : 0;
      if (!found || Date.now() - at > MAX_AGE_MS) { return Response.error(); }
      return found;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var page = request.mode === "navigate" && PAGE.test(url.pathname);
  if (!page && url.pathname.indexOf("/static/") !== 0) { return; }
  var key = keyFor(request);
  event.respondWith(
    fetch(request).then(function (response) {
      event.waitUntil(remember(key, response.clone()));
      return response;
    }).catch(function () { return fromCache(key); })
  );
});

// The page, once controlled, names itself and its files: kept at once, so that the very
// next reload works without a connection.
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  event.waitUntil(Promise.all(urls.map(function (href) {
    var url = new URL(href, self.location.origin);
    if (url.origin !== self.location.origin) { return null; }
    return fetch(url.href, { credentials: "same-origin" }).then(function (response) {
      return remember(keyFor(new Request(url.href)), response);
    }).catch(function () { return null; });
  })));
});
