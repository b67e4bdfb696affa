"""Compile the translation catalogues without GNU gettext.

Django's ``compilemessages`` needs ``msgfmt``, which a fresh machine may lack; polib
writes the same ``.mo`` files in pure Python. ``make install`` (and so ``make demo`` and
``make test``) runs this after installing the dependencies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues() -> list[Path]:
    """Every ``<locale>/LC_MESSAGES/*.po`` under the project's ``LOCALE_PATHS``."""
    found: list[Path] = []
    for root in settings.LOCALE_PATHS:
        found.extend(sorted(Path(root).glob("*/LC_MESSAGES/*.po")))
    return found


def compile_catalogue(po_path: Path) -> Path:
    """Write ``<name>.mo`` beside ``po_path``; fuzzy and untranslated entries are left out
    (as ``msgfmt`` does), so they fall back to the English text."""
    catalogue = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    catalogue.save_as_mofile(str(mo_path))
    return mo_path


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po to .mo with polib (no msgfmt needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        paths = catalogues()
        for po_path in paths:
            try:
                mo_path = compile_catalogue(po_path)
            except (OSError, ValueError) as exc:
                raise CommandError(f"{po_path}: {exc}") from exc
            if options["verbosity"] > 1:
                self.stdout.write(f"{po_path} -> {mo_path.name}")
        if options["verbosity"] > 0:
            self.stdout.write(f"Compiled {len(paths)} translation catalogue(s).")
