"""Import of former participants (since 1963) from a spreadsheet (CSV or XLSX).

Two steps. :func:`create_preview` reads the file, checks every row and looks for likely
duplicates (in the file and against the portal), and stores the result for staff to
read, row by row. :func:`import_batch` then writes the importable rows in one
transaction and puts the likely duplicates in the merge queue. Nothing is merged here.

Messy data is expected: a missing or invalid email or phone is a warning (the person is
imported without it); only a row without a name or with an impossible year is refused.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from norec_portal import addresses, spreadsheets
from norec_portal.models import User
from partnerships.models import Participant, Person
from partnerships.validators import normalize_phone

from .models import HistoricalImport, HistoricalRecord, RawAddress
from .services.duplicates import Record, find_pairs, normalise_name, propose_pairs

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
MAX_CELL = 500
FIRST_YEAR = 1963

# Column titles understood (compared in lower case, without punctuation).
COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "given names", "fornavn"),
    "last_name": ("last name", "lastname", "surname", "family name", "etternavn"),
    "name": ("name", "full name", "participant", "navn"),
    "country": ("country", "home country", "country of origin", "nationality", "land"),
    "exchange_year": ("exchange year", "year", "year of exchange", "ar"),
    "organisations": (
        "organisations",
        "organisation",
        "organizations",
        "organization",
        "sending organisation",
        "host organisation",
        "sending organization",
        "host organization",
        "employer",
    ),  # fmt: skip
    "programme": ("programme", "program", "programme name", "program name"),
    "email": (
        "email",
        "emails",
        "e mail",
        "e mails",
        "email address",
        "email addresses",
        "epost",
    ),  # fmt: skip
    "phone": ("phone", "telephone", "mobile", "phone number", "telefon"),
    "source_id": (
        "id",
        "source id",
        "reference",
        "ref",
        "record id",
        "record no",
        "record number",
        "participant id",
        "person id",
        "alumni id",
        "alumnus id",
        "archive id",
        "legacy id",
        "fk id",
        "norec id",
        "ref no",
        "reference number",
        "nr",
        "no",
    ),  # fmt: skip
}
MULTI_COLUMNS = {"organisations", "email"}


# A file that cannot be used as a whole; nothing was saved.
ImportFileError = spreadsheets.SpreadsheetError


# --- Reading the file ------------------------------------------------------------------


def _normalise_header(value: Any) -> str:
    text = str(value or "").replace("(s)", "s").lower()
    text = "".join(c if c.isalnum() else " " for c in text)
    return " ".join(text.replace("å", "a").split())


KNOWN_HEADERS = frozenset(
    spreadsheets.normalise_header(alias) for aliases in COLUMNS.values() for alias in aliases
)


def _file_size(file: IO[bytes]) -> int | None:
    """The whole size of an upload or an open file, without reading it."""
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None


def read_table(file: IO[bytes], filename: str) -> spreadsheets.Table:
    """The first sheet of a CSV or XLSX file, read by the portal's one spreadsheet reader
    (size and row limits, encodings, zip and XML bombs). Only the first bytes past the
    limit are read from a file that is too large; its message gives its real size."""
    data = file.read(MAX_BYTES + 1)
    return spreadsheets.read_spreadsheet(
        data, filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, known_columns=KNOWN_HEADERS,
        size=_file_size(file),
    )  # fmt: skip


# Control characters (a NUL byte cannot even be stored by PostgreSQL) become spaces.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _CONTROL_CHARACTERS.sub(" ", str(value)).strip()


def _column_key(title: str, wanted: dict[str, str]) -> str | None:
    normalised = _normalise_header(title)
    key = wanted.get(normalised)
    if key is None and normalised.endswith(" id"):
        # "FK participant ID", "Archive person id": an identifier of the source.
        key = "source_id"
    return key


def map_columns(header: list[str]) -> dict[str, list[int]]:
    wanted = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[str, list[int]] = {}
    for index, title in enumerate(header):
        key = _column_key(title, wanted)
        if key is None:
            continue
        if key in mapping and key not in MULTI_COLUMNS:
            raise ImportFileError(
                _("Two columns mean “%(column)s”; keep only one.") % {"column": title}
            )
        mapping.setdefault(key, []).append(index)
    has_name = "name" in mapping or {"first_name", "last_name"} <= mapping.keys()
    if not has_name:
        raise ImportFileError(
            _("The file needs a “Name” column, or “First name” and “Last name” columns. "
              "The first row must hold the column titles.")
        )  # fmt: skip
    return mapping


def ignored_columns(header: list[str]) -> list[str]:
    """The titles of the columns the import does not read, as written in the file."""
    wanted = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    return [title for title in header if title and _column_key(title, wanted) is None]


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


def _name_key(name: str) -> str:
    """The comparable form of a name as written in a file ("Hansen, Kari" = "Kari Hansen")."""
    first, last = _split_name(name)
    return normalise_name(f"{first} {last}")


def _split_name(name: str) -> tuple[str, str]:
    """“Hansen, Kari” or “Kari Hansen” → (“Kari”, “Hansen”)."""
    if "," in name:
        last, _sep, first = name.partition(",")
        return " ".join(first.split()), " ".join(last.split())
    parts = name.split()
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


@lru_cache(maxsize=2048)
def _country(value: str) -> str:
    """The country code for a name or code as typed (cached: a file repeats few names)."""
    value = value.strip()
    if not value:
        return ""
    if len(value) == 2 and value.upper() in COUNTRY_CODES:
        return value.upper()
    return countries.by_name(value) or countries.by_name(value.title()) or ""


COUNTRY_CODES = frozenset(code for code, _name in countries)


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

    country_text = _value(cells, mapping, "country")
    country = _country(country_text)
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
        match = re.fullmatch(r"\s*(\d{4})(?:\.0)?\s*", year_text)
        if not match:
            remark("bad_year", _("“%(value)s” is not a year.") % {"value": year_text[:20]},
                   error=True)  # fmt: skip
        else:
            year = int(match.group(1))
            if not FIRST_YEAR <= year <= timezone.localdate().year:
                remark(
                    "bad_year",
                    _("%(year)d is outside %(first)d–%(last)d.")
                    % {"year": year, "first": FIRST_YEAR, "last": timezone.localdate().year},
                    error=True,
                )
                year = None
    else:
        remark("no_year", _("No exchange year."))

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
                  "staff).") % {"value": check.raw[:80], "reason": _(check.reason),
                                "suggestion": check.suggestion},
            )  # fmt: skip
        else:
            remark(
                "email_invalid",
                _("“%(value)s” is not a usable email (%(reason)s); kept in the record.")
                % {"value": check.raw[:80], "reason": _(check.reason)},
            )
    if not emails:
        remark("no_email", _("No usable email: cannot be invited until one is known."))
    elif len(emails) > 1:
        remark(
            "several_emails",
            _("Several emails: %(first)s is used, the others are kept in the record.")
            % {"first": emails[0]},
        )

    phone_text = _value(cells, mapping, "phone", " ")
    phone = ""
    if phone_text and not addresses.is_placeholder(phone_text):
        try:
            phone = normalize_phone(phone_text, country or None)
        except ValidationError:
            remark("phone_unknown", _("Phone “%(value)s” not recognised; kept in the record "
                                      "only.") % {"value": phone_text[:40]})  # fmt: skip

    return {
        "row": number,
        "first_name": first,
        "last_name": last,
        "name_in_source": (full or f"{first} {last}").strip()[:250],
        "country": country,
        "exchange_year": year,
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
    mapping = map_columns([_cell(v) for v in table.header])
    if not table.rows:
        raise ImportFileError(_("The file has column titles but no rows."))
    return [parse_row(number, [_cell(v) for v in cells], mapping) for number, cells in table.rows]


@dataclass
class Preview:
    """The checked rows of a file and what is said about the file as a whole."""

    rows: list[dict[str, Any]]
    file_warnings: list[str]
    ignored_columns: list[str]
    sheet: str = ""


# --- Duplicates and what is already known ------------------------------------------------


@dataclass
class Known:
    """What the portal already holds that the rows may repeat."""

    records: list[Record]
    emails: dict[str, int]
    source_ids: set[str]
    exact: set[tuple[str, str, int | None]]
    labels: dict[int, str]


def _load_known(rows: list[dict[str, Any]]) -> Known:
    emails = {e for r in rows for e in r["emails"]}
    phones = {r["phone"] for r in rows if r["phone"]}
    country_codes = {r["country"] for r in rows if r["country"]}
    source_ids = {r["source_id"] for r in rows if r["source_id"]}
    people = Person.objects.filter(
        Q(email__in=emails)
        | Q(phone__in=phones)
        | Q(country__in=country_codes, participations__status=Participant.Status.COMPLETED)
    ).distinct()
    values = list(people.values("pk", "first_name", "last_name", "email", "phone", "country"))
    years: dict[int, list[int]] = {}
    for person_id, year in Participant.objects.filter(
        person_id__in=[v["pk"] for v in values], exchange_year__isnull=False
    ).values_list("person_id", "exchange_year"):
        years.setdefault(person_id, []).append(year)
    records: list[Record] = []
    exact: set[tuple[str, str, int | None]] = set()
    # The names as earlier files wrote them: a record staff renamed or merged since is
    # still recognised by the spelling it was imported with.
    for name_in_source, country, year in HistoricalRecord.objects.filter(
        participant__person__country__in=country_codes
    ).values_list("name_in_source", "participant__person__country", "participant__exchange_year"):
        exact.add((_name_key(name_in_source), country or "", year))
    for v in values:
        name = normalise_name(f"{v['first_name']} {v['last_name']}")
        person_years = sorted(years.get(v["pk"], []))
        records.append(
            Record(
                ref=("person", v["pk"]),
                name=name,
                country=v["country"] or "",
                year=person_years[0] if person_years else None,
                emails=frozenset([v["email"]]) if v["email"] else frozenset(),
                phone=v["phone"] or "",
            )  # fmt: skip
        )
        for year in person_years or [None]:
            exact.add((name, v["country"] or "", year))
    return Known(
        records=records,
        emails={v["email"]: v["pk"] for v in values if v["email"]},
        source_ids=set(
            Participant.objects.filter(source_id__in=source_ids).values_list("source_id", flat=True)
        ),
        exact=exact,
        labels={
            v["pk"]: f"{v['first_name']} {v['last_name']}"
            + (f" <{v['email']}>" if v["email"] else "")
            + f" #{v['pk']}"
            for v in values
        },
    )


def analyse(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark rows already in the portal, settle email clashes, and attach likely duplicates.

    Safe to run again (at import time the portal may have changed since the preview).
    """
    for row in rows:
        row["notes"], row["duplicates"] = [], []
        row["status"] = "error" if row["errors"] else "new"
        row["email"] = row["emails"][0] if row["emails"] else ""
    known = _load_known([r for r in rows if r["status"] == "new"])
    seen_ids: set[str] = set()
    used_emails: dict[str, int] = {}
    for row in rows:
        if row["status"] != "new":
            continue
        name = normalise_name(f"{row['first_name']} {row['last_name']}")
        if row["source_id"]:
            if row["source_id"] in known.source_ids:
                row["status"] = "skip"
                row["notes"].append(_("Already imported (same id)."))
                continue
            if row["source_id"] in seen_ids:
                row["status"] = "error"
                row["errors"] = [*row["errors"], _("The id %(id)s appears twice in the file.")
                                 % {"id": row["source_id"]}]  # fmt: skip
                continue
            seen_ids.add(row["source_id"])
        elif (name, row["country"], row["exchange_year"]) in known.exact or (
            (_name_key(row["name_in_source"]), row["country"], row["exchange_year"]) in known.exact
        ):
            row["status"] = "skip"
            row["notes"].append(_("Already in the portal (same name, country and year)."))
            continue
        email = row["email"]
        if email and (email in known.emails or email in used_emails):
            row["email"] = ""
            row["notes"].append(
                _("%(email)s already belongs to another record: imported without it, and "
                  "proposed for a merge.") % {"email": email}
            )  # fmt: skip
        elif email:
            used_emails[email] = row["row"]

    new_records = [
        Record(
            ref=("row", r["row"]),
            name=normalise_name(f"{r['first_name']} {r['last_name']}"),
            country=r["country"],
            year=r["exchange_year"],
            emails=frozenset(r["emails"]),
            phone=r["phone"],
        )  # fmt: skip
        for r in rows
        if r["status"] == "new"
    ]
    by_number = {r["row"]: r for r in rows}
    for pair in find_pairs(new_records, known.records):
        for this, that in ((pair.a, pair.b), (pair.b, pair.a)):
            if this[0] != "row":
                continue
            entry: dict[str, Any] = {"kind": that[0], "ref": that[1], "reasons": pair.reasons,
                                     "score": pair.score}  # fmt: skip
            if that[0] == "person":
                entry["label"] = known.labels[that[1]]
            by_number[this[1]]["duplicates"].append(entry)
    return rows


