"""What the portal already holds that the rows of a file may repeat: people by address,
by the spelling an earlier file gave them, by source id; and the likely duplicates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from partnerships.models import Participant, Person
from partnerships.names import name_key

from ..models import HistoricalRecord
from ..services.duplicates import Record, find_pairs, records_for
from .rows import source_name_key

REASON_SAME_NAME_YEAR = gettext_noop("same name, country and exchange year")


@dataclass
class Preview:
    """The checked rows of a file and what is said about the file as a whole."""

    rows: list[dict[str, Any]]
    file_warnings: list[str]
    ignored_columns: list[str]
    sheet: str = ""
    # The title of the column read as the archive's lasting id ("" when there is none).
    id_column: str = ""


# --- Duplicates and what is already known ------------------------------------------------


@dataclass(frozen=True)
class EarlierId:
    """Who an archive id was imported for: the names (as the record is called now and as
    the file wrote it) and the exchange year."""

    names: frozenset[str]
    year: int | None
    label: str


@dataclass
class Known:
    """What the portal already holds that the rows may repeat."""

    records: list[Record]
    evidence: dict[int, Record]
    emails: dict[str, int]
    ids: dict[str, EarlierId]
    # An earlier file's row as written (see source_row) → the countries of its people.
    source_rows: dict[tuple[Any, ...], set[str]]
    exact: dict[tuple[str, str, int | None], set[int]]
    labels: dict[int, str]


def _as_written(text: str) -> str:
    return " ".join(str(text or "").casefold().split())


def source_row(
    name: str, year: int | None, emails: str, phone: str, organisations: str, programme: str
) -> tuple[Any, ...]:
    """A row as its file wrote it, comparable with a historical record of an earlier
    file: the same name (“Hansen, Kari” = “Kari Hansen”), year, emails, phones,
    organisations and programme, as written."""
    return (source_name_key(name), year, _as_written(emails), _as_written(phone),
            _as_written(organisations), _as_written(programme))  # fmt: skip


def _row_as_written(row: dict[str, Any]) -> tuple[Any, ...]:
    return source_row(row["name_in_source"], row["exchange_year"], row["emails_in_source"],
                      row["phone_in_source"], row["organisations"], row["programme"])  # fmt: skip


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
    exact: dict[tuple[str, str, int | None], set[int]] = {}
    # The names as earlier files wrote them: a record staff renamed or merged since is
    # still recognised by the spelling it was imported with.
    for name_in_source, country, year, person_id in HistoricalRecord.objects.filter(
        participant__person__country__in=country_codes
    ).values_list(
        "name_in_source", "participant__person__country", "participant__exchange_year",
        "participant__person_id",
    ):  # fmt: skip
        exact.setdefault((source_name_key(name_in_source), country or "", year), set()).add(
            person_id
        )
    # The rows of earlier files as they were written, whatever their country (a country
    # not recognised then is blank on the record): the same file again is recognised.
    source_rows: dict[tuple[Any, ...], set[str]] = {}
    for name, year, source_emails, phone, organisations, programme, country in (
        HistoricalRecord.objects.filter(
            name_in_source__in={r["name_in_source"] for r in rows if r["name_in_source"]}
        ).values_list(
            "name_in_source",
            "participant__exchange_year",
            "emails_in_source",
            "phone_in_source",
            "organisations",
            "participant__legacy_programme",
            "participant__person__country",
        )  # fmt: skip
    ):
        key = source_row(name, year, source_emails, phone, organisations, programme)
        source_rows.setdefault(key, set()).add(country or "")
    ids: dict[str, EarlierId] = {}
    for source_id, year, first, last, name_in_source in Participant.objects.filter(
        source_id__in=source_ids
    ).values_list(
        "source_id", "exchange_year", "person__first_name", "person__last_name",
        "historical_record__name_in_source",
    ):  # fmt: skip
        names = {name_key(f"{first} {last}"), source_name_key(name_in_source or "")} - {""}
        ids[source_id] = EarlierId(frozenset(names), year, f"{first} {last} ({year or '—'})")
    # What the matcher reads of each known person (names, addresses, years, organisations,
    # programmes): the same evidence as the duplicate queue's.
    evidence = records_for([v["pk"] for v in values])
    records = [dataclasses.replace(r, ref=("person", pk)) for pk, r in evidence.items()]
    for v in values:
        name = name_key(f"{v['first_name']} {v['last_name']}")
        for year in sorted(years.get(v["pk"], [])) or [None]:
            exact.setdefault((name, v["country"] or "", year), set()).add(v["pk"])
    return Known(
        records=records,
        evidence=evidence,
        emails={v["email"]: v["pk"] for v in values if v["email"]},
        ids=ids,
        source_rows=source_rows,
        exact=exact,
        labels={
            v["pk"]: f"{v['first_name']} {v['last_name']}"
            + (f" <{v['email']}>" if v["email"] else "")
            + f" #{v['pk']}"
            for v in values
        },
    )


@dataclass
class Verdict:
    """What :func:`recognise` says of a row: ``new``, ``skip`` (already in the portal) or
    ``error`` (refused), why, and the people a new row must be proposed with for a merge."""

    status: str
    message: str = ""
    same_as: tuple[int, ...] = ()


def _brings_new_address(row: dict[str, Any], record: Record | None) -> bool:
    """Does the row give an email or a phone the person's record does not hold?"""
    if record is None:
        return False
    known = {_as_written(e) for e in record.emails}
    return any(_as_written(e) not in known for e in row["emails"]) or bool(
        row["phone"] and row["phone"] != record.phone
    )


