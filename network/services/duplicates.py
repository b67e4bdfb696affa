"""Finding and merging people recorded twice (often under two spellings).

Detection only proposes pairs; a merge happens when staff choose which record to keep.
The matcher itself (evidence, weights, blocking) is :mod:`network.matching`; this module
feeds it what the portal knows about people and stores its verdict — the score and each
piece of evidence with its weight — in the merge queue, ranked by confidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rapidfuzz import fuzz

from norec_portal.models import User
from partnerships.models import Participant, Person

from .. import matching
from ..matching import HIGH_CONFIDENCE, QUEUE_THRESHOLD, Pair, Record
from ..matching.evidence import W_ORGANISATION_SAME, W_PROGRAMME_SAME
from ..models import (
    DuplicateCandidate,
    HistoricalRecord,
)

__all__ = ["HIGH_CONFIDENCE", "QUEUE_THRESHOLD", "Pair", "Record", "detect_duplicates",
           "dismiss_duplicate", "evidence_of", "find_pairs", "lock_open_pair",
           "name_similarity", "person_label", "propose_pairs", "queue",
           "records_for"]  # fmt: skip

# Reasons stored by earlier versions as plain strings (still shown through gettext).
REASON_EMAIL = gettext_noop("same email")
REASON_PHONE = gettext_noop("same phone")
REASON_NAME = gettext_noop("same name and country")
REASON_SIMILAR = gettext_noop("similar name, same country and exchange year")


def name_similarity(a: str, b: str, *, at_least: float = 0.0) -> float:
    """0..1, order of the names ignored (“Ali Hassan” = “Hassan Ali”); below ``at_least``
    0 may be returned."""
    if not a or not b:
        return 0.0
    cutoff = at_least * 100
    best = max(
        fuzz.ratio(a, b, score_cutoff=cutoff), fuzz.token_sort_ratio(a, b, score_cutoff=cutoff)
    )
    return best / 100


def find_pairs(new: Sequence[Record], existing: Sequence[Record] = ()) -> list[Pair]:
    """Likely duplicates among ``new`` and between ``new`` and ``existing``, best first.

    When the records carry no organisation or programme (a preview reads only names,
    countries, years, emails and phones), pairs that those could still lift into the
    queue are kept too: :func:`propose_pairs` weighs them again on everything stored.
    """
    records = [*new, *existing]
    threshold = QUEUE_THRESHOLD
    if not any(r.organisation_names or r.programme for r in records):
        threshold -= W_ORGANISATION_SAME[1] + W_PROGRAMME_SAME[1]
    return matching.find_pairs(new, existing, threshold=threshold)


def records_for(person_ids: Iterable[int] | QuerySet[Person]) -> dict[int, Record]:
    """What the portal knows about each person, as the matcher reads it: name, country,
    email(s), phone, birth date, first exchange year, programmes and organisations (from
    the historical records). A queryset of people is used as a subquery (any size)."""
    if isinstance(person_ids, QuerySet):
        ids: object = person_ids.values("pk")
    else:
        ids = list(set(person_ids))
    people = Person.objects.filter(pk__in=ids).only(
        "pk", "first_name", "last_name", "email", "phone", "country", "date_of_birth"
    )
    years: dict[int, list[int]] = defaultdict(list)
    programmes: dict[int, list[str]] = defaultdict(list)
    for person_id, year, programme in Participant.objects.filter(person_id__in=ids).values_list(
        "person_id", "exchange_year", "legacy_programme"
    ):
        if year is not None:
            years[person_id].append(year)
        if programme:
            programmes[person_id].append(programme)
    organisations: dict[int, list[str]] = defaultdict(list)
    emails: dict[int, set[str]] = defaultdict(set)
    for person_id, orgs, source_emails in HistoricalRecord.objects.filter(
        participant__person_id__in=ids
    ).values_list("participant__person_id", "organisations", "emails_in_source"):
        if orgs:
            organisations[person_id].append(orgs)
        emails[person_id] |= {e for e in source_emails.replace(";", ",").split(",") if "@" in e}
    records = {}
    for person in people:
        known_emails = emails[person.pk] | ({person.email} if person.email else set())
        records[person.pk] = Record(
            ref=person.pk,
            name=f"{person.first_name} {person.last_name}",
            country=str(person.country or ""),
            year=min(years[person.pk]) if years[person.pk] else None,
            emails=frozenset(known_emails),
            phone=person.phone or "",
            organisations=" / ".join(organisations[person.pk]),
            programme=programmes[person.pk][0] if programmes[person.pk] else "",
            date_of_birth=person.date_of_birth,
        )  # fmt: skip
    return records


def detect_duplicates(*, people: QuerySet[Person] | None = None) -> int:
    """Run the matcher over people who took part in an exchange (or ``people``) and put
    every pair reaching the queue in it. Pairs already decided stay decided (a pair
    dismissed as two people is never proposed again). Returns how many pairs are new."""
    if people is None:
        people = Person.objects.filter(participations__isnull=False).distinct()
    records = list(records_for(people).values())
    pairs = matching.find_pairs(records)
    return _store([(p.a, p.b, p) for p in pairs], batch=None)


def queue(status: str | None = DuplicateCandidate.Status.OPEN) -> QuerySet[DuplicateCandidate]:
    """The merge queue, most confident first (the high-confidence band on top)."""
    items = DuplicateCandidate.objects.select_related("person_a", "person_b", "decided_by")
    if status in DuplicateCandidate.Status.values:
        items = items.filter(status=status)
    return items.order_by("-score", "pk")


def evidence_of(candidate: DuplicateCandidate) -> list[dict[str, object]]:
    """The pair's evidence as stored: ``{"label", "weight"}`` each; a reason stored as
    plain text by an earlier version comes back with no weight."""
    return [
        r if isinstance(r, dict) else {"code": "", "label": str(r), "weight": None}
        for r in candidate.reasons
    ]


def person_label(person: Person) -> str:
    email = f" <{person.email}>" if person.email else ""
    return f"{person.full_name}{email} #{person.pk}"[:300]


def propose_pairs(
    pairs: Iterable[tuple[Person | int, Person | int, list, int]],
    *,
    batch: object = None,
    at_least: int | None = None,
) -> int:
    """Store pairs in the merge queue (ordered, once each), each weighed again by the
    matcher on everything the portal holds about the two people; the score and the
    evidence stored are the matcher's. Pairs found by an import (``batch``) are kept only
    when that score reaches the queue; a pair proposed by hand is always kept (unless
    ``at_least`` says otherwise). Returns how many pairs are new."""
    if at_least is None:
        at_least = QUEUE_THRESHOLD if batch is not None else 0
    wanted = []
    for a, b, *_given in pairs:
        a_id = a if isinstance(a, int) else a.pk
        b_id = b if isinstance(b, int) else b.pk
        if a_id != b_id:
            wanted.append((a_id, b_id))
    if not wanted:
        return 0
    records = records_for({pk for pair in wanted for pk in pair})
    population = matching.Population.of(list(records.values()))
    weighed = []
    for a_id, b_id in wanted:
        if a_id in records and b_id in records:
            pair = matching.compare(records[a_id], records[b_id], population)
            if pair.score >= at_least:
                weighed.append((a_id, b_id, pair))
    return _store(weighed, batch=batch)


def _store(pairs: Sequence[tuple[int, int, Pair]], *, batch: object) -> int:
    rows = {}
    for a_id, b_id, pair in pairs:
        low, high = sorted((a_id, b_id))
        rows.setdefault((low, high), pair)
    if not rows:
        return 0
    people = Person.objects.in_bulk({pk for key in rows for pk in key})
    before = DuplicateCandidate.objects.count()
    DuplicateCandidate.objects.bulk_create(
        [
            DuplicateCandidate(
                person_a_id=low,
                person_b_id=high,
                label_a=person_label(people[low]),
                label_b=person_label(people[high]),
                reasons=[e.as_json() for e in pair.evidence],
                score=pair.score,
                batch=batch,
            )  # fmt: skip
            for (low, high), pair in rows.items()
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    return DuplicateCandidate.objects.count() - before


# --- Decisions -------------------------------------------------------------------------


def lock_open_pair(candidate: DuplicateCandidate) -> DuplicateCandidate:
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != DuplicateCandidate.Status.OPEN:
        raise ValidationError(_("This pair was already decided."))
    return candidate


@transaction.atomic
def dismiss_duplicate(*, candidate: DuplicateCandidate, by: User) -> DuplicateCandidate:
    candidate = lock_open_pair(candidate)
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.decided_by = by
    candidate.decided_at = timezone.now()
    candidate.save()
    return candidate
