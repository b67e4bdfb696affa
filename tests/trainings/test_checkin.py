"""Check-in at the venue: the service's rules, idempotency, the enrolment's state, undo."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.trainings import factories as f
from trainings import services
from trainings.models import DayAttendance, EnrolmentState

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 5, 4)  # the second day of the fixture week (Sunday 3 May)
# 09:00 in Kampala (UTC+3) on that Monday.
MONDAY_MORNING = dt.datetime(2026, 5, 4, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def during_week(time_machine):
    time_machine.move_to(MONDAY_MORNING)


@pytest.fixture
def confirmed(t1, participant, staff):
    return services.enrol(session=t1, person=participant.person, by=staff, confirm=True)


def messages(exc) -> str:
    return " ".join(exc.value.messages)


def test_first_check_in_marks_the_day_and_the_enrolment_attended(confirmed, staff, during_week):
    done = services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    assert done.created
    confirmed.refresh_from_db()
    assert confirmed.state == EnrolmentState.ATTENDED
    mark = DayAttendance.objects.get(enrolment=confirmed)
    assert (mark.date, mark.how, mark.marked_by) == (MONDAY, "scan", staff)


def test_second_scan_answers_already_and_adds_nothing(confirmed, staff, during_week):
    services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    again = services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="typed")
    assert not again.created
    assert DayAttendance.objects.filter(enrolment=confirmed).count() == 1


def test_next_day_is_a_second_mark(confirmed, staff, time_machine):
    time_machine.move_to(MONDAY_MORNING + dt.timedelta(days=1))
    services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    services.check_in(enrolment=confirmed, day=MONDAY + dt.timedelta(days=1), by=staff,
                      how="list")  # fmt: skip
    assert DayAttendance.objects.filter(enrolment=confirmed).count() == 2


def test_day_in_the_venue_zone_not_utc(confirmed, staff, time_machine):
    # 22:30 UTC on Sunday is already 01:30 on Monday in Kampala.
    time_machine.move_to(dt.datetime(2026, 5, 3, 22, 30, tzinfo=dt.UTC))
    assert services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan").created


def test_day_still_to_come_is_refused(confirmed, staff, during_week):
    with pytest.raises(ValidationError) as exc:
        services.check_in(enrolment=confirmed, day=MONDAY + dt.timedelta(days=1), by=staff,
                          how="scan")  # fmt: skip
    assert "still to come" in messages(exc)
    assert not DayAttendance.objects.exists()


def test_day_outside_the_session_is_refused(confirmed, staff, time_machine):
    time_machine.move_to(dt.datetime(2026, 5, 12, 6, tzinfo=dt.UTC))
    with pytest.raises(ValidationError) as exc:
        services.check_in(enrolment=confirmed, day=dt.date(2026, 5, 11), by=staff, how="scan")
    assert messages(exc) == (
        "11 May 2026 is not a day of Training 1 (it runs 3 May 2026 to 8 May 2026)."
    )
    confirmed.refresh_from_db()
    assert confirmed.state == EnrolmentState.CONFIRMED


def test_short_partner_training_has_only_its_own_days(staff, contact, time_machine):
    week = f.make_week(starts_on=dt.date(2026, 6, 7), partner_days=3)
    session = f.session_of(week, "partner")
    enrolment = services.enrol(session=session, person=contact.person, by=staff, confirm=True)
    assert services.session_days(session) == [dt.date(2026, 6, 7) + dt.timedelta(days=n)
                                              for n in range(3)]  # fmt: skip
    time_machine.move_to(dt.datetime(2026, 6, 11, 6, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        services.check_in(enrolment=enrolment, day=dt.date(2026, 6, 11), by=staff, how="scan")


def test_waitlisted_is_refused(staff, participant, during_week, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    week = f.make_week(starts_on=dt.date(2026, 5, 3), t1=1)
    session = f.session_of(week, "t1")
    services.enrol(session=session, person=f.participant_for().person, by=staff, confirm=True)
    waiting = services.enrol(session=session, person=participant.person, by=staff, confirm=True)
    assert waiting.state == EnrolmentState.WAITLISTED
    time_machine.move_to(MONDAY_MORNING)
    with pytest.raises(ValidationError) as exc:
        services.check_in(enrolment=waiting, day=MONDAY, by=staff, how="scan")
    assert "on the waitlist" in messages(exc)
    assert not DayAttendance.objects.exists()


def test_cancelled_is_refused(confirmed, staff, time_machine):
    services.cancel_enrolment(enrolment=confirmed, by=staff)
    time_machine.move_to(MONDAY_MORNING)
    with pytest.raises(ValidationError) as exc:
        services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    assert "was cancelled" in messages(exc)


def test_nominee_is_confirmed_then_attended(t1, participant, staff, time_machine):
    nominated = services.enrol(session=t1, person=participant.person, by=staff)
    time_machine.move_to(MONDAY_MORNING)
    services.check_in(enrolment=nominated, day=MONDAY, by=staff, how="typed")
    nominated.refresh_from_db()
    assert nominated.state == EnrolmentState.ATTENDED
    assert nominated.confirmed_at is not None


def test_nominee_who_cannot_be_confirmed_is_refused(t1, staff, during_week, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    no_elearning = f.participant_for(elearning=False)
    nominated = services.enrol(session=t1, person=no_elearning.person, by=staff)
    time_machine.move_to(MONDAY_MORNING)
    with pytest.raises(ValidationError) as exc:
        services.check_in(enrolment=nominated, day=MONDAY, by=staff, how="scan")
    assert "only nominated and cannot be confirmed" in messages(exc)
    assert not DayAttendance.objects.exists()
    nominated.refresh_from_db()
    assert nominated.state == EnrolmentState.NOMINATED


def test_absent_person_who_turns_up_becomes_attended(confirmed, staff, during_week):
    services.mark_attendance(enrolment=confirmed, attended=False, by=staff)
    services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    confirmed.refresh_from_db()
    assert confirmed.state == EnrolmentState.ATTENDED


def test_undo_removes_the_mark_and_the_attendance(confirmed, staff, during_week):
    services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    assert services.check_out(enrolment=confirmed, day=MONDAY, by=staff)
    assert not DayAttendance.objects.exists()
    confirmed.refresh_from_db()
    assert confirmed.state == EnrolmentState.NO_SHOW
    assert not services.check_out(enrolment=confirmed, day=MONDAY, by=staff)
    # Checked in again after all: attended.
    services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    confirmed.refresh_from_db()
    assert confirmed.state == EnrolmentState.ATTENDED


def test_undo_of_one_day_keeps_the_others(confirmed, staff, time_machine):
    time_machine.move_to(MONDAY_MORNING + dt.timedelta(days=1))
    services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    services.check_in(enrolment=confirmed, day=MONDAY + dt.timedelta(days=1), by=staff,
                      how="scan")  # fmt: skip
    services.check_out(enrolment=confirmed, day=MONDAY, by=staff)
    confirmed.refresh_from_db()
    assert confirmed.state == EnrolmentState.ATTENDED
    assert list(DayAttendance.objects.values_list("date", flat=True)) == [
        MONDAY + dt.timedelta(days=1)
    ]


def test_cancelled_week_is_refused(confirmed, staff, during_week, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    services.cancel_training_week(week=confirmed.session.week, by=staff, reason="Strike")
    time_machine.move_to(MONDAY_MORNING)
    confirmed.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    assert "cancelled" in messages(exc)


def test_default_day_is_today_in_the_zone_else_the_first(week, during_week):
    days = services.week_days(week)
    assert days[0] == dt.date(2026, 5, 3) and days[-1] == dt.date(2026, 5, 8)
    assert services.default_day(days, week.venue.zone) == MONDAY
    assert services.default_day(days[2:], week.venue.zone) == days[2]


def test_attendance_list_ticks_the_days_people_were_checked_in(confirmed, t1, staff, time_machine):
    import io

    from pypdf import PdfReader

    from trainings import documents

    other = services.enrol(session=t1, person=f.participant_for(first_name="Amina",
                           last_name="Odhiambo").person, by=staff, confirm=True)  # fmt: skip
    time_machine.move_to(MONDAY_MORNING + dt.timedelta(days=1))
    services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="scan")
    services.check_in(enrolment=confirmed, day=MONDAY + dt.timedelta(days=1), by=staff,
                      how="scan")  # fmt: skip
    services.check_in(enrolment=other, day=MONDAY, by=staff, how="typed")
    data = documents.attendance_list(t1, documents.attendance_enrolments(t1))
    body = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    # Rows by last name: Nakato's, then Odhiambo's, then the legend.
    grace = body[body.index("Grace Nakato") : body.index("Amina Odhiambo")]
    amina = body[body.index("Amina Odhiambo") : body.index("Printed on")]
    assert grace.count("✓") == 2, body
    assert amina.count("✓") == 1, body


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_phones_checking_one_person_in_at_once_make_one_mark(staff, participant, time_machine):
    import threading

    from django.db import connection, connections

    from tests.conftest import need_stack
    from trainings.models import Enrolment

    if connection.vendor != "postgresql":
        need_stack("the concurrency test needs PostgreSQL row locks (set DATABASE_URL)")
    week = f.make_week()
    session = f.session_of(week, "t1")
    enrolment = services.enrol(session=session, person=participant.person, by=staff,
                               confirm=True)  # fmt: skip
    time_machine.move_to(MONDAY_MORNING)
    phones = 8
    barrier = threading.Barrier(phones)
    created: list[bool] = []
    errors: list[BaseException] = []

    def phone() -> None:
        try:
            mine = Enrolment.objects.get(pk=enrolment.pk)
            barrier.wait(timeout=30)
            created.append(services.check_in(enrolment=mine, day=MONDAY, by=staff,
                                             how="scan").created)  # fmt: skip
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=phone) for _ in range(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(created) == [False] * (phones - 1) + [True]
    assert DayAttendance.objects.filter(enrolment=enrolment).count() == 1
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.ATTENDED


def test_a_week_moved_online_has_nobody_to_check_in(confirmed, week, staff, time_machine):
    services.switch_week_online(week=week, by=staff)
    time_machine.move_to(MONDAY_MORNING)
    confirmed.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.check_in(enrolment=confirmed, day=MONDAY, by=staff, how="typed")
    assert "runs online" in messages(exc)
    assert not DayAttendance.objects.exists()
