"""What every browser journey needs: a page that may not leave the machine, axe-core on
every page it reaches, keyboard-only helpers, screenshots and links read from the outbox.

A :class:`Journey` wraps one Playwright browser context. Each page the journey reaches is
passed to :meth:`Journey.check`, which fails the test on

- any request to a host other than 127.0.0.1 / localhost (every request is routed through
  :meth:`Journey._route`, which lets local ones through and aborts and records the rest);
- any serious or critical axe-core violation of the WCAG 2.0/2.1/2.2 A and AA rules;
- a form field that blocks pasting, or a field error that its field does not point to
  (``aria-describedby``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from django.conf import settings
from playwright.sync_api import BrowserContext, Locator, Page

from norec_portal.models import OutboxEmail

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

# Run in the page: fields that cancel a paste, and field errors no field points to.
FORM_PROBLEMS_JS = """() => {
  const problems = [];
  const fields = document.querySelectorAll(
    'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])' +
    ':not([type=submit]):not([type=button]), textarea');
  for (const el of fields) {
    const name = el.name || el.id || el.outerHTML.slice(0, 60);
    if (el.hasAttribute('onpaste')) problems.push(`${name}: has an onpaste handler`);
    const paste = new ClipboardEvent('paste', {bubbles: true, cancelable: true});
    if (!el.dispatchEvent(paste)) problems.push(`${name}: pasting is blocked`);
  }
  const described = new Set();
  for (const el of document.querySelectorAll('[aria-describedby]')) {
    for (const id of el.getAttribute('aria-describedby').split(/\\s+/)) described.add(id);
  }
  for (const error of document.querySelectorAll('.field-errors[id]')) {
    if (!described.has(error.id)) problems.push(`error ${error.id} is not tied to its field`);
  }
  for (const el of document.querySelectorAll('[aria-invalid=true]')) {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const texts = ids.map((id) => document.getElementById(id)).filter(Boolean);
    if (!texts.some((t) => t.classList.contains('field-errors') && t.textContent.trim())) {
      problems.push(`${el.name || el.id}: invalid, but no error message is tied to it`);
    }
  }
  return problems;
}"""

# Where the keyboard focus is, described the way a screen reader would announce it.
FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: 'body'};
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return {
    tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', id: el.id || '',
    text: (el.innerText || el.value || '').trim().slice(0, 120), label: label.trim(),
    href: el.getAttribute('href') || '', checked: !!el.checked,
    value: el.tagName === 'SELECT' ? el.options[el.selectedIndex]?.text || '' : el.value || '',
  };
}"""


