"""Self-service contact details: the update link (same answer for any address), the
small form it opens, email changes that wait for confirmation, and the history."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from network.models import AccessToken, ContactChange
from network.services import contact
from norec_portal.models import OutboxEmail
from tests.network.factories import make_alumnus_record, make_member
from tests.network.helpers import last_email_to, link_in

pytestmark = pytest.mark.django_db

ASK = reverse("network:update_link_request")
EDIT = reverse("network:contact_edit")


@pytest.fixture
def alum(db):
    return make_alumnus_record("Sita", "Gurung", country="NP", email="sita@example.org",
                               phone="+9779841234567")  # fmt: skip


def ask(client, email, ip="10.0.0.1"):
    return client.post(ASK, {"email": email}, REMOTE_ADDR=ip)


def open_link(client, alum) -> str:
    contact.send_update_link(email=alum.email)
    token = link_in(last_email_to(alum.email), "update-details")
    response = client.get(reverse("network:contact_link", args=[token]))
    assert response.status_code == 302 and response["Location"] == EDIT
    return token


def details(**overrides):
    data = {"first_name": "Sita", "last_name": "Gurung", "email": "sita@example.org",
            "phone": "+977 984 1234567", "country": "NP"}  # fmt: skip
    data.update(overrides)
    return data


def test_asking_for_a_link_answers_the_same_for_known_and_unknown_addresses(
    client, alum, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = ask(client, "sita@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        unknown = ask(client, "nobody@example.org")
    assert (known.status_code, known.content, known["Location"]) == (
        unknown.status_code, unknown.content, unknown["Location"],
    )  # fmt: skip
    assert known.status_code == 302
    assert client.get(known["Location"]).status_code == 200
    # The difference is only in the outbox.
    assert OutboxEmail.objects.filter(to_email="sita@example.org").count() == 1
    assert not OutboxEmail.objects.filter(to_email="nobody@example.org").exists()


def per_answer_tokens_out(response) -> str:
    page = response.content.decode()
    page = re.sub(r'"X-CSRFToken": "[^"]+"', "", page)
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'nonce="[^"]+"', "", page)


def test_the_link_request_is_rate_limited_alike_for_known_and_unknown(client, alum):
    for _ in range(3):
        assert ask(client, "sita@example.org").status_code == 302
        assert ask(client, "nobody@example.org", ip="10.0.0.2").status_code == 302
    known, unknown = ask(client, "sita@example.org"), ask(client, "nobody@example.org", "10.0.0.2")
    assert known.status_code == unknown.status_code == 429
    # The same page but for what changes with every answer (the form token, the script
    # nonce), whoever the address belongs to.
    assert per_answer_tokens_out(known) == per_answer_tokens_out(unknown)


def test_the_link_opens_a_small_phone_friendly_form(client, alum):
    open_link(client, alum)
    response = client.get(EDIT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'type="tel"' in html and 'autocomplete="tel"' in html
    assert 'type="email"' in html and 'autocomplete="given-name"' in html
    assert "<img" not in html.split('id="main"')[1], "no images in a form for slow lines"
    assert len(response.content) < 40_000
    assert "organisation" not in response.context["form"].fields  # not a member


def test_a_member_s_form_holds_their_work_and_reads_the_token_and_member_in_one_query(
    client, django_assert_num_queries
):
    member = make_member(email="juma@example.org", organisation="Kampala Youth Forum",
                         position="Coordinator")  # fmt: skip
    open_link(client, member.person)
    with django_assert_num_queries(2):  # the session; the token with its person and member
        response = client.get(EDIT)
    form = response.context["form"]
    assert form.initial["organisation"] == "Kampala Youth Forum"
    assert 'value="Coordinator"' in response.content.decode()


def test_an_alumnus_without_a_membership_is_read_in_as_many_queries(
    client, alum, django_assert_num_queries
):
    open_link(client, alum)
    with django_assert_num_queries(2):
        response = client.get(EDIT)
    assert "position" not in response.context["form"].fields


def test_saving_through_the_link_keeps_a_history_and_uses_the_link_once(client, alum):
    open_link(client, alum)
    response = client.post(EDIT, details(last_name="Gurung-Rai", phone="+977 9851 234567"))
    assert response.status_code == 302
    assert response["Location"] == reverse("network:contact_saved")
    alum.refresh_from_db()
    assert (alum.last_name, alum.phone) == ("Gurung-Rai", "+9779851234567")
    changes = {c.field: c for c in ContactChange.objects.filter(person=alum)}
    assert changes["last_name"].old_value == "Gurung"
    assert changes["phone"].via == ContactChange.Via.LINK
    assert client.post(EDIT, details(last_name="Again")).status_code == 400


def test_a_bad_phone_is_a_message_not_an_error(client, alum):
    open_link(client, alum)
    response = client.post(EDIT, details(phone="12"))
    assert response.status_code == 200
    assert "not a valid phone number" in response.content.decode()
    assert AccessToken.objects.get(purpose="contact_update").used_at is None


def test_a_new_address_is_used_only_after_confirmation(client, alum):
    open_link(client, alum)
    client.post(EDIT, details(email="sita.new@example.org"))
    alum.refresh_from_db()
    assert alum.email == "sita@example.org"
    confirmation = last_email_to("sita.new@example.org")
    notice = last_email_to("sita@example.org")
    assert "confirm" in confirmation.subject.lower()
    assert "requested" in notice.subject.lower()
    token = link_in(confirmation, "confirm-email")
    response = client.get(reverse("network:email_confirm_link", args=[token]))
    assert response["Location"] == reverse("network:email_confirm")
    assert client.get(response["Location"]).status_code == 200
    alum.refresh_from_db()
    assert alum.email == "sita@example.org", "a GET confirmed the address"
    assert client.post(reverse("network:email_confirm")).status_code == 200
    alum.refresh_from_db()
    assert alum.email == "sita.new@example.org"
    change = ContactChange.objects.get(person=alum, field="email")
    assert (change.old_value, change.new_value, change.via) == (
        "sita@example.org", "sita.new@example.org", ContactChange.Via.EMAIL_CONFIRMATION,
    )  # fmt: skip
    assert client.post(reverse("network:email_confirm")).status_code == 400  # used


def test_an_address_taken_meanwhile_is_not_confirmed(client, alum):
    token = contact.request_email_change(person=alum, new_email="taken@example.org", via="link",
                                         by=None)  # fmt: skip
    make_alumnus_record("Other", "Person", email="taken@example.org")
    raw = link_in(last_email_to("taken@example.org"), "confirm-email")
    client.get(reverse("network:email_confirm_link", args=[raw]))
    response = client.post(reverse("network:email_confirm"))
    assert "already used by another record" in response.content.decode()
    alum.refresh_from_db()
    assert alum.email == "sita@example.org"
    token.refresh_from_db()
    assert token.used_at is None


def test_an_update_link_dies_when_the_address_changes(client, alum):
    contact.send_update_link(email=alum.email)
    raw = link_in(last_email_to(alum.email), "update-details")
    alum.email = "moved@example.org"
    alum.save()
    assert client.get(reverse("network:contact_link", args=[raw])).status_code == 400


def test_a_logged_in_member_changes_details_and_the_login_follows_a_confirmed_address(
    member_client, member
):
    url = reverse("network:member_contact")
    response = member_client.post(url, {
        "first_name": "Amina", "last_name": "Juma", "email": "amina.new@example.org",
        "phone": "", "country": "TZ", "organisation": "Arusha Hospital", "position": "Nurse",
    })  # fmt: skip
    assert response.status_code == 302
    member.refresh_from_db()
    person = member.person
    person.refresh_from_db()
    assert (person.country.code, member.organisation) == ("TZ", "Arusha Hospital")
    assert person.email == "member@example.org"
    assert ContactChange.objects.filter(person=person, field="country",
                                        via=ContactChange.Via.MEMBER).exists()  # fmt: skip
    contact.confirm_email_change(
        raw_token=link_in(last_email_to("amina.new@example.org"), "confirm-email")
    )
    user = person.user
    user.refresh_from_db()
    assert user.email == "amina.new@example.org"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("amina.new@example.org", True)
    ]


def test_staff_see_the_history_of_a_person(staff_client, alum, client):
    open_link(client, alum)
    client.post(EDIT, details(phone="+977 9851 234567"))
    page = staff_client.get(reverse("network:staff_person", args=[alum.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "+9779851234567" in html and "+9779841234567" in html and "Update link" in html
