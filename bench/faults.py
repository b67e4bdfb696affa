"""The mail pipeline under faults, at campaign size.

    python bench/faults.py                      # all six scenarios, 5,000 messages each
    python bench/faults.py --messages 1000 --scenarios kills,smtp

Runs the scenarios of ``tests/norec_portal/test_faults.py`` — worker processes killed with
SIGKILL every few seconds, Redis restarted and flushed, Redis restarted while the worker
holds a delayed task (with the time the same worker took to deliver again), SMTP
421/451/550 answers, the same
campaign started twice at once, tasks outliving the broker's visibility timeout — against
a real ``celery worker -B`` (concurrency 2), PostgreSQL and a local SMTP server. Prints a
count table, checks the outbox's guarantees for each scenario, and writes the table into
the "Mail pipeline under faults" section of ``bench/RESULTS.md``.

Needs PostgreSQL at ``DATABASE_URL`` (default: the bench's ``norec_bench`` on 127.0.0.1;
the script creates and drops its own scratch database ``<name>_faults_bench`` there) and
the ``redis-server`` binary: it starts a private one on a free port, which it restarts and
flushes; no other Redis is used as a broker. Exits with status 1 if a guarantee was broken.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402 - the repository root is on the path only now
    DEFAULT_DATABASE_URL,
    RESULTS,
    load_average,
    machine,
    write_section,
)

SECTION_KEY = "faults"
TITLE = "## Mail pipeline under faults"

# Per scenario, the knobs used at campaign size (the tests use smaller campaigns).
OPTIONS: dict[str, dict[str, float | int | bool]] = {
    # A small SMTP delay stretches the campaign so that it sees about ten kills.
    "kills": {"every": 2.0, "max_kills": 12, "delay": 0.004},
    # One kill, then the time to the first delivery and until the rows it held are sent.
    "kill_recovery": {"every": 2.0, "max_kills": 1, "delay": 0.004, "measure_recovery": True},
    "broker": {"delay": 0.0},
    "held": {"delay": 0.0},
    "smtp": {},
    "double": {},
    # Each batch of 100 must take longer than the 2 s visibility timeout.
    "visibility": {"delay": 0.015},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000, help="messages per scenario")
    parser.add_argument(
        "--scenarios", default=",".join(OPTIONS), help=f"comma-separated, from {list(OPTIONS)}"
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args()
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = set(names) - set(OPTIONS)
    if unknown:
        parser.error(f"unknown scenario(s): {sorted(unknown)}")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL server (a scratch database is made there)")
    os.environ["DJANGO_SETTINGS_MODULE"] = "norec_portal.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()

    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from norec_portal.models import OutboxEmail
    from tests.norec_portal.test_faults import SCENARIOS, Rig, broken_guarantees
    from tests.stack import (
        RedisServer,
        celery_broker,
        reset_celery_connections,
        tasks_through_broker,
    )

    if RedisServer.binary() is None:
        parser.error("redis-server is not installed")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        f"{connection.settings_dict['NAME']}_faults_bench"
    )
    old_databases = setup_databases(verbosity=0, interactive=False)
    log_dir = Path(tempfile.mkdtemp(prefix="norec-faults-"))
    redis_server = RedisServer(log_dir)
    runs, failures = [], []
    started = time.monotonic()
    try:
        redis_server.start()
        measured_on = stamp_line(args.messages, names, redis_server.client())
        with tasks_through_broker(), celery_broker(redis_server.url):
            for name in names:
                OutboxEmail.objects.all().delete()
                redis_server.flushall()
                reset_celery_connections()
                rig = Rig(log_dir=log_dir / name, redis=redis_server)
                rig.log_dir.mkdir()
                print(f"running {name} with {args.messages} messages…", flush=True)
                run = SCENARIOS[name](rig, args.messages, **OPTIONS[name])
                problems = broken_guarantees(run)
                print(f"  {run.summary()}", flush=True)
                for problem in problems:
                    print(f"  BROKEN: {problem}", flush=True)
                runs.append((name, run, problems))
                failures.extend(problems)
    finally:
        redis_server.stop()
        teardown_databases(old_databases, verbosity=0)
    elapsed = time.monotonic() - started

    table = render_table(runs)
    print()
    print(table)
    print(f"\nlogs: {log_dir}")
    if not args.no_write:
        body = section(table, kill_details(runs), measured_on=measured_on, elapsed=elapsed)
        write_section(SECTION_KEY, body)
        print(f"updated {RESULTS.relative_to(ROOT)}")
    return 1 if failures else 0


def render_table(runs: list) -> str:
    header = (
        "| scenario | messages | sent | failed (550) | retried | duplicates | crash window "
        "| kills | broker faults (tasks lost) | extra tasks | redelivered while running "
        "| recovery | elapsed | guarantees |"
    )
    lines = [header, "|" + " --- |" * header.count(" | ") + " --- |"]
    for _name, run, problems in runs:
        recovery = f"{run.recovery:.1f} s" if run.recovery is not None else "–"
        if run.kill_recovery:
            first = max(f for f, _held in run.kill_recovery)
            held = max(h for _f, h in run.kill_recovery)
            recovery = f"{first:.1f} s; held rows {held:.1f} s"
        lines.append(
            f"| {run.scenario} | {run.total:,} | {run.sent:,} | {run.failed} "
            f"({len(run.permanent)}) | {run.retried} | {run.duplicates} | {run.window} "
            f"| {run.kills} | {run.broker_faults} ({run.hints_lost}) | {run.extra_tasks} "
            f"| {run.redelivered} | {recovery} | {run.elapsed:.0f} s "
            f"| {'broken' if problems else 'held'} |"
        )
    return "\n".join(lines)


def stamp_line(messages: int, names: list[str], broker: redis.Redis) -> str:
    """When, with what command, on which machine (the bench's own ``machine()`` line, with
    the version of the private Redis the scenarios ran on)."""
    command = "python bench/faults.py"
    if messages != 5000:
        command += f" --messages {messages}"
    if names != list(OPTIONS):
        command += f" --scenarios {','.join(names)}"
    redis_version = broker.info("server")["redis_version"]
    where = re.sub(r"Redis \S+$", f"Redis {redis_version}", machine())
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"_Measured {now} with `{command}` on {where}. Load average (1/5/15 min) at the "
        f"start: {load_average()}._"
    )


def kill_details(runs: list) -> str:
    """Each kill's rows in flight and messages sent but not yet marked."""
    lines = []
    for _name, run, _problems in runs:
        if run.per_kill:
            counts = ", ".join(f"{claimed}/{window}" for claimed, window in run.per_kill)
            lines.append(
                f"At each kill, rows claimed (`sending`) / of those, sent but not yet marked "
                f"`sent`: {counts}."
            )
    return "\n".join(lines)


