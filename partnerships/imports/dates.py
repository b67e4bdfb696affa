"""How a participant file writes its dates: day or month first, and how the preview shows a
date it read."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext

# A date written with slashes, as a/b/yyyy: day or month first depends on the file.
SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/\d{4}(?:[ T]00:00(?::00)?)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00)?)?")


@dataclass(frozen=True)
class DateOrder:
    """How a file writes dates with slashes (a/b/yyyy), decided from the dates only one
    order can read: 11/30/2027 is month first, 30/11/2027 day first. A file with only
    month-first ones is read month first (Excel with US settings); otherwise day first. A
    file with both kinds (``mixed``) cannot say what 3/1/2027 means: those are refused."""

    month_first: bool = False
    mixed: bool = False
    ambiguous: bool = False  # some slashed dates read differently in the two orders

    def notes(self) -> list[str]:
        if self.month_first:
            return [gettext("Dates written with slashes were read month first (as in "
                            "11/30/2027), as some dates in this file can only be read that "
                            "way. Check the dates shown in the rows.")]  # fmt: skip
        if self.mixed:
            return [gettext("This file writes some dates day first (30/11/2027) and others "
                            "month first (11/30/2027), so dates such as 3/1/2027 cannot be "
                            "read with certainty. Write them as YYYY-MM-DD.")]  # fmt: skip
        if self.ambiguous:
            return [gettext("Dates written with slashes were read day first (3/1/2027 is "
                            "3 January 2027). Check the dates shown in the rows.")]  # fmt: skip
        return []


def slash_date(value: Any) -> tuple[int, int] | None:
    """The first two numbers of a date written a/b/yyyy."""
    match = SLASH_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    return (int(match[1]), int(match[2])) if match else None


def date_order(cells: Iterable[Any]) -> DateOrder:
    """The order of a file's date ``cells``, from those only one order can read."""
    day_first = month_first = ambiguous = False
    for cell in cells:
        parts = slash_date(cell)
        if parts is None:
            continue
        first, second = parts
        day_first |= first > 12 >= second
        month_first |= second > 12 >= first
        ambiguous |= first != second and max(first, second) <= 12
    return DateOrder(
        month_first=month_first and not day_first,
        mixed=month_first and day_first,
        ambiguous=ambiguous,
    )


def shown_date(value: Any, date: dt.date, *, written: str) -> str:
    """A date as the preview shows it: as it was read, and as it was written when that
    could have been read otherwise (slashes, a serial number)."""
    shown = date_format(date, "j M Y")
    if isinstance(value, dt.date) or ISO_DATE.fullmatch(str(value).strip()):
        return shown
    return gettext("%(date)s (written “%(value)s”)") % {"date": shown, "value": written}
