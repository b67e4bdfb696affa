"""Who is ready for what: the readiness rules of the trainings, stated once.

- Participants: the e-learning (``partnerships.readiness``), Training 1 and Training 2
  (:func:`training_status`): the latest enrolment of each kind, flagged when a Training 1
  nominee still lacks the e-learning.
- Contact persons: Partner training (:func:`partner_training_roster`). It is due for every
  active contact person (coordinators, managers, other representatives) of an active
  organisation that is a member of a partnership whose cooperation agreement is signed
  (phase "agreement signed" or "active exchange"), from the date of the organisation's
  first signed agreement. It is *done* once the person has **attended** a Partner training
  (once in a lifetime); a nomination, a confirmed seat or a waitlist place counts as
  *enrolled*, not done. Without either it is *due*, and *overdue* once
  ``PARTNER_TRAINING_OVERDUE_DAYS`` have passed since the agreement. A no-show counts as
  not taken.

Both are registered with ``partnerships.readiness`` from ``TrainingsConfig.ready``, so the
partnerships pages show them without importing this app; each answers a whole page with
one query. The staff list, the staff home's figures (:func:`attention_counts`) and the
emails read the same roster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerships.models import (
    ContactPerson,
    Participant,
    PartnerOrganisation,
    PartnershipMember,
    Phase,
)
from partnerships.readiness import ContactsReadiness, ReadinessItem

from .models import (
    ACTIVE_STATES,
    Enrolment,
    EnrolmentQuerySet,
    EnrolmentState,
    SessionKind,
)

# The phases in which a partnership's cooperation agreement is signed: Partner training
# is due for its organisations' contact persons, and they may be nominated for it.
SIGNED_PHASES = (Phase.AGREEMENT_SIGNED, Phase.ACTIVE_EXCHANGE)

TONES = {
    EnrolmentState.ATTENDED: "ok",
    EnrolmentState.CONFIRMED: "ok",
    EnrolmentState.NOMINATED: "info",
    EnrolmentState.WAITLISTED: "warn",
    EnrolmentState.NO_SHOW: "bad",
}


def shown_enrolments(participant_ids: Sequence[int]) -> EnrolmentQuerySet:
    """The enrolments a status line shows for these participants, oldest session first."""
    return (
        Enrolment.objects.exclude(state=EnrolmentState.CANCELLED)
        .filter(participant_id__in=participant_ids)
        .select_related("session__week__venue", "session__venue")
        # Only what the status line shows: the column is on every coordinator page.
        .only(
            "participant",
            "kind",
            "state",
            "session__first_day",
            "session__online",
            "session__week__format",
            "session__week__venue__name",
            "session__venue__name",
        )  # fmt: skip
        .order_by("session__first_day", "pk")
    )


def training_status(participants: Sequence[Participant]) -> dict[int, list[ReadinessItem]]:
    by_id = {p.pk: p for p in participants}
    latest: dict[tuple[int, str], Enrolment] = {}
    for enrolment in shown_enrolments(list(by_id)):
        # The page's own participant rows, not a join of them: ``elearning_missing`` reads
        # the participant.
        enrolment.participant = by_id[enrolment.participant_id]
        latest[(enrolment.participant_id, enrolment.kind)] = enrolment
    kinds = {
        kind: str(SessionKind(kind).label)
        for kind in (SessionKind.TRAINING_1, SessionKind.TRAINING_2)
    }
    states = {value: str(label) for value, label in EnrolmentState.choices}
    not_enrolled = _("Not enrolled")
    result: dict[int, list[ReadinessItem]] = {}
    for participant in participants:
        items = []
        for kind, label in kinds.items():
            enrolment = latest.get((participant.pk, kind))
            if enrolment is None:
                items.append(ReadinessItem(label, not_enrolled, "warn"))
                continue
            session = enrolment.session
            day = date_format(session.first_day, "j M Y")
            status = f"{states[enrolment.state]} · {session.place} {day}"
            tone = TONES.get(enrolment.state, "info")
            if enrolment.state == EnrolmentState.NOMINATED and enrolment.elearning_missing:
                status = _("%(status)s — e-learning missing") % {"status": status}
                tone = "warn"
            items.append(ReadinessItem(label, status, tone))
        result[participant.pk] = items
    return result


def still_missing(enrolment: Enrolment) -> list[str]:
    """What a nominated person still lacks before their session (for reminders): the
    e-learning before Training 1, and Norec's confirmation of the seat."""
    if enrolment.state != EnrolmentState.NOMINATED:
        return []
    missing = []
    if enrolment.elearning_missing:
        missing.append(_("the Norec e-learning, which Training 1 needs before it is confirmed"))
    missing.append(_("Norec's confirmation of the seat"))
    return missing


