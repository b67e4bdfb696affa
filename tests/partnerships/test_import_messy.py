"""The participant import with files as coordinators really keep them: addresses copied
from mail programs, dates saved with US settings, the page's own labels as headings, names
typed on a Mac, a person registered by someone else between the preview and the confirm."""

from __future__ import annotations

import datetime as dt
import unicodedata

import phonenumbers
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from norec_portal.spreadsheets import parse_date
from partnerships import imports
from partnerships.models import HeldRegistration, Participant, Person
from partnerships.services import clean_person_data, coordinator_duplicate_message
from tests.factories import ParticipantFactory, PersonFactory
from tests.partnerships.test_import import (
    HOME,
    HOST,
    csv_bytes,
    last_import,
    messages_of,
    person_row,
    rows_by_number,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(org_a, org_b):
    """The coordinator's organisation (A, Kenya) and its partner (B), named as the rows of
    ``person_row`` name them."""
    org_a.name, org_b.name = HOME, HOST
    org_a.save()
    org_b.save()
    return org_a, org_b


def confirm(client, participant_import, **kwargs):
    url = reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk])
    return client.post(url, **kwargs)


def preview_page(client, participant_import) -> str:
    url = reverse("partnerships:coordinator_import_preview", args=[participant_import.pk])
    return client.get(url).content.decode()


def notes_of(row: dict) -> str:
    return " | ".join(warning["message"] for warning in row["warnings"])


# --- Addresses (H4, L3) ------------------------------------------------------------------


def test_an_address_is_saved_tidied_and_the_preview_shows_it(coordinator_client, partners):
    typed = {
        2: ("peter.otieno77@yahoo.com.", "peter.otieno77@yahoo.com"),
        3: ("mailto:grace.awuor@lakeside.or.ke", "grace.awuor@lakeside.or.ke"),
        4: ("Achieng Atieno <achieng.atieno9@example.org>", "achieng.atieno9@example.org"),
        5: ("james\u200b.kiprop@gmail.com", "james.kiprop@gmail.com"),
    }
    rows = [person_row(number, email=email) for number, (email, _saved) in typed.items()]
    upload(coordinator_client, "people.csv", csv_bytes(rows))
    participant_import = last_import()
    assert participant_import.error_row_count == 0
    checked = rows_by_number(participant_import)
    for number, (_email, saved) in typed.items():
        assert checked[number]["data"]["person"]["email"] == saved
        assert checked[number]["values"]["email"] == saved
        assert f"saved as {saved}" in notes_of(checked[number])

    confirm(coordinator_client, participant_import)

    registered = Person.objects.filter(participations__isnull=False)
    assert sorted(registered.values_list("email", flat=True)) == sorted(
        saved for _email, saved in typed.values()
    )


def test_a_placeholder_is_not_an_address(coordinator_client, partners):
    upload(coordinator_client, "people.csv", csv_bytes([person_row(1, email="n/a")]))
    row = rows_by_number(last_import())[2]
    assert any(e["field"] == "email" and "“n/a” is not an email address" in e["message"]
               for e in row["errors"]), row  # fmt: skip


# --- Dates (H3) --------------------------------------------------------------------------


def test_parse_date_reads_day_first_unless_told(db):
    assert parse_date("3/1/2027") == dt.date(2027, 1, 3)
    assert parse_date("3/1/2027", month_first=True) == dt.date(2027, 3, 1)
    assert parse_date("03.01.2027", month_first=True) == dt.date(2027, 1, 3)
    with pytest.raises(ValueError):
        parse_date("11/30/2027")


def test_a_file_with_us_dates_is_read_month_first_and_says_so(coordinator_client, partners):
    rows = [
        person_row(1, date_of_birth="1/3/1990", exchange_start="3/1/2030",
                   exchange_end="11/30/2030"),
        person_row(2, exchange_start="3/1/2030", exchange_end="12/1/2030"),
    ]  # fmt: skip
    upload(coordinator_client, "us.csv", csv_bytes(rows))
    participant_import = last_import()
    assert participant_import.error_row_count == 0
    checked = rows_by_number(participant_import)
    assert checked[2]["data"]["person"]["date_of_birth"] == "1990-01-03"
    assert checked[2]["data"]["exchange_start"] == "2030-03-01"
    assert checked[2]["data"]["exchange_end"] == "2030-11-30"
    assert checked[3]["data"]["exchange_end"] == "2030-12-01"
    assert "read month first" in " ".join(participant_import.warnings)
    page = preview_page(coordinator_client, participant_import)
    assert escape("1 Mar 2030 (written “3/1/2030”)") in page
    assert escape("3 Jan 1990 (written “1/3/1990”)") in page


