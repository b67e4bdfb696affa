"""The visa invitation letter: when it may be issued, its reference number, its content.

The letter states the passport data the embassy checks against, so it is issued only when
those are complete and still held (the retention job erases them after the week).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _
from django_countries.fields import Country

from norec_portal.pdf import render_pdf

from ..models import Enrolment, EnrolmentState, SessionKind, TravelDetails
from ..schedule import local_days
from .common import common_context

KIND_CODES = {
    SessionKind.TRAINING_1: "T1",
    SessionKind.TRAINING_2: "T2",
    SessionKind.PARTNER: "PT",
    SessionKind.INTRO_SEMINAR: "IS",
}


def travel_of(enrolment: Enrolment) -> TravelDetails | None:
    try:
        return enrolment.travel
    except ObjectDoesNotExist:
        return None


def letter_unavailable_reason(enrolment: Enrolment) -> str | None:
    """Why no invitation letter can be issued for ``enrolment`` yet, or None when it can.

    The one statement of the rule: the letter views refuse with this reason and the
    pages show it in place of the link. Reads ``enrolment.travel`` (select it along).
    """
    session = enrolment.session
    if enrolment.state == EnrolmentState.CANCELLED:
        return _("No letter: the enrolment was cancelled.")
    if enrolment.state == EnrolmentState.NO_SHOW:
        return _("No letter: the person did not attend.")
    if not enrolment.can_have_letter:
        return _("Available once the enrolment is confirmed.")
    if session.is_online or session.place_venue is None:
        return _("The session runs online: there is no travel to invite for.")
    travel = travel_of(enrolment)
    if travel is None:
        return _("Waiting for the travel details.")
    if not travel.needs_visa:
        return _("Not needed: the travel details say no visa is needed.")
    if travel.passport_erased_at is not None:
        return _("The passport details were erased after the training.")
    if not (
        travel.passport_name
        and travel.passport_number
        and travel.passport_nationality
        and travel.passport_expiry
    ):
        return _("Waiting for the passport details.")
    if travel.passport_expiry < session.last_day:
        return _("The passport expires before the training ends: waiting for a valid passport.")
    return None


def check_letter_available(enrolment: Enrolment) -> None:
    reason = letter_unavailable_reason(enrolment)
    if reason is not None:
        raise ValidationError(reason)


def letter_reference(enrolment: Enrolment) -> str:
    """``NOREC-<year>-<kind>-<enrolment id>``: the same letter always has the same
    reference, and the enrolment id makes it unique."""
    session = enrolment.session
    kind = KIND_CODES.get(session.kind, session.kind.upper())
    return f"NOREC-{session.first_day.year}-{kind}-{enrolment.pk:06d}"


def signatory() -> tuple[str, str]:
    """Who signs the letter: the visa signatory, or else the certificates' signatory."""
    name = settings.TRAINING_VISA_SIGNATORY
    if name:
        return name, settings.TRAINING_VISA_SIGNATORY_TITLE
    return settings.TRAINING_CERTIFICATE_SIGNATORY, settings.TRAINING_CERTIFICATE_SIGNATORY_TITLE


def invitation_letter(enrolment: Enrolment) -> bytes:
    """A letter for the visa application of a confirmed participant or contact, stating
    their passport details. Raises ValidationError with the reason when not available."""
    check_letter_available(enrolment)
    session = enrolment.session
    travel = enrolment.travel
    name, title = signatory()
    return render_pdf(
        "documents/trainings_invitation_letter.html",
        {
            **common_context(),
            "enrolment": enrolment,
            "person": enrolment.person,
            "session": session,
            "week": session.week,
            "venue": session.place_venue,
            "days": local_days(session),
            "travel": travel,
            "passport_country": Country(travel.passport_nationality).name
            or travel.passport_nationality,
            "reference": letter_reference(enrolment),
            "signatory": name,
            "signatory_title": title,
        },
    )
