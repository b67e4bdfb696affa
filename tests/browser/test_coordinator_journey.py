"""A partner coordinator in a real browser: log in, register a participant, upload a
spreadsheet with one bad row and upload it again corrected, nominate to Training 1,
download the invitation letter once Norec has confirmed, and find nothing of another
organisation — not in the lists, not by typing its addresses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partnerships.models import Participant
from tests.browser.support import Journey
from tests.browser.test_staff_journey import pdf_text, sunday_in_weeks
from tests.factories import (
    PASSWORD,
    OrganisationFactory,
    ParticipantFactory,
    PartnershipFactory,
    PersonFactory,
)
from tests.trainings.factories import make_week, session_of, visa_travel
from trainings import services
from trainings.models import Enrolment, SessionKind

pytestmark = pytest.mark.browser

HEADER = (
    "first_name,last_name,email,phone,nationality,gender,date_of_birth,partnership,"
    "host_organisation,exchange_start,exchange_end,elearning_completed_on"
)


def spreadsheet(second_email: str, start: dt.date) -> bytes:
    end = start + dt.timedelta(days=300)
    rows = [
        HEADER,
        f"Achieng,Odhiambo,achieng.odhiambo@example.org,+254 712 345678,Kenya,female,"
        f"1990-04-12,Lake Victoria Health Exchange,Mbarara Community Clinic,{start},{end},",
        f"Otieno,Wafula,{second_email},,KE,male,,Lake Victoria Health Exchange,"
        f"Mbarara Community Clinic,{start},{end},",
    ]
    return ("\n".join(rows) + "\n").encode()


def upload(j: Journey, data: bytes) -> None:
    j.page.get_by_label("Spreadsheet (CSV or Excel .xlsx)").set_input_files(
        files=[{"name": "participants.csv", "mimeType": "text/csv", "buffer": data}]
    )
    j.page.get_by_role("button", name="Check the file").click()
    expect(j.page.get_by_role("heading", name="participants.csv")).to_be_visible()


@pytest.fixture
def world(partnership, org_a, org_b, coordinator):
    """The coordinator's organisation (A) in a partnership with B, a week in Kampala, and
    an unrelated partnership whose participant is already enrolled in Training 1."""
    org_a.name, org_b.name = "Kisumu Health Trust", "Mbarara Community Clinic"
    org_a.save()
    org_b.save()
    week = make_week(starts_on=sunday_in_weeks(8))
    stranger_partnership = PartnershipFactory(
        name="Volta Water Partnership",
        members=[OrganisationFactory(name="Tamale Water Board", country="GH", city="Tamale"),
                 OrganisationFactory(name="Bergen Vann", country="NO", city="Bergen")],
    )  # fmt: skip
    stranger = ParticipantFactory(
        person=PersonFactory(first_name="Olivia", last_name="Mensah"),
        partnership=stranger_partnership,
        exchange_start=week.starts_on + dt.timedelta(days=14),
        exchange_end=week.starts_on + dt.timedelta(days=300),
        elearning_completed_on=timezone.localdate() - dt.timedelta(days=5),
    )
    stranger_enrolment = services.enrol(
        session=session_of(week, SessionKind.TRAINING_1), person=stranger.person, by=None,
        confirm=True,
    )  # fmt: skip
    return {"week": week, "stranger": stranger, "stranger_enrolment": stranger_enrolment}


def test_coordinator_registers_imports_nominates_and_sees_only_their_own(
    open_journey, coordinator, world
):
    week = world["week"]
    start = week.starts_on + dt.timedelta(days=14)
    j = open_journey("coordinator")
    page = j.page

    j.goto("/accounts/login/")
    page.get_by_label("Email").fill(coordinator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kisumu Health Trust")
    j.check(shot="organisation")

    # One participant by hand.
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Participants").click()
    j.check()
    page.get_by_role("link", name="Register a participant").click()
    j.check()
    page.get_by_label("First name").fill("Wanjiru")
    page.get_by_label("Last name").fill("Kamau")
    page.get_by_label("Email").fill("wanjiru.kamau@example.org")
    page.get_by_label("Partnership").select_option(label="Lake Victoria Health Exchange")
    page.get_by_label("Host organisation").select_option(label="Mbarara Community Clinic (Uganda)")
    page.get_by_label("Exchange starts").fill(start.isoformat())
    page.get_by_label("Exchange ends").fill((start + dt.timedelta(days=300)).isoformat())
    page.get_by_label("E-learning completed on").fill(
        (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    )
    j.shot("register")
    page.get_by_role("button", name="Register").click()
    expect(page.locator(".messages")).to_contain_text("Wanjiru Kamau has been registered.")
    j.check()

    # A spreadsheet with one bad row: nothing is saved, the row says what is wrong.
    nav.get_by_role("link", name="Participants").click()
    page.get_by_role("link", name="Import", exact=True).click()
    j.check(shot="import")
    upload(j, spreadsheet("otieno.wafula@example", start))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("1 row has problems, so nothing can be imported yet.")
    expect(alert).to_contain_text("Rows: 3")
    bad_row = page.locator("tr.row--error")
    expect(bad_row).to_contain_text("Email")
    j.check(shot="import-problem")
    assert not Participant.objects.filter(person__email="achieng.odhiambo@example.org").exists()

    page.get_by_role("link", name="Upload the corrected file").click()
    j.check()
    upload(j, spreadsheet("otieno.wafula@example.org", start))
    expect(page.get_by_role("heading", name="Everything is ready")).to_be_visible()
    j.check()
    page.get_by_role("button", name="Confirm and import").click()
    expect(page.locator(".messages")).to_contain_text("2 participants were registered")
    j.check()
    assert Participant.objects.filter(sending_organisation__name="Kisumu Health Trust").count() == 3

    # Nominate Wanjiru to Training 1.
    nav.get_by_role("link", name="Trainings").click()
    j.check()
    t1_row = page.locator("tbody tr", has_text="Training 1").first
    t1_row.get_by_role("link", name="Nominate").click()
    j.check()
    page.get_by_label("Wanjiru Kamau").check()
    page.get_by_role("button", name="Nominate").click()
    expect(page.locator(".outcomes")).to_contain_text("Wanjiru Kamau")
    expect(page.locator(".outcomes")).to_contain_text("Nominated")
    j.check()
    nav.get_by_role("link", name="Trainings").click()

    # Norec confirms the seat; with the passport details given, the invitation letter
    # is then there to download.
    enrolment = Enrolment.objects.get(person__email="wanjiru.kamau@example.org")
    services.confirm_enrolment(enrolment=enrolment, by=None)
    visa_travel(enrolment)  # the person needs a visa and gave their passport details
    page.reload()
    j.check(shot="trainings")
    row = page.locator(f"#enrolment-{enrolment.pk}")
    expect(row).to_contain_text("Confirmed")
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Invitation letter").click()
    text = pdf_text(download_info.value.path().read_bytes())
    assert "Wanjiru Kamau" in text and "Kampala" in text

    # Nothing of the other organisation: not listed, and its addresses are not found.
    stranger, stranger_enrolment = world["stranger"], world["stranger_enrolment"]
    expect(page.get_by_role("main")).not_to_contain_text("Olivia Mensah")
    nav.get_by_role("link", name="Participants").click()
    j.check(shot="participants")
    expect(page.get_by_role("main")).to_contain_text("Otieno Wafula")
    expect(page.get_by_role("main")).not_to_contain_text("Olivia Mensah")
    for path in (
        f"/portal/participants/{stranger.pk}/",
        f"/portal/participants/{stranger.pk}/edit/",
        f"/portal/trainings/enrolments/{stranger_enrolment.pk}/letter.pdf",
        f"/portal/trainings/people/{stranger.person_id}/calendar.ics",
    ):
        j.goto(path, status=404)
        expect(page.get_by_role("main")).not_to_contain_text("Olivia")
