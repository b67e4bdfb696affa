"""Who reaches which network page (every URL × every role), and constant query counts
on every list and detail page."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network import imports
from network.models import (
    ContactChange,
    DuplicateCandidate,
    HistoricalImport,
    InvitationRequest,
    InvitationWave,
)
from network.services import waves
from network.services.duplicates import propose_pairs
from network.services.members import Profile, update_profile
from network.services.requests import RequestData, submit_invitation_request
from tests.factories import UserFactory, make_staff
from tests.network.factories import bulk_alumni, make_member

pytestmark = pytest.mark.django_db


def build_world(n: int, prefix: str) -> dict[str, object]:
    """``n`` of everything the network pages list."""
    people = bulk_alumni(n, ["KE", "UG"], prefix=prefix)
    wave = waves.create_wave(
        name=f"Wave {prefix}", countries=["KE", "UG"], daily_cap=n, by=None,
        starts_on=timezone.localdate(), reminder_after_days=3, expires_after_days=30,
    )  # fmt: skip
    waves.release_wave_batch(wave_id=wave.pk)
    from network.models import Language

    langs = tuple(Language.objects.all()[:3])
    for i in range(n):
        member = make_member(email=f"{prefix}-m{i}@example.org", first_name=f"M{i}",
                             last_name=prefix.title(), directory=True, newsletter=True)  # fmt: skip
        update_profile(member=member, profile=Profile(
            languages=langs, expertise=f"topic {i}, shared", available_as_lecturer=True,
        ), by=None)  # fmt: skip
        submit_invitation_request(data=RequestData(
            first_name=f"First{i}", last_name=f"{prefix.title()}{i:05d}",
            email=f"{prefix}-req{i}@example.org", country="KE", exchange_year=2000,
        ))  # fmt: skip
        ContactChange.objects.create(person=people[0], field="phone", old_value=str(i),
                                     new_value=str(i + 1), via="staff")  # fmt: skip
    propose_pairs([(people[i], people[i + 1], ["similar name"], 70) for i in range(n - 1)])
    csv = "Name;Country;Year;Email\n" + "".join(
        f"Row{i} {prefix};Kenya;{1970 + i % 40};{prefix}-row{i}@example.org\n" for i in range(n)
    )
    batch = imports.create_preview(file=io.BytesIO(csv.encode()), filename="x.csv", by=None)
    return {"person": people[0], "wave": wave, "batch": batch,
            "invitation": wave.invitations.first(),
            "request": InvitationRequest.objects.order_by("-pk").first(),
            "pair": DuplicateCandidate.objects.order_by("-pk").first()}  # fmt: skip


def staff_urls(world) -> list[str]:
    return [
        reverse("network:staff_dashboard"),
        reverse("network:staff_waves"),
        reverse("network:staff_wave_create"),
        reverse("network:staff_wave", args=[world["wave"].pk]),
        reverse("network:staff_wave_progress", args=[world["wave"].pk]),
        reverse("network:staff_wave_action", args=[world["wave"].pk, "cancel"]),
        reverse("network:staff_invitation", args=[world["invitation"].pk]),
        reverse("network:staff_people"),
        reverse("network:staff_person", args=[world["person"].pk]),
        reverse("network:staff_directory"),
        reverse("network:staff_directory_export"),
        reverse("network:staff_requests"),
        reverse("network:staff_request", args=[world["request"].pk]),
        reverse("network:staff_imports"),
        reverse("network:staff_import", args=[world["batch"].pk]),
        reverse("network:staff_duplicates"),
        reverse("network:staff_duplicate", args=[world["pair"].pk]),
    ]


MEMBER_URLS = [
    "network:member_home",
    "network:profile_start",
    "network:profile_edit",
    "network:member_contact",
    "network:consent_edit",
    "network:member_directory",
]


@pytest.fixture
def world(db):
    return build_world(3, "a")


def test_staff_reach_every_staff_page(staff_client, world):
    for url in staff_urls(world):
        assert staff_client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["coordinator", "alumnus"])
def test_coordinators_and_alumni_get_no_staff_page(client, world, role, request):
    user = request.getfixturevalue(role) if role == "coordinator" else UserFactory()
    client.force_login(user)
    for url in staff_urls(world):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert b"@example.org" not in response.content, url


def test_coordinators_cannot_act_on_network_data(client, coordinator, world):
    client.force_login(coordinator)
    wave, pair = world["wave"], world["pair"]
    status = InvitationWave.objects.get(pk=wave.pk).status
    posts = [
        (reverse("network:staff_wave_action", args=[wave.pk, "cancel"]), {}),
        (reverse("network:staff_invitation", args=[world["invitation"].pk]),
         {"email": "x@example.org"}),
        (reverse("network:staff_duplicate", args=[pair.pk]), {"decision": "dismiss"}),
        (reverse("network:staff_import_confirm", args=[world["batch"].pk]), {}),
        (reverse("network:staff_request", args=[world["request"].pk]),
         {"decision": "reject", "reason": "no"}),
    ]  # fmt: skip
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    wave.refresh_from_db()
    pair.refresh_from_db()
    assert wave.status == status != InvitationWave.Status.CANCELLED
    assert pair.status == "open"
    assert HistoricalImport.objects.get().status == "preview"


@pytest.mark.parametrize("role", ["coordinator", "staff"])
def test_member_pages_are_for_alumni_only(client, role, request):
    client.force_login(request.getfixturevalue(role))
    for name in MEMBER_URLS:
        assert client.get(reverse(name)).status_code == 403, name


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for url in [*staff_urls(world), *(reverse(n) for n in MEMBER_URLS)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


def test_public_pages_are_open(client):
    for name in ["network:request_invitation", "network:update_link_request",
                 "network:request_invitation_sent", "network:update_link_sent"]:  # fmt: skip
        assert client.get(reverse(name)).status_code == 200


def test_staff_start_page_of_the_network_is_in_the_menu(staff_client):
    page = staff_client.get(reverse("network:staff_dashboard")).content.decode()
    assert f'href="{reverse("network:staff_dashboard")}" aria-current="page"' in page


def _count(client, url: str) -> int:
    cache.clear()  # the dashboard keeps its figures a few minutes: count the full work
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


def test_every_list_and_detail_page_runs_a_constant_number_of_queries(client, db):
    staff = make_staff(email="counter@norec.no")
    member = make_member(email="looker@example.org", directory=True)
    small = build_world(3, "small")
    client.force_login(staff)
    before = {i: _count(client, url) for i, url in enumerate(staff_urls(small))}
    client.force_login(member.person.user)
    member_before = _count(client, reverse("network:member_directory"))

    large = build_world(30, "large")
    client.force_login(staff)
    after = {i: _count(client, url) for i, url in enumerate(staff_urls(large))}
    client.force_login(member.person.user)
    member_after = _count(client, reverse("network:member_directory"))
    urls = staff_urls(large)
    assert {urls[i]: n for i, n in before.items()} == {urls[i]: n for i, n in after.items()}
    assert member_before == member_after


@pytest.mark.parametrize(
    "model",
    ["member", "invitationwave", "invitation", "accesstoken", "contactchange",
     "invitationrequest", "historicalimport", "historicalrecord", "duplicatecandidate",
     "language", "expertisetag"],
)  # fmt: skip
def test_staff_can_browse_network_records_in_the_admin(staff_client, world, model):
    assert staff_client.get(f"/admin/network/{model}/").status_code == 200


def test_records_written_by_services_cannot_be_edited_in_the_admin(staff_client, world):
    invitation = world["invitation"]
    url = f"/admin/network/invitation/{invitation.pk}/change/"
    staff_client.post(url, {"email": "hacked@example.org", "state": "accepted"})
    invitation.refresh_from_db()
    assert invitation.email != "hacked@example.org" and invitation.state == "sent"
    assert staff_client.get("/admin/network/invitationwave/add/").status_code == 403


def test_the_people_list_is_in_name_order_whatever_the_case(staff_client):
    from tests.network.factories import make_alumnus_record

    for first, last in (("Ana", "de Souza"), ("Bo", "Dlamini"), ("Cy", "Banda"), ("Di", "dube")):
        make_alumnus_record(first, last)
    page = staff_client.get(reverse("network:staff_people")).content.decode()
    found = [name for name in ("Banda", "de Souza", "Dlamini", "dube") if name in page]
    assert sorted(found, key=page.index) == ["Banda", "de Souza", "Dlamini", "dube"]
