"""Pages: SQL queries per page at two data sizes, and latency/throughput under load.

The pages are named by URL name; a page whose URL name does not resolve (an app not
finished yet) or whose persona cannot be prepared is reported as "not available".
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from .common import ROOT, load_average, ms, percentile, python, table, verdict, wait_until
from .loadgen import LoadResult, run_load
from .world import World, make_session

MAX_QUERIES = 12
P95_TARGET = 0.150  # seconds, at 8 clients
THROUGHPUT_SHARE = 0.25  # of the trivial view
TARGET_CLIENTS = 8


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    url_name: str
    persona: str
    query: str = ""

    def path(self) -> str | None:
        try:
            return reverse(self.url_name) + (f"?{self.query}" if self.query else "")
        except NoReverseMatch:
            return None


PAGES: tuple[Page, ...] = (
    Page("staff_participants", "Staff participant list", "partnerships:staff_participants",
         "staff"),
    Page("coordinator_dashboard", "Coordinator dashboard", "partnerships:coordinator_dashboard",
         "coordinator"),
    Page("training_year", "Training year view", "trainings:staff_year", "staff"),
    Page("training_forecast", "Training-need forecast", "trainings:staff_forecast", "staff"),
    Page("member_directory", "Member directory", "network:member_directory", "member"),
    Page("network_dashboard", "Network dashboard", "network:staff_dashboard", "staff"),
    Page("contact_form", "Alumni contact-details form", "network:contact_edit", "contact_link"),
)  # fmt: skip
TRIVIAL = Page("trivial", "Trivial view (ceiling)", "bench_trivial", "staff")


def unavailable_reason(page: Page, world: World) -> str | None:
    if page.path() is None:
        return f"URL name `{page.url_name}` does not resolve"
    if page.persona in world.problems:
        return f"no {page.persona} persona: {world.problems[page.persona]}"
    return None


# --- Queries ------------------------------------------------------------------------------


@dataclass
class QueryCount:
    page: Page
    queries: int | None = None  # the page worked out (its content not in the cache)
    cached: int | None = None  # the next visit, its content kept (norec_portal.pagecache)
    status: int | None = None
    reason: str = ""


def count_queries(page: Page, cookie: str) -> tuple[int, int, int]:
    """(status, queries, queries when cached) of a GET of ``page`` with the session
    ``cookie``: a first GET warms per-process caches; then the cache is emptied so that
    the page is worked out in full, and the next GET finds its content kept."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    path = page.path()
    client.get(path)
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    with CaptureQueriesContext(connection) as kept:
        client.get(path)
    return response.status_code, len(context), len(kept)


def count_page_queries(world: World, pages: tuple[Page, ...] = PAGES) -> list[QueryCount]:
    counts = []
    for page in pages:
        reason = unavailable_reason(page, world)
        if reason:
            counts.append(QueryCount(page, reason=reason))
            continue
        status, queries, cached = count_queries(page, make_session(world, page.persona))
        counts.append(QueryCount(page, queries=queries, cached=cached, status=status))
    return counts


def queries_report(small: list[QueryCount], scale: list[QueryCount], sizes: str) -> str:
    rows, problems = [], 0
    for a, b in zip(small, scale, strict=True):
        if a.queries is None or b.queries is None:
            rows.append([a.page.label, "–", "–", "–", "not available", a.reason or b.reason])
            continue
        ok = a.status == b.status == 200 and a.queries == b.queries and b.queries <= MAX_QUERIES
        problems += not ok
        status = "" if a.status == b.status == 200 else f" (HTTP {a.status}/{b.status})"
        note = "same count" if a.queries == b.queries else "count grows with data"
        rows.append([a.page.label, a.queries, b.queries, b.cached, verdict(ok) + status, note])
    return "\n\n".join([
        f"Queries of a GET per page, {sizes}, each page worked out in full (after a warm-up "
        "GET, the cache emptied); \"kept\" is the next GET at scale, which finds the page's "
        "content in the cache (`norec_portal.pagecache`) where the page keeps it. Target: "
        f"the same number at both sizes, and at most {MAX_QUERIES}.",
        table(["Page", "small", "scale", "kept", "target", "note"], rows),
        "All available pages meet the target." if not problems
        else f"**{problems} page(s) miss the target.**",
    ])  # fmt: skip


# --- Load ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """``gunicorn norec_portal.wsgi`` with the bench settings, as ``make serve`` runs it."""

    def __init__(self, *, workers: int = 3, log_dir: Path | None = None) -> None:
        self.workers = workers
        self.port = free_port()
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="norec-bench-"))
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        log = open(self.log_dir / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [python(), "-m", "gunicorn", "norec_portal.wsgi:application",
             "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--chdir", str(ROOT), "--backlog", "2048", "--log-level", "warning"],
            cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self._answers, 60, "gunicorn")
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {self.log_dir / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own local server
                f"http://127.0.0.1:{self.port}/healthz", timeout=2
            ) as response:
                return response.status == 200
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class InProcess:
    """Median milliseconds of a GET in this process (``django.test.Client``): the page
    worked out in full (the cache emptied before each GET) and its content kept."""

    page: Page
    computed: float
    kept: float


