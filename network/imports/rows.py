"""Checking the rows of a historical file: each row becomes a plain dict with its errors,
warnings and the kinds of remark counted for the preview."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from norec_portal import addresses, spreadsheets
from norec_portal.countries import parse_country
from partnerships.names import name_key
from partnerships.services import check_date_of_birth
from partnerships.validators import normalize_phone

from .columns import FIRST_YEAR, MAX_CELL, ImportFileError, cell_text, map_columns

# --- Checking rows ---------------------------------------------------------------------

# The kinds of remark a row can get, counted for the preview ("5,097 phones not
# recognised") so that a few kinds of problem in thousands of rows read as a few lines.
REMARKS = {
    "long_cell": lambda n: ngettext(
        "%(n)s row with a cell that was too long", "%(n)s rows with a cell that was too long", n
    ),
    "no_name": lambda n: ngettext("%(n)s row without a name", "%(n)s rows without a name", n),
    "one_name": lambda n: ngettext(
        "%(n)s person with only one name", "%(n)s people with only one name", n
    ),
    "country_unknown": lambda n: ngettext(
        "%(n)s country not recognised", "%(n)s countries not recognised", n
    ),
    "no_country": lambda n: ngettext(
        "%(n)s row without a country", "%(n)s rows without a country", n
    ),
    "bad_year": lambda n: ngettext("%(n)s year not understood", "%(n)s years not understood", n),
    "year_read": lambda n: ngettext(
        "%(n)s year read from a range, two digits or an approximate year",
        "%(n)s years read from a range, two digits or an approximate year",
        n,
    ),
    "no_year": lambda n: ngettext(
        "%(n)s row without an exchange year", "%(n)s rows without an exchange year", n
    ),
    "email_suggestion": lambda n: ngettext(
        "%(n)s email with a suggested correction", "%(n)s emails with a suggested correction", n
    ),
    "email_invalid": lambda n: ngettext(
        "%(n)s email that is not an address", "%(n)s emails that are not addresses", n
    ),
    "no_email": lambda n: ngettext(
        "%(n)s person without a usable email", "%(n)s people without a usable email", n
    ),
    "several_emails": lambda n: ngettext(
        "%(n)s person with several emails", "%(n)s people with several emails", n
    ),
    "phone_unknown": lambda n: ngettext(
        "%(n)s phone not recognised", "%(n)s phones not recognised", n
    ),
    "birth_date_unknown": lambda n: ngettext(
        "%(n)s birth date not understood", "%(n)s birth dates not understood", n
    ),
    "id_conflict": lambda n: ngettext(
        "%(n)s id already imported for someone else",
        "%(n)s ids already imported for someone else",
        n,
    ),
    "formula": lambda n: ngettext(
        "%(n)s cell that looks like a formula, kept as text",
        "%(n)s cells that look like formulas, kept as text",
        n,
    ),
}

# A cell a spreadsheet program would run as a formula if it were exported again.
_FORMULA = re.compile(r"^\s*(?:=|@|[+\-]\s*[A-Za-z(])")


def remark_lines(summary: dict[str, Any]) -> list[str]:
    """The preview's remark counts, most frequent first, in the active language."""
    counts = summary.get("remarks") or {}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [
        REMARKS[kind](count) % {"n": f"{count:,}"} for kind, count in ordered if kind in REMARKS
    ]


def _value(cells: list[str], mapping: dict[str, list[int]], key: str, sep: str = " / ") -> str:
    values = [cells[i] for i in mapping.get(key, []) if i < len(cells) and cells[i]]
    return sep.join(values)


def source_name_key(name: str) -> str:
    """The comparable form of a name as written in a file ("Hansen, Kari" = "Kari Hansen")."""
    first, last = _split_name(name)
    return name_key(f"{first} {last}")


def _split_name(name: str) -> tuple[str, str]:
    """“Hansen, Kari” or “Kari Hansen” → (“Kari”, “Hansen”)."""
    if "," in name:
        last, _sep, first = name.partition(",")
        return " ".join(first.split()), " ".join(last.split())
    parts = name.split()
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


# How registers write a year: "1987", "1987/88" or "1987-88" (the year the exchange began),
# "87", "ca. 1990".
_YEAR = re.compile(r"(\d{4})(?:\.0)?")
_YEAR_RANGE = re.compile(r"(\d{4})\s*[/\-–]\s*(\d{2}|\d{4})")
_TWO_DIGITS = re.compile(r"[‘’']?(\d{2})")
_ABOUT_YEAR = re.compile(r"(?:ca\.?|c\.|circa|approx\.?|about|~)\s*(\d{4})", re.IGNORECASE)


