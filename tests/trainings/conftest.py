from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from partnerships.models import ContactPerson
from tests.trainings import factories as f
from trainings.models import SessionKind


@pytest.fixture(autouse=True)
def _fixed_today():
    """Every trainings test runs on Monday 2 March 2026 (the clock keeps ticking)."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=True):
        yield


@pytest.fixture
def week(db):
    return f.make_week()


@pytest.fixture
def t1(week):
    return f.session_of(week, SessionKind.TRAINING_1)


@pytest.fixture
def t2(week):
    return f.session_of(week, SessionKind.TRAINING_2)


@pytest.fixture
def partner_session(week):
    return f.session_of(week, SessionKind.PARTNER)


@pytest.fixture
def participant(partnership):
    """A participant sent by org_a, due for Training 1 in the fixture week."""
    return f.participant_for(partnership=partnership, first_name="Grace", last_name="Nakato")


@pytest.fixture
def contact(org_a):
    """A manager of org_a, whose partnership has a signed agreement."""
    return f.contact_for(org_a, role=ContactPerson.Role.MANAGER, first_name="Joseph",
                         last_name="Mwangi")  # fmt: skip
