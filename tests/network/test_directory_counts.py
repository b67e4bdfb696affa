"""The directory's "n members" follows the data, and a page costs the same number of
queries however many members match."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network.models import Language, Member
from network.services.members import Consents, Profile, change_consents, update_profile
from tests.network.factories import make_member

pytestmark = pytest.mark.django_db


def shown_count(client: Client, url: str, **query: str) -> int:
    response = client.get(url, query)
    assert response.status_code == 200
    page = response.context["page_obj"]
    if page.paginator.count is None:  # the member directory pages without counting
        assert not page.has_next(), "the test data fits one page"
        return len(page.object_list)
    return page.paginator.count


@pytest.fixture
def viewer(db):
    return make_member(email="viewer@example.org", last_name="Viewer", directory=True)


@pytest.fixture
def viewer_client(viewer):
    client = Client()
    client.force_login(viewer.person.user)
    return client


URL = "network:member_directory"


def page_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", [URL, "network:staff_directory"])
def test_a_directory_page_runs_a_constant_number_of_queries(url_name, viewer, staff):
    client = Client()
    client.force_login(staff if url_name.startswith("network:staff") else viewer.person.user)
    url = reverse(url_name)
    client.get(url)  # per-process lookups (languages of the filter, sessions) warmed
    small = page_queries(client, url)
    swahili, english = Language.objects.get(code="sw"), Language.objects.get(code="en")
    for i in range(30):
        member = make_member(email=f"m{i}@example.org", last_name=f"M{i}", directory=True)
        update_profile(member=member, profile=Profile(languages=(swahili, english)), by=None)
    assert page_queries(client, url) == small
    assert page_queries(client, url + "?country=UG&availability=any") <= small


def test_a_member_who_joins_or_leaves_the_directory_changes_the_count(viewer, viewer_client):
    url = reverse(URL)
    assert shown_count(viewer_client, url) == 1
    other = make_member(email="o@example.org", last_name="Other", directory=True)
    assert shown_count(viewer_client, url) == 2
    change_consents(member=other, consents=Consents(directory=False, newsletter=False), by=None)
    assert shown_count(viewer_client, url) == 1


def test_a_deactivated_login_leaves_the_count(viewer_client):
    url = reverse(URL)
    other = make_member(email="o@example.org", last_name="Other", directory=True)
    assert shown_count(viewer_client, url) == 2
    user = other.person.user
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
