"""Norec staff in a real browser reach the 12,000: upload a messy archive, read the
remarks counted by kind, import it, open the reachability of Zambia, and accept a
suggested correction with one button; then a member on a phone tells Norec about a former
participant who was never invited."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from network.models import InvitationRequest, Member, RawAddress
from partnerships.models import Person
from tests.browser.test_staff_journey import log_in_with_code
from tests.factories import PASSWORD, UserFactory
from tests.network.factories import make_alumnus_record

pytestmark = pytest.mark.browser

ARCHIVE = (
    "FK participant ID;Name;Country;Exchange year;E-mail;Phone;Shoe size\n"
    "FK-04-001;Lucía Phiri;Zambia;2004;lucía.phiri6@hotmail.com;none;41\n"
    "FK-05-002;Ananya Banda;Zambia;2005;ananya.banda @mail.org;n/a;38\n"
    "FK-06-003;Joseph Mwale;Zambia;2006;joseph.mwale@example.org;-;44\n"
    "FK-07-004;Grace Tembo;Zambia;2007;none;12;39\n"
    "FK-08-005;Chanda Zulu;Zambia;2008;grace@gmial.com;;40\n"
)


def test_staff_import_an_archive_and_work_through_a_countrys_list(open_journey, staff):
    j = open_journey("reach")
    page = j.page
    log_in_with_code(j, staff)
    j.goto("/staff/network/imports/")
    page.get_by_label("Spreadsheet (CSV or .xlsx)").set_input_files(
        files=[{"name": "fk-archive.csv", "mimeType": "text/csv", "buffer": ARCHIVE.encode()}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="fk-archive.csv")).to_be_visible()
    expect(page.get_by_text("3 emails with a suggested correction")).to_be_visible()
    expect(page.get_by_text("Columns not read:")).to_contain_text("Shoe size")
    j.check(shot="import-preview")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("5 former participants imported")).to_be_visible()

    j.goto("/staff/network/reachability/")
    expect(page.get_by_role("heading", name="Whom we can reach, by country")).to_be_visible()
    row = page.get_by_role("row", name="Zambia")
    expect(row).to_contain_text("4 to fix")
    j.check(shot="reachability")
    row.get_by_role("link", name="4 to fix").click()
    expect(page.get_by_role("heading", name="Whom we cannot write to yet: Zambia")).to_be_visible()
    j.check(shot="worklist")
    card = page.get_by_role("listitem").filter(has_text="Lucía Phiri")
    expect(card).to_contain_text("lucía.phiri6@hotmail.com")
    card.get_by_role("button", name="Use lucia.phiri6@hotmail.com").click()
    expect(
        page.get_by_text("Lucía Phiri's address is now lucia.phiri6@hotmail.com.")
    ).to_be_visible()
    j.check(shot="worklist-accepted")
    assert Person.objects.get(first_name="Lucía").email == "lucia.phiri6@hotmail.com"
    assert RawAddress.objects.get(raw="lucía.phiri6@hotmail.com").resolution == "accepted"
    j.write_report()


def test_a_member_on_a_phone_tells_norec_about_someone(open_journey):
    person = make_alumnus_record("Amani", "Mwakyusa", country="TZ", email="amani@example.org",
                                 year=2012)  # fmt: skip
    user = UserFactory(email="amani@example.org")
    Person.objects.filter(pk=person.pk).update(user=user)
    Member.objects.create(person=person)
    target = make_alumnus_record("Rehema", "Mushi", country="TZ", email="", year=1987)

    j = open_journey("tip", viewport="phone")
    page = j.page
    j.goto("/accounts/login/")
    page.get_by_label("Email").fill("amani@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Know someone who was never invited?")).to_be_visible()
    page.get_by_role("link", name="Tell Norec about someone").click()
    j.check(shot="tip-form")
    page.get_by_role("button", name="Send to Norec").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    page.get_by_label("First name").fill("Rehema")
    page.get_by_label("Last name").fill("Mushi")
    page.get_by_label("Their country").select_option(label="Tanzania")
    page.get_by_label("Year of their exchange").fill("1987")
    page.get_by_role("button", name="Send to Norec").click()
    expect(page.get_by_role("heading", name="Thank you — Norec has your message")).to_be_visible()
    j.check(shot="tip-sent")
    tip = InvitationRequest.objects.get()
    assert tip.person == target and tip.tipped_by.person == person
    j.write_report()


def test_staff_merge_a_pair_field_by_field_and_undo_it(open_journey, staff):
    from network.models import DuplicateCandidate, MergeRecord
    from network.services import duplicates

    a = make_alumnus_record("Mohammed", "Hassan", country="TZ", email="", year=1995)
    b = make_alumnus_record("Mohamed", "Hasan", country="TZ", email="mh@example.org", year=1995,
                            phone="+255712345678")  # fmt: skip
    duplicates.propose_pairs([(a, b, ["similar name"], 80)])
    pair = DuplicateCandidate.objects.get()

    j = open_journey("merge")
    page = j.page
    log_in_with_code(j, staff)
    j.goto(f"/staff/network/duplicates/{pair.pk}/")
    expect(page.get_by_role("heading", name="Same person?")).to_be_visible()
    j.check(shot="merge-screen")
    page.get_by_label(f"Mohammed Hassan #{a.pk}").check()
    page.get_by_role("group", name="Email").get_by_label("mh@example.org").check()
    page.get_by_role("group", name="Last name").get_by_label("Hassan").check()
    page.get_by_label("I have checked: these two records are the same person.").check()
    j.shot("merge-choices", at=page.get_by_role("heading", name="Decide"))
    page.get_by_role("button", name="Merge the two records").click()
    expect(page.get_by_text("Merged into Mohammed Hassan.")).to_be_visible()
    a.refresh_from_db()
    assert (a.last_name, a.email, a.phone) == ("Hassan", "mh@example.org", "+255712345678")

    j.goto("/staff/network/merges/")
    j.check(shot="merges")
    page.get_by_label("Bring both records back").check()
    page.get_by_role("button", name="Undo this merge").click()
    expect(page.get_by_text("The merge is undone")).to_be_visible()
    assert Person.objects.filter(pk=b.pk).exists()
    assert MergeRecord.objects.get().undone_at is not None
    j.write_report()
