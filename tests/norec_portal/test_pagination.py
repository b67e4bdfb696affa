"""Pages without a count: previous and next only, and never a count query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from norec_portal.pagination import UncountedPaginator
from partnerships.models import Person
from tests.network.factories import make_alumnus_record


def test_pages_of_a_list_know_only_whether_another_follows():
    items = list(range(60))
    paginator = UncountedPaginator(items, 25)
    first, second, third = (paginator.get_page(n) for n in (1, 2, 3))
    assert list(first) == list(range(25)) and first.has_next() and not first.has_previous()
    assert second.has_next() and second.has_previous() and second.next_page_number() == 3
    assert list(third) == list(range(50, 60)) and not third.has_next()
    assert (third.start_index(), third.end_index()) == (51, 60)
    assert paginator.num_pages is None and paginator.count is None


@pytest.mark.parametrize("number", ["x", "0", "-3", "999", None])
def test_a_page_number_that_does_not_work_gives_the_first_page(number):
    page = UncountedPaginator(list(range(30)), 25).get_page(number)
    assert page.number == 1 and len(page) == 25


@pytest.mark.django_db
def test_a_page_is_one_query_and_no_count():
    for n in range(4):
        make_alumnus_record("Amina", f"Otieno{n}", email="")
    with CaptureQueriesContext(connection) as queries:
        page = UncountedPaginator(Person.objects.order_by("pk"), 3).get_page(1)
    assert len(page) == 3 and page.has_next()
    assert len(queries) == 1 and "COUNT(" not in queries[0]["sql"].upper()


@pytest.mark.django_db
def test_the_member_directory_pages_with_previous_and_next(client):
    from django.urls import reverse

    from tests.network.factories import make_member

    viewer = make_member(email="viewer@example.org", last_name="Viewer", directory=True)
    for n in range(27):
        make_member(email=f"m{n}@example.org", last_name=f"Member{n:02d}", directory=True)
    client.force_login(viewer.person.user)
    first = client.get(reverse("network:member_directory")).content.decode()
    assert "Members 1–25, by name" in first and "Page 1" in first and 'rel="next"' in first
    second = client.get(reverse("network:member_directory") + "?page=2").content.decode()
    assert "Members 26–28, by name" in second and 'rel="next"' not in second