@dataclass
class Journey:
    """One user's browser window (a Playwright context) on the live server."""

    name: str
    context: BrowserContext
    base_url: str
    viewport: str
    page: Page = field(init=False)
    external: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    minor_findings: list[str] = field(default_factory=list)
    shots: int = 0

    def __post_init__(self) -> None:
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    # --- Offline ------------------------------------------------------------------------

    def _route(self, route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def assert_offline(self) -> None:
        assert not self.external, f"requests left the machine: {self.external}"

    # --- Navigation ---------------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    @property
    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def goto(self, path: str, *, shot: str | None = None, status: int = 200) -> None:
        """Open ``path`` as if typed in the address bar (or opened from an email)."""
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, (path, response)
        self.check(shot=shot)

    def check(self, *, shot: str | None = None, at: Locator | None = None) -> None:
        """The page the journey is on now: offline, accessible at both widths, forms
        usable. Takes screenshots labelled ``shot`` when given."""
        self.page.wait_for_load_state("load")
        self.assert_offline()
        blocking = self._axe(self.viewport)
        other = self.other_viewport
        self.page.set_viewport_size(VIEWPORTS[other])
        blocking += self._axe(other)
        self.page.set_viewport_size(VIEWPORTS[self.viewport])
        problems = self.page.evaluate(FORM_PROBLEMS_JS)
        if blocking or problems:
            self.shot("FAILED")
        assert not blocking, f"axe on {self.path}:\n" + "\n".join(blocking)
        assert not problems, f"forms on {self.path}: {problems}"
        self.checked.append(self.path)
        if shot:
            self.shot(shot, at=at)

    @property
    def other_viewport(self) -> str:
        return "desktop" if self.viewport == "phone" else "phone"

    def _axe(self, viewport: str) -> list[str]:
        """axe-core's serious and critical violations here (the others are reported)."""
        # axe-core as shipped inside the axe-playwright-python wheel; injected once a page.
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(AXE_SCRIPT)
        results = self.page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        blocking = []
        for violation in results["violations"]:
            line = (
                f"[{viewport}] {violation['id']} ({violation['impact']}): {violation['help']} — "
                + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            )
            if violation["impact"] in BLOCKING_IMPACTS:
                blocking.append(line)
            else:
                self.minor_findings.append(f"{self.path}: {line}")
        return blocking

    # --- Screenshots --------------------------------------------------------------------

    def shot(self, label: str, *, at: Locator | None = None) -> None:
        """Screenshots of the viewport at this journey's size and at the other size,
        scrolled to ``at`` when given (else to the top)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        for viewport in (self.viewport, self.other_viewport):
            self.page.set_viewport_size(VIEWPORTS[viewport])
            if at is None:
                self.page.evaluate("() => window.scrollTo(0, 0)")
            else:
                at.evaluate("el => el.scrollIntoView({block: 'start'})")
            path = SCREENSHOTS / f"{self.name}-{self.shots:02d}-{label}-{viewport}.png"
            self.page.screenshot(path=str(path), animations="disabled")
        self.page.set_viewport_size(VIEWPORTS[self.viewport])

    def write_report(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        report = {
            "journey": self.name,
            "pages_checked": self.checked,
            "minor_axe_findings": self.minor_findings,
        }
        (ARTIFACTS / f"axe-{self.name}.json").write_text(json.dumps(report, indent=2))


# --- Keyboard-only helpers ------------------------------------------------------------------


def focused(page: Page) -> dict[str, Any]:
    return page.evaluate(FOCUSED_JS)


def tab_to(page: Page, matches: Callable[[dict[str, Any]], bool], *, limit: int = 60) -> dict:
    """Press Tab until the focused element ``matches``; fail with the focus path if not."""
    path = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            return element
        path.append(element.get("name") or element.get("text") or element["tag"])
    raise AssertionError(f"Tab never reached the element; focus went through {path}")


def tab_to_field(page: Page, name: str) -> dict:
    return tab_to(page, lambda el: el.get("name") == name)


def tab_to_control(page: Page, text: str) -> dict:
    """A link or button whose visible text is ``text``."""
    return tab_to(
        page, lambda el: el["tag"] in ("a", "button", "summary") and el.get("text") == text
    )


def type_into(page: Page, name: str, value: str) -> None:
    """Tab to the field ``name``, replace what it holds with ``value``."""
    tab_to_field(page, name)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(value)
    assert focused(page)["value"] == value, (name, focused(page))


def choose_option(page: Page, name: str, option_text: str) -> None:
    """Tab to the select ``name`` and type the start of an option, as people do."""
    tab_to_field(page, name)
    page.keyboard.type(option_text)
    assert focused(page)["value"] == option_text, (name, focused(page))


def tick(page: Page, name: str) -> None:
    """Tab to the checkbox ``name`` and tick it with the space bar."""
    element = tab_to_field(page, name)
    if not element["checked"]:
        page.keyboard.press("Space")
    assert focused(page)["checked"], name


def activate(page: Page, text: str) -> None:
    """Tab to the link or button ``text`` and press Enter; wait for the next page."""
    tab_to_control(page, text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


# --- Emails ---------------------------------------------------------------------------------

LINK = re.compile(r"https?://[^/\s]+(/[^\s<>\"]*)")


def link_from_email(*, to: str, contains: str) -> str:
    """The path of the link containing ``contains`` in the newest email to ``to`` that has
    one (the body as queued in the outbox, whatever the site address in it)."""
    for body in (
        OutboxEmail.objects.filter(to_email=to).order_by("-pk").values_list("body_text", flat=True)
    ):
        for path in LINK.findall(body):
            if contains in path:
                return path
    raise AssertionError(f"no email to {to} holds a {contains} link")
