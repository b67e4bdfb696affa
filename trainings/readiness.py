"""Training 1 / Training 2 status for the participants' readiness column.

Registered with ``partnerships.readiness`` from ``TrainingsConfig.ready``; one query for
a whole page of participants.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from partnerships.models import Participant
from partnerships.readiness import ReadinessItem

from .models import Enrolment, EnrolmentState, SessionKind

TONES = {
    EnrolmentState.ATTENDED: "ok",
    EnrolmentState.CONFIRMED: "ok",
    EnrolmentState.NOMINATED: "info",
    EnrolmentState.WAITLISTED: "warn",
    EnrolmentState.NO_SHOW: "bad",
}


def training_status(participants: Sequence[Participant]) -> dict[int, list[ReadinessItem]]:
    ids = [p.pk for p in participants]
    latest: dict[tuple[int, str], Enrolment] = {}
    enrolments = (
        Enrolment.objects.filter(participant_id__in=ids)
        .exclude(state=EnrolmentState.CANCELLED)
        .select_related("session__week__venue", "session__venue", "participant")
        .order_by("session__first_day", "pk")
    )
    for enrolment in enrolments:
        latest[(enrolment.participant_id, enrolment.kind)] = enrolment
    result: dict[int, list[ReadinessItem]] = {}
    for participant in participants:
        items = []
        for kind in (SessionKind.TRAINING_1, SessionKind.TRAINING_2):
            label = str(SessionKind(kind).label)
            enrolment = latest.get((participant.pk, kind))
            if enrolment is None:
                items.append(ReadinessItem(label, _("Not enrolled"), "warn"))
                continue
            status = "{} · {} {}".format(
                enrolment.get_state_display(),
                enrolment.session.place,
                date_format(enrolment.session.first_day, "j M Y"),
            )
            tone = TONES.get(enrolment.state, "info")
            if enrolment.state == EnrolmentState.NOMINATED and enrolment.elearning_missing:
                status = _("%(status)s — e-learning missing") % {"status": status}
                tone = "warn"
            items.append(ReadinessItem(label, status, tone))
        result[participant.pk] = items
    return result
