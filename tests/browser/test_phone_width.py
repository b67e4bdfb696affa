"""Every page of the URL × role matrix that a person opens on a phone fits a 360 px wide
screen: the document is never wider than the viewport, and no action (button, action link)
sits inside a sideways-scrolling table where it would be off-screen.

The pages are the matrix rows (``tests/matrix/table.py``) whose GET answers 200 for the
persona, over the matrix's own world (``tests/matrix/world.py``), committed so the live
server sees it. One browser, one window a persona, each logged in once (a session cookie
from Django's test client), so the whole walk takes seconds, not minutes.

Staff pages are included: staff answer waitlists and nominations from a phone too. Left
out are the pages that are not HTML (PDFs, calendars, CSV exports, JSON progress).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser.support import VIEWPORTS
from tests.matrix.table import ROWS
from tests.matrix.world import PERSONAS, build_world

pytestmark = pytest.mark.browser

WIDTH = VIEWPORTS["phone"]["width"]
# Who opens pages on a phone: every persona with a portal of their own.
PHONE_PERSONAS = ("anonymous", "alumnus", "coordinator_a", "staff")

# Run in the page: how wide the document is, and the actions that a sideways-scrolling
# table hides (a button or action link whose right edge is past what its wrapper shows).
MEASURE_JS = """() => {
  const hidden = [];
  for (const wrap of document.querySelectorAll('.table-wrap')) {
    const box = wrap.getBoundingClientRect();
    for (const el of wrap.querySelectorAll('button, .button, a.action, input[type=submit]')) {
      const r = el.getBoundingClientRect();
      if (r.width && (r.right > box.right + 1 || r.left < box.left - 1)) {
        hidden.push((el.innerText || el.value || el.outerHTML.slice(0, 60)).trim());
      }
    }
  }
  // The elements that stick out while their parent does not: the culprits.
  const out = [];
  const past = (el) => el.getBoundingClientRect().right > window.innerWidth + 1;
  for (const el of document.body.querySelectorAll('*')) {
    if (past(el) && el.parentElement && !past(el.parentElement)) {
      const text = (el.innerText || '').trim().slice(0, 40);
      out.push(`${el.tagName.toLowerCase()}.${el.className} "${text}"`);
    }
  }
  return {width: document.documentElement.scrollWidth, hidden: hidden, out: out.slice(0, 3)};
}"""


def session_cookie(user, base_url: str) -> list[dict]:
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": base_url}]


def phone_pages(world, persona: str) -> list[str]:
    column = PERSONAS.index(persona)
    pages = []
    for row in ROWS:
        if row.expected("GET")[column] != "200":
            continue
        kwargs = row.kwargs(world) if row.kwargs else {}
        pages.append(reverse(row.name, kwargs=kwargs))
    return pages


def test_every_phone_page_fits_360_px(chromium, live_server, transactional_db):
    world = build_world()
    too_wide: list[str] = []
    visited = 0
    for persona in PHONE_PERSONAS:
        context = chromium.new_context(viewport=VIEWPORTS["phone"], locale="en-GB",
                                       timezone_id="Europe/Oslo")  # fmt: skip
        user = world.users[persona]
        if user is not None:
            context.add_cookies(session_cookie(user, live_server.url))
        page = context.new_page()
        for path in phone_pages(world, persona):
            # Downloads (PDF, iCalendar, CSV) would not open as a page: asked for first.
            answer = context.request.get(f"{live_server.url}{path}", max_redirects=0)
            assert answer.status == 200, (persona, path, answer.status)
            if not answer.headers.get("content-type", "").startswith("text/html"):
                continue
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, (persona, path)
            visited += 1
            found = page.evaluate(MEASURE_JS)
            if found["width"] > WIDTH:
                too_wide.append(f"{persona} {path}: {found['width']} px {found['out']}")
            if found["hidden"]:
                too_wide.append(f"{persona} {path}: actions off-screen {found['hidden']}")
        context.close()
    assert visited > 100, visited
    assert not too_wide, "pages wider than a phone:\n" + "\n".join(too_wide)
