"""Browser tests: Playwright drives Debian's Chromium, headless, against a live server on
127.0.0.1 (pytest-django's server thread, so tasks run eagerly and every email lands in the
outbox table the test reads).

Without /usr/bin/chromium (or Playwright) the tests skip; with NOREC_REQUIRE_STACK=1 (CI)
they fail instead, like the other tests that need something installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

from tests.conftest import need_stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server, bound to 127.0.0.1 rather than ``localhost``."""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture(scope="package")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        need_stack(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extras install it
        need_stack("Playwright is not installed (pip install -e '.[dev]')")
    # Playwright's synchronous API keeps an asyncio loop running in this thread, which
    # makes Django refuse ORM calls from the test; the test is not async code, so allow
    # them while the browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_journey(chromium, live_server) -> Iterator[Callable[..., object]]:
    """``open_journey(name, viewport="desktop")``: a fresh browser window for one user."""
    from tests.browser.support import VIEWPORTS, Journey

    journeys: list[Journey] = []

    def open_(name: str, viewport: str = "desktop") -> Journey:
        context = chromium.new_context(
            viewport=VIEWPORTS[viewport],
            locale="en-GB",
            timezone_id="Europe/Oslo",
            accept_downloads=True,
            service_workers="block",
        )
        context.set_default_timeout(15_000)
        journey = Journey(name=name, context=context, base_url=live_server.url,
                          viewport=viewport)  # fmt: skip
        journeys.append(journey)
        return journey

    yield open_
    for journey in journeys:
        journey.write_report()
        journey.context.close()
    for journey in journeys:
        journey.assert_offline()