def test_a_file_with_both_orders_refuses_the_dates_it_cannot_read(coordinator_client, partners):
    rows = [
        person_row(1, date_of_birth="25/12/1990"),
        person_row(2, date_of_birth="12/25/1991", exchange_start="3/1/2030",
                   exchange_end="30.11.2030"),
        person_row(3, exchange_start="5/5/2030"),
    ]  # fmt: skip
    upload(coordinator_client, "mixed.csv", csv_bytes(rows))
    participant_import = last_import()
    checked = rows_by_number(participant_import)
    assert checked[2]["errors"] == []
    assert checked[2]["data"]["person"]["date_of_birth"] == "1990-12-25"
    errors = {error["field"]: error["message"] for error in checked[3]["errors"]}
    assert errors["exchange_start"] == (
        "“3/1/2030” could be 3 Jan 2030 or 1 Mar 2030: this file writes some dates day first "
        "and others month first. Write it as YYYY-MM-DD (2030-01-03 or 2030-03-01)."
    )
    assert "“12/25/1991” is written month first (25 Dec 1991)" in errors["date_of_birth"]
    assert "1991-12-25" in errors["date_of_birth"]
    # The same number twice reads the same either way.
    assert checked[4]["errors"] == []
    assert "day first (30/11/2027) and others month first" in " ".join(participant_import.warnings)


def test_dates_that_read_either_way_are_read_day_first_shown_and_noted(
    coordinator_client, partners
):
    """Every day under 13 (c15b): read day first, as before, but the preview shows what was
    read, the file says how slashed dates were read, and a nine-day exchange is noted."""
    rows = [person_row(1, date_of_birth="8/3/1994", exchange_start="3/1/2030",
                       exchange_end="12/1/2030")]  # fmt: skip
    upload(coordinator_client, "us.csv", csv_bytes(rows))
    participant_import = last_import()
    row = rows_by_number(participant_import)[2]
    assert row["errors"] == []
    assert row["data"]["exchange_start"] == "2030-01-03"
    assert row["data"]["exchange_end"] == "2030-01-12"
    assert "The exchange lasts only 9 days." in notes_of(row)
    warnings = " ".join(participant_import.warnings)
    assert "read day first" in warnings
    assert "Row 2 has an exchange shorter than four weeks" in warnings
    page = preview_page(coordinator_client, participant_import)
    assert escape("3 Jan 2030 (written “3/1/2030”)") in page
    assert escape("8 Mar 1994 (written “8/3/1994”)") in page
    assert "Ready, see note" in page


def test_a_long_exchange_and_clear_dates_need_no_note(coordinator_client, partners):
    upload(coordinator_client, "people.csv", csv_bytes([person_row(1)]))
    participant_import = last_import()
    row = rows_by_number(participant_import)[2]
    assert row["warnings"] == [] and participant_import.warnings == []
    assert row["values"]["exchange_start"] == "1 Feb 2030"  # ISO as typed: nothing to add


def test_a_date_cell_that_lost_its_format_shows_the_date_read(coordinator_client, partners):
    row = person_row(1)
    row[imports.COLUMN_KEYS.index("date_of_birth")] = 31900
    upload(coordinator_client, "people.xlsx", xlsx_bytes([row]))
    checked = rows_by_number(last_import())[2]
    assert checked["data"]["person"]["date_of_birth"] == "1987-05-03"
    assert checked["values"]["date_of_birth"] == "3 May 1987 (written “31900”)"


# --- Headings (M5) -----------------------------------------------------------------------


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_labels_the_page_shows_are_headings_in_every_language(
    coordinator_client, partners, language
):
    with translation.override(language):
        header = [str(column.label) for column in imports.COLUMNS]
    upload(coordinator_client, "labels.csv", csv_bytes([person_row(1)], header=header))
    participant_import = last_import()
    assert participant_import.row_count == 1
    assert participant_import.error_row_count == 0, participant_import.rows
    assert participant_import.warnings == []


def test_the_upload_page_labels_are_read(coordinator_client, partners):
    page = coordinator_client.get(reverse("partnerships:coordinator_import")).content.decode()
    for label in ("Exchange starts", "Exchange ends", "Host organisation"):
        assert label in page
        assert imports.column_for_heading(label) in imports.COLUMN_KEYS


@pytest.mark.parametrize(
    "header",
    [
        ["Given name", "Surname", "Email address", "Mobile", "Nationality", "Sex",
         "Date of birth", "Partnership", "Host organisation", "Exchange starts",
         "Exchange ends", "E-learning completed on"],
        ["First name(s)", "Family name", "E-mail", "Phone number", "Nationality", "Gender",
         "DOB", "Partnership", "Host", "Exchange start", "Exchange end",
         "E-learning completed on"],
    ],
)  # fmt: skip
def test_common_headings_are_read_and_phone_and_gender_kept(coordinator_client, partners, header):
    row = person_row(1, phone="+254 712 345678", gender="F")
    upload(coordinator_client, "synonyms.csv", csv_bytes([row], header=header))
    participant_import = last_import()
    assert participant_import.error_row_count == 0, participant_import.rows
    assert participant_import.warnings == []
    person = rows_by_number(participant_import)[2]["data"]["person"]
    assert person["phone"] == "+254712345678"
    assert person["gender"] == "female"


