"""Demo trainings for ``manage.py seed_demo``, on top of the partnerships' demo world.

Three coming training weeks (Kampala, Bangkok, Johannesburg; Kampala's Training 1 full,
with a waitlist), one introductory seminar
for the partnerships in the feasibility phase, and the demo participants and contact
persons nominated or confirmed through the services. A past week holds the attendance of
participants already on exchange (so certificates exist); being history, it is written
directly, as the services accept enrolments only before a session begins. Its evaluation
was sent, and most answered (made-up ratings and comments).
Idempotent: once the demo weeks exist, nothing more is created.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from norec_portal.models import Role, User
from partnerships.models import ContactPerson, Participant, Partnership, Phase

from . import services
from .evaluation import questions_for
from .models import (
    MAX_SESSION_SEATS,
    Enrolment,
    EnrolmentState,
    EvaluationAnswer,
    EvaluationInvitation,
    OccupiedDay,
    SessionKind,
    TrainingWeek,
    TravelDetails,
    Venue,
    session_dates,
    window_days,
)

DEMO_MARK = "[demo]"
# (venue, weeks from the coming Sunday, partner training days, Training 1 seats): the
# first Training 1 is small, so its last nominees wait on the waitlist.
DEMO_WEEKS = [("Kampala", 8, 6, 6), ("Bangkok", 16, 3, 30), ("Johannesburg", 26, 6, 30)]
PAST_WEEK = ("Kampala", -14)


def _sunday(today: dt.date, weeks: int) -> dt.date:
    return today + dt.timedelta(days=6 - today.weekday() + 7 * weeks)


def build() -> list[tuple[str, str]]:
    """Create the demo trainings if they are not there yet. No new logins."""
    if TrainingWeek.objects.filter(notes__startswith=DEMO_MARK).exists():
        return []
    staff = User.objects.filter(role=Role.STAFF).order_by("pk").first()
    today = timezone.localdate()
    with transaction.atomic():
        weeks = []
        for venue_name, ahead, partner_days, t1_seats in DEMO_WEEKS:
            venue = Venue.objects.filter(name=venue_name).first()
            if venue is None:
                continue
            weeks.append(
                services.create_training_week(
                    venue=venue,
                    starts_on=_sunday(today, ahead),
                    sessions=[
                        services.SessionPlan(
                            SessionKind.TRAINING_1, t1_seats, 6, [staff] if staff else []
                        ),
                        services.SessionPlan(SessionKind.TRAINING_2, 30),
                        services.SessionPlan(SessionKind.PARTNER, 40, partner_days),
                    ],
                    notes=f"{DEMO_MARK} {venue_name}",
                    by=staff,
                )
            )
        _nominate_participants(weeks, staff)
        _nominate_contacts(weeks, staff)
        if weeks:
            _travel_details(weeks[0], staff)
        _seminar(today, staff)
        _past_week(today, staff)
    return []


def _try_enrol(session, person, staff, *, confirm: bool):
    try:
        return services.enrol(session=session, person=person, by=staff, confirm=confirm)
    except ValidationError:
        return None


def _nominate_participants(weeks: list[TrainingWeek], staff: User | None) -> None:
    """Each current demo participant goes to the first week whose window fits: confirmed
    when the e-learning is done, nominated (and flagged) otherwise."""
    participants = (
        Participant.objects.current()
        .filter(person__email__endswith="@demo.example.org")
        .select_related("person")
    )
    for participant in participants.order_by("exchange_start", "pk"):
        for kind in (SessionKind.TRAINING_1, SessionKind.TRAINING_2):
            for week in weeks:
                session = week.sessions.get(kind=kind, group=1)
                confirm = participant.elearning_completed_on is not None
                if _try_enrol(session, participant.person, staff, confirm=confirm):
                    break


def _nominate_contacts(weeks: list[TrainingWeek], staff: User | None) -> None:
    """Coordinators of organisations with a signed agreement go to Partner training."""
    contacts = (
        ContactPerson.objects.filter(
            role=ContactPerson.Role.COORDINATOR,
            active=True,
            organisation__memberships__partnership__phase__in=services.SIGNED_PHASES,
        )
        .select_related("person")
        .distinct()
    )
    for index, contact in enumerate(contacts.order_by("pk")):
        week = weeks[index % len(weeks)] if weeks else None
        if week is not None:
            session = week.sessions.get(kind=SessionKind.PARTNER, group=1)
            _try_enrol(session, contact.person, staff, confirm=index % 2 == 0)


DEMO_FLIGHTS = [("KQ 412", "KQ 413"), ("ET 338", "ET 339"), ("RW 460", "RW 461"), ("", "")]
DEMO_DIETS = ["", "", "Vegetarian", "", "No pork", "", "Halal", ""]


def _travel_details(week: TrainingWeek, staff: User | None) -> None:
    """The first demo week's logistics under way: its deadline three weeks ahead of it, and
    travel details from about two in three of its people (every fourth needing a visa, one
    arriving the day before), through the same rules as the form."""
    services.set_week_travel(week=week, travel_details_due=week.starts_on - dt.timedelta(days=21),
                             rooms=week.rooms, by=staff)  # fmt: skip
    enrolments = Enrolment.objects.filter(
        session__week=week, state__in=[EnrolmentState.NOMINATED, EnrolmentState.CONFIRMED]
    ).select_related("person")
    for index, enrolment in enumerate(enrolments.order_by("pk")):
        if index % 3 == 2:
            continue  # still missing: the coordinator's dashboard lists them
        arrival, departure = DEMO_FLIGHTS[index % len(DEMO_FLIGHTS)]
        visa = index % 4 == 0
        person = enrolment.person
        data = {
            "arrival_date": week.starts_on - dt.timedelta(days=1 if index == 1 else 0),
            "arrival_time": dt.time(7 + index % 8, 40), "arrival_by": arrival,
            "arrival_airport": "Entebbe (EBB)" if arrival else "",
            "departure_date": week.ends_on, "departure_time": dt.time(11, 15),
            "departure_by": departure, "departure_airport": "Entebbe (EBB)" if departure else "",
            "dietary_needs": DEMO_DIETS[index % len(DEMO_DIETS)],
            "accessibility_needs": "Ground-floor room, please" if index == 3 else "",
            "emergency_contact_name": f"{person.last_name} family",
            "emergency_contact_phone": "+256 772 123456", "needs_visa": visa,
            "passport_name": person.full_name.upper() if visa else "",
            "passport_number": f"B{1234567 + index}" if visa else "",
            "passport_nationality": "UG" if visa else "",
            "passport_expiry": week.ends_on + dt.timedelta(days=900) if visa else None,
        }  # fmt: skip
        try:
            services.save_travel_details(enrolment=enrolment, data=data, by=staff,
                                         via=TravelDetails.Source.STAFF)  # fmt: skip
        except ValidationError:
            continue


def _seminar(today: dt.date, staff: User | None) -> None:
    start = _sunday(today, 5) + dt.timedelta(days=1)  # a Monday
    seminar = services.create_intro_seminar(
        title="Introductory seminar (online)",
        days=[
            services.SeminarDay(start + dt.timedelta(days=offset), dt.time(10), dt.time(14))
            for offset in (0, 2, 7)
        ],
        capacity=24,
        venue=None,
        online=True,
        facilitators=[staff] if staff else [],
        by=staff,
    )
    feasible = list(Partnership.objects.filter(phase=Phase.FEASIBILITY))
    if feasible:
        services.invite_partnerships(session=seminar, partnerships=feasible, by=staff)
        for partnership in feasible[:1]:
            contacts = ContactPerson.objects.filter(
                organisation__memberships__partnership=partnership, active=True
            ).select_related("person")
            for contact in contacts:
                _try_enrol(seminar, contact.person, staff, confirm=False)


def _past_week(today: dt.date, staff: User | None) -> None:
    venue = Venue.objects.filter(name=PAST_WEEK[0]).first()
    if venue is None:
        return
    week = services.create_training_week(
        venue=venue,
        starts_on=_sunday(today, PAST_WEEK[1]),
        sessions=[services.SessionPlan(SessionKind.TRAINING_1, 30)],
        notes=f"{DEMO_MARK} past",
        by=staff,
        history=True,
    )
    session = week.sessions.get()
    participants = Participant.objects.filter(
        person__email__endswith="@demo.example.org",
        status=Participant.Status.ON_EXCHANGE,
        exchange_start__gte=week.starts_on,
        exchange_start__lte=week.starts_on + dt.timedelta(days=90),
    ).select_related("sending_organisation")
    now = timezone.now()
    for participant in participants:
        enrolment = Enrolment.objects.create(
            session=session, kind=session.kind, person_id=participant.person_id,
            participant=participant, organisation=participant.sending_organisation,
            state=EnrolmentState.ATTENDED, requested_state=EnrolmentState.CONFIRMED,
            nominated_by=staff, confirmed_at=now, attendance_marked_at=now,
        )  # fmt: skip
        services.occupy_days(enrolment)
    _past_evaluation(session)


DEMO_COMMENTS = [
    "More time for questions from the host organisations, please.",
    "The session on safety was the most useful part of the week.",
    "Hot water in the rooms did not always work.",
    "",
    "",
]


def _past_evaluation(session) -> None:
    """The past week's evaluation: every link sent on its last day, about three in four
    used, and as many anonymous answers, leaning to "agree"."""
    rng = random.Random(f"evaluation-{session.pk}")  # noqa: S311 - demo data, not a secret
    sent = dt.datetime.combine(session.last_day, dt.time(15), tzinfo=dt.UTC)
    expires = sent + dt.timedelta(days=settings.TRAINING_EVALUATION_DAYS)
    answered_on = session.last_day + dt.timedelta(days=1)
    for enrolment in session.enrolments.order_by("pk"):
        used = rng.random() < 0.75
        EvaluationInvitation.objects.create(
            enrolment=enrolment, sent_at=sent, expires_at=expires,
            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),  # opens nothing
            used_at=dt.datetime.combine(answered_on, dt.time.min, tzinfo=dt.UTC) if used
            else None,
        )  # fmt: skip
        if used:
            EvaluationAnswer.objects.create(
                session=session, kind=session.kind, language="en", submitted_on=answered_on,
                answers={q.key: rng.choice([2, 3, 4, 4, 4, 5, 5])
                         for q in questions_for(session.kind)},
                comment=rng.choice(DEMO_COMMENTS),
            )  # fmt: skip


# --- The scale data set (``manage.py seed_scale``) --------------------------------------

SCALE_YEARS = 15
WEEKS_PER_YEAR = 12  # four a year at each of the three usual venues
SCALE_CAPACITY = {SessionKind.TRAINING_1: 30, SessionKind.TRAINING_2: 30, SessionKind.PARTNER: 40}


def group_seats(seats: int) -> list[int]:
    """The seats of each group a week needs for ``seats`` people of one kind: beyond a
    session's most seats the week runs a second group (and more), as staff would."""
    groups = -(-seats // MAX_SESSION_SEATS)
    return [-(-seats // groups)] * groups


def build_scale(rng, scale: float) -> dict[str, int]:
    """Fifteen years of training weeks (to a year ahead) at the usual venues, with the
    partnerships' scale participants and contacts placed in them as the rules allow:
    Training 1/2 within their windows, Partner training once per person, nobody in two
    weeks at once, never over capacity. Written with ``bulk_create`` for speed."""
    from collections import defaultdict

    from django.db.models import Max

    from .models import SessionDay, TrainingSession
    from .schedule import FULL_WEEK, SHORT_PARTNER_TRAINING, week_day_times

    today = timezone.localdate()
    venues = list(Venue.objects.filter(name__in=["Bangkok", "Johannesburg", "Kampala"]))
    weeks_per_year = max(round(WEEKS_PER_YEAR * min(scale, 1.0)), 1) if venues else 0
    first = dt.date(today.year - SCALE_YEARS + 1, 1, 1)
    weeks: list[TrainingWeek] = []
    for year in range(first.year, today.year + 2):
        for index in range(weeks_per_year):
            day = dt.date(year, 1, 1) + dt.timedelta(days=(index * 365) // weeks_per_year + 10)
            sunday = day + dt.timedelta(days=(6 - day.weekday()) % 7)
            weeks.append(
                TrainingWeek(venue=venues[index % len(venues)], starts_on=sunday,
                             notes="[scale]")
            )  # fmt: skip
    # A venue holds one week a Sunday: an appended data set skips the Sundays it has.
    booked = set(TrainingWeek.objects.scheduled().values_list("venue_id", "starts_on"))
    weeks = [w for w in weeks if (w.venue.pk, w.starts_on) not in booked]
    # Only what this run creates (the data set may be appended to an earlier one).
    last_week = TrainingWeek.objects.aggregate(last=Max("pk"))["last"] or 0
    last_session = TrainingSession.objects.aggregate(last=Max("pk"))["last"] or 0
    TrainingWeek.objects.bulk_create(weeks, batch_size=1000)
    weeks = list(
        TrainingWeek.objects.filter(notes="[scale]", pk__gt=last_week).select_related("venue")
    )
    sessions: list[TrainingSession] = []
    for week in weeks:
        for kind, capacity in SCALE_CAPACITY.items():
            sessions += [
                TrainingSession(kind=kind, week=week, group=group, capacity=seats,
                                first_day=week.starts_on, last_day=week.ends_on)
                for group, seats in enumerate(group_seats(max(round(capacity * scale), 5)), 1)
            ]  # fmt: skip
    TrainingSession.objects.bulk_create(sessions, batch_size=1000)
    sessions = list(
        TrainingSession.objects.filter(week__notes="[scale]", pk__gt=last_session)
        .select_related("week__venue")
        .order_by("first_day", "pk")
    )
    days = []
    for session in sessions:
        count = FULL_WEEK
        if session.kind == SessionKind.PARTNER and session.week.starts_on.year % 2:
            count = SHORT_PARTNER_TRAINING
        days += [
            SessionDay(session=session, starts_at=start, ends_at=end)
            for start, end in week_day_times(session.week, count)
        ]
    SessionDay.objects.bulk_create(days, batch_size=2000)

    free = {s.pk: s.capacity for s in sessions}
    by_kind = defaultdict(list)
    for session in sessions:
        by_kind[session.kind].append(session)
    busy: dict[int, set[dt.date]] = defaultdict(set)  # person id → week starts taken
    done: set[tuple[int, str]] = set()  # (participant id, kind) already trained
    for person_id, participant_id, kind, first_day in Enrolment.objects.exclude(
        state=EnrolmentState.CANCELLED
    ).values_list("person_id", "participant_id", "kind", "session__first_day"):
        busy[person_id].add(first_day)
        if participant_id:
            done.add((participant_id, kind))
    enrolments: list[Enrolment] = []

    def place(session, *, person_id, organisation_id, participant_id=None, contact_id=None,
              elearning=True):  # fmt: skip
        past = session.first_day <= today
        if past:
            state = EnrolmentState.ATTENDED if rng.random() < 0.92 else EnrolmentState.NO_SHOW
        elif elearning or session.kind != SessionKind.TRAINING_1:
            state = EnrolmentState.CONFIRMED
        else:
            state = EnrolmentState.NOMINATED
        free[session.pk] -= 1
        busy[person_id].add(session.first_day)
        enrolments.append(
            Enrolment(session=session, kind=session.kind, person_id=person_id,
                      participant_id=participant_id, contact_id=contact_id,
                      organisation_id=organisation_id, state=state,
                      requested_state=EnrolmentState.CONFIRMED if state != "nominated"
                      else EnrolmentState.NOMINATED)
        )  # fmt: skip

    participants = (
        Participant.objects.filter(
            status__in=[Participant.Status.PLANNED, Participant.Status.ON_EXCHANGE,
                        Participant.Status.COMPLETED],
            exchange_start__isnull=False, exchange_end__isnull=False,
            sending_organisation__isnull=False,
        )
        .values_list("pk", "person_id", "sending_organisation_id", "exchange_start",
                     "exchange_end", "elearning_completed_on")
        .order_by("exchange_start", "pk")
    )  # fmt: skip
    for pk, person_id, organisation_id, start, end, elearning in participants:
        for kind, anchor in ((SessionKind.TRAINING_1, start), (SessionKind.TRAINING_2, end)):
            before, after = window_days(kind)
            # Leave some of the coming ones unplaced, for the forecast to find.
            if (pk, kind) in done or (anchor > today and rng.random() < 0.3):
                continue
            fitting = [
                s for s in by_kind[kind]
                if free[s.pk] > 0 and s.first_day not in busy[person_id]
                and anchor - dt.timedelta(days=before) <= s.first_day
                <= anchor + dt.timedelta(days=after)
            ]  # fmt: skip
            if fitting:
                best = min(fitting, key=lambda s: abs((s.first_day - anchor).days))
                place(best, person_id=person_id, organisation_id=organisation_id,
                      participant_id=pk, elearning=elearning is not None)  # fmt: skip

    signed = defaultdict(list)  # organisation id → dates its partnerships signed
    for organisation_id, signed_on in Partnership.objects.filter(
        agreement_signed_on__isnull=False
    ).values_list("members__organisation_id", "agreement_signed_on"):
        signed[organisation_id].append(signed_on)
    contacts = (
        ContactPerson.objects.filter(active=True, organisation_id__in=list(signed))
        .exclude(person__enrolments__kind=SessionKind.PARTNER)
        .values_list("pk", "person_id", "organisation_id")
        .order_by("pk")
    )
    trained: set[int] = set()
    for pk, person_id, organisation_id in contacts:
        if person_id in trained:
            continue
        since = min(signed[organisation_id])
        fitting = [
            s for s in by_kind[SessionKind.PARTNER]
            if free[s.pk] > 0 and s.first_day >= since and s.first_day not in busy[person_id]
        ]  # fmt: skip
        if fitting:
            trained.add(person_id)
            place(fitting[0], person_id=person_id, organisation_id=organisation_id,
                  contact_id=pk)  # fmt: skip
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    # The days each enrolment takes, as ``enrol`` records them (the weeks' sessions
    # take their whole week; ``busy`` kept any person to one session a week).
    OccupiedDay.objects.bulk_create(
        (
            OccupiedDay(enrolment=e, person_id=e.person_id, date=day)
            for e in enrolments
            for day in session_dates(e.session)
        ),
        batch_size=5000,
    )
    return {
        "training weeks": len(weeks),
        "training sessions": len(sessions),
        "session days": len(days),
        "enrolments": len(enrolments),
    }