def summarise(rows: list[dict[str, Any]], preview: Preview | None = None) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "rows": len(rows),
        "new": sum(1 for r in rows if r["status"] == "new"),
        "skip": sum(1 for r in rows if r["status"] == "skip"),
        "error": sum(1 for r in rows if r["status"] == "error"),
        "warnings": sum(1 for r in rows if r["warnings"] or r["notes"]),
        "duplicates": sum(1 for r in rows if r["duplicates"]),
        "without_email": sum(1 for r in rows if r["status"] == "new" and not r["email"]),
        "remarks": dict(Counter(kind for r in rows for kind in r.get("remarks", ()))),
    }
    if preview is not None:
        summary["file_warnings"] = preview.file_warnings
        summary["ignored_columns"] = preview.ignored_columns
    return summary


# --- The two steps ---------------------------------------------------------------------


def read_preview(*, file: IO[bytes], filename: str) -> Preview:
    """Read and check a file: its rows, the file's warnings (an encoding guessed) and the
    columns that are not read."""
    table = read_table(file, filename)
    rows = analyse(parse_rows(table))
    return Preview(
        rows=rows,
        file_warnings=list(table.warnings),
        ignored_columns=ignored_columns([_cell(v) for v in table.header]),
        sheet=table.sheet,
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
    summary = {**batch.summary, **summarise(rows)}
    summary.update(imported=len(todo), proposed=proposed)
    batch.rows = rows
    batch.summary = summary
    batch.status = HistoricalImport.Status.IMPORTED
    batch.imported_at = timezone.now()
    batch.save()
    return batch


def _pairs(
    rows: Iterable[dict[str, Any]], person_of_row: dict[int, int]
) -> Iterator[tuple[int, int, list[str], int]]:
    for row in rows:
        for dup in row["duplicates"]:
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