# --- Partner training, per contact person --------------------------------------------------


class PartnerTraining:
    """The readiness of one contact person for Partner training."""

    DONE = "done"
    ENROLLED = "enrolled"
    DUE = "due"
    OVERDUE = "overdue"

    LABELS = {
        DONE: gettext_lazy("Done"),
        ENROLLED: gettext_lazy("Enrolled"),
        DUE: gettext_lazy("Due"),
        OVERDUE: gettext_lazy("Overdue"),
    }
    # Not taken yet (the staff filter "without Partner training").
    MISSING = (DUE, OVERDUE)


def overdue_days() -> int:
    return int(settings.PARTNER_TRAINING_OVERDUE_DAYS)


def partner_training_roster(
    contacts: QuerySet[ContactPerson] | None = None, *, today: dt.date | None = None
) -> QuerySet[ContactPerson]:
    """The contact persons Partner training is due for, each annotated with
    ``agreement_on`` (their organisation's first signed agreement), ``partner_state`` and
    ``partner_day`` / ``partner_place`` (their live Partner training enrolment, if any) and
    ``readiness`` (one of :class:`PartnerTraining`). One query, filterable by any of them.
    """
    today = today or timezone.localdate()
    signed_members = PartnershipMember.objects.filter(partnership__phase__in=SIGNED_PHASES)
    signed = (
        signed_members.filter(organisation=OuterRef("organisation"))
        .order_by()
        .values("organisation")
        .annotate(
            first=Min(Coalesce("partnership__agreement_signed_on", "partnership__active_since"))
        )
        .values("first")
    )
    # At most one: Partner training is once in a lifetime (a database constraint that
    # leaves out cancelled enrolments and no-shows, who take it again), so the join adds
    # no row. A no-show alone is not taken: due, or overdue.
    held = FilteredRelation(
        "person__enrolments",
        condition=Q(person__enrolments__kind=SessionKind.PARTNER)
        & ~Q(person__enrolments__state__in=(EnrolmentState.CANCELLED, EnrolmentState.NO_SHOW)),
    )
    overdue_before = today - dt.timedelta(days=overdue_days())
    rows = contacts if contacts is not None else ContactPerson.objects.all()
    return (
        # The organisations with a signed agreement, as one set (a signed partnership
        # always has its date, so ``agreement_on`` is never empty here): PostgreSQL works
        # out the first agreement only for their contact persons.
        rows.filter(
            active=True,
            organisation__active=True,
            organisation__in=signed_members.values("organisation"),
        )
        .annotate(agreement_on=Subquery(signed[:1]))
        .annotate(
            held=held,
            partner_state=F("held__state"),
            partner_day=F("held__session__first_day"),
            partner_place=Coalesce(
                "held__session__week__venue__name", "held__session__venue__name"
            ),
        )  # fmt: skip
        .annotate(
            readiness=Case(
                When(partner_state=EnrolmentState.ATTENDED, then=Value(PartnerTraining.DONE)),
                When(partner_state__in=ACTIVE_STATES, then=Value(PartnerTraining.ENROLLED)),
                When(agreement_on__lt=overdue_before, then=Value(PartnerTraining.OVERDUE)),
                default=Value(PartnerTraining.DUE),
                output_field=CharField(),
            )
        )
    )


