"""The waitlist: free seats go to the first waiting, in order.

The caller holds the session's row lock (``lock_session``); these are shared by the
enrolment and the week services.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from norec_portal.audit import Action, record_audit

from .. import notifications
from ..models import Enrolment, EnrolmentState, TrainingSession
from .common import seats_taken
from .eligibility import check_confirmation


def promote_from_waitlist(enrolment: Enrolment) -> None:
    """Waitlisted → the state asked for (nominated if Training 1 still lacks e-learning)."""
    state = enrolment.requested_state
    if state == EnrolmentState.CONFIRMED:
        try:
            check_confirmation(
                kind=enrolment.kind, participant=enrolment.participant, person=enrolment.person
            )
        except ValidationError:
            state = EnrolmentState.NOMINATED
    enrolment.state = state
    enrolment.confirmed_at = timezone.now() if state == EnrolmentState.CONFIRMED else None
    enrolment.save(update_fields=["session", "state", "confirmed_at"])
    # Promoted from the waitlist by the freed seat, not by whoever freed it.
    record_audit(by=None, action=Action.STATUS, obj=enrolment, summary=state,
                 changes=["state", "confirmed_at"])  # fmt: skip
    notifications.notify_promoted(enrolment)


def fill_free_seats(session: TrainingSession) -> list[Enrolment]:
    """Give free seats to the waitlist in order. The caller holds the session's lock."""
    free = session.capacity - seats_taken(session)
    if free <= 0 or session.is_cancelled:
        return []
    promoted = list(
        Enrolment.objects.waitlist()
        .filter(session=session)
        .select_related("participant", "person", "organisation")[:free]
    )
    for enrolment in promoted:
        enrolment.session = session
        promote_from_waitlist(enrolment)
    return promoted