def test_two_headings_for_one_column_are_both_named(coordinator_client, partners):
    header = [*imports.COLUMN_KEYS[:3], "Mobile", *imports.COLUMN_KEYS[4:], "Phone number"]
    row = person_row(1, phone="+254 712 345678") + ["+254 712 345679"]
    response = upload(coordinator_client, "phones.csv", csv_bytes([row], header=header))
    assert response.status_code == 400
    assert escape("The columns “Mobile” and “Phone number” both mean “Phone”.") in (
        response.content.decode()
    )


# --- Names (L10) -------------------------------------------------------------------------


def test_names_typed_decomposed_are_stored_composed_and_found(coordinator_client, partners):
    decomposed = unicodedata.normalize("NFD", "Ngũgĩ")
    assert decomposed != "Ngũgĩ"
    upload(coordinator_client, "mac.csv", csv_bytes([person_row(1, last_name=decomposed)]))
    participant_import = last_import()
    assert rows_by_number(participant_import)[2]["data"]["person"]["last_name"] == "Ngũgĩ"

    confirm(coordinator_client, participant_import)

    assert Participant.objects.get().person.last_name == "Ngũgĩ"
    page = coordinator_client.get(
        reverse("partnerships:coordinator_participants"), {"q": "Ngũgĩ"}
    ).content.decode()
    assert "Ngũgĩ" in page


def test_the_one_person_rule_composes_names_for_every_path():
    cleaned = clean_person_data(
        {"first_name": unicodedata.normalize("NFD", " José "), "last_name": "Ngu\u0303gi\u0303"}
    )
    assert cleaned == {"first_name": "José", "last_name": "Ngũgĩ"}


# --- A person registered between the preview and the confirm (M6) -------------------------


def test_a_refused_confirm_really_asks_norec_to_check(coordinator_client, partners):
    rows = [person_row(1), person_row(2)]
    upload(coordinator_client, "two.csv", csv_bytes(rows))
    participant_import = last_import()
    someone = PersonFactory(email="participant2@example.org")  # registered meanwhile

    response = confirm(coordinator_client, participant_import, follow=True)

    page = response.content.decode()
    assert "Nothing was imported: 1 row could not be registered." in page
    assert not Participant.objects.exists()
    held = HeldRegistration.objects.get()
    assert (held.organisation, held.person, held.via) == (
        partners[0], someone, HeldRegistration.Via.IMPORT,
    )  # fmt: skip
    assert coordinator_duplicate_message() in messages_of(rows_by_number(last_import())[3])


def test_a_person_of_the_coordinators_own_organisation_is_named_as_such(
    coordinator_client, partners, partnership
):
    upload(coordinator_client, "one.csv", csv_bytes([person_row(1)]))
    participant_import = last_import()
    ParticipantFactory(
        person=PersonFactory(email="participant1@example.org"), partnership=partnership,
        sending_organisation=partners[0], host_organisation=partners[1],
    )  # fmt: skip

    confirm(coordinator_client, participant_import)

    message = messages_of(rows_by_number(last_import())[2])
    assert "already registered by your organisation" in message
    assert HeldRegistration.objects.filter(organisation=partners[0]).count() == 1
    # The same file checked again says the same at once.
    upload(coordinator_client, "one.csv", csv_bytes([person_row(1)]))
    assert "already registered by your organisation" in messages_of(
        rows_by_number(last_import())[2]
    )


def test_someone_of_another_organisation_stays_anonymous_in_the_preview(
    coordinator_client, partners
):
    ParticipantFactory(person=PersonFactory(email="participant1@example.org"))
    upload(coordinator_client, "one.csv", csv_bytes([person_row(1)]))
    message = messages_of(rows_by_number(last_import())[2])
    assert coordinator_duplicate_message() in message
    assert "your organisation" not in message


# --- Phone examples (L6) -----------------------------------------------------------------


def _mobile_example(region: str) -> str:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def test_the_phone_example_is_from_the_participants_or_organisations_country(
    coordinator_client, partners
):
    org_a = partners[0]
    org_a.country = "NP"
    org_a.save()
    rows = [person_row(1, phone="12", nationality=""), person_row(2, phone="12")]
    upload(coordinator_client, "phones.csv", csv_bytes(rows))
    checked = rows_by_number(last_import())
    assert f"e.g. {_mobile_example('NP')}." in messages_of(checked[2])
    assert f"e.g. {_mobile_example('KE')}." in messages_of(checked[3])  # nationality KE
    assert "+977" in messages_of(checked[2]) and "+254" not in messages_of(checked[2])
