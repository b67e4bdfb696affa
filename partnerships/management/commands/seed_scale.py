"""Fill the database with the scale data set of DESIGN.md §4, for benchmarks and load tests.

Each app contributes through ``<app>.demo.build_scale(rng, scale) -> dict[str, int]`` (the
counts it created, by label), called in the order of ``INSTALLED_APPS`` so that trainings
and network find the partnerships' people already there. Every app gets its own random
generator seeded from ``--seed`` and its label: the same seed gives the same data, and one
app's data does not shift when another app changes what it draws.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from partnerships.models import Person

# More people than this means real or demo data is there: refuse unless told to append.
GUARD_PEOPLE = 1000

ScaleBuilder = Callable[[random.Random, float], dict[str, int]]


def scale_builders() -> list[tuple[str, ScaleBuilder]]:
    """``(app label, build_scale)`` of every installed app whose ``demo`` module has one."""
    builders = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "demo"):
            continue
        module = import_module(f"{config.name}.demo")
        if callable(getattr(module, "build_scale", None)):
            builders.append((config.label, module.build_scale))
    return builders


class Command(BaseCommand):
    help = (
        "Create the scale data set (400 organisations, 150 partnerships, 2,500 participants, "
        "12,000 alumni at --scale 1, plus what other apps add). Refuses to run in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiply every count (default 1.0)."
        )
        parser.add_argument(
            "--seed", type=int, default=1963, help="Random seed; the same seed, the same data."
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help=f"Add to a database that already holds more than {GUARD_PEOPLE} people.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_scale fills the database with invented people.")
        scale, seed = options["scale"], options["seed"]
        if not 0 < scale <= 10:
            raise CommandError("--scale must be more than 0 and at most 10.")
        people = Person.objects.count()
        if people > GUARD_PEOPLE and not options["append"]:
            raise CommandError(
                f"The database already holds {people} people. Use an empty database, "
                "or pass --append to add the scale data set to what is there."
            )
        started = time.monotonic()
        with transaction.atomic():
            for label, build_scale in scale_builders():
                app_started = time.monotonic()
                counts = build_scale(random.Random(f"{seed}:{label}"), scale)  # noqa: S311
                self.stdout.write(f"{label} ({time.monotonic() - app_started:.1f} s)")
                for name, count in counts.items():
                    self.stdout.write(f"  {name:<28} {count:>8,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data set (scale {scale:g}, seed {seed}) created "
                f"in {time.monotonic() - started:.1f} seconds."
            )
        )
