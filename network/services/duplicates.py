"""Finding and merging people recorded twice (often under two spellings).

Detection only proposes pairs; a merge happens when staff choose which record to keep.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from norec_portal.audit import Action, record_audit
from norec_portal.models import User
from partnerships.models import Person

from ..models import (
    AccessToken,
    ContactChange,
    DuplicateCandidate,
    Invitation,
    InvitationRequest,
    Member,
    MergeRecord,
)
from .common import email_taken, record_change

SIMILAR_NAME = 0.85

# Reasons are stored untranslated and shown through gettext.
REASON_EMAIL = gettext_noop("same email")
REASON_PHONE = gettext_noop("same phone")
REASON_NAME = gettext_noop("same name and country")
REASON_SIMILAR = gettext_noop("similar name, same country and exchange year")


def normalise_name(value: str) -> str:
    """Lower case, no accents, letters and single spaces only: “Ngúgĩ  wa-Thiong'o” →
    “ngugi wa thiong o”."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def name_similarity(a: str, b: str, *, at_least: float = 0.0) -> float:
    """0..1, order of the names ignored (“Ali Hassan” = “Hassan Ali”).

    Below ``at_least`` the exact value does not matter, so cheap upper bounds may stop
    early (0 is then returned).
    """
    if not a or not b:
        return 0.0
    best = 0.0
    for x, y in ((a, b), (" ".join(sorted(a.split())), " ".join(sorted(b.split())))):
        matcher = SequenceMatcher(None, x, y)
        if matcher.real_quick_ratio() < at_least or matcher.quick_ratio() < at_least:
            continue
        best = max(best, matcher.ratio())
    return best


@dataclass
class Record:
    """One person (or one spreadsheet row) as the detector sees it."""

    ref: object
    name: str
    country: str = ""
    year: int | None = None
    emails: frozenset[str] = frozenset()
    phone: str = ""
    grams: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Character pairs of the name (words sorted): a cheap first test of likeness.
        text = " ".join(sorted(self.name.split()))
        self.grams = frozenset(text[i : i + 2] for i in range(len(text) - 1))


def _could_be_similar(x: Record, y: Record) -> bool:
    """Cheap necessary conditions before the exact (slow) similarity."""
    la, lb = len(x.name), len(y.name)
    if not la or not lb or 2 * min(la, lb) / (la + lb) < SIMILAR_NAME:
        return False
    shared = len(x.grams & y.grams)
    return 2 * shared / ((len(x.grams) + len(y.grams)) or 1) >= 0.5


@dataclass
class Pair:
    a: object
    b: object
    reasons: list[str] = field(default_factory=list)
    score: int = 0


def _compare(x: Record, y: Record) -> Pair | None:
    reasons: list[str] = []
    score = 0
    if x.emails & y.emails:
        reasons.append(REASON_EMAIL)
        score = max(score, 95)
    if x.phone and x.phone == y.phone:
        reasons.append(REASON_PHONE)
        score = max(score, 85)
    same_country = bool(x.country) and x.country == y.country
    if same_country and x.name and x.name == y.name:
        reasons.append(REASON_NAME)
        score = max(score, 90 if x.year == y.year else 75)
    elif (
        same_country
        and x.year is not None
        and y.year is not None
        and abs(x.year - y.year) <= 1
        and _could_be_similar(x, y)
        and name_similarity(x.name, y.name, at_least=SIMILAR_NAME) >= SIMILAR_NAME
    ):
        reasons.append(REASON_SIMILAR)
        score = max(score, 70)
    if not reasons:
        return None
    return Pair(a=x.ref, b=y.ref, reasons=reasons, score=score)


