"""What every benchmark shares: the environment, the bench database, the results file,
the machine description, percentiles and memory sampling.

Nothing here runs at import time, so the test suite can import the benchmark modules
under its own settings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/norec_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
COMMAND = "make bench"
# Sections of RESULTS.md in the order a fresh file lists them; other scripts (e.g.
# ``bench/faults.py``) add their own sections after these.
SECTIONS = (
    "setup",
    "changes",
    "queries",
    "pages",
    "growth",
    "mail",
    "documents",
    "logistics",
    "imports",
    "enrolment",
)
RESULTS_HEADER = """# Benchmark results

Written by the scripts in `bench/` (see `bench/README.md`); each section is rewritten only
by the script that owns it, between its `<!-- bench:… -->` markers. Figures are from one
run on the machine described in each section; the targets are in `bench/README.md`.
"""


# --- Environment and database -----------------------------------------------------------


def configure_environment() -> None:
    """The bench's environment: ``DATABASE_URL``/``REDIS_URL``/``CELERY_BROKER_URL`` from
    the caller (defaults otherwise; the broker on ``REDIS_URL`` unless given), real Celery
    (never eager), production-like persistent database connections, quiet logs."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ.setdefault("CONN_MAX_AGE", "60")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def setup_django() -> None:
    configure_environment()
    import django

    django.setup()


def database_name() -> str:
    from django.conf import settings

    return str(settings.DATABASES["default"]["NAME"])


def check_database_name(name: str) -> None:
    """Refuse to recreate a database whose name does not say it is meant for benchmarks."""
    if "bench" not in name and os.environ.get("BENCH_ALLOW_ANY_DATABASE") != "1":
        raise SystemExit(
            f"Refusing to recreate the database {name!r}: its name must contain "
            "'bench' (or set BENCH_ALLOW_ANY_DATABASE=1)."
        )


def check_database() -> None:
    """Refuse to drop anything but a PostgreSQL database meant for benchmarks."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("The benchmarks need PostgreSQL: set DATABASE_URL=postgres://…")
    check_database_name(database_name())


def database_url_with_suffix(url: str, suffix: str) -> str:
    """``url`` with ``suffix`` added to the database name (``…/norec_bench?x`` →
    ``…/norec_bench_x10?x``)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def reset_database() -> None:
    """Drop and create the bench database, then migrate it."""
    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from psycopg import sql

    check_database()
    connections.close_all()
    db = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    ) as conn:
        name = sql.Identifier(database_name())
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    call_command("migrate", interactive=False, verbosity=0)


def seed(scale: float, *, seed: int = 1963, append: bool = False) -> str:
    """``manage.py seed_scale`` in this process; returns what it printed."""
    from django.core.management import call_command

    out = StringIO()
    call_command("seed_scale", scale=scale, seed=seed, append=append, stdout=out)
    return out.getvalue()


def analyze() -> None:
    """Planner statistics and visibility maps (index-only scans read the latter), as
    autovacuum keeps them on a database in use."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


# --- The results file -------------------------------------------------------------------


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer of ``path`` at a time (the lock file lives outside the repository)."""
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"norec-bench-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def replace_section(text: str, key: str, body: str) -> str:
    """``text`` with the section ``key`` replaced by ``body`` (appended if missing)."""
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _old, after = rest.split(end, 1)
        return before + block + after
    return text.rstrip("\n") + "\n\n" + block + "\n"


def write_section(key: str, body: str, path: Path = RESULTS) -> None:
    """Rewrite one section of RESULTS.md, leaving every other section as it is."""
    with _locked(path):
        if path.exists():
            text = path.read_text(encoding="utf-8")
        else:
            text = RESULTS_HEADER + "".join(
                f"\n<!-- bench:{k} -->\n<!-- /bench:{k} -->\n" for k in SECTIONS
            )
        text = replace_section(text, key, body)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(ok: bool | None) -> str:
    if ok is None:
        return "n/a"
    return "met" if ok else "**missed**"


# --- The machine ------------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _memory_gb() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def machine() -> str:
    """One line: CPU, cores, memory, OS, Python, PostgreSQL and Redis versions."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    try:
        import redis
        from django.conf import settings

        redis_version = redis.Redis.from_url(settings.REDIS_URL).info("server")["redis_version"]
    except Exception:  # the line is informative only
        redis_version = "?"
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, {_memory_gb():.1f} GB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"PostgreSQL {postgres.split()[0]}, Redis {redis_version}"
    )


def busiest_processes(limit: int = 5) -> str:
    """The processes using most CPU right now (other work on a shared machine)."""
    try:
        out = subprocess.run(
            ["ps", "-eo", "pid,pcpu,args", "--sort=-pcpu", "--no-headers"],
            capture_output=True, text=True, timeout=5, check=False,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "?"
    busy = []
    for line in out.splitlines():
        pid, cpu, command = line.split(None, 2)
        if int(pid) != os.getpid() and len(busy) < limit:
            busy.append(f"`{command[:60]}` {cpu}%")
    return ", ".join(busy)


def stamp(area: str, arguments: Sequence[str] | None = None) -> str:
    """The "when, how, where" line under each section's title: ``make bench``, or the
    command line when ``arguments`` (those of ``python -m bench.run``) are given."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if arguments:
        command = f"`python -m bench.run {' '.join(arguments)}`"
    else:
        command = f"`{COMMAND}`" + (
            f" (area `{area}`: `python -m bench.run {area}`)" if area else ""
        )
    return (
        f"_Measured {now} with {command} on {machine()}. Load average (1/5/15 min) at the "
        f"start: {load_average()}._"
    )


# --- Statistics and memory --------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux ``/proc``)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                with contextlib.suppress(OSError):
                    pending += [int(c) for c in (task / "children").read_text().split()]
    return found


@dataclass
class MemorySampler:
    """Samples the resident memory of a process tree in a thread; keeps the peaks."""

    pid: int
    interval: float = 0.1
    peak_total: int = 0
    peak_by_pid: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        total = 0
        for pid in process_tree(self.pid):
            rss = rss_bytes(pid)
            total += rss
            self.peak_by_pid[pid] = max(self.peak_by_pid.get(pid, 0), rss)
        self.peak_total = max(self.peak_total, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    @property
    def peak_single(self) -> int:
        return max(self.peak_by_pid.values(), default=0)


def mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def python() -> str:
    return sys.executable
