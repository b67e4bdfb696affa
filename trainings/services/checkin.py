"""Check-in at the venue: a person's badge scanned (or name typed) at the door marks them
present for the day, and their first mark makes the enrolment "attended".

Rules, in the order a refusal names them: the session is not cancelled; the enrolment
holds a seat (nominated, confirmed, attended or recorded as absent: not waitlisted, not
cancelled); the day is one of the session's days in its venue's calendar and not still to
come there. A second check-in of the same person and day is no error: it answers
"already checked in" (two phones at the door, a queue sent twice after a lost
connection).

A nominee who turns up is confirmed first (``confirm_enrolment``: its rules apply, e.g.
Training 1's e-learning, and the usual confirmation email goes out) and then marked as
attended; whoever was recorded as absent becomes attended again.

Locking: the session's row, then the enrolment's, like every state change of an enrolment
(``services.enrolment``), so two phones checking in one person are taken one after the
other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.audit import Action, record_audit
from norec_portal.models import User
from norec_portal.zones import in_zone

from ..models import (
    DayAttendance,
    Enrolment,
    EnrolmentState,
    TrainingSession,
    TrainingWeek,
)
from .common import format_day, lock_session
from .enrolment import confirm_enrolment, mark_attendance

# The states in which a person may be checked in: those holding a seat.
CHECK_IN_STATES = (
    EnrolmentState.NOMINATED,
    EnrolmentState.CONFIRMED,
    EnrolmentState.ATTENDED,
    EnrolmentState.NO_SHOW,
)


@dataclass(frozen=True)
class CheckIn:
    enrolment: Enrolment
    day: dt.date
    # False when the person had already been checked in that day.
    created: bool


def session_days(session: TrainingSession) -> list[dt.date]:
    """The dates the session's programme runs on, in its venue's calendar (uses
    prefetched ``days``)."""
    zone = session.zone
    return sorted({in_zone(day.starts_at, zone).date() for day in session.days.all()})


def week_days(week: TrainingWeek) -> list[dt.date]:
    """The dates any of the week's sessions runs on (the programme: Sunday to Friday)."""
    days: set[dt.date] = set()
    for session in week.sessions.all():
        days.update(session_days(session))
    return sorted(days)


def local_today(zone: dt.tzinfo) -> dt.date:
    return timezone.now().astimezone(zone).date()


def default_day(days: list[dt.date], zone: dt.tzinfo) -> dt.date | None:
    """The day a check-in page opens on: today in the venue's zone when it is one of
    ``days``, else the first of them."""
    today = local_today(zone)
    if today in days:
        return today
    return days[0] if days else None


def check_check_in(*, enrolment: Enrolment, day: dt.date) -> None:
    """Raise ``ValidationError`` saying why ``enrolment`` cannot be checked in on ``day``."""
    session = enrolment.session
    name = enrolment.person.full_name
    if session.is_cancelled:
        raise ValidationError(_("%(session)s has been cancelled.") % {"session": session.name})
    if session.is_online:
        raise ValidationError(
            _("%(session)s runs online: there is nobody to check in at a venue; mark "
              "attendance on the session's page.") % {"session": session.name}
        )  # fmt: skip
    if enrolment.state == EnrolmentState.CANCELLED:
        raise ValidationError(
            _("%(name)s's enrolment in %(session)s was cancelled: they cannot be checked in.")
            % {"name": name, "session": session.name}
        )
    if enrolment.state == EnrolmentState.WAITLISTED:
        raise ValidationError(
            _(
                "%(name)s is on the waitlist of %(session)s, without a seat: give them a "
                "seat on the session's page first."
            )
            % {"name": name, "session": session.name}
        )
    days = session_days(session)
    if day not in days:
        raise ValidationError(
            _("%(day)s is not a day of %(session)s (it runs %(first)s to %(last)s).")
            % {
                "day": format_day(day),
                "session": session.name,
                "first": format_day(days[0]) if days else "—",
                "last": format_day(days[-1]) if days else "—",
            }
        )
    if day > local_today(session.zone):
        raise ValidationError(
            _("%(day)s is still to come at the venue: check people in on the day.")
            % {"day": format_day(day)}
        )


def _lock(enrolment: Enrolment) -> Enrolment:
    session = lock_session(enrolment.session_id)
    locked = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("person", "participant", "organisation")
        .get(pk=enrolment.pk)
    )
    locked.session = session
    return locked


@transaction.atomic
def check_in(*, enrolment: Enrolment, day: dt.date, by: User | None, how: str) -> CheckIn:
    """Mark ``enrolment``'s person present on ``day`` (idempotent), and the enrolment
    attended on their first mark. Refused with a ``ValidationError`` by the rules above."""
    if how not in DayAttendance.How.values:
        raise ValidationError(_("Unknown way of checking in: %(how)s.") % {"how": how})
    enrolment = _lock(enrolment)
    check_check_in(enrolment=enrolment, day=day)
    if DayAttendance.objects.filter(enrolment=enrolment, date=day).exists():
        return CheckIn(enrolment=enrolment, day=day, created=False)
    try:
        with transaction.atomic():
            DayAttendance.objects.create(enrolment=enrolment, date=day, marked_by=by, how=how)
    except IntegrityError:
        # Only a writer that did not take the locks (an import, the admin) gets here.
        return CheckIn(enrolment=enrolment, day=day, created=False)
    if enrolment.state == EnrolmentState.NOMINATED:
        try:
            enrolment = confirm_enrolment(enrolment=enrolment, by=by)
        except ValidationError as exc:
            raise ValidationError(
                _("%(name)s is only nominated and cannot be confirmed: %(reason)s")
                % {"name": enrolment.person.full_name, "reason": " ".join(exc.messages)}
            ) from exc
    if enrolment.state != EnrolmentState.ATTENDED:
        enrolment = mark_attendance(enrolment=enrolment, attended=True, by=by, today=day)
    return CheckIn(enrolment=enrolment, day=day, created=True)


@transaction.atomic
def check_out(*, enrolment: Enrolment, day: dt.date, by: User | None) -> bool:
    """Undo a mistaken check-in of ``enrolment`` on ``day``; False when there was none.

    When it was the person's last mark, the enrolment is recorded as not attended (the
    state machine has no way back to "confirmed"); a later check-in makes it attended
    again."""
    enrolment = _lock(enrolment)
    deleted, _by_model = DayAttendance.objects.filter(enrolment=enrolment, date=day).delete()
    if not deleted:
        return False
    record_audit(
        by=by, action=Action.UPDATE, obj=enrolment,
        summary=f"check-in undone {day:%Y-%m-%d}", changes=["day_attendances"],
    )  # fmt: skip
    last = not DayAttendance.objects.filter(enrolment=enrolment).exists()
    if last and enrolment.state == EnrolmentState.ATTENDED:
        mark_attendance(enrolment=enrolment, attended=False, by=by, today=day)
    return True
