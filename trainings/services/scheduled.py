"""Messages the beat sends on its own: the two-week reminder and the call for sign-up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.models import User
from partnerships.models import (
    ContactPerson,
    Participant,
    PartnerOrganisation,
    Person,
)

from .. import notifications
from ..models import (
    Enrolment,
    EnrolmentState,
    SessionKind,
    TrainingSession,
    TrainingWeek,
    window_days,
)
from .common import SIGNED_PHASES

# Who is reminded: everyone still expected who holds a seat (the waitlisted are not).
REMINDED_STATES = (EnrolmentState.CONFIRMED, EnrolmentState.NOMINATED)


def send_training_reminders(*, today: dt.date | None = None) -> int:
    """About two weeks before a session: remind each confirmed and nominated person (the
    nominated with what is still missing), and send each of their organisation's
    coordinators one digest per training week (or seminar) listing their people.

    Exactly once each, even when runs overlap or repeat: a week's due enrolments are
    claimed in one transaction (rows locked, ``SKIP LOCKED``, and marked
    ``reminder_sent_at``), and the digest lists only what that transaction claimed; the
    outbox keys (``training-reminder:<enrolment>``,
    ``training-reminder-digest:<week>:<coordinator>``) stop a second message anyway.
    Someone nominated after their week's digest went out is still reminded, but is not in
    a second digest. Returns the number of people reminded."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.TRAINING_REMINDER_DAYS)
    due = (
        Enrolment.objects.filter(
            state__in=REMINDED_STATES,
            reminder_sent_at__isnull=True,
            session__first_day__gte=today,
            session__first_day__lte=horizon,
            session__status=TrainingSession.Status.SCHEDULED,
        )
        .exclude(session__week__status=TrainingWeek.Status.CANCELLED)
        .values_list("pk", "session__week_id", "session_id")
    )
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, week_id, session_id in due:
        groups[f"week-{week_id}" if week_id else f"session-{session_id}"].append(pk)
    return sum(_remind_group(group, pks) for group, pks in sorted(groups.items()))


@transaction.atomic
def _remind_group(group: str, pks: list[int]) -> int:
    claimed = list(
        Enrolment.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(pk__in=pks, reminder_sent_at__isnull=True, state__in=REMINDED_STATES)
        .values_list("pk", flat=True)
    )
    if not claimed:
        return 0
    Enrolment.objects.filter(pk__in=claimed).update(reminder_sent_at=timezone.now())
    enrolments = list(
        Enrolment.objects.filter(pk__in=claimed)
        .with_related()
        .order_by("person__last_name", "person__first_name", "pk")
    )
    sent = sum(notifications.notify_reminder(enrolment) for enrolment in enrolments)
    notifications.send_reminder_digests(group, enrolments)
    return sent


@dataclass
class SignupAudience:
    """Who could come to a week, by organisation id and session kind."""

    needs: dict[int, dict[str, list[Person]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    organisations: dict[int, PartnerOrganisation] = field(default_factory=dict)

    def add(self, organisation: PartnerOrganisation, kind: str, person: Person) -> None:
        self.organisations[organisation.pk] = organisation
        self.needs[organisation.pk][kind].append(person)


def signup_audience(week: TrainingWeek, kinds: Sequence[str]) -> SignupAudience:
    """Participants whose window fits the week and who have no such training yet, and
    contact persons of signed partnerships who never took Partner training."""
    audience = SignupAudience()
    for kind in kinds:
        if kind in (SessionKind.TRAINING_1, SessionKind.TRAINING_2):
            before, after = window_days(kind)
            anchor = "exchange_start" if kind == SessionKind.TRAINING_1 else "exchange_end"
            # The week fits when anchor - before <= starts_on <= anchor + after.
            window = {
                f"{anchor}__gte": week.starts_on - dt.timedelta(days=after),
                f"{anchor}__lte": week.starts_on + dt.timedelta(days=before),
            }
            trained = Enrolment.objects.taken().filter(participant=OuterRef("pk"), kind=kind)
            participants = (
                Participant.objects.current()
                .filter(sending_organisation__isnull=False, **window)
                .exclude(Exists(trained))
                .select_related("person", "sending_organisation")
                .order_by("person__last_name", "person__first_name", "pk")
            )
            for participant in participants:
                audience.add(participant.sending_organisation, kind, participant.person)
        elif kind == SessionKind.PARTNER:
            trained = Enrolment.objects.taken().filter(
                person=OuterRef("person"), kind=SessionKind.PARTNER
            )
            contacts = (
                ContactPerson.objects.filter(
                    active=True,
                    organisation__active=True,
                    organisation__memberships__partnership__phase__in=SIGNED_PHASES,
                )
                .exclude(Exists(trained))
                .select_related("person", "organisation")
                .distinct()
                .order_by("person__last_name", "person__first_name", "pk")
            )
            seen: set[int] = set()
            for contact in contacts:
                if contact.person_id not in seen:
                    seen.add(contact.person_id)
                    audience.add(contact.organisation, kind, contact.person)
    return audience


@transaction.atomic
def send_signup_call(*, week: TrainingWeek, by: User | None = None) -> int:
    """Email the coordinators of every organisation with people who fit the week.
    Safe to repeat: one outbox key per week and coordinator."""
    week = TrainingWeek.objects.select_for_update().select_related("venue").get(pk=week.pk)
    if week.is_cancelled:
        raise ValidationError(_("This week has been cancelled."))
    if week.starts_on <= timezone.localdate():
        raise ValidationError(_("This week has already begun."))
    sessions = list(week.sessions.filter(group=1, status=TrainingSession.Status.SCHEDULED))
    audience = signup_audience(week, [s.kind for s in sessions])
    sent = notifications.send_signup_call(week, sessions, audience.needs, audience.organisations)
    week.signup_call_sent_at = timezone.now()
    week.save(update_fields=["signup_call_sent_at"])
    return sent


def send_due_signup_calls(*, today: dt.date | None = None) -> int:
    """Beat: the call for sign-up for every week starting within about three months."""
    today = today or timezone.localdate()
    lead = dt.timedelta(days=settings.TRAINING_SIGNUP_CALL_DAYS)
    weeks = TrainingWeek.objects.scheduled().filter(
        signup_call_sent_at__isnull=True, starts_on__gt=today, starts_on__lte=today + lead
    )
    return sum(send_signup_call(week=week) for week in weeks)