def recognise(row: dict[str, Any], known: Known) -> Verdict:
    """Whether a row repeats what the portal holds: the one rule of “already imported”.

    1. A row with the archive's id is recognised by it alone: already imported when the
       id was imported for the same name and year; refused as a conflict when it was
       imported for someone else (a number that is not a lasting id, or a slip).
    2. A row written exactly as a row of an earlier file (name, year, emails, phones,
       organisations, programme as written) is already imported, whatever its country —
       a country not recognised then or now included. Without an email or phone, the
       countries must not differ.
    3. A row with the same name, country and year as someone in the portal is already
       there — unless it gives an email or phone that person's record does not hold: a
       name is no proof (namesakes are common), so it is imported and proposed for a
       merge, for staff to decide.
    """
    name = name_key(f"{row['first_name']} {row['last_name']}")
    if row["source_id"]:
        earlier = known.ids.get(row["source_id"])
        if earlier is None:
            return Verdict("new")
        names = {name, source_name_key(row["name_in_source"])}
        if earlier.names & names and earlier.year == row["exchange_year"]:
            return Verdict("skip", _("Already imported (same id)."))
        return Verdict(
            "error",
            _("The id %(id)s was imported before for %(earlier)s, not for this name and year: "
              "not imported. Check the row, or the id column (a register's running number "
              "is not a lasting id).") % {"id": row["source_id"], "earlier": earlier.label},
        )  # fmt: skip
    countries = known.source_rows.get(_row_as_written(row))
    if countries is not None:
        has_address = row["emails_in_source"].strip() or row["phone_in_source"].strip()
        if has_address or not row["country"] or countries & {row["country"], ""}:
            return Verdict("skip", _("Already imported (the same row in an earlier file)."))
    same = set()
    for key in (name, source_name_key(row["name_in_source"])):
        same |= known.exact.get((key, row["country"], row["exchange_year"]), set())
    if not same:
        return Verdict("new")
    if not all(_brings_new_address(row, known.evidence.get(pk)) for pk in same):
        return Verdict("skip", _("Already in the portal (same name, country and year)."))
    return Verdict(
        "new",
        _("Same name, country and year as %(people)s, but another email or phone: imported "
          "as a new record and proposed for a merge (a namesake or the same person; staff "
          "decide).") % {"people": ", ".join(known.labels.get(pk, f"#{pk}")
                                            for pk in sorted(same))},
        tuple(sorted(same)),
    )  # fmt: skip


def analyse(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark rows already in the portal (:func:`recognise`), settle email clashes, and
    attach likely duplicates.

    Safe to run again (at import time the portal may have changed since the preview).
    """
    for row in rows:
        row["notes"], row["duplicates"] = [], []
        row["status"] = "error" if row["errors"] else "new"
        row["email"] = row["emails"][0] if row["emails"] else ""
    known = _load_known([r for r in rows if r["status"] == "new"])
    seen_ids: set[str] = set()
    used_emails: dict[str, int] = {}
    same_as: dict[int, tuple[int, ...]] = {}
    for row in rows:
        if row["status"] != "new":
            continue
        verdict = recognise(row, known)
        if verdict.status == "skip":
            row["status"] = "skip"
            row["notes"].append(verdict.message)
            continue
        if verdict.status == "error":
            row["status"] = "error"
            row["errors"] = [*row["errors"], verdict.message]
            if "id_conflict" not in row["remarks"]:
                row["remarks"] = [*row["remarks"], "id_conflict"]
            continue
        if verdict.message:
            row["notes"].append(verdict.message)
            same_as[row["row"]] = verdict.same_as
        if row["source_id"]:
            if row["source_id"] in seen_ids:
                row["status"] = "error"
                row["errors"] = [*row["errors"], _("The id %(id)s appears twice in the file.")
                                 % {"id": row["source_id"]}]  # fmt: skip
                continue
            seen_ids.add(row["source_id"])
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
            name=name_key(f"{r['first_name']} {r['last_name']}"),
            country=r["country"],
            year=r["exchange_year"],
            emails=frozenset(r["emails"]),
            phone=r["phone"],
            organisations=r["organisations"],
            programme=r["programme"],
            date_of_birth=_birth_date(r),
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
    # A namesake imported because of another address always reaches the merge queue.
    for number, people in same_as.items():
        listed = {d["ref"]: d for d in by_number[number]["duplicates"] if d["kind"] == "person"}
        for pk in people:
            entry = listed.get(pk) or {"kind": "person", "ref": pk, "score": 0,
                                       "reasons": [REASON_SAME_NAME_YEAR],
                                       "label": known.labels.get(pk, f"#{pk}")}  # fmt: skip
            entry["always"] = True
            if pk not in listed:
                by_number[number]["duplicates"].append(entry)
    return rows


def _birth_date(row: dict[str, Any]) -> dt.date | None:
    return dt.date.fromisoformat(row["date_of_birth"]) if row.get("date_of_birth") else None


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
        summary["id_column"] = preview.id_column
    return summary
