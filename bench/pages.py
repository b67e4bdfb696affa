"""Pages: SQL queries per page at two data sizes, the cost of a GET in process, and
latency under load; every page computed in full (nothing kept from an earlier GET).

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
P95_TARGET = 0.100  # seconds, at 8 clients
TARGET_CLIENTS = 8
REPEAT = 30  # GETs per page in process, after a warm-up GET


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
TRIVIAL = Page("trivial", "Trivial view (reference)", "bench_trivial", "staff")


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
    queries: int | None = None
    status: int | None = None
    reason: str = ""


def logged_in_client(world: World, persona: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = make_session(world, persona)
    return client


def count_queries(client: Client, path: str) -> tuple[int, int]:
    """(status, queries) of a GET of ``path``, computed in full: a first GET warms
    per-process state (translations, templates, the connection), then the cache is
    emptied so that nothing a page might keep there answers for it."""
    client.get(path)
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    return response.status_code, len(context)


def count_page_queries(world: World, pages: tuple[Page, ...] = PAGES) -> list[QueryCount]:
    counts = []
    for page in pages:
        reason = unavailable_reason(page, world)
        if reason:
            counts.append(QueryCount(page, reason=reason))
            continue
        status, queries = count_queries(logged_in_client(world, page.persona), page.path())
        counts.append(QueryCount(page, queries=queries, status=status))
    return counts


def queries_report(small: list[QueryCount], scale: list[QueryCount], sizes: str) -> str:
    rows, problems = [], 0
    for a, b in zip(small, scale, strict=True):
        if a.queries is None or b.queries is None:
            rows.append([a.page.label, "–", "–", "not available", a.reason or b.reason])
            continue
        ok = a.status == b.status == 200 and a.queries == b.queries and b.queries <= MAX_QUERIES
        problems += not ok
        status = "" if a.status == b.status == 200 else f" (HTTP {a.status}/{b.status})"
        note = "same count" if a.queries == b.queries else "count grows with data"
        rows.append([a.page.label, a.queries, b.queries, verdict(ok) + status, note])
    return "\n\n".join([
        f"Queries of one GET per page, {sizes}, each page computed in full (after a warm-up "
        f"GET, the cache emptied). Target: the same number at both sizes, and at most "
        f"{MAX_QUERIES}.",
        table(["Page", "small", "scale", "target", "note"], rows),
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
    """A page's GETs in this process (``django.test.Client``), each computed in full."""

    page: Page
    seconds: list[float]
    queries: int
    status: int

    @property
    def median(self) -> float:
        return percentile(self.seconds, 50)


def measure_in_process(
    world: World, *, repeat: int = REPEAT, pages: tuple[Page, ...] = PAGES
) -> list[InProcess]:
    """``repeat`` timed GETs of the trivial view and of each available page, after a
    warm-up GET; the cache is emptied before each, so every GET computes the page in
    full. The queries are counted on one more GET, untimed (counting slows it down)."""
    measured = []
    for page in (TRIVIAL, *pages):
        if unavailable_reason(page, world):
            continue
        client = logged_in_client(world, page.persona)
        path = page.path()
        status, queries = count_queries(client, path)
        seconds = []
        for _ in range(repeat):
            cache.clear()
            began = time.perf_counter()
            client.get(path)
            seconds.append(time.perf_counter() - began)
        measured.append(InProcess(page, seconds, queries, status))
    return measured


def in_process_report(measured: list[InProcess]) -> str:
    rows = [[m.page.label, ms(m.median), ms(percentile(m.seconds, 95)), m.queries]
            for m in measured]  # fmt: skip
    repeat = max((len(m.seconds) for m in measured), default=0)
    return "\n\n".join([
        f"In this process (`django.test.Client`, the same settings), {repeat} GETs per page "
        "after a warm-up GET, each computed in full; the trivial view is the cost of the "
        "middleware alone, for reference.",
        table(["Page", "median ms", "p95 ms", "queries"], rows),
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
    """Latency is judged at 8 clients; every count for errors; the trivial view is a
    reference, judged only for errors."""
    if count == TARGET_CLIENTS and page is not TRIVIAL:
        return verdict(not notes)
    if result.errors:
        return f"**{result.errors} errors**"
    return "reference" if page is TRIVIAL else "no errors"


def pages_report(loads: list[PageLoad], info: dict[str, str], clients: tuple[int, ...]) -> str:
    rows, missed = [], []
    for load in loads:
        if load.reason:
            rows.append([load.page.label, "–", "–", "–", "–", "–", "–",
                         f"not available: {load.reason}"])  # fmt: skip
            continue
        for count in clients:
            result = load.results[count]
            notes = []
            if load.page is not TRIVIAL and count == TARGET_CLIENTS:
                if result.p(95) > P95_TARGET:
                    notes.append(f"p95 > {P95_TARGET * 1000:.0f} ms")
            if result.errors:
                notes.append(f"{result.errors} errors ({result.first_error})")
            if notes:
                missed.append(f"{load.page.label} at {count} clients: " + ", ".join(notes))
            rows.append([
                load.page.label if count == clients[0] else "", count, result.requests,
                ms(result.p(50)), ms(result.p(95)), ms(result.p(99)),
                f"{result.throughput:.1f}", _target_cell(load.page, count, notes, result),
            ])  # fmt: skip
    header = ["Page", "clients", "requests", "p50 ms", "p95 ms", "p99 ms", "req/s", "target"]
    return "\n\n".join([
        f"gunicorn, {info['workers']} sync workers, bench settings (`DEBUG=False`, "
        "`CONN_MAX_AGE=60`, a cache that keeps nothing, so every GET computes its page in "
        f"full) on PostgreSQL; each page measured for {info['seconds']} s per client count "
        "after 1 s of warm-up by `bench/loadgen.py` (asyncio, closed loop, one session per "
        "client, one connection per request) on the same machine. Targets: p95 ≤ "
        f"{P95_TARGET * 1000:.0f} ms at {TARGET_CLIENTS} clients; no errors at any client "
        "count. The trivial view (the middleware alone) is a reference, not a target. "
        f"Load average before/after: {info['load_before']} → {info['load_after']}.",
        table(header, rows),
        "All available pages meet their targets." if not missed
        else "Missed:\n\n" + "\n".join(f"- {line}" for line in missed),
    ])  # fmt: skip
