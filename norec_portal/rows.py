"""What the rows of a list page print, worked out once a page rather than once a row.

Template tags and filters are the main cost of a long table: ``{% url %}`` about 40 µs a
row and ``|date`` 25–40 µs a date (bench/RESULTS.md). These helpers give the same strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from django.utils.dates import MONTHS, MONTHS_3

# Stands for the pk in a reversed URL: a number no other part of a URL contains.
_PK_MARK = 987654321


def url_for_pk(url_name: str) -> Callable[[int], str]:
    """``reverse(url_name, args=[pk])`` for the rows of a page: the URL is reversed once,
    with a marker where the pk goes."""
    head, _, tail = reverse(url_name, args=[_PK_MARK]).rpartition(str(_PK_MARK))
    return lambda pk: f"{head}{pk}{tail}"


def day_formatter() -> Callable[[dt.date | None], str]:
    """What ``{{ day|date:"j M Y" }}`` prints ("5 Mar 2026", "" for no date) in the
    active language: the month names are translated once, not for each date."""
    months = {number: name.title() for number, name in MONTHS_3.items()}
    return lambda day: f"{day.day} {months[day.month]} {day.year:04d}" if day else ""


def _month_names(names: dict[int, object], *, title: bool) -> Callable[[int], str]:
    """A month's name from ``names`` (lazily translated), translated once, when first
    needed, in the language active then."""
    months: dict[int, str] = {}

    def name(month: int) -> str:
        found = months.get(month)
        if found is None:
            found = months[month] = str(names[month]).title() if title else str(names[month])
        return found

    return name


def day_month_formatter() -> Callable[[dt.date | None], str]:
    """What ``{{ day|date:"j M" }}`` prints ("5 Mar", "" for no date) in the active
    language."""
    month = _month_names(MONTHS_3, title=True)
    return lambda day: f"{day.day} {month(day.month)}" if day else ""


def month_formatter() -> Callable[[dt.date | None], str]:
    """What ``{{ day|date:"F Y" }}`` prints ("March 2026", "" for no date) in the active
    language."""
    month = _month_names(MONTHS, title=False)
    return lambda day: f"{month(day.month)} {day.year:04d}" if day else ""


def short_month_formatter() -> Callable[[dt.date], str]:
    """What ``{{ day|date:"M Y" }}`` prints ("Mar 2026") in the active language."""
    month = _month_names(MONTHS_3, title=True)
    return lambda day: f"{month(day.month)} {day.year:04d}"