def read_year(text: str) -> tuple[int | None, str]:
    """The exchange year a cell gives, and a remark when it was read from another form
    than a plain year. ``None`` when it cannot be read (a decade, a word); the range is
    checked by the caller."""
    text = " ".join(text.split())
    if match := _YEAR.fullmatch(text):
        return int(match.group(1)), ""
    if match := _YEAR_RANGE.fullmatch(text):
        start, end = int(match.group(1)), match.group(2)
        last = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
        if len(end) == 2 and last < start:
            last += 100  # "1999/00"
        if 0 < last - start <= 5:
            return start, _("“%(value)s” read as %(year)d, the year the exchange began.") % {
                "value": text, "year": start}  # fmt: skip
        return None, ""
    if match := _TWO_DIGITS.fullmatch(text):
        # Read only when one century gives a possible year: "87" is 1987 (2087 has not
        # come), "05" is 2005 (1905 is before the first exchange).
        short = int(match.group(1))
        possible = [c + short for c in (1900, 2000) if FIRST_YEAR <= c + short <= _this_year()]
        if len(possible) == 1:
            return possible[0], _("“%(value)s” read as %(year)d.") % {
                "value": text, "year": possible[0]}  # fmt: skip
        return None, ""
    if match := _ABOUT_YEAR.fullmatch(text):
        year = int(match.group(1))
        return year, _("“%(value)s” read as %(year)d (an approximate year).") % {
            "value": text, "year": year}  # fmt: skip
    return None, ""


def _this_year() -> int:
    return timezone.localdate().year


def read_birth_date(text: str, year: int | None) -> dt.date | None:
    """A birth date as the archive wrote it (day first, or an Excel date), or ``None`` when
    it cannot be one: unreadable, refused by the portal's rule for birth dates, or fewer
    than 15 years before the exchange."""
    try:
        born = spreadsheets.parse_date(text)
    except ValueError:
        return None
    if check_date_of_birth(born) or (year is not None and born.year > year - 15):
        return None
    return born


