"""Member profile, consent (recorded with time and wording), the newsletter audience,
and the directory (staff; members who opted in) with its export."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network.consent import WORDINGS
from network.models import ConsentRecord, ExpertiseTag, Language, Member
from network.services.members import Consents, Profile, change_consents, update_profile
from tests.network.factories import make_member

pytestmark = pytest.mark.django_db


def languages(*codes):
    return tuple(Language.objects.filter(code__in=codes))


def test_only_members_who_said_yes_are_in_the_newsletter_audience(db):
    yes = make_member(email="yes@example.org", newsletter=True)
    make_member(email="no@example.org", newsletter=False, directory=True)
    withdrawn = make_member(email="withdrawn@example.org", newsletter=True)
    change_consents(member=withdrawn, consents=Consents(directory=False, newsletter=False),
                    by=withdrawn.person.user)  # fmt: skip
    inactive = make_member(email="gone@example.org", newsletter=True)
    inactive.person.user.is_active = False
    inactive.person.user.save()
    assert list(Member.objects.newsletter_audience()) == [yes]


def test_withdrawing_consent_is_recorded_with_time_and_wording(member, member_client):
    response = member_client.post(reverse("network:consent_edit"), {"directory_consent": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.newsletter_consent is False and member.directory_consent is True
    last = ConsentRecord.objects.filter(member=member, kind="newsletter").first()
    assert last.granted is False and last.via == "profile"
    assert last.wording_version == WORDINGS["newsletter"].version
    # Unchanged answers are not recorded again.
    assert ConsentRecord.objects.filter(member=member, kind="directory").count() == 1


def test_a_consent_without_its_time_is_refused_by_the_database(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(newsletter_consent_at=None)


def test_profile_languages_expertise_and_availability(member, member_client):
    response = member_client.post(reverse("network:profile_edit"), {
        "languages": [lang.pk for lang in languages("sw", "en")],
        "expertise": "Public health, water management;  public health ",
        "linkedin_url": "https://www.linkedin.com/in/amina-juma",
        "available_as_lecturer": "on",
    })  # fmt: skip
    assert response.status_code == 302
    member.refresh_from_db()
    assert sorted(member.languages.values_list("code", flat=True)) == ["en", "sw"]
    # Kept as typed; "public health" repeats "Public health" whatever the case.
    assert sorted(member.expertise.values_list("name", flat=True)) == [
        "Public health", "water management",
    ]  # fmt: skip
    assert member.available_as_lecturer and not member.available_as_interpreter
    assert ExpertiseTag.objects.count() == 2


def test_expertise_keeps_its_spelling_and_is_one_tag_whatever_the_case(member):
    update_profile(member=member, profile=Profile(expertise="Nepali–English, HIV/AIDS"), by=None)
    other = make_member(email="other@example.org", first_name="Other", last_name="Person")
    update_profile(member=other, profile=Profile(expertise="nepali–english"), by=None)
    assert sorted(t.name for t in member.expertise.all()) == ["HIV/AIDS", "Nepali–English"]
    # The same field for the second member: found case-insensitively, spelling kept.
    assert [t.name for t in other.expertise.all()] == ["Nepali–English"]
    assert ExpertiseTag.objects.count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpertiseTag.objects.create(name="hiv/aids")


def test_a_linkedin_address_must_be_linkedin(member):
    with pytest.raises(ValidationError) as error:
        update_profile(member=member, profile=Profile(linkedin_url="https://evil.example/x"),
                       by=None)  # fmt: skip
    assert "linkedin_url" in error.value.message_dict


def test_member_home_shows_the_own_profile_only(member_client, member):
    other = make_member(email="other@example.org", first_name="Other", last_name="Person")
    page = member_client.get(reverse("network:member_home")).content.decode()
    assert "Amina Juma" in page and other.person.full_name not in page


def test_an_alumnus_login_without_a_profile_sets_one_up(alumnus_client, alumnus):
    assert alumnus_client.get(reverse("network:member_home"))["Location"] == reverse(
        "network:profile_start"
    )
    response = alumnus_client.post(reverse("network:profile_start"), {
        "first_name": "Amina", "last_name": "Alum", "country": "KE", "phone": "",
        "organisation": "Nairobi Water", "position": "", "expertise": "hydrology",
        "newsletter_consent": "on",
    })  # fmt: skip
    assert response.status_code == 302
    member = Member.objects.get(person__user=alumnus)
    assert member.person.email == alumnus.email and member.organisation == "Nairobi Water"
    assert member.newsletter_consent and not member.directory_consent
    assert ConsentRecord.objects.filter(member=member).count() == 2


# --- Directory -------------------------------------------------------------------------


@pytest.fixture
def people(db):
    health = make_member(email="h@example.org", first_name="Hana", last_name="Health",
                         country="KE", directory=True, available_as_lecturer=True)  # fmt: skip
    update_profile(member=health, profile=Profile(languages=languages("sw"), expertise="health",
                                                  available_as_lecturer=True), by=None)  # fmt: skip
    water = make_member(email="w@example.org", first_name="Wale", last_name="Water",
                        country="UG", directory=True)  # fmt: skip
    water_profile = Profile(languages=languages("en"), expertise="water",
                            available_as_interpreter=True)  # fmt: skip
    update_profile(member=water, profile=water_profile, by=None)
    hidden = make_member(email="x@example.org", first_name="Hidden", last_name="Person",
                         country="KE", directory=False)  # fmt: skip
    update_profile(member=hidden, profile=Profile(expertise="health",
                                                  available_as_lecturer=True), by=None)  # fmt: skip
    return health, water, hidden


def names(response) -> list[str]:
    return [m.person.full_name for m in response.context["page_obj"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Hana Health", "Hidden Person", "Wale Water"]),
        ({"country": "UG"}, ["Wale Water"]),
        ({"availability": "lecturer"}, ["Hana Health", "Hidden Person"]),
        ({"availability": "any"}, ["Hana Health", "Hidden Person", "Wale Water"]),
        ({"q": "water"}, ["Wale Water"]),
    ],
)
def test_staff_search_the_directory(staff_client, people, query, expected):
    response = staff_client.get(reverse("network:staff_directory"), query)
    assert sorted(names(response)) == expected


def test_staff_search_by_expertise_and_language(staff_client, people):
    url = reverse("network:staff_directory")
    health = ExpertiseTag.objects.get(name="health")
    assert sorted(names(staff_client.get(url, {"expertise": health.pk}))) == [
        "Hana Health", "Hidden Person",
    ]  # fmt: skip
    swahili = Language.objects.get(code="sw")
    assert names(staff_client.get(url, {"language": swahili.pk})) == ["Hana Health"]


def test_members_must_opt_in_to_see_the_directory(client, people):
    _health, _water, hidden = people
    client.force_login(hidden.person.user)
    page = client.get(reverse("network:member_directory"))
    assert "page_obj" not in page.context and "Show my profile" in page.content.decode()


def test_opted_in_members_see_only_opted_in_members_and_no_addresses(client, people):
    health, _water, _hidden = people
    client.force_login(health.person.user)
    response = client.get(reverse("network:member_directory"))
    assert sorted(names(response)) == ["Hana Health", "Wale Water"]
    assert "w@example.org" not in response.content.decode()


def test_export_is_for_staff_and_safe_in_a_spreadsheet(staff_client, people):
    health = people[0]
    health.organisation = "=HYPERLINK(evil)"
    health.save()
    url = reverse("network:staff_directory_export")
    response = staff_client.get(url, {"country": "KE"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["First name", "Last name", "Email"]
    assert sorted(r[1] for r in rows[1:]) == ["Health", "Person"]
    assert "'=HYPERLINK(evil)" in [r[5] for r in rows[1:]]


def test_the_directory_is_in_alphabetical_order_whatever_the_case(staff_client):
    """Names as people read them ("de Vries" among the D's), not capitals first; the same
    name twice keeps the order of joining."""
    viewer = make_member(email="v@example.org", first_name="Vera", last_name="Viewer",
                         directory=True)  # fmt: skip
    people = [("Jan", "de Vries"), ("Zola", "Zulu"), ("Ama", "Banda"), ("ola", "eriksen"),
              ("Ola", "Eriksen")]  # fmt: skip
    for i, (first, last) in enumerate(people):
        make_member(email=f"p{i}@example.org", first_name=first, last_name=last, directory=True)
    expected = ["Ama Banda", "Jan de Vries", "ola eriksen", "Ola Eriksen", "Vera Viewer",
                "Zola Zulu"]  # fmt: skip
    assert names(staff_client.get(reverse("network:staff_directory"))) == expected
    member_client = Client()
    member_client.force_login(viewer.person.user)
    assert names(member_client.get(reverse("network:member_directory"))) == expected


def test_directory_rows_show_languages_expertise_and_availability(client, people):
    health, _water, _hidden = people
    make_member(email="plain@example.org", first_name="Pat", last_name="Plain", directory=True)
    update_profile(member=health, profile=Profile(
        languages=languages("sw", "en"), expertise="health, water",
        available_as_lecturer=True, available_as_resource_person=True,
    ), by=None)  # fmt: skip
    client.force_login(health.person.user)
    rows = client.get(reverse("network:member_directory")).content.decode().split("<tr>")[2:]
    hana, pat, wale = rows
    assert "<td>English, Swahili</td>" in hana
    assert ('<span class="badge badge--info">health</span> '
            '<span class="badge badge--info">water</span>') in hana  # fmt: skip
    assert ('<td><span class="badge badge--ok">Lecturer</span> '
            '<span class="badge badge--ok">Resource person</span></td>') in hana  # fmt: skip
    assert pat.count("<td>—</td>") == 4  # organisation, languages, expertise, availability
    assert '<td><span class="badge badge--ok">Interpreter</span></td>' in wale


def test_directory_rows_escape_what_members_typed_and_staff_rows_link_to_the_person(
    staff_client, people
):
    health, _water, hidden = people
    health.organisation = "<b>Clinic</b> & Co"
    health.position = '<img src=x onerror="alert(1)">'
    health.save()
    client = Client()
    client.force_login(health.person.user)
    page = client.get(reverse("network:member_directory")).content.decode()
    assert "&lt;b&gt;Clinic&lt;/b&gt; &amp; Co" in page and "<b>Clinic" not in page
    assert "&lt;img src=x" in page and "<img src=x" not in page
    staff_page = staff_client.get(reverse("network:staff_directory")).content.decode()
    person_url = reverse("network:staff_person", args=[hidden.person_id])
    assert (
        f'<a href="{person_url}">Hidden Person</a> <span class="badge">hidden from members</span>'
        in staff_page
    )
    assert "<td>x@example.org</td>" in staff_page and "&lt;b&gt;Clinic" in staff_page


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


def test_directory_queries_do_not_grow_with_the_members_languages_and_expertise(
    staff_client, people
):
    health = people[0]
    urls = [reverse("network:staff_directory"), reverse("network:staff_directory_export")]
    before = [_queries(staff_client, url) for url in urls]
    member_client = Client()
    member_client.force_login(health.person.user)
    member_before = _queries(member_client, reverse("network:member_directory"))
    for i in range(8):
        member = make_member(email=f"more{i}@example.org", last_name=f"More{i}", directory=True)
        update_profile(member=member, profile=Profile(
            languages=languages("en", "fr", "sw"), expertise=f"topic{i}, health",
            available_as_interpreter=True,
        ), by=None)  # fmt: skip
    assert [_queries(staff_client, url) for url in urls] == before
    assert _queries(member_client, reverse("network:member_directory")) == member_before


def test_the_export_lists_languages_and_expertise(staff_client, people):
    response = staff_client.get(reverse("network:staff_directory_export"), {"q": "Hana"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][7:9] == ["Swahili", "health"]
