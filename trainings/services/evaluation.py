"""The evaluation after a session: sending each person their single-use link, sending it
again from the farewell slide, and taking in an answer.

Anonymity is the point (``trainings.models.evaluation``): the link belongs to an
enrolment, the answer only to the session. :func:`submit_evaluation` marks the link used
and writes the answer in the same transaction, the link's row locked, so one link gives
exactly one answer however often it is submitted, and nothing records which answer it
gave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from norec_portal import links
from norec_portal.audit import record_audit
from norec_portal.dispatch import send_task_on_commit

from .. import notifications
from ..evaluation import COMMENT_MAX_LENGTH, SCALE, questions_for
from ..models import (
    Enrolment,
    EnrolmentState,
    EvaluationAnswer,
    EvaluationInvitation,
    TrainingSession,
)

# Who is asked: everyone who came, or was still expected on the last day.
EVALUATED_STATES = (EnrolmentState.CONFIRMED, EnrolmentState.ATTENDED)
# The daily run also picks up sessions that ended this many days ago (a missed run).
CATCH_UP_DAYS = 2


class InvalidEvaluationLink(ValidationError):
    """Unknown or expired: one message for both, a guesser learns nothing."""

    def __init__(self) -> None:
        super().__init__(
            _("This evaluation link is not valid any more. It may have expired."),
            code="invalid_evaluation_link",
        )


class AlreadyAnswered(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            _("This evaluation has already been answered with this link."),
            code="already_answered",
        )


def evaluation_url(raw: str) -> str:
    return settings.SITE_URL + reverse("trainings:evaluation_link", kwargs={"token": raw})


def closes_on(session: TrainingSession) -> dt.date:
    """The last day a link is sent for the session (from the slide, or by staff)."""
    return session.last_day + dt.timedelta(days=settings.TRAINING_EVALUATION_DAYS)


def check_evaluation_open(session: TrainingSession, *, today: dt.date | None = None) -> None:
    """Links go out from the session's first day until :func:`closes_on` (dates at the
    venue), never for a cancelled session."""
    today = today or timezone.localdate(timezone=session.zone)
    if session.is_cancelled:
        raise ValidationError(_("This session was cancelled: there is nothing to evaluate."))
    if session.first_day > today:
        raise ValidationError(
            _("The session has not begun yet: the evaluation opens on %(date)s.")
            % {"date": date_format(session.first_day, "j F Y")}
        )
    if today > closes_on(session):
        raise ValidationError(
            _("The evaluation of this session closed on %(date)s.")
            % {"date": date_format(closes_on(session), "j F Y")}
        )


def _lock_session(session_id: int) -> TrainingSession:
    TrainingSession.objects.select_for_update().filter(pk=session_id).values("pk").get()
    return TrainingSession.objects.with_place().get(pk=session_id)


def _send_link(invitation: EvaluationInvitation, *, now: dt.datetime) -> None:
    """A fresh token for the invitation (an earlier link stops working) and the email."""
    raw, invitation.token_hash = links.new_token()
    invitation.sent_at = now
    invitation.expires_at = now + dt.timedelta(days=settings.TRAINING_EVALUATION_DAYS)
    invitation.save()
    notifications.notify_evaluation(
        invitation.enrolment, link=evaluation_url(raw), key=invitation.token_hash[:24]
    )


def send_evaluation_invitations(*, today: dt.date | None = None) -> int:
    """The daily run: every session that ended today (or in the last ``CATCH_UP_DAYS``)
    sends its links. Returns the number of links sent."""
    today = today or timezone.localdate()
    due = (
        TrainingSession.objects.scheduled()
        .filter(
            last_day__lte=today,
            last_day__gte=today - dt.timedelta(days=CATCH_UP_DAYS),
            enrolments__state__in=EVALUATED_STATES,
            enrolments__evaluation_invitation__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    return sum(invite_to_evaluation(session_id=pk, by=None, today=today) for pk in list(due))


@transaction.atomic
def invite_to_evaluation(
    *, session_id: int, by: object | None, today: dt.date | None = None
) -> int:
    """Send the link to each confirmed or attending person of the session who has none
    yet (and has an email address). Never twice: the invitation row is the mark, made
    under the session's row lock. Returns the number sent."""
    session = _lock_session(session_id)
    check_evaluation_open(session, today=today)
    enrolments = list(
        Enrolment.objects.filter(
            session=session, state__in=EVALUATED_STATES, evaluation_invitation__isnull=True
        )
        .exclude(person__email="")
        .select_related("person", "organisation")
        .order_by("pk")
    )
    now = timezone.now()
    for enrolment in enrolments:
        enrolment.session = session
        invitation = EvaluationInvitation(enrolment=enrolment)
        _send_link(invitation, now=now)
    if by is not None and enrolments:
        record_audit(by=by, action="evaluation_sent", obj=session,
                     summary=f"{len(enrolments)} links")  # fmt: skip
    return len(enrolments)


