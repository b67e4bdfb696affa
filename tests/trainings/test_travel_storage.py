"""Passport data is encrypted in the database, and badge codes cannot be forged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from norec_portal.crypto import decrypt
from trainings import services
from trainings.badges import badge_code, read_badge_code
from trainings.models import TravelDetails


@pytest.fixture
def enrolment(t1, participant):
    return services.enrol(session=t1, person=participant.person, by=None)


def _raw(details: TravelDetails, column: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM trainings_traveldetails WHERE id = %s",  # noqa: S608
                       [details.pk])  # fmt: skip
        return cursor.fetchone()[0]


def test_passport_fields_are_unreadable_in_the_database_and_read_back_whole(enrolment):
    details = TravelDetails.objects.create(
        enrolment=enrolment, needs_visa=True, passport_name="GRACE NAKATO",
        passport_number="B1234567", passport_nationality="UG",
        passport_expiry=dt.date(2031, 5, 4), submitted_via=TravelDetails.Source.PERSON,
    )  # fmt: skip
    expected = [("passport_name", "GRACE NAKATO"), ("passport_number", "B1234567"),
                ("passport_nationality", "UG"), ("passport_expiry", "2031-05-04")]  # fmt: skip
    for column, clear in expected:
        raw = _raw(details, column)
        assert raw.startswith("gAAAAA")
        assert decrypt(raw) == clear
        # A token is random base64: a two-letter country code turns up in one by chance
        # (about 1 in 40), eight letters or more never do.
        if len(clear) >= 8:
            assert clear not in raw
    fresh = TravelDetails.objects.get(pk=details.pk)
    assert fresh.passport_name == "GRACE NAKATO"
    assert fresh.passport_number == "B1234567"
    assert fresh.passport_expiry == dt.date(2031, 5, 4)
    assert fresh.masked_passport_number == "•••••567"


def test_an_empty_passport_stays_empty(enrolment):
    details = TravelDetails.objects.create(enrolment=enrolment, submitted_via="coordinator")
    assert _raw(details, "passport_number") == ""
    assert _raw(details, "passport_expiry") is None
    assert TravelDetails.objects.get(pk=details.pk).passport_expiry is None
    assert not details.has_passport


def test_badge_codes_name_their_enrolment_and_nothing_else():
    code = badge_code(4711)
    assert read_badge_code(code) == 4711
    assert read_badge_code(f"https://portal.example/scan?c={code} ") == 4711
    forged = "B1:4712:" + code.split(":", 2)[2]
    assert read_badge_code(forged) is None
    assert read_badge_code(code[:-2] + "xx") is None
    assert read_badge_code("") is None
    assert read_badge_code("Grace Nakato") is None


def test_the_retention_job_erases_passports_after_the_week_and_keeps_the_rest(enrolment):
    from norec_portal.privacy import apply_retention

    details = TravelDetails.objects.create(
        enrolment=enrolment, needs_visa=True, passport_name="GRACE NAKATO",
        passport_number="B1234567", passport_nationality="UG", dietary_needs="Vegetarian",
        passport_expiry=dt.date(2031, 5, 4), submitted_via=TravelDetails.Source.PERSON,
    )  # fmt: skip
    last_day = enrolment.session.last_day
    on_time = dt.datetime.combine(last_day + dt.timedelta(days=59), dt.time(3), tzinfo=dt.UTC)
    assert apply_retention(now=on_time)["trainings.passports_erased"] == 0
    assert TravelDetails.objects.get(pk=details.pk).passport_number == "B1234567"

    later = on_time + dt.timedelta(days=2)
    assert apply_retention(now=later)["trainings.passports_erased"] == 1
    erased = TravelDetails.objects.get(pk=details.pk)
    assert (erased.passport_name, erased.passport_number, erased.passport_nationality) == (
        "",
        "",
        "",
    )
    assert erased.passport_expiry is None
    assert erased.passport_erased_at == later
    assert erased.dietary_needs == "Vegetarian"
    assert apply_retention(now=later)["trainings.passports_erased"] == 0
