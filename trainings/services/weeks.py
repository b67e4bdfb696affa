"""Venues, training weeks with their parallel sessions, introductory seminars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from norec_portal.audit import Action, record_audit_many
from norec_portal.models import User
from norec_portal.zones import NORWAY
from partnerships.models import Partnership, Phase

from .. import contributors, notifications
from ..models import (
    ACTIVE_STATES,
    MAX_SESSION_SEATS,
    PROGRAMME_START,
    WEEK_KINDS,
    Enrolment,
    EnrolmentState,
    RoomArrangement,
    SeminarInvitation,
    SessionDay,
    SessionKind,
    TrainingSession,
    TrainingWeek,
    Venue,
)
from ..schedule import (
    DAY_OPTIONS,
    FULL_WEEK,
    ONLINE_DAY_HOURS,
    ONLINE_DAY_START,
    online_day_times,
    week_day_times,
)
from .common import (
    INTRO_SEMINAR_DAYS,
    format_day,
    free_days,
    kind_label,
    lock_session,
    seats_taken,
)
from .seats import fill_free_seats, promote_from_waitlist
from .travel import check_week_travel

# --- Venues -----------------------------------------------------------------------------


@transaction.atomic
def save_venue(*, venue: Venue, by: User | None) -> Venue:
    """Create or change a venue after checking its fields (time zone included)."""
    venue.full_clean()
    venue.save()
    return venue


# --- Training weeks and their sessions --------------------------------------------------


def check_week(
    *, venue: Venue | None, starts_on: dt.date | None, history: bool = False
) -> dict[str | None, list[str]]:
    """Every problem with a week's place and date, by field (None: the whole week): not
    a Sunday, not in the future (unless ``history``), the venue booked that Sunday, the
    venue out of use. A value given as None is not checked."""
    problems: dict[str | None, list[str]] = {}
    if starts_on is not None:
        try:
            check_week_start(starts_on)
        except ValidationError as exc:
            problems.setdefault("starts_on", []).extend(exc.message_dict["starts_on"])
        today = timezone.localdate()
        if starts_on <= today and not history:
            upcoming = today + dt.timedelta(days=6 - today.weekday() or 7)
            problems.setdefault("starts_on", []).append(
                _(
                    "A training week must start in the future: %(date)s is not after "
                    "today. The next Sunday is %(sunday)s."
                )
                % {"date": format_day(starts_on), "sunday": format_day(upcoming)}
            )
    if venue is not None and starts_on is not None and (clash := _week_clash(venue, starts_on)):
        problems.setdefault(None, []).append(clash)
    if venue is not None and not venue.active:
        problems.setdefault("venue", []).append(
            _("%(venue)s is no longer in use.") % {"venue": venue.name}
        )
    return problems


def check_week_start(starts_on: dt.date) -> None:
    """A training week starts on the Sunday people arrive, from the first exchanges (1963)
    to twenty years ahead."""
    last = timezone.localdate().year + 20
    if not 1963 <= starts_on.year <= last:
        message = _("%(date)s is not a date a training week can have: choose one between "
                    "1963 and %(last)s.")  # fmt: skip
        raise ValidationError({"starts_on": message % {"date": starts_on, "last": last}})
    if starts_on.weekday() != 6:
        message = _("A training week must start on a Sunday, the day of arrival. "
                    "%(date)s is a %(weekday)s; the Sunday before it is %(sunday)s.")  # fmt: skip
        sunday = starts_on - dt.timedelta(days=starts_on.weekday() + 1)
        raise ValidationError({"starts_on": message % {
            "date": format_day(starts_on), "weekday": date_format(starts_on, "l"),
            "sunday": format_day(sunday),
        }})  # fmt: skip


def check_seats(capacity: int, kind: str | None = None) -> None:
    """A session has between one seat and ``MAX_SESSION_SEATS`` (a database check too)."""
    label = kind_label(kind) if kind else _("A session")
    if capacity < 1:
        raise ValidationError(
            {"capacity": _("%(kind)s needs at least one seat.") % {"kind": label}}
        )
    if capacity > MAX_SESSION_SEATS:
        raise ValidationError(
            {
                "capacity": _(
                    "%(kind)s can have at most %(max)s seats, not %(seats)s. Check the "
                    "number; when more people need it, open a second group."
                )
                % {"kind": label, "max": MAX_SESSION_SEATS, "seats": capacity}
            }
        )


def _week_clash(venue: Venue, starts_on: dt.date) -> str | None:
    """What to say when ``venue`` already holds a week that Sunday, or None."""
    if not TrainingWeek.objects.filter(venue=venue, starts_on=starts_on).scheduled().exists():
        return None
    return _(
        "%(venue)s already has a training week starting on %(date)s. Its Training 1, "
        "Training 2 and Partner training run in parallel in that one week: open it to "
        "change seats or add a second group, or choose another Sunday or venue."
    ) % {"venue": venue.name, "date": format_day(starts_on)}


@dataclass(frozen=True)
class SessionPlan:
    """One parallel session to create in a week."""

    kind: str
    capacity: int
    days: int = FULL_WEEK
    facilitators: Sequence[User] = field(default_factory=tuple)


def _check_plan(plan: SessionPlan) -> list[str]:
    problems = []
    if plan.kind not in WEEK_KINDS:
        problems.append(_("A training week holds Training 1, Training 2 and Partner training."))
        return problems
    try:
        check_seats(plan.capacity, plan.kind)
    except ValidationError as exc:
        problems += exc.messages
    if plan.days not in DAY_OPTIONS[plan.kind]:
        problems.append(
            _("%(kind)s lasts %(options)s days, not %(days)s.")
            % {
                "kind": kind_label(plan.kind),
                "options": _(" or ").join(str(n) for n in DAY_OPTIONS[plan.kind]),
                "days": plan.days,
            }
        )
    return problems


def _create_week_session(
    week: TrainingWeek, *, kind: str, capacity: int, days: int, facilitators, group: int = 1
) -> TrainingSession:
    session = TrainingSession.objects.create(
        kind=kind,
        week=week,
        group=group,
        capacity=capacity,
        first_day=week.starts_on,
        last_day=week.ends_on,
    )
    SessionDay.objects.bulk_create(
        SessionDay(session=session, starts_at=start, ends_at=end)
        for start, end in week_day_times(week, days)
    )
    if facilitators:
        session.facilitators.set(facilitators)
    return session


@transaction.atomic
def create_training_week(
    *,
    venue: Venue,
    starts_on: dt.date,
    sessions: Sequence[SessionPlan],
    by: User | None,
    format: str = TrainingWeek.Format.IN_PERSON,
    notes: str = "",
    history: bool = False,
    travel_details_due: dt.date | None = None,
    rooms: str = RoomArrangement.SHARED,
) -> TrainingWeek:
    """A week at ``venue`` with its parallel sessions, each with its own seats and days.

    Refused: a start that is not a Sunday, or not in the future (``history`` records a
    week that has taken place, e.g. the demo's past week), a venue already booked that
    Sunday, seat counts outside 1–``MAX_SESSION_SEATS``, a travel details deadline that
    is not before the week. The database holds the booking and the seats as well (a
    booking that races in is answered with the same message)."""
    by_field = check_week(venue=venue, starts_on=starts_on, history=history)
    by_field.update(check_week_travel(starts_on=starts_on, travel_details_due=travel_details_due,
                                      rooms=rooms))  # fmt: skip
    problems: list[str] = by_field.pop(None, [])
    kinds = [plan.kind for plan in sessions]
    if not sessions:
        problems.append(_("A training week needs at least one session."))
    if len(set(kinds)) != len(kinds):
        problems.append(_("Each kind of session appears once; add a second group later."))
    for plan in sessions:
        problems += _check_plan(plan)
    if problems or by_field:
        raise ValidationError({"__all__": problems, **by_field} if problems else by_field)
    try:
        with transaction.atomic():
            week = TrainingWeek.objects.create(
                venue=venue, starts_on=starts_on, format=format, notes=notes, created_by=by,
                travel_details_due=travel_details_due, rooms=rooms,
                programme_start=(
                    ONLINE_DAY_START if format == TrainingWeek.Format.ONLINE else PROGRAMME_START
                ),
            )  # fmt: skip
    except IntegrityError as exc:
        # Booked a moment ago by someone else.
        raise ValidationError(_week_clash(venue, starts_on) or str(exc)) from exc
    for plan in sorted(sessions, key=lambda p: WEEK_KINDS.index(p.kind)):
        _create_week_session(
            week, kind=plan.kind, capacity=plan.capacity, days=plan.days,
            facilitators=plan.facilitators,
        )  # fmt: skip
    return week


@transaction.atomic
def update_session(
    *, session: TrainingSession, capacity: int, facilitators: Sequence[User], by: User | None
) -> TrainingSession:
    """Change seats and facilitators; added seats go to the waitlist at once."""
    session = lock_session(session)
    taken = seats_taken(session)
    check_seats(capacity)
    if capacity < taken:
        raise ValidationError(
            {
                "capacity": _(
                    "%(taken)s seats are already taken; cancel enrolments before lowering "
                    "the number of seats below that."
                )
                % {"taken": taken}
            }
        )
    session.capacity = capacity
    session.save(update_fields=["capacity"])
    session.facilitators.set(facilitators)
    fill_free_seats(session)
    return session


@transaction.atomic
def add_parallel_group(
    *, session: TrainingSession, capacity: int, by: User | None
) -> TrainingSession:
    """Open a second group of a full session in the same week; the waitlist moves over
    (in order) to fill it."""
    session = lock_session(session)
    if session.week_id is None:
        raise ValidationError(_("Only the sessions of a training week run in parallel groups."))
    if session.is_cancelled:
        raise ValidationError(_("This session has been cancelled."))
    if TrainingSession.objects.filter(week=session.week, kind=session.kind).count() >= 2:
        raise ValidationError(
            _("%(kind)s already runs in two groups this week.") % {"kind": kind_label(session.kind)}
        )
    check_seats(capacity)
    taken = seats_taken(session)
    if taken < session.capacity:
        raise ValidationError(
            _(
                "A second group opens when demand exceeds the seats: %(taken)s of %(capacity)s "
                "seats are taken. Add seats or wait for the session to fill."
            )
            % {"taken": taken, "capacity": session.capacity}
        )
    group = _create_week_session(
        session.week, kind=session.kind, capacity=capacity, days=session.days.count(),
        facilitators=(), group=2,
    )  # fmt: skip
    moving = list(
        Enrolment.objects.waitlist()
        .filter(session=session)
        .select_related("participant", "person")[:capacity]
    )
    for enrolment in moving:
        enrolment.session = group
        promote_from_waitlist(enrolment)
    return group


@transaction.atomic
def switch_week_online(
    *,
    week: TrainingWeek,
    by: User | None,
    day_start: dt.time | None = None,
    day_hours: int | None = None,
) -> int:
    """Move a whole week to the shorter online format and tell everyone enrolled.

    Each session keeps its dates; each day becomes a block from ``day_start`` (venue time)
    lasting ``day_hours``. Returns the number of people told.
    """
    week = TrainingWeek.objects.select_for_update().select_related("venue").get(pk=week.pk)
    if week.is_cancelled:
        raise ValidationError(_("This week has been cancelled."))
    if week.is_online:
        raise ValidationError(_("This week already runs online."))
    if week.starts_on <= timezone.localdate():
        raise ValidationError(_("A week that has begun cannot change its format."))
    day_start = day_start or ONLINE_DAY_START
    day_hours = day_hours or ONLINE_DAY_HOURS
    if not 1 <= day_hours <= 8:
        raise ValidationError({"day_hours": _("An online day lasts between 1 and 8 hours.")})
    week.format = TrainingWeek.Format.ONLINE
    week.programme_start = day_start
    week.save(update_fields=["format", "programme_start"])
    days = SessionDay.objects.filter(session__week=week)
    for day, starts, ends in online_day_times(
        days, week.venue.zone, start=day_start, hours=day_hours
    ):
        day.starts_at, day.ends_at = starts, ends
        day.save(update_fields=["starts_at", "ends_at"])
    enrolments = list(
        Enrolment.objects.filter(session__week=week, state__in=ACTIVE_STATES)
        .with_related()
        .order_by("pk")
    )
    return notifications.notify_week_online(week, enrolments)


@transaction.atomic
def cancel_training_week(*, week: TrainingWeek, by: User | None, reason: str) -> int:
    """Cancel a week and every enrolment in it; tell the people and their coordinators."""
    week = TrainingWeek.objects.select_for_update().select_related("venue").get(pk=week.pk)
    if week.is_cancelled:
        raise ValidationError(_("This week has already been cancelled."))
    if week.starts_on <= timezone.localdate():
        raise ValidationError(_("A week that has begun cannot be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the week is cancelled: people are told.")})
    now = timezone.now()
    week.status = TrainingWeek.Status.CANCELLED
    week.cancelled_at = now
    week.cancellation_reason = reason.strip()[:500]
    week.save(update_fields=["status", "cancelled_at", "cancellation_reason"])
    enrolments = list(
        Enrolment.objects.select_for_update(of=("self",))
        .filter(session__week=week, state__in=ACTIVE_STATES)
        .with_related()
        .order_by("pk")
    )
    Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(
        state=EnrolmentState.CANCELLED,
        cancelled_at=now,
        cancelled_by=by,
        cancellation_reason=week.cancellation_reason,
    )
    free_days(enrolments)
    record_audit_many(
        by=by,
        action=Action.STATUS,
        objs=enrolments,
        summary="cancelled",
        changes=("state", "cancelled_at", "cancelled_by", "cancellation_reason"),
    )
    # Lecturers, interpreters and resource persons asked to serve in it are released too.
    contributors.sessions_cancelled(list(week.sessions.all()), week.cancellation_reason, by=by)
    return notifications.notify_week_cancelled(week, enrolments)


# --- Introductory seminars --------------------------------------------------------------


@dataclass(frozen=True)
class SeminarDay:
    """One day of an introductory seminar, in the venue's local time (Norway's online)."""

    date: dt.date
    starts: dt.time
    ends: dt.time


@transaction.atomic
def create_intro_seminar(
    *,
    title: str,
    days: Sequence[SeminarDay],
    capacity: int,
    venue: Venue | None,
    online: bool,
    by: User | None,
    facilitators: Sequence[User] = (),
) -> TrainingSession:
    """An introductory seminar: three days, not necessarily in a row, at a venue or online."""
    problems: list[str] = []
    dates = [day.date for day in days]
    if len(days) != INTRO_SEMINAR_DAYS:
        problems.append(_("An introductory seminar has exactly three days."))
    if len(set(dates)) != len(dates):
        problems.append(_("Each day of the seminar must be a different date."))
    for day in days:
        if day.ends <= day.starts:
            problems.append(
                _("On %(date)s the day must end after it starts.") % {"date": format_day(day.date)}
            )
    if not online and venue is None:
        problems.append(_("Choose a venue, or hold the seminar online."))
    try:
        check_seats(capacity)
    except ValidationError as exc:
        problems += exc.messages
    if dates and min(dates) <= timezone.localdate():
        problems.append(_("The seminar must begin in the future."))
    if problems:
        raise ValidationError(problems)
    zone = venue.zone if venue else NORWAY
    session = TrainingSession.objects.create(
        kind=SessionKind.INTRO_SEMINAR,
        title=title.strip()[:200],
        venue=venue,
        online=online,
        capacity=capacity,
        first_day=min(dates),
        last_day=max(dates),
    )
    SessionDay.objects.bulk_create(
        SessionDay(
            session=session,
            starts_at=dt.datetime.combine(day.date, day.starts, tzinfo=zone),
            ends_at=dt.datetime.combine(day.date, day.ends, tzinfo=zone),
        )
        for day in sorted(days, key=lambda d: d.date)
    )
    if facilitators:
        session.facilitators.set(facilitators)
    return session


@transaction.atomic
def invite_partnerships(
    *, session: TrainingSession, partnerships: Sequence[Partnership], by: User | None
) -> int:
    """Invite partnerships in the feasibility phase to an introductory seminar and tell
    the coordinators of each member organisation. Returns the number of new invitations."""
    session = lock_session(session)
    if session.kind != SessionKind.INTRO_SEMINAR:
        raise ValidationError(_("Partnerships are invited to introductory seminars only."))
    if session.is_cancelled or session.has_started():
        raise ValidationError(_("This seminar is no longer open for invitations."))
    late = [p.name for p in partnerships if p.phase != Phase.FEASIBILITY]
    if late:
        raise ValidationError(
            ngettext(
                "The introductory seminar is for partnerships in the feasibility phase; "
                "%(names)s is past it.",
                "The introductory seminar is for partnerships in the feasibility phase; "
                "%(names)s are past it.",
                len(late),
            )
            % {"names": ", ".join(late)}
        )
    already = set(session.invitations.values_list("partnership_id", flat=True))
    created = 0
    for partnership in partnerships:
        if partnership.pk in already:
            continue
        SeminarInvitation.objects.create(session=session, partnership=partnership, invited_by=by)
        created += 1
        organisation_ids = list(partnership.members.values_list("organisation_id", flat=True))
        notifications.notify_seminar_invitation(session, partnership, organisation_ids)
    return created