def ask_for_evaluation_link(*, session_id: int, email: str) -> None:
    """Queue :func:`resend_evaluation_link` (after commit): the page that asks answers at
    once, as fast for an address we know as for one we do not."""
    send_task_on_commit("trainings.tasks.resend_evaluation_link", session_id, email)


@transaction.atomic
def resend_evaluation_link(*, session_id: int, email: str, today: dt.date | None = None) -> bool:
    """From the farewell slide: if ``email`` belongs to a confirmed or attending person of
    the session who has not answered yet, send them their link again (a new one; the old
    one stops working). Returns whether a link was sent; the page never tells."""
    session = _lock_session(session_id)
    try:
        check_evaluation_open(session, today=today)
    except ValidationError:
        return False
    enrolment = (
        Enrolment.objects.filter(
            session=session, state__in=EVALUATED_STATES, person__email__iexact=email.strip()
        )
        .exclude(person__email="")
        .select_related("person", "organisation")
        .order_by("pk")
        .first()
    )
    if enrolment is None:
        return False
    enrolment.session = session
    invitation = EvaluationInvitation.objects.select_for_update().filter(
        enrolment=enrolment
    ).first() or EvaluationInvitation(enrolment=enrolment)
    if invitation.used_at is not None:
        return False
    invitation.enrolment = enrolment
    _send_link(invitation, now=timezone.now())
    return True


# --- Answering ----------------------------------------------------------------------------


def _lookup(raw: str | None, *, lock: bool) -> EvaluationInvitation:
    if not raw or len(raw) > 100:
        raise InvalidEvaluationLink
    invitations = EvaluationInvitation.objects.select_related(
        "enrolment__person", "enrolment__session__week__venue", "enrolment__session__venue"
    )
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=links.hash_token(raw)).first()
    if invitation is None:
        raise InvalidEvaluationLink
    if invitation.used_at is not None:
        raise AlreadyAnswered
    if invitation.expires_at <= timezone.now():
        raise InvalidEvaluationLink
    return invitation


def peek_evaluation_link(raw: str | None) -> EvaluationInvitation:
    """The open invitation of ``raw``, without using it; raises
    :class:`InvalidEvaluationLink` or :class:`AlreadyAnswered`."""
    return _lookup(raw, lock=False)


def check_answers(kind: str, answers: Mapping[str, object]) -> dict[str, int]:
    """Every question of ``kind`` answered with a whole number on the scale, and nothing
    else; the cleaned answers, or a ``ValidationError`` per question."""
    cleaned: dict[str, int] = {}
    errors: dict[str, str] = {}
    for question in questions_for(kind):
        value = answers.get(question.key)
        try:
            number = int(str(value))
        except ValueError:
            number = 0
        if number not in SCALE:
            errors[question.key] = _("Choose one of the five answers.")
        else:
            cleaned[question.key] = number
    unknown = sorted(set(answers) - {q.key for q in questions_for(kind)})
    if unknown:
        errors["__all__"] = _("The form has changed: please answer the questions shown.")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def submit_evaluation(
    *,
    raw_token: str | None,
    answers: Mapping[str, object],
    comment: str,
    language: str,
    today: dt.date | None = None,
) -> EvaluationAnswer:
    """Use the link and store the answer, together or not at all. A second submit with
    the same link waits for the row lock, then finds it used (:class:`AlreadyAnswered`)."""
    invitation = _lookup(raw_token, lock=True)
    session = invitation.enrolment.session
    cleaned = check_answers(session.kind, answers)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("Keep it to %(count)s characters, please.")
             % {"count": COMMENT_MAX_LENGTH}}
        )  # fmt: skip
    # The day at the venue only, on both rows: a time would match one to the other.
    today = today or timezone.localdate(timezone=session.zone)
    day = dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC)
    EvaluationInvitation.objects.filter(pk=invitation.pk).update(used_at=day)
    return EvaluationAnswer.objects.create(
        session=session,
        kind=session.kind,
        language=language[:10],
        answers=cleaned,
        comment=comment,
        submitted_on=today,
    )
