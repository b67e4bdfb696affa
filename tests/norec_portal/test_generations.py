"""Generations: any write the portal makes to a domain's tables ends what was cached."""

from __future__ import annotations

import logging
import os

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from network.models import ExpertiseTag
from norec_portal import generations
from norec_portal.models import User
from partnerships.models import Person
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def generation(domain: str) -> str | None:
    return cache.get(f"generation:{domain}")


class Counter:
    """A computation that says how often it ran."""

    def __init__(self, value: object = "fresh") -> None:
        self.runs = 0
        self.value = value

    def __call__(self) -> object:
        self.runs += 1
        return self.value


def test_tables_belong_to_the_domain_of_their_app():
    assert generations.domain_of_table("partnerships_person") == "partnerships"
    assert generations.domain_of_table("trainings_enrolment") == "trainings"
    assert generations.domain_of_table("network_member_languages") == "network"
    assert generations.domain_of_table("norec_portal_user") == "accounts"
    assert generations.domain_of_table("norec_portal_emailmessage") is None
    assert generations.domain_of_table("django_session") is None


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda person: person.save(), id="save"),
        pytest.param(lambda person: Person.objects.filter(pk=person.pk).update(
            first_name="Updated"), id="queryset-update"),
        pytest.param(lambda person: Person.objects.bulk_create(
            [Person(first_name="Bulk", last_name="Created")]), id="bulk-create"),
        pytest.param(lambda person: person.delete(), id="delete"),
        pytest.param(lambda person: connection.cursor().execute(
            "UPDATE partnerships_person SET first_name = 'Raw' WHERE id = %s", [person.pk]),
            id="raw-sql"),
    ],
)  # fmt: skip
def test_every_kind_of_write_starts_a_new_generation(write):
    person = PersonFactory()
    before = generation("partnerships")
    write(person)
    after = generation("partnerships")
    assert after is not None and after != before


def test_a_many_to_many_change_starts_a_new_generation():
    from tests.network.factories import make_member

    member = make_member(email="m@example.org")
    before = generation("network")
    member.expertise.add(ExpertiseTag.objects.create(name="hydrology"))
    assert generation("network") != before


def test_writes_elsewhere_leave_the_generations_alone():
    from django.contrib.sessions.backends.db import SessionStore

    user = UserFactory()
    before = {domain: generation(domain) for domain in generations.DOMAINS}
    session = SessionStore()
    session["seen"] = True
    session.save()
    # A visit (written at every login): no page shows it.
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    assert {domain: generation(domain) for domain in generations.DOMAINS} == before
    User.objects.filter(pk=user.pk).update(full_name="Renamed")
    assert generation("accounts") != before["accounts"]
    assert generation("partnerships") == before["partnerships"]


def test_cached_serves_the_value_until_its_domain_changes():
    compute = Counter()
    assert generations.cached("k", ["partnerships"], compute) == "fresh"
    assert generations.cached("k", ["partnerships"], compute) == "fresh"
    assert compute.runs == 1
    generations.cached("k", ["trainings"], compute)  # other domains: another entry
    assert compute.runs == 2
    PersonFactory()
    generations.cached("k", ["partnerships"], compute)
    assert compute.runs == 3


def test_cached_values_lapse_with_their_timeout(monkeypatch):
    compute = Counter()
    generations.cached("k", ["network"], compute, timeout=1)
    cache.delete("k")  # what the timeout does
    generations.cached("k", ["network"], compute, timeout=1)
    assert compute.runs == 2


def test_an_emptied_cache_starts_afresh():
    compute = Counter()
    generations.cached("k", ["network", "accounts"], compute)
    cache.clear()
    generations.cached("k", ["network", "accounts"], compute)
    assert compute.runs == 2
    generations.cached("k", ["network", "accounts"], compute)
    assert compute.runs == 2


@pytest.mark.django_db(transaction=True)
def test_a_transaction_renews_at_once_and_again_at_commit():
    PersonFactory()
    before = generation("partnerships")
    with transaction.atomic():
        PersonFactory()
        during = generation("partnerships")
        # What a reader of the old data, between the write and its commit, would keep.
        generations.cached("k", ["partnerships"], Counter("old"))
    after = generation("partnerships")
    assert len({before, during, after}) == 3
    assert generations.cached("k", ["partnerships"], Counter("new")) == "new"


@pytest.mark.django_db(transaction=True)
def test_a_long_transaction_renews_once_at_commit(monkeypatch):
    renewed: list[set[str]] = []
    original = generations.renew
    with transaction.atomic():
        for number in range(50):
            PersonFactory(first_name=f"P{number}")
        monkeypatch.setattr(generations, "renew", lambda domains: renewed.append(set(domains)))
    monkeypatch.setattr(generations, "renew", original)
    assert renewed == [{"partnerships"}]


@pytest.mark.django_db(transaction=True)
def test_after_a_rollback_the_next_transaction_still_renews_at_commit():
    with pytest.raises(RuntimeError), transaction.atomic():
        PersonFactory()
        raise RuntimeError
    with transaction.atomic():
        PersonFactory()
        during = generation("partnerships")
    assert generation("partnerships") != during


def test_a_write_is_saved_when_the_cache_cannot_be_reached(monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set_many", unreachable)
    with caplog.at_level(logging.WARNING, logger="norec_portal.generations"):
        person = PersonFactory(first_name="Kept")
    assert Person.objects.filter(pk=person.pk, first_name="Kept").exists()
    assert "the cache is unreachable" in caplog.text


def test_a_reader_computes_when_the_cache_cannot_be_reached(monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", unreachable)
    compute = Counter()
    assert generations.cached("k", ["network"], compute) == "fresh"
    assert generations.cached("k", ["network"], compute) == "fresh"
    assert compute.runs == 2


def test_clear_page_cache_ends_every_generation():
    from django.core.management import call_command

    compute = Counter()
    generations.cached("k", generations.DOMAINS, compute)
    call_command("clear_page_cache", stdout=open(os.devnull, "w"))  # noqa: SIM115
    generations.cached("k", generations.DOMAINS, compute)
    assert compute.runs == 2
