from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from tests.factories import PartnershipFactory, UserFactory, make_coordinator, make_staff

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


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language, whatever an earlier request activated."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


@pytest.fixture
def partnership(db):
    """A partnership with a signed agreement between organisation A (Kenya) and B (Uganda)."""
    return PartnershipFactory(name="Lake Victoria Health Exchange")


@pytest.fixture
def org_a(partnership):
    return partnership.members.order_by("pk")[0].organisation


@pytest.fixture
def org_b(partnership):
    return partnership.members.order_by("pk")[1].organisation


@pytest.fixture
def coordinator(org_a):
    return make_coordinator(org_a, email="coordinator.a@example.org", full_name="Achieng Otieno")


@pytest.fixture
def other_coordinator(org_b):
    return make_coordinator(org_b, email="coordinator.b@example.org", full_name="Brian Okello")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client
