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

from .models import Enrolment, EnrolmentQuerySet, EnrolmentState, SessionKind

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
