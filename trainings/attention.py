"""What in the trainings needs a staff member's attention (the staff home, see
``norec_portal.attention``): sessions with people waiting for a seat, and Training 1
nominees whose exchange starts soon while their e-learning is not done, contact persons
overdue for Partner training. Five queries."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from norec_portal.attention import Item, Link, Section, register

from .models import Enrolment, EnrolmentState, SessionKind, TrainingSession, waitlist_length
from .readiness import attention_counts

# The e-learning is done before leaving home: flag a nominee whose exchange starts within
# six weeks without it, while there is still time to do it.
ELEARNING_WARNING_DAYS = 42
# Rows listed under an item; the count says how many there are in all.
SHOWN = 5


def session_url(session_id: int, state: str) -> str:
    query = urlencode({"state": state})
    return f"{reverse('trainings:staff_session', args=[session_id])}?{query}"


def waitlists(today: dt.date) -> Item:
    sessions = (
        TrainingSession.objects.scheduled()
        .filter(last_day__gte=today)
        .annotate(waiting=waitlist_length())
        .filter(waiting__gt=0)
        .with_place()
        .order_by("first_day", "pk")
    )
    count = sessions.count()
    return Item(
        label=_("Sessions with people on the waitlist"),
        count=count,
        url=reverse("trainings:staff_year"),
        action=_("Open the training year"),
        links=tuple(
            Link(
                text=f"{session.name}, {session.place}",
                url=session_url(session.pk, EnrolmentState.WAITLISTED),
                note=_("%(n)d waiting") % {"n": session.waiting},
                day=session.first_day,
            )
            for session in sessions[:SHOWN]
        ),
    )


def nominees_without_elearning(today: dt.date) -> Item:
    enrolments = (
        Enrolment.objects.filter(
            kind=SessionKind.TRAINING_1,
            state=EnrolmentState.NOMINATED,
            participant__elearning_completed_on__isnull=True,
            participant__exchange_start__lte=today + dt.timedelta(days=ELEARNING_WARNING_DAYS),
            session__last_day__gte=today,
        )
        .filter(~Q(session__status=TrainingSession.Status.CANCELLED))
        .select_related("person", "participant", "session__week__venue", "session__venue")
        .order_by("participant__exchange_start", "pk")
    )
    count = enrolments.count()
    return Item(
        label=_("Training 1 nominees whose exchange starts soon without the e-learning"),
        count=count,
        url=reverse("trainings:staff_year"),
        action=_("Open the training year"),
        links=tuple(
            Link(
                text=enrolment.person.full_name,
                url=session_url(enrolment.session_id, EnrolmentState.NOMINATED),
                note=_("exchange starts %(date)s")
                % {"date": date_format(enrolment.participant.exchange_start, "j M Y")},
            )
            for enrolment in enrolments[:SHOWN]
        ),
    )


def partner_training(today: dt.date) -> Item:
    counts = attention_counts(today=today)
    url = reverse("trainings:staff_partner_readiness")
    return Item(
        label=_("Contact persons overdue for Partner training"),
        count=counts.partner_overdue,
        url=f"{url}?state=overdue",
        action=_("Open the Partner training list"),
        links=(
            Link(
                text=_("Coordinators overdue: %(n)d") % {"n": counts.coordinators_overdue},
                url=f"{url}?state=overdue&role=coordinator",
            ),
            Link(text=_("Due, not yet overdue: %(n)d") % {"n": counts.partner_due},
                 url=f"{url}?state=due"),
        ),
    )  # fmt: skip


@register
def trainings_attention(today: dt.date) -> Section:
    return Section(
        title=_("Trainings"),
        items=(waitlists(today), nominees_without_elearning(today), partner_training(today)),
    )
