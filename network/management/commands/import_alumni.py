"""Import former participants from a spreadsheet, from the command line.

    python manage.py import_alumni alumni.xlsx            # check only: rows and duplicates
    python manage.py import_alumni alumni.xlsx --commit   # import (one transaction)

The same checks and the same import as the staff page; likely duplicates go to the merge
queue, never merged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from network import imports
from network.models import HistoricalImport
from norec_portal.models import User


class Command(BaseCommand):
    help = "Check (and with --commit import) a spreadsheet of former participants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--commit", action="store_true", help="Import the valid rows.")
        parser.add_argument("--by", default="", help="Email of the staff user to record.")
        parser.add_argument("--quiet-rows", action="store_true",
                            help="Print only the summary, not each row's remarks.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        by = None
        if options["by"]:
            by = User.objects.filter(email__iexact=options["by"]).first()
            if by is None:
                raise CommandError(f"No user with the email {options['by']}")
        try:
            with path.open("rb") as file:
                if options["commit"]:
                    batch = imports.create_preview(file=file, filename=path.name, by=by)
                    rows, summary = batch.rows, batch.summary
                else:
                    batch = None
                    preview = imports.read_preview(file=file, filename=path.name)
                    rows, summary = preview.rows, imports.summarise(preview.rows, preview)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if not options["quiet_rows"]:
            self._print_rows(rows)
        for warning in summary.get("file_warnings", []):
            self.stdout.write(self.style.WARNING(warning))
        if summary.get("ignored_columns"):
            self.stdout.write("columns not read: " + ", ".join(summary["ignored_columns"]))
        for line in imports.remark_lines(summary):
            self.stdout.write(f"  {line}")
        self.stdout.write(
            "rows: {rows}  new: {new}  already there: {skip}  refused: {error}  "
            "likely duplicates: {duplicates}  without email: {without_email}".format(**summary)
        )
        if batch is None:
            self.stdout.write("Nothing imported (run again with --commit).")
            return
        try:
            batch = imports.import_batch(batch=batch, by=by)
        except ValidationError as exc:
            HistoricalImport.objects.filter(pk=batch.pk).update(
                status=HistoricalImport.Status.DISCARDED
            )
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS(
            f"Imported {batch.summary['imported']} people; "
            f"{batch.summary['proposed']} pairs proposed for review in the merge queue."
        ))  # fmt: skip

    def _print_rows(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            remarks = [*row["errors"], *row["warnings"], *row["notes"]]
            for dup in row["duplicates"]:
                other = f"row {dup['ref']}" if dup["kind"] == "row" else dup["label"]
                remarks.append(f"possible duplicate of {other}")
            if remarks:
                name = f"{row['first_name']} {row['last_name']}".strip() or "—"
                self.stdout.write(
                    f"row {row['row']} ({name}, {row['status']}): " + "; ".join(remarks)
                )