def section(table: str, kills: str, *, measured_on: str, elapsed: float) -> str:
    return f"""{TITLE}

{measured_on}

One `celery worker -B` (concurrency 2, prefork) on a private `redis-server` without
persistence, PostgreSQL, and a local aiosmtpd server; lease 4 s, sweep every 1 s, retries
without back-off delay. The same scenarios as `tests/norec_portal/test_faults.py`, at
campaign size. Total {elapsed / 60:.1f} minutes.

{table}

{kills}

- **failed (550)**: rows failed, and in brackets the recipients the server refuses.
- **crash window**: messages accepted but not yet marked `sent` when a worker was killed,
  the only duplicates the design allows (at most one per pool process per kill).
- **broker faults (tasks lost)**: Redis restarts and flushes, and the task messages lost
  with them; the database re-drove the mail.
- **extra tasks**, **redelivered while running**: task copies sent on purpose, or handed
  out again after the visibility timeout while the first still ran.
- **recovery**: after a kill, the longest time from the restarted worker to its first
  delivery, and to the last row the killed worker held being sent (bounded by the lease,
  here 4 s, 90 s in production, plus a sweep); after a Redis restart, from Redis answering
  again to the first message queued after the restart
  reaching the SMTP server, delivered by the same worker process (no restart).
- **guarantees**: no worker process exited by itself, nobody lost, duplicates only
  within the crash window, each 550 tried once, every row `sent` or `failed` at the end.

What the design promises and why: [docs/reliability.md](../docs/reliability.md).
"""


if __name__ == "__main__":
    sys.exit(main())
