"""A partnership's life in a real browser, staff and a coordinator side by side:
feasibility (a new partnership is invited to the introductory seminar), the agreement
(Partner training is due for every contact person, shown to staff and to the
coordinator, who nominates from the email's link; the full session's waitlist tells Norec,
which opens a second group from its email), then the active exchange (Training 1 waits
for the e-learning). Every page is checked with axe at desktop and phone width, and the
pages this feature adds or changes must not scroll sideways on a 360 px phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from norec_portal.models import OutboxEmail
from partnerships.models import Partnership, Phase
from tests.browser.support import VIEWPORTS, Journey, link_from_email
from tests.browser.test_staff_journey import log_in_with_code, sunday_in_weeks
from tests.factories import PASSWORD, OrganisationFactory, ParticipantFactory, make_coordinator
from tests.trainings.factories import make_week, session_of
from trainings import services
from trainings.models import Enrolment, EnrolmentState, SeminarInvitation, SessionKind

pytestmark = pytest.mark.browser


def fits_a_phone(j: Journey) -> None:
    """No sideways scrolling at 360 px."""
    j.page.set_viewport_size(VIEWPORTS["phone"])
    width = j.page.evaluate("() => document.documentElement.scrollWidth")
    j.page.set_viewport_size(VIEWPORTS[j.viewport])
    assert width <= VIEWPORTS["phone"]["width"], (j.path, width)


def log_in(j: Journey, user) -> None:
    j.goto("/accounts/login/")
    j.page.get_by_label("Email").fill(user.email)
    j.page.get_by_label("Password").fill(PASSWORD)
    j.page.get_by_role("button", name="Log in").click()
    expect(j.page.get_by_role("navigation", name="Main")).to_be_visible()
    j.check()


@pytest.fixture
def world(staff):
    today = timezone.localdate()
    seminar = services.create_intro_seminar(
        title="Introductory seminar, spring", capacity=30, venue=None, online=True, by=staff,
        days=[services.SeminarDay(today + dt.timedelta(days=d), dt.time(9), dt.time(12))
              for d in (10, 12, 19)],
    )  # fmt: skip
    week = make_week(starts_on=sunday_in_weeks(8), partner=1)
    kisumu = OrganisationFactory(name="Kisumu Health Trust", country="KE", city="Kisumu")
    mbarara = OrganisationFactory(name="Mbarara Community Clinic", country="UG", city="Mbarara")
    achieng = make_coordinator(kisumu, email="achieng@example.org", full_name="Achieng Otieno")
    brian = make_coordinator(mbarara, email="brian@example.org", full_name="Brian Okello")
    return {"seminar": seminar, "week": week, "achieng": achieng, "brian": brian}


def test_a_partnership_from_feasibility_to_active_exchange(open_journey, staff, world):
    seminar, week, achieng, brian = (world[k] for k in ("seminar", "week", "achieng", "brian"))
    partner_session = session_of(week, SessionKind.PARTNER)
    staff_j = open_journey("lifecycle-staff")
    page = staff_j.page
    log_in_with_code(staff_j, staff)

    # Feasibility: staff create the partnership; it is invited to the next seminar.
    staff_j.goto("/staff/partnerships/new/")
    page.get_by_label("Name", exact=True).fill("Lake Victoria Health Exchange")
    page.get_by_label("Lead organisation").select_option(label="Kisumu Health Trust (KE)")
    page.get_by_label("Partner organisations").select_option(label="Mbarara Community Clinic (UG)")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".messages")).to_contain_text("The partnership has been created.")
    staff_j.check(shot="feasibility")
    partnership = Partnership.objects.get(name="Lake Victoria Health Exchange")
    assert SeminarInvitation.objects.filter(session=seminar, partnership=partnership).exists()
    invitation = OutboxEmail.objects.get(
        to_email=achieng.email, idempotency_key__startswith="training-seminar-invitation:"
    )
    assert invitation.subject == "Invitation to the introductory seminar: " + partnership.name

    # The agreement is signed: Partner training becomes due for every contact person.
    page.get_by_label("Move to").select_option(label="Agreement signed")
    page.get_by_role("button", name="Change phase").click()
    expect(page.locator(".messages")).to_contain_text("is now in the phase “Agreement signed”")
    members = page.get_by_role("region", name="Member organisations and contacts")
    expect(members).to_contain_text("Partner training: Due by")
    staff_j.check(shot="agreement", at=members)
    fits_a_phone(staff_j)
    assert partnership.phase_changes.filter(to_phase=Phase.AGREEMENT_SIGNED).exists()

    # Staff see who lacks it, filtered to coordinators.
    staff_j.goto("/staff/trainings/partner-training/?role=coordinator")
    expect(page.get_by_role("main")).to_contain_text("Achieng Otieno")
    expect(page.get_by_role("main")).to_contain_text("Brian Okello")
    staff_j.shot("readiness-list")
    fits_a_phone(staff_j)

    # Mbarara's coordinator is nominated first and takes the only seat.
    services.enrol(session=partner_session, person=brian.person, by=None)

    # The Kisumu coordinator: the home says Partner training is due; the email's link
    # nominates, and the full session puts her on the waitlist.
    coord_j = open_journey("lifecycle-coordinator", viewport="phone")
    cpage = coord_j.page
    log_in(coord_j, achieng)
    contacts = cpage.get_by_role("region", name="Your contact persons")
    expect(contacts).to_contain_text("Achieng Otieno")
    expect(contacts).to_contain_text("Partner training: Due by")
    coord_j.shot("coordinator-home", at=contacts)
    fits_a_phone(coord_j)
    coord_j.goto(link_from_email(to=achieng.email, contains="/nominate/"))
    cpage.get_by_role("checkbox", name=re.compile("Achieng Otieno")).check()
    cpage.get_by_role("button", name="Nominate").click()
    outcome = cpage.locator(".outcome-list li", has_text="Achieng Otieno")
    expect(outcome).to_contain_text("On the waitlist")
    coord_j.check()

    # Norec is told once; its email's link opens the second group, and she moves in.
    notice = OutboxEmail.objects.get(
        to_email=settings.TRAINING_NOREC_EMAIL,
        idempotency_key__startswith="training-waitlist-started:",
    )
    assert "1 person is waiting" in notice.body_text
    staff_j.goto(link_from_email(to=settings.TRAINING_NOREC_EMAIL, contains="/second-group/"))
    page.get_by_label("Seats in the second group").fill("20")
    page.get_by_role("button", name="Open the second group").click()
    expect(page.locator(".messages")).to_contain_text("The second group is open")
    expect(page.locator("tbody tr", has_text="Achieng Otieno")).to_contain_text("Nominated")
    staff_j.check(shot="second-group")
    moved = Enrolment.objects.get(person=achieng.person, kind=SessionKind.PARTNER)
    assert moved.session.group == 2 and moved.state == EnrolmentState.NOMINATED
    assert OutboxEmail.objects.filter(idempotency_key=f"training-promoted:{moved.pk}").exists()
    coord_j.goto("/portal/")
    expect(contacts).to_contain_text("Partner training: Nominated")

    # Active exchange: Training 1 waits for the e-learning.
    staff_j.goto(f"/staff/partnerships/{partnership.pk}/")
    page.get_by_label("Move to").select_option(label="Active exchange")
    page.get_by_role("button", name="Change phase").click()
    expect(page.locator(".messages")).to_contain_text("is now in the phase “Active exchange”")
    staff_j.check()
    kisumu = achieng.person.contact_roles.get().organisation
    mbarara = brian.person.contact_roles.get().organisation
    participant = ParticipantFactory(
        person__first_name="Wanjiru", person__last_name="Kamau", partnership=partnership,
        sending_organisation=kisumu, host_organisation=mbarara,
        exchange_start=week.starts_on + dt.timedelta(days=14),
        exchange_end=week.starts_on + dt.timedelta(days=300), elearning_completed_on=None,
    )  # fmt: skip
    coord_j.goto("/portal/trainings/")
    row = cpage.locator("tbody tr", has_text="Training 1").first
    row.get_by_role("link", name="Nominate").click()
    coord_j.check()
    cpage.get_by_role("checkbox", name=re.compile("Wanjiru Kamau")).check()
    cpage.get_by_role("button", name="Nominate").click()
    outcome = cpage.locator(".outcome-list li", has_text="Wanjiru Kamau")
    expect(outcome).to_contain_text("E-learning missing")
    coord_j.check(shot="t1-nominated")

    t1 = session_of(week, SessionKind.TRAINING_1)
    staff_j.goto(f"/staff/trainings/sessions/{t1.pk}/")
    wanjiru = page.locator("tbody tr", has_text="Wanjiru Kamau")
    wanjiru.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messages")).to_contain_text("has not completed the Norec e-learning")
    staff_j.check(shot="t1-gated")
    enrolment = Enrolment.objects.get(participant=participant)
    assert enrolment.state == EnrolmentState.NOMINATED

    participant.elearning_completed_on = timezone.localdate()
    participant.save()
    page.reload()
    page.locator("tbody tr", has_text="Wanjiru Kamau").get_by_role("button", name="Confirm").click()
    expect(page.locator("tbody tr", has_text="Wanjiru Kamau")).to_contain_text("Confirmed")
    staff_j.check()
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.CONFIRMED
