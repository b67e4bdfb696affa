"""Merging two records of one person, undoing a merge, and merging the high-confidence
band of the duplicate queue in bulk. What a merge changed is kept in a
:class:`~network.models.MergeRecord`, so each merge can be undone on its own."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

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
from .duplicates import HIGH_CONFIDENCE, lock_open_pair, person_label, propose_pairs, queue

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
    candidate = lock_open_pair(candidate)
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


# --- The high-confidence band, merged in bulk ------------------------------------------------

# Pairs merged in one go at most: a page staff can read through before confirming.
BULK_MERGE_LIMIT = 200


def high_confidence_queue() -> QuerySet[DuplicateCandidate]:
    """Open pairs in the high-confidence band, best first."""
    return queue(DuplicateCandidate.Status.OPEN).filter(
        score__gte=HIGH_CONFIDENCE, person_a__isnull=False, person_b__isnull=False
    )


def record_to_keep(candidate: DuplicateCandidate) -> Person:
    """The record a bulk merge keeps: the one with a login or member profile, else the one
    with an address, else the older one."""
    sides = [p for p in (candidate.person_a, candidate.person_b) if p is not None]

    def weight(person: Person) -> tuple[bool, bool, int]:
        member = Member.objects.filter(person=person).exists()
        return (bool(person.user_id) or member, bool(person.email), -person.pk)

    return max(sides, key=weight)


@dataclass(frozen=True)
class BulkMerge:
    merged: int
    skipped: list[tuple[int, str]]


def merge_high_confidence(*, candidate_ids: Iterable[int], by: User) -> BulkMerge:
    """Merge the pairs staff looked at (``candidate_ids``) that are still open and in the
    high-confidence band, each in its own transaction with the default choices; a pair the
    merge refuses (two logins, a clash elsewhere) is left in the queue with the reason.
    Each merge can be undone on its own."""
    wanted = list(candidate_ids)[:BULK_MERGE_LIMIT]
    merged, skipped = 0, []
    for candidate in (
        high_confidence_queue().filter(pk__in=wanted).select_related("person_a", "person_b")
    ):
        try:
            merge_duplicate(candidate=candidate, keep=record_to_keep(candidate), by=by)
        except ValidationError as exc:
            skipped.append((candidate.pk, " ".join(exc.messages)))
        else:
            merged += 1
    return BulkMerge(merged=merged, skipped=skipped)