def measure_in_process(
    world: World, *, repeat: int = 30, pages: tuple[Page, ...] = PAGES
) -> list[InProcess]:
    measured = []
    for page in (TRIVIAL, *pages):
        if unavailable_reason(page, world):
            continue
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = make_session(world, page.persona)
        path = page.path()
        client.get(path)
        computed, kept = [], []
        for _ in range(repeat):
            cache.clear()
            began = time.perf_counter()
            client.get(path)
            computed.append(time.perf_counter() - began)
            began = time.perf_counter()
            client.get(path)
            kept.append(time.perf_counter() - began)
        measured.append(InProcess(page, percentile(computed, 50), percentile(kept, 50)))
    return measured


def in_process_report(measured: list[InProcess]) -> str:
    rows = [[m.page.label, ms(m.computed), ms(m.kept)] for m in measured]
    return "\n\n".join([
        "In this process (`django.test.Client`, the same settings), median of 30 GETs: the "
        "page worked out in full, its cache emptied before each GET (what the first visit "
        "after a change costs), and the next GET, which finds its content kept. Under load "
        "every GET but the first finds the content kept: nothing changes the data meanwhile.",
        table(["Page", "worked out, ms", "content kept, ms"], rows),
    ])  # fmt: skip


@dataclass
class PageLoad:
    page: Page
    results: dict[int, LoadResult]
    reason: str = ""


def measure_pages(
    world: World,
    *,
    clients: tuple[int, ...] = (8, 32),
    seconds: float = 10.0,
    workers: int = 3,
    pages: tuple[Page, ...] = PAGES,
) -> tuple[list[PageLoad], dict[str, str]]:
    """Every available page and the trivial view under each number of clients."""
    loads = {page.key: PageLoad(page, {}) for page in (TRIVIAL, *pages)}
    cookies: dict[str, list[str]] = {}
    for page in (TRIVIAL, *pages):
        reason = unavailable_reason(page, world)
        if reason:
            loads[page.key].reason = reason
        elif page.persona not in cookies:
            cookies[page.persona] = [make_session(world, page.persona) for _ in range(max(clients))]
    info = {"workers": str(workers), "seconds": f"{seconds:g}", "load_before": load_average()}
    with Gunicorn(workers=workers) as server:
        for count in clients:
            for page in (TRIVIAL, *pages):
                load = loads[page.key]
                if load.reason:
                    continue
                load.results[count] = run_load(
                    host="127.0.0.1", port=server.port, path=page.path(),
                    cookies=[f"{settings.SESSION_COOKIE_NAME}={c}"
                             for c in cookies[page.persona]],
                    clients=count, seconds=seconds,
                )  # fmt: skip
                time.sleep(0.5)
    info["load_after"] = load_average()
    return list(loads.values()), info


def _target_cell(page: Page, count: int, notes: list[str], result: LoadResult) -> str:
    """Latency and throughput are judged at 8 clients; other counts only for errors."""
    if page is TRIVIAL and not result.errors:
        return "ceiling"
    if count == TARGET_CLIENTS and page is not TRIVIAL:
        return verdict(not notes)
    return f"{result.errors} errors" if result.errors else "no errors"


def pages_report(loads: list[PageLoad], info: dict[str, str], clients: tuple[int, ...]) -> str:
    trivial = loads[0]
    rows, missed = [], []
    for load in loads:
        if load.reason:
            rows.append([load.page.label, "–", "–", "–", "–", "–", "–", "–",
                         f"not available: {load.reason}"])  # fmt: skip
            continue
        for count in clients:
            result = load.results[count]
            ceiling = trivial.results[count].throughput
            share = result.throughput / ceiling if ceiling else 0.0
            notes = []
            if load.page is not TRIVIAL and count == TARGET_CLIENTS:
                if result.p(95) > P95_TARGET:
                    notes.append(f"p95 > {P95_TARGET * 1000:.0f} ms")
                if share < THROUGHPUT_SHARE:
                    notes.append(f"throughput < {THROUGHPUT_SHARE:.0%} of trivial")
            if result.errors:
                notes.append(f"{result.errors} errors ({result.first_error})")
            if notes:
                missed.append(f"{load.page.label} at {count} clients: " + ", ".join(notes))
            rows.append([
                load.page.label if count == clients[0] else "", count, result.requests,
                ms(result.p(50)), ms(result.p(95)), ms(result.p(99)),
                f"{result.throughput:.1f}",
                "100 %" if load.page is TRIVIAL else f"{share:.0%}",
                _target_cell(load.page, count, notes, result),
            ])  # fmt: skip
    parts = [
        f"gunicorn, {info['workers']} sync workers, bench settings (`DEBUG=False`, "
        f"`CONN_MAX_AGE=60`) on PostgreSQL; each page measured for {info['seconds']} s per "
        "client count after 1 s of warm-up by `bench/loadgen.py` (asyncio, closed loop, one "
        "session per client, one connection per request) running on the same machine. "
        f"Targets at {TARGET_CLIENTS} clients: p95 ≤ {P95_TARGET * 1000:.0f} ms and throughput "
        f"≥ {THROUGHPUT_SHARE:.0%} of the trivial view; no errors at any client count. "
        f"Load average before/after: {info['load_before']} → {info['load_after']}.",
        table(
            [
                "Page",
                "clients",
                "requests",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "req/s",
                "of trivial",
                "target",
            ],
            rows,
        ),  # fmt: skip
    ]
    parts.append(
        "All available pages meet their targets."
        if not missed
        else "Missed:\n\n" + "\n".join(f"- {line}" for line in missed)
    )
    return "\n\n".join(parts)
