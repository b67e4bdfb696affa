"""Bad input everywhere: property-based tests (hypothesis) on every form a visitor can
post without a login, and on the spreadsheet and list imports.

Values are overlong, any unicode (right-to-left marks, emoji, accents), control
characters and NUL bytes, numbers and lists where one text is expected, files where
text is expected. Whatever comes in: never a server error, and nothing half-saved — a
request either does all it should or changes nothing.

Each example runs in a savepoint that is rolled back, so examples do not see each other.
``max_examples`` stays small: the suite must stay fast.
"""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from network import imports as network_imports
from network.models import AccessToken, ContactChange, HistoricalImport, InvitationRequest, Member
from network.services import contact
from norec_portal.models import User
from norec_portal.spreadsheets import SpreadsheetError
from partnerships import imports as participant_imports
from partnerships.models import Participant, ParticipantImport, Person
from tests.factories import make_coordinator
from tests.matrix.world import next_sunday
from tests.network.factories import make_alumnus_record
from tests.network.helpers import invite, last_email_to, link_in
from tests.trainings import factories as tf
from tests.trainings.test_travel import link_of
from trainings import services as training_services
from trainings.models import Enrolment, SessionKind, TravelDetails, TravelLink

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    "", " ", "\x00", "a\x00b", "\r\n", "\u202eevil", "\ufeff", "💥" * 40, "é" * 300, "x" * 5000,
    "'; DROP TABLE network_invitationrequest; --", "<script>alert(1)</script>", "%s%n%x",
    "{{ request }}", "../../etc/passwd", "-1", "0", "1e309", "NaN", "99999999999999999999",
    "@", "a@b", "a@" + "b" * 300 + ".org", "+254 712 345678", "KE", "1963", "2999",
]  # fmt: skip
text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(min_size=150, max_size=600),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
# A field may also arrive as several values, or as a file.
value = st.one_of(
    text,
    text,
    st.lists(text, min_size=2, max_size=3),
    st.binary(max_size=64).map(lambda b: SimpleUploadedFile("x.bin", b)),
)


def form_data(*fields: str) -> st.SearchStrategy[dict[str, object]]:
    """Some of ``fields`` (each may be missing), plus an unexpected one now and then."""
    return st.fixed_dictionaries(
        {}, optional={**{name: value for name in fields}, "unexpected": value}
    )


@contextmanager
def rolled_back():
    cache.clear()  # the rate limits count per example
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def post(client: Client, url: str, data: dict[str, object]):
    response = client.post(url, data)
    assert response.status_code < 500, f"{url}: {response.status_code} for {data!r}"
    return response


# --- Public forms --------------------------------------------------------------------------


@FUZZ
@given(data=form_data("first_name", "last_name", "email", "country", "exchange_year",
                      "organisation", "message"))  # fmt: skip
def test_request_invitation(client, data):
    with rolled_back():
        before = InvitationRequest.objects.count()
        response = post(client, reverse("network:request_invitation"), data)
        added = InvitationRequest.objects.count() - before
        if response.status_code == 302:
            assert added == 1
            saved = InvitationRequest.objects.latest("pk")
            assert saved.first_name.strip() and "\x00" not in saved.first_name + saved.message
            assert len(saved.message) <= 2000
        else:
            assert added == 0


@FUZZ
@given(data=form_data("email"))
def test_update_link_request(client, data):
    with rolled_back():
        make_alumnus_record("Kari", "Nordmann", email="kari@example.org")
        post(client, reverse("network:update_link_request"), data)
        # Only an alumnus's exact address gets a link (sent after the answer).
        assert not AccessToken.objects.exclude(email="kari@example.org").exists()


JOIN_FIELDS = ("first_name", "last_name", "email", "password1", "password2", "organisation",
               "position", "country", "directory_consent", "newsletter_consent")  # fmt: skip


@FUZZ
@given(data=form_data(*JOIN_FIELDS))
def test_join(client, data):
    with rolled_back():
        alum = make_alumnus_record("Achieng", "Odhiambo", email="achieng@example.org")
        invitation, token = invite(alum)
        client.get(reverse("network:join_link", args=[token]))
        response = post(client, reverse("network:join"), data)
        joined = Member.objects.filter(person=alum).exists()
        used = AccessToken.objects.filter(invitation=invitation, used_at__isnull=False).exists()
        if response.status_code == 302:
            assert joined and used
            assert User.objects.get(person=alum).role == "alumnus"
        else:
            # A refused form uses nothing up and creates nothing.
            assert not joined and not used
            assert not User.objects.filter(email="achieng@example.org").exists()
            invitation.refresh_from_db()
            assert invitation.state == "sent"


CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "country", "organisation",
                  "position")  # fmt: skip


@FUZZ
@given(data=form_data(*CONTACT_FIELDS))
def test_contact_details_by_link(client, data):
    with rolled_back():
        person = make_alumnus_record("Kari", "Nordmann", email="kari@example.org", phone="")
        contact.send_update_link(email="kari@example.org")
        outbox_link = AccessToken.objects.get(person=person)
        raw = link_in(last_email_to("kari@example.org"), "update-details")
        client.get(reverse("network:contact_link", args=[raw]))
        response = post(client, reverse("network:contact_edit"), data)
        outbox_link.refresh_from_db()
        person.refresh_from_db()
        if response.status_code == 302:
            assert outbox_link.used_at is not None
        else:
            assert outbox_link.used_at is None
            assert (person.first_name, person.last_name, person.phone) == ("Kari", "Nordmann", "")
            assert not ContactChange.objects.filter(person=person).exists()


TRAVEL_FIELDS = (
    "arrival_date", "arrival_time", "arrival_by", "departure_date", "departure_time",
    "dietary_needs", "emergency_contact_name", "emergency_contact_phone", "needs_visa",
    "passport_name", "passport_number", "passport_nationality", "passport_expiry",
)  # fmt: skip


