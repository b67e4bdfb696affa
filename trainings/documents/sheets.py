"""The week lists as spreadsheets, for a hotel or a transport company that works in Excel.

Same content as the PDFs (``week_lists``), one row per movement, occupant or person;
text cells are never read as formulas (``norec_portal.spreadsheets.xlsx_cells``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from norec_portal.spreadsheets import xlsx_cells
from partnerships.exports import XLSX_CONTENT_TYPE

from ..models import Enrolment
from .week_lists import BUILDERS, LIST_TITLES, NeedsList, PickupList, RoomingList, WeekScope

__all__ = ["XLSX_CONTENT_TYPE", "week_list_xlsx"]


def _organisation(enrolment: Enrolment) -> str:
    return enrolment.organisation.name if enrolment.organisation_id else ""


def _pickup_rows(data: PickupList) -> tuple[list[str], list[list[Any]]]:
    header = [_("Date"), _("Time"), _("Arrival or departure"), _("Name"), _("Session"),
              _("Flight or transport"), _("Airport or station"), _("Flag")]  # fmt: skip
    rows = []
    for _day, movements in data.days:
        for m in movements:
            rows.append([
                m.date, m.time.strftime("%H:%M") if m.time else "",
                _("Arrival") if m.moves == "arrival" else _("Departure"),
                m.person.full_name, m.enrolment.session.name, m.by, m.airport, m.flag,
            ])  # fmt: skip
    for e in data.missing:
        rows.append(["", "", "", e.person.full_name, e.session.name, "", "",
                     _("Travel details missing")])  # fmt: skip
    return header, rows


def _rooming_rows(data: RoomingList) -> tuple[list[str], list[list[Any]]]:
    header = [_("Room"), _("Name"), _("Gender"), _("Session"), _("Organisation"),
              _("Check-in"), _("Check-out"), _("Note")]  # fmt: skip
    missing = {e.pk for e in data.missing}
    rows = []
    for room in data.rooms:
        for e in room.occupants:
            note = [room.note] if room.note else []
            if e.pk in missing:
                note.append(_("Travel details missing: the week's dates"))
            rows.append([
                room.number, e.person.full_name,
                e.person.get_gender_display() if e.person.gender else "",
                e.session.name, _organisation(e), room.check_in, room.check_out,
                "; ".join(note),
            ])  # fmt: skip
    return header, rows


def _dietary_rows(data: NeedsList) -> tuple[list[str], list[list[Any]]]:
    header = [_("Name"), _("Session"), _("Organisation"), _("Dietary needs"),
              _("Accessibility needs")]  # fmt: skip
    rows: list[list[Any]] = [
        [e.person.full_name, e.session.name, _organisation(e), e.travel.dietary_needs,
         e.travel.accessibility_needs]
        for e in data.people
    ]  # fmt: skip
    rows += [
        [e.person.full_name, e.session.name, _organisation(e), _("Travel details missing"), ""]
        for e in data.missing
    ]
    return header, rows


ROWS = {"pickup": _pickup_rows, "rooming": _rooming_rows, "dietary": _dietary_rows}


def week_list_xlsx(which: str, scope: WeekScope) -> tuple[bytes, int]:
    """The list as an XLSX workbook, and its number of rows (for the audit)."""
    data = BUILDERS[which](scope)
    header, rows = ROWS[which](data)
    sheets = [(str(LIST_TITLES[which]), header, rows)]
    if isinstance(data, NeedsList):
        sheets.append(
            (_("Counts"), [_("Need"), _("Kind"), _("People")],
             [[need, _("Dietary"), n] for need, n in data.dietary]
             + [[need, _("Accessibility"), n] for need, n in data.accessibility])
        )  # fmt: skip
    return _workbook(scope.title, sheets), len(rows)


def _workbook(title: str, sheets: Iterable[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, header, rows in sheets:
        # A sheet's name is at most 31 characters, without []:*?/\ .
        sheet = workbook.create_sheet("".join(c for c in name if c not in "[]:*?/\\")[:31])
        sheet.freeze_panes = "A3"
        for index in range(len(header)):
            sheet.column_dimensions[get_column_letter(index + 1)].width = 22
        sheet.append(xlsx_cells(sheet, [title], font=bold))
        sheet.append(xlsx_cells(sheet, header, font=bold))
        for row in rows:
            sheet.append(xlsx_cells(sheet, [
                value if isinstance(value, dt.date | int) else str(value or "")
                for value in row
            ]))  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