def find_pairs(new: Sequence[Record], existing: Sequence[Record] = ()) -> list[Pair]:
    """Likely duplicates among ``new`` and between ``new`` and ``existing``.

    Records are compared within blocks (same email, same phone, same country and name;
    for spelling variants: same country, a name starting with the same letter and an
    exchange year at most one apart), never all against all: 12,000 rows stay fast.
    """
    everything = list(new) + list(existing)
    new_ids = {id(r) for r in new}
    blocks: dict[tuple, list[Record]] = defaultdict(list)
    for record in everything:
        for email in record.emails:
            blocks[("email", email)].append(record)
        if record.phone:
            blocks[("phone", record.phone)].append(record)
        if record.country and record.name:
            blocks[("name", record.country, record.name)].append(record)
        if record.country and record.year is not None and record.name:
            # Each record sits under its year and the next: two records meet only when
            # their years are at most one apart. Any shared initial will do, so swapped
            # first and last names still meet.
            for initial in {word[0] for word in record.name.split()}:
                for year in (record.year, record.year + 1):
                    blocks[("similar", record.country, year, initial)].append(record)
    seen: set[tuple[int, int]] = set()
    pairs: list[Pair] = []
    for members in blocks.values():
        if len(members) < 2:
            continue
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                if x is y or (id(x) not in new_ids and id(y) not in new_ids):
                    continue
                key = (min(id(x), id(y)), max(id(x), id(y)))
                if key in seen:
                    continue
                seen.add(key)
                pair = _compare(x, y)
                if pair is not None:
                    pairs.append(pair)
    return pairs


def person_label(person: Person) -> str:
    email = f" <{person.email}>" if person.email else ""
    return f"{person.full_name}{email} #{person.pk}"[:300]