def due_by(agreement_on: dt.date) -> dt.date:
    """The last day Partner training is due, not yet overdue, after ``agreement_on``."""
    return agreement_on + dt.timedelta(days=overdue_days())


def partner_training_item(contact: ContactPerson) -> ReadinessItem:
    """The badge of one contact person of :func:`partner_training_roster`."""
    label = str(SessionKind.PARTNER.label)
    state = contact.readiness
    if state in (PartnerTraining.DONE, PartnerTraining.ENROLLED):
        status = f"{EnrolmentState(contact.partner_state).label} · {contact.partner_place or ''} "
        status += date_format(contact.partner_day, "j M Y")
        tone = "ok" if state == PartnerTraining.DONE else TONES.get(contact.partner_state, "info")
        return ReadinessItem(label, status, tone)
    day = date_format(due_by(contact.agreement_on), "j M Y")
    if state == PartnerTraining.OVERDUE:
        return ReadinessItem(label, _("Overdue since %(date)s") % {"date": day}, "bad")
    return ReadinessItem(label, _("Due by %(date)s") % {"date": day}, "warn")


def partner_training_status(
    organisations: Sequence[PartnerOrganisation], contacts: Sequence[ContactPerson]
) -> ContactsReadiness:
    """Partner training of the organisations' contact persons, from one query: the badge
    of each of ``contacts`` (those of an organisation without a signed agreement: not due
    yet) and each organisation's summary ("1 of 3 done · 1 overdue"; none where it is not
    due).

    The roster's readiness is read once per contact and counted here: counting it in SQL
    would repeat its CASE (three subqueries) in every count, which costs more to build and
    plan than the few rows cost to count."""
    rows = (
        partner_training_roster(
            ContactPerson.objects.filter(organisation__in=[o.pk for o in organisations])
        )
        .order_by()
        .only("pk", "organisation_id", "person_id")
    )
    found: dict[int, ReadinessItem] = {}
    tally: dict[int, dict[str, int]] = {}
    for contact in rows:
        found[contact.pk] = partner_training_item(contact)
        row = tally.setdefault(contact.organisation_id, {"total": 0, "done": 0, "overdue": 0})
        row["total"] += 1
        row["done"] += contact.readiness == PartnerTraining.DONE
        row["overdue"] += contact.readiness == PartnerTraining.OVERDUE
    label = str(SessionKind.PARTNER.label)
    not_due = ReadinessItem(label, _("Not due yet"), "info")
    summaries: dict[int, list[ReadinessItem]] = {}
    for organisation_id, row in tally.items():
        status = _("%(done)s of %(total)s done") % row
        if row["overdue"]:
            status += " · " + _("%(overdue)s overdue") % row
        tone = "ok" if row["done"] == row["total"] else "bad" if row["overdue"] else "warn"
        summaries[organisation_id] = [ReadinessItem(label, status, tone)]
    return ContactsReadiness(
        contacts={contact.pk: [found.get(contact.pk, not_due)] for contact in contacts},
        organisations=summaries,
    )


# --- What the staff home shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Attention:
    """The staff home's Partner training figures (``trainings/attention.py``)."""

    partner_overdue: int
    partner_due: int
    coordinators_overdue: int


def attention_counts(*, today: dt.date | None = None) -> Attention:
    """Counted in one query, whatever the numbers."""
    today = today or timezone.localdate()
    roster = partner_training_roster(today=today).order_by()
    counts = roster.aggregate(
        overdue=Count("pk", filter=Q(readiness=PartnerTraining.OVERDUE)),
        due=Count("pk", filter=Q(readiness=PartnerTraining.DUE)),
        coordinators=Count(
            "pk",
            filter=Q(readiness=PartnerTraining.OVERDUE, role=ContactPerson.Role.COORDINATOR),
        ),
    )
    return Attention(
        partner_overdue=counts["overdue"],
        partner_due=counts["due"],
        coordinators_overdue=counts["coordinators"],
    )
