"""Import of former participants (since 1963) from a spreadsheet (CSV or XLSX).

Two steps. :func:`create_preview` reads the file, checks every row and looks for likely
duplicates (in the file and against the portal), and stores the result for staff to
read, row by row. :func:`import_batch` then writes the importable rows in one
transaction and puts the likely duplicates in the merge queue. Nothing is merged here.

Messy data is expected: a missing or invalid email or phone is a warning (the person is
imported without it); only a row without a name or with an impossible year is refused.
The steps are split by what they do: ``columns`` (the file and its columns), ``rows``
(each row's checks), ``known`` (what the portal already holds, likely duplicates).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.models import User
from partnerships.models import Participant, Person

from ..models import HistoricalImport, HistoricalRecord, RawAddress
from ..services.duplicates import propose_pairs
from .columns import (
    COLUMNS,
    FIRST_YEAR,
    MAX_BYTES,
    MAX_CELL,
    MAX_ROWS,
    ImportFileError,
    cell_text,
    ignored_columns,
    map_columns,
    read_table,
)
from .known import Known, Preview, analyse, summarise
from .rows import REMARKS, parse_row, parse_rows, remark_lines

__all__ = [
    "COLUMNS", "FIRST_YEAR", "MAX_BYTES", "MAX_CELL", "MAX_ROWS", "REMARKS", "ImportFileError",
    "Known", "Preview", "analyse", "build_preview", "create_preview", "discard_batch",
    "ignored_columns", "import_batch", "map_columns", "parse_row", "parse_rows",
    "read_preview", "read_table", "remark_lines", "summarise",
]  # fmt: skip


# --- The two steps ---------------------------------------------------------------------


def read_preview(*, file: IO[bytes], filename: str) -> Preview:
    """Read and check a file: its rows, the file's warnings (an encoding guessed) and the
    columns that are not read."""
    table = read_table(file, filename)
    rows = analyse(parse_rows(table))
    header = [cell_text(v) for v in table.header]
    return Preview(
        rows=rows,
        file_warnings=list(table.warnings),
        ignored_columns=ignored_columns(header),
        sheet=table.sheet,
        id_column=" / ".join(header[i] for i in map_columns(header).get("source_id", [])),
    )


def build_preview(*, file: IO[bytes], filename: str) -> list[dict[str, Any]]:
    return read_preview(file=file, filename=filename).rows


def create_preview(*, file: IO[bytes], filename: str, by: User | None) -> HistoricalImport:
    """Read and check the file; store the result for staff to confirm (nothing imported)."""
    preview = read_preview(file=file, filename=filename)
    return HistoricalImport.objects.create(
        filename=filename[:255],
        sheet=preview.sheet,
        rows=preview.rows,
        summary=summarise(preview.rows, preview),
        uploaded_by=by,
    )


@transaction.atomic
def import_batch(*, batch: HistoricalImport, by: User | None) -> HistoricalImport:
    """Write every importable row, all or nothing, and queue the likely duplicates."""
    batch = HistoricalImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != HistoricalImport.Status.PREVIEW:
        raise ValidationError(_("This file was already imported or discarded."))
    rows = analyse(batch.rows)
    todo = [r for r in rows if r["status"] == "new"]
    people = [
        Person(
            first_name=r["first_name"],
            last_name=r["last_name"],
            email=r["email"],
            phone=r["phone"],
            country=r["country"],
            nationality=r.get("nationality", ""),
            date_of_birth=r.get("date_of_birth") or None,
        )  # fmt: skip
        for r in todo
    ]
    try:
        with transaction.atomic():
            Person.objects.bulk_create(people, batch_size=500)
            participants = [
                Participant(
                    person=person,
                    status=Participant.Status.COMPLETED,
                    exchange_year=r["exchange_year"],
                    legacy_programme=r["programme"],
                    source_id=r["source_id"],
                    registered_by=by,
                )  # fmt: skip
                for person, r in zip(people, todo, strict=True)
            ]
            Participant.objects.bulk_create(participants, batch_size=500)
    except IntegrityError:
        raise ValidationError(
            _("Someone changed the same people while this file was being imported. "
              "Nothing was imported; upload the file again.")
        ) from None  # fmt: skip
    HistoricalRecord.objects.bulk_create(
        [
            HistoricalRecord(
                participant=participant,
                batch=batch,
                row_number=r["row"],
                name_in_source=r["name_in_source"],
                organisations=r["organisations"],
                emails_in_source=r["emails_in_source"],
                phone_in_source=r["phone_in_source"],
            )  # fmt: skip
            for participant, r in zip(participants, todo, strict=True)
        ],
        batch_size=500,
    )
    # Addresses that could not be used as written wait, with any suggestion, for staff.
    RawAddress.objects.bulk_create(
        [
            RawAddress(
                person=person,
                raw=check["raw"],
                status=check["status"],
                suggestion=check["suggestion"],
                reason=check["reason"],
                batch=batch,
            )  # fmt: skip
            for person, r in zip(people, todo, strict=True)
            for check in r.get("email_checks", ())
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    person_of_row = {r["row"]: p.pk for p, r in zip(people, todo, strict=True)}
    proposed = propose_pairs(_pairs(todo, person_of_row), batch=batch)
    # A namesake imported because it gave another address is proposed whatever its score.
    proposed += propose_pairs(_pairs(todo, person_of_row, always=True), batch=batch, at_least=0)
    summary = {**batch.summary, **summarise(rows)}
    summary.update(imported=len(todo), proposed=proposed)
    batch.rows = rows
    batch.summary = summary
    batch.status = HistoricalImport.Status.IMPORTED
    batch.imported_at = timezone.now()
    batch.save()
    return batch


def _pairs(
    rows: Iterable[dict[str, Any]], person_of_row: dict[int, int], *, always: bool = False
) -> Iterator[tuple[int, int, list[str], int]]:
    for row in rows:
        for dup in row["duplicates"]:
            if dup.get("always", False) != always:
                continue
            other = person_of_row.get(dup["ref"]) if dup["kind"] == "row" else dup["ref"]
            if other is not None:
                yield person_of_row[row["row"]], other, dup["reasons"], dup["score"]


@transaction.atomic
def discard_batch(*, batch: HistoricalImport) -> HistoricalImport:
    batch = HistoricalImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != HistoricalImport.Status.PREVIEW:
        raise ValidationError(_("This file was already imported or discarded."))
    batch.status = HistoricalImport.Status.DISCARDED
    batch.save(update_fields=["status"])
    return batch