def propose_pairs(
    pairs: Iterable[tuple[Person | int, Person | int, list[str], int]], *, batch: object = None
) -> int:
    """Store pairs in the merge queue (ordered, once each). Returns how many were new."""
    rows = []
    for a, b, reasons, score in pairs:
        a_id = a if isinstance(a, int) else a.pk
        b_id = b if isinstance(b, int) else b.pk
        if a_id == b_id:
            continue
        low, high = sorted((a_id, b_id))
        rows.append((low, high, reasons, score))
    if not rows:
        return 0
    people = Person.objects.in_bulk({pk for r in rows for pk in r[:2]})
    before = DuplicateCandidate.objects.count()
    DuplicateCandidate.objects.bulk_create(
        [
            DuplicateCandidate(
                person_a_id=low,
                person_b_id=high,
                label_a=person_label(people[low]),
                label_b=person_label(people[high]),
                reasons=reasons,
                score=score,
                batch=batch,
            )  # fmt: skip
            for low, high, reasons, score in rows
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    return DuplicateCandidate.objects.count() - before


# --- Decisions -------------------------------------------------------------------------


def _lock_open(candidate: DuplicateCandidate) -> DuplicateCandidate:
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != DuplicateCandidate.Status.OPEN:
        raise ValidationError(_("This pair was already decided."))
    return candidate


@transaction.atomic
def dismiss_duplicate(*, candidate: DuplicateCandidate, by: User) -> DuplicateCandidate:
    candidate = _lock_open(candidate)
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.decided_by = by
    candidate.decided_at = timezone.now()
    candidate.save()
    return candidate


FILL_FIELDS = ("email", "phone", "nationality", "country", "gender", "date_of_birth",
               "preferred_language")  # fmt: skip


MERGE_FIELDS = ("first_name", "last_name", *FILL_FIELDS)


def _field_values(person: Person, names: Iterable[str] | None = None) -> dict[str, str | None]:
    """The values of ``person``'s concrete fields (or of ``names``), as text a JSON field
    keeps and ``_restore`` reads back."""
    fields = [f for f in Person._meta.concrete_fields if names is None or f.name in names]
    return {
        f.attname: None if f.value_from_object(person) is None else f.value_to_string(person)
        for f in fields
    }


def _restore(values: dict[str, str | None]) -> dict[str, Any]:
    fields = {f.attname: f for f in Person._meta.concrete_fields}
    return {
        name: None if value is None else fields[name].to_python(value)
        for name, value in values.items()
        if name in fields
    }


@transaction.atomic
def merge_duplicate(
    *,
    candidate: DuplicateCandidate,
    keep: Person,
    by: User,
    take_from_other: Collection[str] | None = None,
) -> Person:
    """Fold the other record of the pair into ``keep``: its exchanges, contact roles,
    history and anything else pointing at it move over; then it is deleted. Refused when
    both records have a login.

    ``take_from_other`` names the fields (of :data:`MERGE_FIELDS`) whose value the kept
    record takes from the other one; by default, the kept record's empty fields. What the
    merge changed is kept in a :class:`MergeRecord`, so :func:`undo_merge` can restore
    both records and their links."""
    candidate = _lock_open(candidate)
    if keep.pk not in (candidate.person_a_id, candidate.person_b_id):
        raise ValidationError(_("Keep one of the two records of the pair."))
    other_id = candidate.person_b_id if keep.pk == candidate.person_a_id else candidate.person_a_id
    locked = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, other_id])
    }
    keep, other = locked[keep.pk], locked[other_id]
    keep_member = Member.objects.filter(person=keep).exists()
    other_member = Member.objects.filter(person=other).exists()
    if (keep_member and other_member) or (keep.user_id and other.user_id):
        raise ValidationError(
            _("Both records have a login or a member profile; they cannot be merged here.")
        )
    if (other_member or other.user_id) and not (keep_member or keep.user_id):
        raise ValidationError(
            _("Keep %(name)s's record: it is the one with the login and member profile.")
            % {"name": other.full_name}
        )
    record = MergeRecord(
        candidate=candidate, kept=keep, removed_pk=other.pk, removed=_field_values(other),
        kept_before=_field_values(keep, MERGE_FIELDS), merged_by=by,
    )  # fmt: skip
    moved: dict[str, list[int]] = {}

    # One invitation per person: the kept record's, or the other's if it had none.
    keep_invitation = Invitation.objects.live().filter(person=keep).first()
    other_invitation = Invitation.objects.live().filter(person=other).first()
    if other_invitation is not None:
        if keep_invitation is None:
            Invitation.objects.filter(pk=other_invitation.pk).update(person=keep)
            moved["network.Invitation.person"] = [other_invitation.pk]
        else:
            Invitation.objects.filter(pk=other_invitation.pk).update(
                state=Invitation.State.CANCELLED
            )
            moved["cancelled_invitation"] = [other_invitation.pk]

    # The chosen values (by default the kept record's gaps; an address moves only once
    # the other lets it go).
    if take_from_other is None:
        take_from_other = [f for f in FILL_FIELDS if not getattr(keep, f) and getattr(other, f)]
    fills = {
        f: getattr(other, f)
        for f in MERGE_FIELDS
        if f in take_from_other and getattr(other, f) != getattr(keep, f)
    }
    if "email" in fills:
        Person.objects.filter(pk=other.pk).update(email="")
    via = ContactChange.Via.MERGE
    for name, value in fills.items():
        record_change(person=keep, field=name, old=getattr(keep, name), new=value, via=via, by=by)
        setattr(keep, name, value)
    keep.save()
    record_change(person=keep, field="merged record", old=person_label(other), new="", via=via,
                  by=by)  # fmt: skip

    # Links sent to the other record die with it rather than open the kept one.
    AccessToken.objects.filter(person=other, used_at__isnull=True).update(used_at=timezone.now())
    # Everything else that points at the other record follows it to the kept one.
    try:
        with transaction.atomic():
            for relation in Person._meta.related_objects:
                if not relation.one_to_many:
                    continue
                model = relation.related_model
                rows = model._default_manager.filter(**{relation.field.name: other})
                ids = list(rows.values_list("pk", flat=True))
                if ids:
                    moved[f"{model._meta.label}.{relation.field.name}"] = ids
                    rows.update(**{relation.field.name: keep})
            requests = InvitationRequest.objects.filter(person=other)
            ids = list(requests.values_list("pk", flat=True))
            if ids:
                moved["network.InvitationRequest.person"] = ids
                requests.update(person=keep)
    except IntegrityError:
        raise ValidationError(
            _("The two records are both linked to the same thing elsewhere in the portal "
              "(e.g. the same training session); resolve that first.")
        ) from None  # fmt: skip

    # Other open pairs with the removed record now concern the kept one.
    label_other = person_label(other)
    for pair in DuplicateCandidate.objects.filter(
        Q(person_a=other) | Q(person_b=other), status=DuplicateCandidate.Status.OPEN
    ).exclude(pk=candidate.pk):
        third = pair.person_b_id if pair.person_a_id == other.pk else pair.person_a_id
        low, high = sorted((keep.pk, third))
        clash = DuplicateCandidate.objects.filter(person_a_id=low, person_b_id=high).exists()
        if third == keep.pk or clash:
            record.deleted_pairs.append([pair.person_a_id, pair.person_b_id, pair.reasons,
                                         pair.score])  # fmt: skip
            pair.delete()
            continue
        record.repointed_pairs.append([pair.pk, pair.person_a_id, pair.person_b_id])
        pair.person_a_id, pair.person_b_id = low, high
        pair.save(update_fields=["person_a", "person_b"])

    record_audit(by=by, action=Action.MERGE, obj=keep, summary=f"record #{other.pk} merged in")
    candidate.status = DuplicateCandidate.Status.MERGED
    candidate.decided_by = by
    candidate.decided_at = timezone.now()
    if keep.pk == candidate.person_a_id:
        candidate.label_b = label_other
    else:
        candidate.label_a = label_other
    candidate.save()
    record.moved = moved
    record.save()
    try:
        with transaction.atomic():
            other.delete()
    except ProtectedError:
        raise ValidationError(
            _("The other record is still used elsewhere in the portal and cannot be removed.")
        ) from None
    return keep


