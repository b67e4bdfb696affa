"""Growth: each page at scale 1 and on a data set ten times larger, in process.

The scale-1 figures come from the bench database; the scale-10 figures from a second
database, named as the first with ``_x10`` added (the same rule applies: its name must
contain ``bench``), created, migrated and seeded with ``seed_scale --scale 10``, its
network grown to as many members as it has alumni (as the scale-1 network holds one
member per alumnus), then vacuumed and analysed.

Each measurement runs in a fresh process on one database (``python -m bench.growth
measure``), with the personas and the GETs of the page benchmark
(:func:`bench.pages.measure_in_process`: after a warm-up GET, each GET computes its page
in full). The two scales are measured in turns, scale 1 then scale 10, twice, and each
page's median is taken over all its GETs at a scale: on a shared machine its speed drifts
within minutes, and alternating spreads the drift over both scales.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .common import (
    ROOT,
    check_database_name,
    database_url_with_suffix,
    ms,
    percentile,
    python,
    table,
    verdict,
)

SCALE = 10.0
SUFFIX = "_x10"
RATIO_TARGET = 1.5
ROUNDS = 2
MARK = "BENCH-GROWTH "  # the line of a child process that holds its JSON answer


# --- In the child process (one database) ------------------------------------------------


def alumni_count() -> int:
    from django.db.models import Exists, OuterRef

    from partnerships.models import Participant, Person

    return Person.objects.filter(
        Exists(Participant.objects.filter(person=OuterRef("pk"), partnership__isnull=True))
    ).count()


def data_sizes() -> dict[str, int]:
    """What grows: people, alumni, current participants, organisations, members."""
    from partnerships.models import Participant, PartnerOrganisation, Person

    sizes = {
        "people": Person.objects.count(),
        "alumni": alumni_count(),
        "current participants": Participant.objects.current().count(),
        "organisations": PartnerOrganisation.objects.count(),
    }
    from .world import network_installed

    if network_installed():
        from network.models import Member

        sizes["members"] = Member.objects.count()
    return sizes


def seed_database(scale: float) -> dict[str, object]:
    """Recreate this process's database with ``seed_scale --scale <scale>``, one member
    per alumnus, the personas, and fresh planner statistics; the time of each step."""
    from .common import analyze, reset_database, seed
    from .world import network_installed, prepare_world, top_up_members

    began = time.monotonic()
    reset_database()
    steps: dict[str, float] = {"create and migrate": time.monotonic() - began}
    began = time.monotonic()
    output = seed(scale)
    steps[f"seed_scale --scale {scale:g}"] = time.monotonic() - began
    if network_installed():
        began = time.monotonic()
        top_up_members(target=alumni_count())
        steps["members, one per alumnus"] = time.monotonic() - began
    prepare_world()
    began = time.monotonic()
    analyze()
    steps["VACUUM (ANALYZE)"] = time.monotonic() - began
    return {"steps": steps, "output": output, "sizes": data_sizes()}


def measure(repeat: int) -> dict[str, object]:
    """Every page of the page benchmark, ``repeat`` GETs each, on this process's data."""
    from .pages import measure_in_process
    from .world import prepare_world

    world = prepare_world()
    pages = {
        m.page.key: {"seconds": m.seconds, "queries": m.queries, "status": m.status}
        for m in measure_in_process(world, repeat=repeat)
    }
    return {"pages": pages, "sizes": data_sizes()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.growth")
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed", help="recreate and seed DATABASE_URL")
    seeding.add_argument("--scale", type=float, default=SCALE)
    measuring = commands.add_parser("measure", help="time every page on DATABASE_URL")
    measuring.add_argument("--repeat", type=int, default=30)
    options = parser.parse_args(argv)

    from .common import setup_django

    setup_django()
    if options.command == "seed":
        answer = seed_database(options.scale)
    else:
        answer = measure(options.repeat)
    print(MARK + json.dumps(answer), flush=True)


# --- In the bench process ------------------------------------------------------------------


def _child(database_url: str, *args: str) -> dict:
    """Run ``python -m bench.growth <args>`` on ``database_url``; its JSON answer."""
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        [python(), "-m", "bench.growth", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    for line in done.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise RuntimeError(
        f"`python -m bench.growth {' '.join(args)}` failed ({done.returncode}):\n"
        f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )


def _has_people(database_url: str) -> bool:
    """Whether the database exists and holds a seeded data set (for ``--reuse-db``)."""
    import psycopg

    try:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            row = conn.execute("SELECT count(*) FROM partnerships_person").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


@dataclass
class PageGrowth:
    key: str
    label: str
    small: list[float] = field(default_factory=list)
    large: list[float] = field(default_factory=list)
    queries: tuple[int | None, int | None] = (None, None)
    statuses: tuple[int | None, int | None] = (None, None)

    @property
    def ratio(self) -> float | None:
        if not self.small or not self.large:
            return None
        return percentile(self.large, 50) / percentile(self.small, 50)

    @property
    def reference(self) -> bool:
        return self.key == "trivial"

    @property
    def ok(self) -> bool:
        return (
            self.ratio is not None
            and self.ratio <= RATIO_TARGET
            and self.statuses == (200, 200)
            and self.queries[0] == self.queries[1]
        )


@dataclass
class Growth:
    pages: list[PageGrowth]
    sizes: tuple[dict[str, int], dict[str, int]]
    seeding: dict[str, object] | None
    repeat: int
    rounds: int
    scale: float = SCALE


def combine(
    rounds: list[tuple[dict, dict]],
    labels: dict[str, str],
    *,
    seeding: dict | None = None,
    scale: float = SCALE,
) -> Growth:
    """One :class:`PageGrowth` per page from the children's answers, scale 1 and 10."""
    found: dict[str, PageGrowth] = {}
    for small, large in rounds:
        for side, answer in enumerate((small, large)):
            for key, page in answer["pages"].items():
                growth = found.setdefault(key, PageGrowth(key, labels.get(key, key)))
                (growth.small, growth.large)[side].extend(page["seconds"])
                queries, statuses = list(growth.queries), list(growth.statuses)
                queries[side], statuses[side] = page["queries"], page["status"]
                growth.queries, growth.statuses = tuple(queries), tuple(statuses)
    repeat = max((len(p.small) for p in found.values()), default=0) // max(len(rounds), 1)
    return Growth(
        pages=list(found.values()),
        sizes=(rounds[-1][0]["sizes"], rounds[-1][1]["sizes"]),
        seeding=seeding,
        repeat=repeat,
        rounds=len(rounds),
        scale=scale,
    )


def run(
    *, repeat: int = 30, rounds: int = ROUNDS, reuse_db: bool = False, scale: float = SCALE
) -> Growth:
    """Seed the ``_x10`` database at ``scale`` (unless ``reuse_db`` finds it seeded), then
    measure both databases in turns. Only a trial of the harness uses another scale."""
    from .pages import PAGES, TRIVIAL

    small_url = os.environ["DATABASE_URL"]
    large_url = database_url_with_suffix(small_url, SUFFIX)
    check_database_name(large_url.rsplit("/", 1)[-1].split("?", 1)[0])
    seeding = None
    if not (reuse_db and _has_people(large_url)):
        print(f"[bench] growth: seeding the scale-{scale:g} database", flush=True)
        seeding = _child(large_url, "seed", "--scale", f"{scale:g}")
    answers = []
    for number in range(rounds):
        print(f"[bench] growth: round {number + 1} of {rounds}", flush=True)
        small = _child(small_url, "measure", "--repeat", str(repeat))
        large = _child(large_url, "measure", "--repeat", str(repeat))
        answers.append((small, large))
    labels = {page.key: page.label for page in (TRIVIAL, *PAGES)}
    return combine(answers, labels, seeding=seeding, scale=scale)


def report(growth: Growth) -> str:
    big = f"scale {growth.scale:g}"
    rows, missed = [], []
    for page in growth.pages:
        ratio = page.ratio
        small_q, large_q = page.queries
        if page.reference:
            target = "reference"
        else:
            target = verdict(page.ok)
            if not page.ok:
                missed.append(page.label)
        small_s, large_s = page.statuses
        status = "" if page.statuses == (200, 200) else f" (HTTP {small_s}/{large_s})"
        rows.append([
            page.label, ms(percentile(page.small, 50)), ms(percentile(page.large, 50)),
            f"{ratio:.2f}×" if ratio is not None else "–",
            ms(percentile(page.large, 95)), ms(max(page.large, default=0.0)),
            f"{small_q} → {large_q}", target + status,
        ])  # fmt: skip
    small, large = growth.sizes
    sizes = table(
        ["", *small.keys()],
        [["scale 1", *(f"{n:,}" for n in small.values())],
         [big, *(f"{large.get(k, 0):,}" for k in small)]],
    )  # fmt: skip
    parts = [
        f"Each page in process (`django.test.Client`, bench settings, PostgreSQL), the "
        f"personas of the page benchmark, {growth.repeat} GETs per page and round after a "
        f"warm-up GET, every GET computing its page in full; {growth.rounds} rounds, each "
        f"measuring scale 1 then {big} in a fresh process; medians over all rounds. "
        f"Target: the median at {big} at most {RATIO_TARGET:g}× that at scale 1, with "
        "the same number of queries. The trivial view (the middleware alone) is a reference.",
        sizes,
        table(
            [
                "Page",
                "scale 1 ms",
                f"{big} ms",
                "ratio",
                f"{big} p95 ms",
                f"{big} max ms",
                "queries",
                "target",
            ],
            rows,
        ),  # fmt: skip
        "All available pages meet the target."
        if not missed
        else "**Missed:** " + ", ".join(missed) + ".",
    ]
    if growth.seeding:
        steps = growth.seeding["steps"]
        parts.append(
            f"The {big} database was made for this run: "
            + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in steps.items())
            + f" ({sum(steps.values()):.0f} s in all)."
            + f"\n\n```\n{str(growth.seeding['output']).strip()}\n```"
        )
    else:
        parts.append(f"The {big} database was reused as a previous run left it.")
    return "\n\n".join(parts)


if __name__ == "__main__":
    main(sys.argv[1:])
