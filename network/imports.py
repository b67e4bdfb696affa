"""Import of former participants (since 1963) from a spreadsheet (CSV or XLSX).

Two steps. :func:`create_preview` reads the file, checks every row and looks for likely
duplicates (in the file and against the portal), and stores the result for staff to
read, row by row. :func:`import_batch` then writes the importable rows in one
transaction and puts the likely duplicates in the merge queue. Nothing is merged here.

Messy data is expected: a missing or invalid email or phone is a warning (the person is
imported without it); only a row without a name or with an impossible year is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from norec_portal import spreadsheets
from norec_portal.models import User
from partnerships.models import Participant, Person
from partnerships.validators import normalize_phone

from .models import HistoricalImport, HistoricalRecord
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
    "source_id": ("id", "source id", "reference", "ref", "record id"),
}
MULTI_COLUMNS = {"organisations", "email"}
EMAIL_SPLIT = re.compile(r"[;,/\s]+")


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


def read_table(file: IO[bytes], filename: str) -> spreadsheets.Table:
    """The first sheet of a CSV or XLSX file, read by the portal's one spreadsheet reader
    (size and row limits, encodings, zip and XML bombs)."""
    data = file.read(MAX_BYTES + 1)
    return spreadsheets.read_spreadsheet(
        data, filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, known_columns=KNOWN_HEADERS
    )


# Control characters (a NUL byte cannot even be stored by PostgreSQL) become spaces.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _CONTROL_CHARACTERS.sub(" ", str(value)).strip()


def map_columns(header: list[str]) -> dict[str, list[int]]:
    wanted = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[str, list[int]] = {}
    for index, title in enumerate(header):
        key = wanted.get(_normalise_header(title))
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


# --- Checking rows ---------------------------------------------------------------------


def _value(cells: list[str], mapping: dict[str, list[int]], key: str, sep: str = " / ") -> str:
    values = [cells[i] for i in mapping.get(key, []) if i < len(cells) and cells[i]]
    return sep.join(values)


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
    """One spreadsheet row → a plain dict with its errors and warnings."""
    errors: list[str] = []
    warnings: list[str] = []
    too_long = [c for c in cells if len(c) > MAX_CELL]
    if too_long:
        errors.append(_("A cell is longer than %(n)d characters.") % {"n": MAX_CELL})
    cells = [c[:MAX_CELL] for c in cells]
    first = _value(cells, mapping, "first_name", " ")
    last = _value(cells, mapping, "last_name", " ")
    full = _value(cells, mapping, "name", " ")
    if not (first or last) and full:
        first, last = _split_name(full)
    first, last = " ".join(first.split())[:100], " ".join(last.split())[:100]
    if not first and not last:
        errors.append(_("No name."))
    elif not last:
        warnings.append(_("Only one name is given."))

    country_text = _value(cells, mapping, "country")
    country = _country(country_text)
    if country_text and not country:
        warnings.append(
            _("Country “%(value)s” not recognised; imported without a country (cannot be "
              "invited by country until corrected).") % {"value": country_text[:60]}
        )  # fmt: skip
    elif not country_text:
        warnings.append(_("No country."))

    year: int | None = None
    year_text = _value(cells, mapping, "exchange_year")
    if year_text:
        match = re.fullmatch(r"\s*(\d{4})(?:\.0)?\s*", year_text)
        if not match:
            errors.append(_("“%(value)s” is not a year.") % {"value": year_text[:20]})
        else:
            year = int(match.group(1))
            if not FIRST_YEAR <= year <= timezone.localdate().year:
                errors.append(
                    _("%(year)d is outside %(first)d–%(last)d.")
                    % {"year": year, "first": FIRST_YEAR, "last": timezone.localdate().year}
                )
                year = None
    else:
        warnings.append(_("No exchange year."))

    emails: list[str] = []
    for candidate in EMAIL_SPLIT.split(_value(cells, mapping, "email", ";")):
        candidate = candidate.strip().strip("<>").lower()
        if not candidate:
            continue
        try:
            validate_email(candidate)
        except ValidationError:
            warnings.append(
                _("“%(value)s” is not a valid email; ignored.") % {"value": candidate[:80]}
            )
            continue
        if candidate not in emails:
            emails.append(candidate)
    if not emails:
        warnings.append(_("No usable email: cannot be invited until one is known."))
    elif len(emails) > 1:
        warnings.append(
            _("Several emails: %(first)s is used, the others are kept in the record.")
            % {"first": emails[0]}
        )

    phone_text = _value(cells, mapping, "phone", " ")
    phone = ""
    if phone_text:
        try:
            phone = normalize_phone(phone_text, country or None)
        except ValidationError:
            warnings.append(_("Phone “%(value)s” not recognised; kept in the record only.")
                            % {"value": phone_text[:40]})  # fmt: skip

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
        "emails_in_source": _value(cells, mapping, "email", "; ")[:500],
        "phone": phone,
        "phone_in_source": phone_text[:100],
        "source_id": _value(cells, mapping, "source_id")[:64],
        "errors": errors,
        "warnings": warnings,
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
    records, exact = [], set()
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
        elif (name, row["country"], row["exchange_year"]) in known.exact:
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


def summarise(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "rows": len(rows),
        "new": sum(1 for r in rows if r["status"] == "new"),
        "skip": sum(1 for r in rows if r["status"] == "skip"),
        "error": sum(1 for r in rows if r["status"] == "error"),
        "warnings": sum(1 for r in rows if r["warnings"] or r["notes"]),
        "duplicates": sum(1 for r in rows if r["duplicates"]),
        "without_email": sum(1 for r in rows if r["status"] == "new" and not r["email"]),
    }


# --- The two steps ---------------------------------------------------------------------


def build_preview(*, file: IO[bytes], filename: str) -> list[dict[str, Any]]:
    return analyse(parse_rows(read_table(file, filename)))


def create_preview(*, file: IO[bytes], filename: str, by: User | None) -> HistoricalImport:
    """Read and check the file; store the result for staff to confirm (nothing imported)."""
    rows = build_preview(file=file, filename=filename)
    return HistoricalImport.objects.create(
        filename=filename[:255], rows=rows, summary=summarise(rows), uploaded_by=by
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
    person_of_row = {r["row"]: p.pk for p, r in zip(people, todo, strict=True)}
    proposed = propose_pairs(_pairs(todo, person_of_row), batch=batch)
    summary = summarise(rows)
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
