"""What the portal already holds that the rows of a file may repeat: people by address,
by the spelling an earlier file gave them, by source id; and the likely duplicates."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from partnerships.models import Participant, Person
from partnerships.names import name_key

from ..models import HistoricalRecord
from ..services.duplicates import Record, find_pairs, records_for
from .rows import source_name_key


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
        exact.add((source_name_key(name_in_source), country or "", year))
    # What the matcher reads of each known person (names, addresses, years, organisations,
    # programmes): the same evidence as the duplicate queue's.
    for pk, record in records_for([v["pk"] for v in values]).items():
        records.append(dataclasses.replace(record, ref=("person", pk)))
    for v in values:
        name = name_key(f"{v['first_name']} {v['last_name']}")
        for year in sorted(years.get(v["pk"], [])) or [None]:
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
        name = name_key(f"{row['first_name']} {row['last_name']}")
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
            (source_name_key(row["name_in_source"]), row["country"], row["exchange_year"])
            in known.exact
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
            name=name_key(f"{r['first_name']} {r['last_name']}"),
            country=r["country"],
            year=r["exchange_year"],
            emails=frozenset(r["emails"]),
            phone=r["phone"],
            organisations=r["organisations"],
            programme=r["programme"],
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