@pytest.fixture
def travel_enrolment(partnership):
    week = tf.make_week(starts_on=next_sunday(56))
    person = tf.participant_for(week.starts_on, partnership=partnership).person
    return training_services.enrol(session=tf.session_of(week, SessionKind.TRAINING_1),
                                   person=person, by=None)  # fmt: skip


@FUZZ
@given(data=form_data(*TRAVEL_FIELDS))
def test_travel_details_by_link(client, travel_enrolment, data):
    with rolled_back():
        training_services.send_travel_link(enrolment=travel_enrolment, by=None)
        raw = link_of(last_email_to(travel_enrolment.person.email))
        client.get(reverse("trainings:travel_link", args=[raw]))
        response = post(client, reverse("trainings:travel_form"), data)
        link = TravelLink.objects.filter(enrolment=travel_enrolment).order_by("-pk").first()
        saved = TravelDetails.objects.filter(enrolment=travel_enrolment).exists()
        assert saved == (response.status_code == 302) == (link.used_at is not None)


@FUZZ
@given(data=form_data("login", "password", "remember"))
def test_login(client, data):
    with rolled_back():
        response = post(client, reverse("account_login"), data)
        assert "_auth_user_id" not in client.session
        assert response.status_code != 302 or "login" in response["Location"]


@FUZZ
@given(data=form_data("email"))
def test_password_reset(client, data):
    with rolled_back():
        post(client, reverse("account_reset_password"), data)


@FUZZ
@given(data=form_data("language", "next"))
def test_set_language(client, data):
    with rolled_back():
        response = post(client, reverse("set_language"), data)
        if response.status_code == 302:
            # Never to another site, whatever ``next`` says.
            assert url_has_allowed_host_and_scheme(response["Location"], {"testserver"})


# --- Imports -------------------------------------------------------------------------------


cell = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))


@st.composite
def participant_sheet(draw) -> bytes:
    """A CSV with the import's headings (shuffled, some missing) and nasty cells."""
    headings = draw(st.permutations(participant_imports.COLUMN_KEYS))
    headings = headings[: draw(st.integers(min_value=1, max_value=len(headings)))]
    rows = draw(st.lists(st.lists(cell, min_size=len(headings), max_size=len(headings)),
                         min_size=0, max_size=6))  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t"])))
    writer.writerow(headings)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return out.getvalue().encode(encoding, errors="replace")


@FUZZ
@given(sheet=st.one_of(participant_sheet(), st.binary(max_size=300)))
def test_participant_import(client, partnership, org_a, sheet):
    with rolled_back():
        client.force_login(make_coordinator(org_a, email="coord@example.org"))
        people, participants = Person.objects.count(), Participant.objects.count()
        upload = SimpleUploadedFile("people.csv", sheet, content_type="text/csv")
        response = post(client, reverse("partnerships:coordinator_import"), {"file": upload})
        # The upload only previews: nobody is registered yet.
        assert (Person.objects.count(), Participant.objects.count()) == (people, participants)
        batch = ParticipantImport.objects.order_by("-pk").first()
        if response.status_code == 302 and batch is not None:
            post(client, reverse("partnerships:coordinator_import_confirm", args=[batch.pk]), {})
            batch.refresh_from_db()
            added = Participant.objects.count() - participants
            # All rows or none.
            assert added in (0, batch.row_count)
            assert (added > 0) == (batch.status == ParticipantImport.Status.COMMITTED)


@FUZZ
@given(sheet=st.one_of(participant_sheet(), st.binary(max_size=300)))
def test_spreadsheet_reader_fails_only_cleanly(sheet):
    try:
        participant_imports.read_spreadsheet(sheet, "people.csv")
    except SpreadsheetError:
        pass


@st.composite
def alumni_sheet(draw) -> bytes:
    headings = ["Name", "Country", "Year", "Email", "Phone", "Organisations", "Id"]
    rows = draw(st.lists(st.lists(cell, min_size=7, max_size=7), max_size=6))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(headings[: draw(st.integers(min_value=1, max_value=7))])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@FUZZ
@given(sheet=st.one_of(alumni_sheet(), st.binary(max_size=300)))
@example(sheet=b"Name\r\n;;;;;;\r\n;;;;;;\x00\r\n")  # NUL bytes: a 500 on PostgreSQL once
def test_historical_import(staff, sheet):
    with rolled_back():
        people = Person.objects.count()
        try:
            batch = network_imports.create_preview(
                file=io.BytesIO(sheet), filename="alumni.csv", by=staff
            )
        except ValidationError:
            assert not HistoricalImport.objects.exists()
            return
        assert Person.objects.count() == people  # a preview registers nobody
        try:
            batch = network_imports.import_batch(batch=batch, by=staff)
        except ValidationError:
            assert Person.objects.count() == people
        else:
            imported = batch.summary["imported"]
            assert Person.objects.count() == people + imported


@FUZZ
@given(lines=st.lists(cell, max_size=8))
@example(lines=["\x00"])  # a NUL byte in a query: a 500 on PostgreSQL once
def test_session_import_of_emails(staff, partnership, lines):
    with rolled_back():
        sunday = next_sunday(56)
        t1 = tf.make_week(starts_on=sunday).sessions.get(kind=SessionKind.TRAINING_1, group=1)
        participant = tf.participant_for(sunday, partnership=partnership)
        emails = [*lines, participant.person.email]
        try:
            enrolled = training_services.enrol_many(session=t1, emails=emails, by=staff)
        except ValidationError:
            assert not Enrolment.objects.exists()  # one bad line: nobody enrolled
        else:
            assert len(enrolled) == Enrolment.objects.count() >= 1
