"""A coordinator's participants as a spreadsheet (CSV or XLSX).

No cell is ever read as a formula, so a name such as ``=HYPERLINK(...)`` stays text when
the file is opened: in the CSV a value starting with ``= + - @``, a tab or a carriage
return gets a leading apostrophe; in the XLSX every text cell is typed as text and shown
as written (``norec_portal.spreadsheets``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.text import slugify

from norec_portal.spreadsheets import csv_safe, xlsx_cells

from .models import Participant, PartnerOrganisation

# The column names are those of the import where the two share a column, so that an export
# is easy to read next to an import file.
EXPORT_COLUMNS: tuple[str, ...] = (
    "first_name", "last_name", "email", "phone", "nationality", "gender", "date_of_birth",
    "partnership", "sending_organisation", "host_organisation", "exchange_start",
    "exchange_end", "elearning_completed_on", "status",
)  # fmt: skip

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def participant_rows(participants: Iterable[Participant]) -> Iterator[list[Any]]:
    """One list of cell values per participant (dates stay dates), in EXPORT_COLUMNS order.

    ``participants`` should come with person, partnership and organisations selected.
    """
    for participant in participants:
        person = participant.person
        yield [
            person.first_name,
            person.last_name,
            person.email,
            person.phone,
            person.nationality.code or "",
            person.get_gender_display() if person.gender else "",
            person.date_of_birth,
            participant.partnership.name if participant.partnership else "",
            _organisation_name(participant.sending_organisation),
            _organisation_name(participant.host_organisation),
            participant.exchange_start,
            participant.exchange_end,
            participant.elearning_completed_on,
            participant.get_status_display(),
        ]


def _organisation_name(organisation: PartnerOrganisation | None) -> str:
    return organisation.name if organisation else ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def export_csv(participants: Iterable[Participant]) -> bytes:
    """UTF-8 with a byte order mark, which tells Excel the encoding."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in participant_rows(participants):
        writer.writerow([csv_safe(_text(value)) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(participants: Iterable[Participant]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Participants")
    sheet.freeze_panes = "A2"
    for index in range(len(EXPORT_COLUMNS)):
        sheet.column_dimensions[_column_letter(index)].width = 20
    sheet.append(xlsx_cells(sheet, EXPORT_COLUMNS, font=Font(bold=True)))
    for row in participant_rows(participants):
        sheet.append(xlsx_cells(sheet, ["" if value is None else value for value in row]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def export_filename(organisation: PartnerOrganisation, file_format: str, on: dt.date) -> str:
    slug = slugify(organisation.name)[:60] or "organisation"
    return f"participants-{slug}-{on.isoformat()}.{file_format}"
