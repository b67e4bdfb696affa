from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from tests.factories import UserFactory, make_staff

# CI sets NOREC_REQUIRE_STACK=1: a test that needs PostgreSQL, Redis or a Celery worker
# must then fail when they are missing, never skip.
REQUIRE_STACK = os.environ.get("NOREC_REQUIRE_STACK") == "1"


def need_stack(reason: str) -> None:
    if REQUIRE_STACK:
        pytest.fail(f"CI requires the real stack: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    return make_staff(email="staff@norec.no", full_name="Siri Staff")


@pytest.fixture
def staff_without_mfa(db):
    return make_staff(email="newstaff@norec.no", full_name="Nils Newcomer", with_totp=False)


@pytest.fixture
def alumnus(db):
    return UserFactory(email="alum@example.org", full_name="Amina Alum", role="alumnus")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def alumnus_client(client, alumnus):
    client.force_login(alumnus)
    return client
