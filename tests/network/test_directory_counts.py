"""The directory's "n members": kept in the cache, never older than the data it counts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network import directory
from network.forms import DirectoryFilterForm
from network.models import Language, Member
from network.services.members import Consents, Profile, change_consents, update_profile
from tests.network.factories import make_member

pytestmark = pytest.mark.django_db


def shown_count(client: Client, url: str, **query: str) -> int:
    response = client.get(url, query)
    assert response.status_code == 200
    return response.context["page_obj"].paginator.count


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return sum("COUNT(" in q["sql"] for q in queries)


@pytest.fixture
def viewer(db):
    return make_member(email="viewer@example.org", last_name="Viewer", directory=True)


@pytest.fixture
def viewer_client(viewer):
    client = Client()
    client.force_login(viewer.person.user)
    return client


URL = "network:member_directory"


def test_the_count_is_read_once_and_then_from_the_cache(viewer_client):
    url = reverse(URL)
    assert count_queries(viewer_client, url) == 1
    assert count_queries(viewer_client, url) == 0
    # Another search is another count.
    assert count_queries(viewer_client, url + "?country=UG") == 1


def test_a_member_who_joins_or_leaves_the_directory_changes_the_count(viewer, viewer_client):
    url = reverse(URL)
    assert shown_count(viewer_client, url) == 1
    other = make_member(email="o@example.org", last_name="Other", directory=True)
    assert shown_count(viewer_client, url) == 2
    change_consents(member=other, consents=Consents(directory=False, newsletter=False), by=None)
    assert shown_count(viewer_client, url) == 1


def test_a_deactivated_login_leaves_the_count_but_a_visit_does_not_recount(viewer_client):
    url = reverse(URL)
    other = make_member(email="o@example.org", last_name="Other", directory=True)
    assert shown_count(viewer_client, url) == 2
    user = other.person.user
    user.save(update_fields=["last_login"])
    assert count_queries(viewer_client, url) == 0
    user.is_active = False
    user.save()
    assert shown_count(viewer_client, url) == 1


def test_a_changed_profile_changes_the_count_of_a_search_by_language(viewer, viewer_client):
    url = reverse(URL)
    swahili = Language.objects.get(code="sw")
    assert shown_count(viewer_client, url, language=str(swahili.pk)) == 0
    update_profile(member=viewer, profile=Profile(languages=(swahili,)), by=None)
    assert shown_count(viewer_client, url, language=str(swahili.pk)) == 1


def test_a_renamed_person_changes_the_count_of_a_search_by_name(viewer, viewer_client):
    url = reverse(URL)
    assert shown_count(viewer_client, url, q="Zebra") == 0
    person = viewer.person
    person.last_name = "Zebra"
    person.save()
    assert shown_count(viewer_client, url, q="Zebra") == 1


@pytest.mark.django_db(transaction=True)
def test_a_count_taken_before_a_commit_does_not_outlive_it():
    """Another request counting between a change and its commit misses the change and
    keeps its figure under the generations of the moment; the commit starts others."""
    make_member(email="viewer@example.org", last_name="Viewer", directory=True)
    members = directory.search(directory.visible_to_members(), DirectoryFilterForm())
    assert directory.count(members) == 1
    with transaction.atomic():
        make_member(email="o@example.org", last_name="Other", directory=True)
        # What that other request would leave: the count before the change, kept under
        # the generations started by the change.
        key = directory.count_key(members)
        assert directory.count(members) == 2
        current, _count = cache.get(key)
        cache.set(key, (current, 1))
        assert directory.count(members) == 1
    assert directory.count(members) == 2


def test_an_update_without_signals_changes_the_count(viewer, viewer_client):
    url = reverse(URL)
    other = make_member(email="o@example.org", last_name="Other", directory=True)
    assert shown_count(viewer_client, url) == 2
    Member.objects.filter(pk=other.pk).update(directory_consent=False)
    assert shown_count(viewer_client, url) == 1


def test_staff_and_members_counts_are_kept_apart(viewer, staff_client):
    hidden = make_member(email="h@example.org", last_name="Hidden", directory=False)
    member_client = Client()
    member_client.force_login(viewer.person.user)
    assert shown_count(member_client, reverse(URL)) == 1
    assert shown_count(staff_client, reverse("network:staff_directory")) == 2
    assert Member.objects.filter(pk=hidden.pk).exists()


def test_a_change_is_saved_even_when_the_cache_cannot_be_reached(viewer, monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set_many", unreachable)
    person = viewer.person
    person.last_name = "Saved"
    person.save()
    person.refresh_from_db()
    assert person.last_name == "Saved"
    assert "the cache is unreachable" in caplog.text
