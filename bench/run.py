"""Run the benchmarks: ``python -m bench.run [area ...]`` (``make bench`` runs them all).

1. The bench database (``DATABASE_URL``, default ``norec_bench``) is dropped, created and
   migrated, seeded with ``seed_scale --scale 0.05`` to count each page's queries on
   small data, then dropped, created, migrated and seeded again with the full
   ``seed_scale`` data set, on which everything else runs.
2. Each area writes its own section of ``bench/RESULTS.md``. The growth area seeds a
   second database, the first's name with ``_x10`` added, with ``seed_scale --scale 10``
   (``bench/growth.py``).

``--reuse-db`` skips step 1 and runs on the data already there (for working on one area;
the query counts then need a fresh database and are skipped; the growth area reuses the
``_x10`` database if it is seeded).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable

from .common import (
    busiest_processes,
    database_name,
    load_average,
    setup_django,
    stamp,
    write_section,
)

# In this order: growth measures scale 1 before the later areas add data of their own.
AREAS = ("queries", "pages", "growth", "documents", "logistics", "enrolment", "mail", "imports")
TITLES = {
    "setup": "Set-up",
    "queries": "Queries per page",
    "pages": "Pages under load",
    "growth": "Growth: the pages on ten times the data",
    "mail": "Mail: a newsletter to 12,000 members",
    "documents": "Documents (WeasyPrint)",
    "logistics": "Logistics: a week's lists for the venue, 120 people",
    "imports": "Imports",
    "enrolment": "Enrolment under contention",
}
SMALL_SCALE = 0.05


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("areas", nargs="*", metavar="area",
                        help=f"areas to run: {', '.join(AREAS)} (default: all)")  # fmt: skip
    parser.add_argument("--reuse-db", action="store_true",
                        help="run on the seeded bench database as it is")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="measured seconds per page and client count (default 10)")  # fmt: skip
    parser.add_argument("--clients", default="8,32",
                        help="client counts for the page load (default 8,32)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=30,
                        help="GETs per page in process, pages and growth (default 30)")  # fmt: skip
    parser.add_argument("--growth-scale", type=float, default=10.0,
                        help="scale of the growth area's second database (default 10; "
                             "another value only to try the harness out)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--messages", type=int, default=12_000,
                        help="newsletter size for the mail benchmark (default 12000)")  # fmt: skip
    options = parser.parse_args(argv)
    unknown = set(options.areas) - set(AREAS)
    if unknown:
        parser.error(f"unknown area(s): {', '.join(sorted(unknown))}")
    options.areas = [a for a in AREAS if a in options.areas] or list(AREAS)
    options.clients = tuple(int(c) for c in str(options.clients).split(","))
    return options


def section(area: str, body: str, arguments: list[str]) -> None:
    line = stamp(area if area in AREAS else "", arguments)
    write_section(area, f"## {TITLES[area]}\n\n{line}\n\n{body}")
    print(f"[bench] {area}: written to bench/RESULTS.md", flush=True)


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    options = parse(arguments)
    setup_django()
    from . import pages
    from .common import analyze, reset_database, seed
    from .world import prepare_world

    started = time.monotonic()
    small_counts = None
    setup_lines = [f"Database `{database_name()}`; other work on the machine at the start "
                   f"(top processes by CPU): {busiest_processes()}."]  # fmt: skip
    if not options.reuse_db:
        if "queries" in options.areas:
            print(f"[bench] small data set (seed_scale --scale {SMALL_SCALE})", flush=True)
            reset_database()
            seed(SMALL_SCALE)
            small_counts = pages.count_page_queries(prepare_world())
        print("[bench] scale data set (seed_scale)", flush=True)
        reset_database()
        began = time.monotonic()
        output = seed(1.0)
        setup_lines.append(
            f"Fresh database, migrated, seeded with `manage.py seed_scale` (scale 1, seed "
            f"1963) in {time.monotonic() - began:.1f} s:\n\n```\n{output.strip()}\n```"
        )
    else:
        setup_lines.append("The database was used as an earlier run left it (`--reuse-db`).")
    world = prepare_world()
    analyze()
    setup_lines += world.notes
    section("setup", "\n\n".join(setup_lines), arguments)

    runners: dict[str, Callable[[], str]] = {
        "queries": lambda: run_queries(world, small_counts),
        "pages": lambda: run_pages(world, options),
        "growth": lambda: run_growth(options),
        "documents": lambda: _area("documents").run(),
        "logistics": lambda: _area("logistics").run(),
        "enrolment": lambda: _area("enrolment").run(),
        "mail": lambda: _area("mail").run(messages=options.messages),
        "imports": lambda: _area("imports").run(world),
    }
    failed = []
    for area in options.areas:
        print(f"[bench] {area} … (load average {load_average()})", flush=True)
        try:
            body = runners[area]()
        except Exception:
            failed.append(area)
            body = f"**The benchmark failed:**\n\n```\n{traceback.format_exc()}\n```"
            print(body, flush=True)
        if body:
            section(area, body, arguments)
    minutes = (time.monotonic() - started) / 60
    print(f"[bench] done in {minutes:.1f} min" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


def _area(name: str):  # noqa: ANN202 - a module
    from importlib import import_module

    return import_module(f"bench.{name}")


def run_queries(world, small_counts) -> str:  # noqa: ANN001
    from . import pages

    if small_counts is None:
        print("[bench] queries: skipped (needs a fresh database, not --reuse-db)")
        return ""
    scale_counts = pages.count_page_queries(world)
    return pages.queries_report(
        small_counts, scale_counts,
        f"small = `seed_scale --scale {SMALL_SCALE}`, scale = `seed_scale` (scale 1)",
    )  # fmt: skip


def run_pages(world, options: argparse.Namespace) -> str:  # noqa: ANN001
    from . import pages

    measured = pages.measure_in_process(world, repeat=options.repeat)
    loads, info = pages.measure_pages(
        world, clients=options.clients, seconds=options.seconds, workers=options.workers
    )
    return (
        pages.pages_report(loads, info, options.clients)
        + "\n\n"
        + pages.in_process_report(measured)
    )


def run_growth(options: argparse.Namespace) -> str:
    from . import growth

    return growth.report(
        growth.run(repeat=options.repeat, reuse_db=options.reuse_db, scale=options.growth_scale)
    )


if __name__ == "__main__":
    raise SystemExit(main())