@transaction.atomic
def undo_merge(*, record: MergeRecord, by: User) -> Person:
    """Undo a merge: the removed record comes back as it was (same number), every row
    that moved to the kept record moves back, the kept record's fields take their values
    from before (where nobody changed them since), and the pair is open again.

    Returns the restored record. Refused once undone, or when the kept record is gone or
    the restored record's address now belongs to someone else."""
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if record.undone_at is not None:
        raise ValidationError(_("This merge was already undone."))
    if record.kept_id is None:
        raise ValidationError(_("The kept record no longer exists; the merge cannot be undone."))
    if Person.objects.filter(pk=record.removed_pk).exists():
        raise ValidationError(_("The removed record exists again; nothing to undo."))
    keep = Person.objects.select_for_update().get(pk=record.kept_id)
    removed = _restore(record.removed)
    before = _restore(record.kept_before)

    # The kept record's merged fields go back, unless someone changed them since.
    after = {name: getattr(keep, name) for name in before if getattr(keep, name) != before[name]}
    merged_values = {name: removed.get(name) for name in after}
    via = ContactChange.Via.MERGE
    for name, value in after.items():
        if value == merged_values[name]:
            record_change(person=keep, field=name, old=value, new=before[name], via=via, by=by)
            setattr(keep, name, before[name])
    keep.save()

    email = removed.get("email") or ""
    if email and email_taken(email, person=keep):
        raise ValidationError(
            _("%(email)s now belongs to another record; the merge cannot be undone.")
            % {"email": email}
        )
    restored = Person(**removed)
    restored.save(force_insert=True)
    # created_at is set on insert; the record keeps the date it was first made.
    Person.objects.filter(pk=restored.pk).update(created_at=removed["created_at"])

    for label, ids in record.moved.items():
        if label == "cancelled_invitation":
            continue
        app_model, field_name = label.rsplit(".", 1)
        model = apps.get_model(app_model)
        model._default_manager.filter(pk__in=ids, **{field_name: keep}).update(
            **{field_name: restored}
        )
    for pk, person_a, person_b in record.repointed_pairs:
        DuplicateCandidate.objects.filter(pk=pk, status=DuplicateCandidate.Status.OPEN).update(
            person_a_id=person_a, person_b_id=person_b
        )
    if record.deleted_pairs:
        propose_pairs([(a, b, reasons, score) for a, b, reasons, score in record.deleted_pairs])

    candidate = DuplicateCandidate.objects.select_for_update().get(pk=record.candidate_id)
    low, high = sorted((keep.pk, restored.pk))
    candidate.person_a_id, candidate.person_b_id = low, high
    candidate.label_a = person_label(Person.objects.get(pk=low))
    candidate.label_b = person_label(Person.objects.get(pk=high))
    candidate.status = DuplicateCandidate.Status.OPEN
    candidate.decided_by = None
    candidate.decided_at = None
    candidate.save()

    record.undone_at = timezone.now()
    record.undone_by = by
    record.save(update_fields=["undone_at", "undone_by"])
    record_change(person=keep, field="merged record", old="", new=person_label(restored),
                  via=via, by=by)  # fmt: skip
    record_audit(by=by, action=Action.UPDATE, obj=keep,
                 summary=f"merge of record #{restored.pk} undone")  # fmt: skip
    return restored