def parse_row(number: int, cells: list[str], mapping: dict[str, list[int]]) -> dict[str, Any]:
    """One spreadsheet row → a plain dict with its errors, warnings and remark kinds."""
    errors: list[str] = []
    warnings: list[str] = []
    kinds: list[str] = []

    def remark(kind: str, text: str, *, error: bool = False) -> None:
        (errors if error else warnings).append(text)
        kinds.append(kind)

    if any(len(c) > MAX_CELL for c in cells):
        remark("long_cell", _("A cell is longer than %(n)d characters.") % {"n": MAX_CELL},
               error=True)  # fmt: skip
    cells = [c[:MAX_CELL] for c in cells]
    formulas = [c for c in cells if _FORMULA.match(c)]
    if formulas:
        remark(
            "formula",
            _("“%(value)s” looks like a spreadsheet formula; it was kept as plain text.")
            % {"value": formulas[0][:60]},
        )
    first = _value(cells, mapping, "first_name", " ")
    last = _value(cells, mapping, "last_name", " ")
    full = _value(cells, mapping, "name", " ")
    if not (first or last) and full:
        first, last = _split_name(full)
    first, last = " ".join(first.split())[:100], " ".join(last.split())[:100]
    if not first and not last:
        remark("no_name", _("No name."), error=True)
    elif not last:
        remark("one_name", _("Only one name is given."))

    # A "Nationality" column is the country when the file has no "Country" column.
    nationality_text = _value(cells, mapping, "nationality")
    if "country" in mapping:
        country_text = _value(cells, mapping, "country")
    else:
        country_text, nationality_text = nationality_text, ""
    country = parse_country(country_text)
    nationality = parse_country(nationality_text)
    if nationality_text and not nationality:
        remark(
            "country_unknown",
            _("Nationality “%(value)s” not recognised; imported without it.")
            % {"value": nationality_text[:60]},
        )
    if country_text and not country:
        remark(
            "country_unknown",
            _("Country “%(value)s” not recognised; imported without a country (cannot be "
              "invited by country until corrected).") % {"value": country_text[:60]},
        )  # fmt: skip
    elif not country_text:
        remark("no_country", _("No country."))

    year: int | None = None
    year_text = _value(cells, mapping, "exchange_year")
    if year_text:
        year, how = read_year(year_text)
        if year is None:
            remark("bad_year", _("“%(value)s” is not a year.") % {"value": year_text[:20]},
                   error=True)  # fmt: skip
        elif not FIRST_YEAR <= year <= _this_year():
            remark(
                "bad_year",
                _("%(year)d is outside %(first)d–%(last)d.")
                % {"year": year, "first": FIRST_YEAR, "last": _this_year()},
                error=True,
            )
            year = None
        elif how:
            remark("year_read", how)
    else:
        remark("no_year", _("No exchange year."))

    birth_text = _value(cells, mapping, "date_of_birth")
    born = read_birth_date(birth_text, year) if birth_text else None
    if birth_text and born is None and not addresses.is_placeholder(birth_text):
        remark("birth_date_unknown", _("Birth date “%(value)s” not understood; not imported.")
               % {"value": birth_text[:30]})  # fmt: skip

    email_text = _value(cells, mapping, "email", "; ")
    checks = addresses.check_addresses(email_text)
    emails = [c.address for c in checks if c.status == addresses.VALID]
    for check in checks:
        if check.status == addresses.VALID:
            continue
        if check.suggestion:
            remark(
                "email_suggestion",
                _("“%(value)s”: %(reason)s. Suggested: %(suggestion)s (to be confirmed by "
                  "staff).") % {"value": check.raw[:80],
                                "reason": addresses.reason_text(check.reason, check.suggestion),
                                "suggestion": check.suggestion},
            )  # fmt: skip
        else:
            remark(
                "email_invalid",
                _("“%(value)s” is not a usable email (%(reason)s); kept in the record.")
                % {
                    "value": check.raw[:80],
                    "reason": addresses.reason_text(check.reason, check.suggestion),
                },
            )
    if not emails:
        remark("no_email", _("No usable email: cannot be invited until one is known."))
    elif len(emails) > 1:
        remark(
            "several_emails",
            _("Several emails: %(first)s is used, the others are kept in the record.")
            % {"first": emails[0]},
        )

    # "Phone" and "Mobile": the first number recognised is the phone; every number is
    # kept in the record as written.
    phone_text = _value(cells, mapping, "phone")
    phone = ""
    for typed in (cells[i] for i in mapping.get("phone", []) if i < len(cells)):
        if not typed or addresses.is_placeholder(typed):
            continue
        try:
            recognised = normalize_phone(typed, country or None)
        except ValidationError:
            remark("phone_unknown", _("Phone “%(value)s” not recognised; kept in the record "
                                      "only.") % {"value": typed[:40]})  # fmt: skip
            continue
        if phone and recognised != phone:
            warnings.append(
                _("Another number, %(phone)s, is kept in the record.") % {"phone": recognised}
            )
        phone = phone or recognised

    return {
        "row": number,
        "first_name": first,
        "last_name": last,
        "name_in_source": (full or f"{first} {last}").strip()[:250],
        "country": country,
        "nationality": nationality,
        "exchange_year": year,
        "date_of_birth": born.isoformat() if born else "",
        "organisations": _value(cells, mapping, "organisations")[:500],
        "programme": _value(cells, mapping, "programme")[:100],
        "emails": emails,
        "email": emails[0] if emails else "",
        "emails_in_source": email_text[:500],
        "email_checks": [
            {"raw": c.raw[:254], "status": c.status, "suggestion": c.suggestion, "reason": c.reason}
            for c in checks
            if c.status != addresses.VALID
        ],  # fmt: skip
        "phone": phone,
        "phone_in_source": phone_text[:100],
        "source_id": _value(cells, mapping, "source_id")[:64],
        "errors": errors,
        "warnings": warnings,
        "remarks": kinds,
        "notes": [],
        "duplicates": [],
        "status": "error" if errors else "new",
    }


def parse_rows(table: spreadsheets.Table) -> list[dict[str, Any]]:
    if not table.header:
        raise ImportFileError(_("The file is empty."))
    mapping = map_columns([cell_text(v) for v in table.header])
    if not table.rows:
        raise ImportFileError(_("The file has column titles but no rows."))
    return [
        parse_row(number, [cell_text(v) for v in cells], mapping) for number, cells in table.rows
    ]
