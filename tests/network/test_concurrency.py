"""Row locks on PostgreSQL: a link is used once however many requests race with it, and
parallel beat runs never send more than a wave's daily cap."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from network.models import Member
from network.services import contact, members, waves
from norec_portal.models import User
from tests.conftest import need_stack
from tests.network.factories import bulk_alumni, make_alumnus_record
from tests.network.helpers import invite

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres(transactional_db):
    if connection.vendor != "postgresql":
        need_stack("the concurrency test needs PostgreSQL row locks (set DATABASE_URL)")


def race(n: int, action: Callable[[int], object]) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(n)
    results: list[object] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(action(i))
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_ten_requests_with_one_invitation_link_make_one_account():
    person = make_alumnus_record("Race", "Runner", email="race@example.org")
    _invitation, token = invite(person)

    def join(i: int) -> object:
        return members.join_network(
            raw_token=token,
            details=contact.ContactDetails(first_name="Race", last_name=f"Runner{i}"),
            password="a long enough passphrase 42",
            consents=members.Consents(directory=False, newsletter=True),
        )

    results, errors = race(10, join)
    assert len(results) == 1
    assert len(errors) == 9 and all(isinstance(e, ValidationError) for e in errors), errors
    assert User.objects.filter(email="race@example.org").count() == 1
    assert Member.objects.count() == 1


def test_parallel_beat_runs_keep_to_the_daily_cap():
    bulk_alumni(300, ["KE", "UG", "TZ"])
    wave = waves.create_wave(
        name="Race", countries=["KE", "UG", "TZ"], daily_cap=50, by=None,
        starts_on=timezone.localdate(), reminder_after_days=7, expires_after_days=30,
    )  # fmt: skip
    results, errors = race(6, lambda i: waves.release_wave_batch(wave_id=wave.pk))
    assert errors == []
    assert sorted(results) == [0, 0, 0, 0, 0, 50]
    assert wave.invitations.filter(released_on=timezone.localdate()).count() == 50
