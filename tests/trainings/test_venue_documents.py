"""Documents for the venue and the embassy: the visa letter with the passport data and
when it is available, the week's pick-up, rooming and dietary lists (PDF and XLSX), the
name badges; read back with pypdf and openpyxl, with their access rules and audit rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from norec_portal.models import AuditEntry
from tests.trainings import factories as f
from tests.trainings.test_documents import flat, pages, text
from trainings import documents, services
from trainings.badges import read_badge_code
from trainings.models import Enrolment, RoomArrangement, SessionKind, TravelDetails

pytestmark = pytest.mark.django_db

SAT, SUN, FRI = dt.date(2026, 5, 2), dt.date(2026, 5, 3), dt.date(2026, 5, 8)
SAT_OUT, SUN_AFTER = dt.date(2026, 5, 9), dt.date(2026, 5, 10)


def travel(enrolment, **fields) -> TravelDetails:
    return TravelDetails.objects.create(
        enrolment=enrolment, submitted_via=TravelDetails.Source.PERSON, **fields
    )


def t1_person(partnership, staff, week, first, last, gender, *, confirm=True):
    participant = f.participant_for(
        partnership=partnership, first_name=first, last_name=last, gender=gender
    )
    return services.enrol(
        session=f.session_of(week, SessionKind.TRAINING_1),
        person=participant.person, by=staff, confirm=confirm,
    )  # fmt: skip


@pytest.fixture
def people(week, partnership, org_a, staff):
    """A week of three sessions: three people in Training 1 (one nominated, one arriving
    early, one leaving late by bus), one in Training 2, two contacts in Partner training
    (one without travel details, one whose gender is not recorded), one cancelled."""
    amina = t1_person(partnership, staff, week, "Amina", "Mwangi", "female")
    beatrice = t1_person(partnership, staff, week, "Beatrice", "Achieng", "female", confirm=False)
    carlos = t1_person(partnership, staff, week, "Carlos", "Banda", "male")
    late = f.participant_for(
        partnership=partnership, start_offset=-290, first_name="David", last_name="Okoth",
        gender="male",
    )  # fmt: skip
    david = services.enrol(session=f.session_of(week, SessionKind.TRAINING_2),
                           person=late.person, by=staff, confirm=True)  # fmt: skip
    partner = f.session_of(week, SessionKind.PARTNER)
    esther = services.enrol(
        session=partner, by=staff, confirm=True,
        person=f.contact_for(org_a, first_name="Esther", last_name="Njeri",
                             gender="female").person,
    )  # fmt: skip
    felix = services.enrol(
        session=partner, by=staff, confirm=True,
        person=f.contact_for(org_a, first_name="Felix", last_name="Zulu", gender="").person,
    )  # fmt: skip
    gloria = t1_person(partnership, staff, week, "Gloria", "Kato", "female")
    services.cancel_enrolment(enrolment=gloria, by=staff, reason="")

    travel(amina, arrival_date=SAT, arrival_time=dt.time(22, 15), arrival_by="KQ 414",
           arrival_airport="Entebbe (EBB)", departure_date=SAT_OUT,
           departure_time=dt.time(11, 0), departure_by="KQ 415",
           departure_airport="Entebbe (EBB)", dietary_needs="Vegetarian")  # fmt: skip
    travel(beatrice, arrival_date=SUN, arrival_time=dt.time(8, 30), arrival_by="KQ 412",
           arrival_airport="Entebbe (EBB)", departure_date=SAT_OUT,
           departure_time=dt.time(13, 0), dietary_needs=" vegetarian. ")  # fmt: skip
    travel(carlos, arrival_date=SUN, arrival_time=dt.time(6, 0),
           arrival_by="Bus from Nairobi", arrival_airport="Kampala coach station",
           departure_date=SUN_AFTER, departure_time=dt.time(9, 0),
           accessibility_needs="Wheelchair access")  # fmt: skip
    travel(david, arrival_date=SUN, arrival_time=dt.time(8, 30), arrival_by="ET 338",
           arrival_airport="Entebbe (EBB)", departure_date=SAT_OUT,
           dietary_needs="Halal")  # fmt: skip
    travel(felix, arrival_date=SUN)
    return {
        "amina": amina, "beatrice": beatrice, "carlos": carlos, "david": david,
        "esther": esther, "felix": felix, "gloria": gloria,
    }  # fmt: skip


def names(enrolments) -> list[str]:
    return [e.person.full_name for e in enrolments]


# --- The scope: who is expected --------------------------------------------------------


def test_a_week_list_names_everyone_holding_a_seat_in_all_its_sessions(week, people):
    scope = documents.scope_for_week(week)
    assert names(scope.enrolments) == [
        "Beatrice Achieng", "Carlos Banda", "Amina Mwangi",  # Training 1, by name
        "David Okoth",  # Training 2
        "Esther Njeri", "Felix Zulu",  # Partner training
    ]  # fmt: skip
    assert (scope.arrival, scope.departure) == (SUN, SAT_OUT)


def test_the_scope_reads_the_same_number_of_queries_for_more_people(
    week, people, partnership, staff, django_assert_num_queries
):
    with django_assert_num_queries(2):
        documents.scope_for_week(week)
    for n in range(3):
        t1_person(partnership, staff, week, f"Extra{n}", "Person", "male")
    with django_assert_num_queries(2):
        scope = documents.scope_for_week(week)
    with django_assert_num_queries(0):
        documents.pickup_list(scope), documents.rooming_list(scope), documents.dietary_list(scope)


# --- Pick-up list ----------------------------------------------------------------------


def test_pickup_list_groups_by_day_sorts_by_time_and_flags(week, people):
    data = documents.pickup_list(documents.scope_for_week(week))
    days = [(day, [(m.time, m.moves, m.person.first_name, m.flag) for m in moves])
            for day, moves in data.days]  # fmt: skip
    assert days == [
        (SAT, [(dt.time(22, 15), "arrival", "Amina", "Early arrival")]),
        (SUN, [
            (dt.time(6, 0), "arrival", "Carlos", ""),
            (dt.time(8, 30), "arrival", "Beatrice", ""),
            (dt.time(8, 30), "arrival", "David", ""),
            (None, "arrival", "Felix", ""),
        ]),
        (SAT_OUT, [
            (dt.time(11, 0), "departure", "Amina", ""),
            (dt.time(13, 0), "departure", "Beatrice", ""),
            (None, "departure", "David", ""),
        ]),
        (SUN_AFTER, [(dt.time(9, 0), "departure", "Carlos", "Late departure")]),
    ]  # fmt: skip
    assert names(data.missing) == ["Esther Njeri"]


def test_pickup_list_pdf_reads_back(week, people, staff_client):
    url = reverse("trainings:staff_week_list", args=[week.pk, "pickup", "pdf"])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = flat(text(response.content))
    assert "Pick-up list" in body
    assert "Saturday 2 May 2026" in body and "Sunday 10 May 2026" in body
    assert body.index("Saturday 2 May 2026 Time") < body.index("Sunday 3 May 2026 Time")
    assert "22:15 Arrival Early arrival Amina Mwangi Training 1 KQ 414 Entebbe (EBB)" in body
    assert "09:00 Departure Late departure Carlos Banda Training 1 — —" in body
    assert "Travel details missing" in body and "Esther Njeri" in body
    assert "Gloria" not in body
    assert "6 people expected" in body


# --- Rooming list ----------------------------------------------------------------------


def rooms(data) -> list[tuple[list[str], dt.date, dt.date, str]]:
    return [(names(r.occupants), r.check_in, r.check_out, r.note) for r in data.rooms]


def test_shared_rooms_pair_women_and_men_by_session_then_name(week, people):
    data = documents.rooming_list(documents.scope_for_week(week))
    assert rooms(data) == [
        (["Beatrice Achieng", "Amina Mwangi"], SAT, SAT_OUT, ""),
        (["Esther Njeri"], SUN, SAT_OUT, "Odd one out: a room alone"),
        (["Carlos Banda", "David Okoth"], SUN, SUN_AFTER, ""),
        (["Felix Zulu"], SUN, SAT_OUT, "Gender not recorded: a room alone"),
    ]
    assert names(data.missing) == ["Esther Njeri"]
    assert data.people == 6


def test_single_rooms_give_everyone_a_room(week, people):
    week.rooms = RoomArrangement.SINGLE
    week.save(update_fields=["rooms"])
    data = documents.rooming_list(documents.scope_for_week(week))
    assert [len(r.occupants) for r in data.rooms] == [1] * 6
    assert {r.note for r in data.rooms} == {""}


def test_the_pairing_does_not_change_between_two_lists(week, people):
    first = rooms(documents.rooming_list(documents.scope_for_week(week)))
    assert rooms(documents.rooming_list(documents.scope_for_week(week))) == first


def test_rooming_list_pdf_and_xlsx_read_back(week, people, staff_client):
    pdf = staff_client.get(reverse("trainings:staff_week_list", args=[week.pk, "rooming", "pdf"]))
    body = flat(text(pdf.content))
    assert "Rooming list" in body
    assert "Shared rooms, two people each (women together, men together): 4 rooms." in body
    assert "Odd one out: a room alone" in body
    xlsx = staff_client.get(reverse("trainings:staff_week_list", args=[week.pk, "rooming", "xlsx"]))
    assert xlsx["Content-Type"] == documents.XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [row[:3] for row in rows] == [
        (1, "Beatrice Achieng", "Female"), (1, "Amina Mwangi", "Female"),
        (2, "Esther Njeri", "Female"), (3, "Carlos Banda", "Male"), (3, "David Okoth", "Male"),
        (4, "Felix Zulu", None),
    ]  # fmt: skip
    assert rows[0][5].date() == SAT and rows[3][6].date() == SUN_AFTER
    assert rows[2][7] == "Odd one out: a room alone; Travel details missing: the week's dates"


# --- Dietary and accessibility ---------------------------------------------------------


def test_needs_are_counted_alike_whatever_the_spelling(week, people):
    data = documents.dietary_list(documents.scope_for_week(week))
    assert data.dietary == [("Vegetarian", 2), ("Halal", 1)]
    assert data.accessibility == [("Wheelchair access", 1)]
    assert names(data.people) == ["Beatrice Achieng", "Carlos Banda", "Amina Mwangi",
                                  "David Okoth"]  # fmt: skip
    assert names(data.missing) == ["Esther Njeri"]


def test_dietary_list_pdf_and_xlsx_read_back(week, people, staff_client):
    pdf = staff_client.get(reverse("trainings:staff_week_list", args=[week.pk, "dietary", "pdf"]))
    body = flat(text(pdf.content))
    assert "Vegetarian 2" in body and "Halal 1" in body and "Wheelchair access 1" in body
    xlsx = staff_client.get(reverse("trainings:staff_week_list", args=[week.pk, "dietary", "xlsx"]))
    book = load_workbook(io.BytesIO(xlsx.content))
    people_sheet, counts = book.worksheets
    rows = list(people_sheet.iter_rows(min_row=3, values_only=True))
    assert ("Carlos Banda", "Training 1", rows[1][2], None, "Wheelchair access") == rows[1]
    assert rows[-1][:4] == ("Esther Njeri", "Partner training", rows[-1][2],
                            "Travel details missing")  # fmt: skip
    assert list(counts.iter_rows(min_row=3, values_only=True)) == [
        ("Vegetarian", "Dietary", 2), ("Halal", "Dietary", 1),
        ("Wheelchair access", "Accessibility", 1),
    ]  # fmt: skip


def test_pickup_xlsx_reads_back_and_neutralises_formulas(week, people, staff_client):
    TravelDetails.objects.filter(enrolment=people["david"]).update(arrival_by="=HYPERLINK(1)")
    response = staff_client.get(
        reverse("trainings:staff_week_list", args=[week.pk, "pickup", "xlsx"])
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][1:5] == ("22:15", "Arrival", "Amina Mwangi", "Training 1")
    assert rows[0][7] == "Early arrival"
    (cell,) = [row[5] for row in sheet.iter_rows(min_row=3) if row[5].value == "=HYPERLINK(1)"]
    assert cell.data_type == "s" and cell.quotePrefix
    assert rows[-1][3:] == ("Esther Njeri", "Partner training", None, None,
                            "Travel details missing")  # fmt: skip


def test_each_list_download_is_audited(week, people, staff, staff_client):
    for which in ("pickup", "rooming", "dietary"):
        for fmt in ("pdf", "xlsx"):
            url = reverse("trainings:staff_week_list", args=[week.pk, which, fmt])
            assert staff_client.get(url).status_code == 200
    staff_client.get(reverse("trainings:staff_week_badges", args=[week.pk]))
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("pk")
    assert [e.summary for e in entries] == [
        f"pickup list pdf: 6 rows; filter: week={week.pk}",
        f"pickup list xlsx: 10 rows; filter: week={week.pk}",
        f"rooming list pdf: 6 rows; filter: week={week.pk}",
        f"rooming list xlsx: 6 rows; filter: week={week.pk}",
        f"dietary list pdf: 6 rows; filter: week={week.pk}",
        f"dietary list xlsx: 5 rows; filter: week={week.pk}",
        f"name badges pdf: 6 rows; filter: week={week.pk}",
    ]
    assert {e.actor for e in entries} == {staff}


def test_an_unknown_list_or_format_is_not_found(week, staff_client):
    for which, fmt in (("menu", "pdf"), ("pickup", "csv")):
        url = reverse("trainings:staff_week_list", args=[week.pk, which, fmt])
        assert staff_client.get(url).status_code == 404


def test_an_online_week_has_no_lists(week, staff, staff_client):
    services.switch_week_online(week=week, by=staff)
    response = staff_client.get(
        reverse("trainings:staff_week_list", args=[week.pk, "pickup", "pdf"]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("trainings:staff_week", args=[week.pk])
    assert "runs online: there is no pick-up, hotel or badge" in response.content.decode()
    assert reverse("trainings:staff_week_badges", args=[week.pk]) not in response.content.decode()


def test_lists_are_for_staff_only(week, people, coordinator_client):
    for url in (
        reverse("trainings:staff_week_list", args=[week.pk, "pickup", "pdf"]),
        reverse("trainings:staff_week_badges", args=[week.pk]),
    ):
        assert coordinator_client.get(url).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_the_week_page_links_the_lists_and_badges(week, staff_client):
    body = staff_client.get(reverse("trainings:staff_week", args=[week.pk])).content.decode()
    for which in ("pickup", "rooming", "dietary"):
        for fmt in ("pdf", "xlsx"):
            assert reverse("trainings:staff_week_list", args=[week.pk, which, fmt]) in body
    assert reverse("trainings:staff_week_badges", args=[week.pk]) in body
    assert "Rooms: Shared rooms (two people)." in body


# --- A seminar's own lists -------------------------------------------------------------


@pytest.fixture
def seminar(staff, org_a):
    first = dt.date(2026, 6, 2)
    session = services.create_intro_seminar(
        title="Introduction", capacity=20, venue=f.venue("Kampala"), online=False, by=staff,
        days=[services.SeminarDay(date=first + dt.timedelta(days=i), starts=dt.time(9),
                                  ends=dt.time(16)) for i in range(3)],
    )  # fmt: skip
    return session


def test_a_seminar_has_its_own_lists_and_badges(seminar, staff_client):
    page = staff_client.get(reverse("trainings:staff_session", args=[seminar.pk]))
    body = page.content.decode()
    assert reverse("trainings:staff_session_list", args=[seminar.pk, "rooming", "pdf"]) in body
    assert reverse("trainings:staff_session_badges", args=[seminar.pk]) in body
    pdf = staff_client.get(
        reverse("trainings:staff_session_list", args=[seminar.pk, "rooming", "pdf"])
    )
    text_ = flat(text(pdf.content))
    assert "Introduction, Kampala" in text_ and "Nobody is expected yet." in text_
    # Expected the evening before the first day, gone the morning after the last.
    assert "Expected from Monday 1 June 2026 to Friday 5 June 2026." in text_
    badges = staff_client.get(reverse("trainings:staff_session_badges", args=[seminar.pk]))
    assert "Nobody is expected yet: no badges to print." in flat(text(badges.content))
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("pk").first()
    assert entry.summary == f"rooming list pdf: 0 rows; filter: session={seminar.pk}"


def test_a_week_sessions_lists_are_those_of_its_week(t1, staff_client):
    response = staff_client.get(reverse("trainings:staff_session_list",
                                        args=[t1.pk, "pickup", "xlsx"]))  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "trainings:staff_week_list", args=[t1.week_id, "pickup", "xlsx"]
    )


# --- Name badges -----------------------------------------------------------------------


def test_badges_carry_each_expected_persons_signed_code(week, people):
    from django.template.loader import render_to_string

    scope = documents.scope_for_week(week)
    html = render_to_string("documents/trainings_badges.html", documents.badge_context(scope))
    expected = [e for key, e in people.items() if key != "gloria"]
    for enrolment in expected:
        code = documents.badges.badge_code(enrolment)
        assert f'data-badge-code="{code}"' in html
        assert read_badge_code(code) == enrolment.pk
    assert documents.badges.badge_code(people["gloria"]) not in html
    assert html.count('class="qr" data-badge-code="B1:') == 6
    assert html.count("<svg") == 6


def test_badges_pdf_fits_eight_to_a_page(week, people, partnership, staff, staff_client):
    for n in range(3):
        t1_person(partnership, staff, week, f"Extra{n}", "Person", "male")
    response = staff_client.get(reverse("trainings:staff_week_badges", args=[week.pk]))
    assert response.status_code == 200
    assert pages(response.content) == 2  # nine people
    first_page = flat(text(response.content).split("Extra2")[0])
    assert "Amina Mwangi" in first_page
    body = flat(text(response.content))
    assert "Kenya" in body and "Partner training" in body and "NOREC · KAMPALA" in body


def test_every_printed_badge_scans_to_its_enrolment(week, people, staff_client):
    """The PDF as a printer gets it, rasterised at 150 dpi: each QR code reads back (zxing,
    as a phone's camera would) to the code the check-in page accepts."""
    import pypdfium2
    import zxingcpp

    response = staff_client.get(reverse("trainings:staff_week_badges", args=[week.pk]))
    pdf = pypdfium2.PdfDocument(response.content)
    read = []
    for page in pdf:
        image = page.render(scale=150 / 72).to_pil()
        read += [found.text for found in zxingcpp.read_barcodes(image)
                 if found.format == zxingcpp.BarcodeFormat.QRCode]  # fmt: skip
    expected = {e.pk for key, e in people.items() if key != "gloria"}
    assert len(read) == len(expected) == 6
    assert {read_badge_code(code) for code in read} == expected


# --- The visa letter -------------------------------------------------------------------


@pytest.fixture
def confirmed(t1, participant, staff):
    return services.enrol(session=t1, person=participant.person, by=staff, confirm=True)


def reason(enrolment) -> str | None:
    return documents.letter_unavailable_reason(
        Enrolment.objects.with_related().select_related("travel").get(pk=enrolment.pk)
    )


def test_letter_reasons_step_by_step(t1, participant, staff):
    enrolment = services.enrol(session=t1, person=participant.person, by=staff)
    assert reason(enrolment) == "Available once the enrolment is confirmed."
    enrolment = services.confirm_enrolment(enrolment=enrolment, by=staff)
    assert reason(enrolment) == "Waiting for the travel details."
    details = travel(enrolment, arrival_date=SUN)
    assert reason(enrolment) == "Not needed: the travel details say no visa is needed."
    details.needs_visa = True
    details.passport_name = "NAKATO GRACE"
    details.save()
    assert reason(enrolment) == "Waiting for the passport details."
    details.passport_number, details.passport_nationality = "P1234567", "UG"
    details.passport_expiry = FRI
    details.save()
    assert reason(enrolment) == (
        "The passport expires before the training ends: waiting for a valid passport."
    )
    details.passport_expiry = dt.date(2030, 1, 1)
    details.save()
    assert reason(enrolment) is None
    TravelDetails.objects.filter(pk=details.pk).update(passport_erased_at=timezone.now())
    assert reason(enrolment) == "The passport details were erased after the training."


def test_no_letter_for_a_cancelled_enrolment_or_an_online_week(confirmed, staff):
    f.visa_travel(confirmed)
    services.switch_week_online(week=confirmed.session.week, by=staff)
    assert reason(confirmed) == "The session runs online: there is no travel to invite for."
    services.cancel_enrolment(enrolment=confirmed, by=staff, reason="")
    assert reason(confirmed) == "No letter: the enrolment was cancelled."


def test_letter_states_the_passport_reference_week_and_signatory(confirmed, settings):
    settings.TRAINING_VISA_SIGNATORY = "Kari Nordmann"
    settings.TRAINING_VISA_SIGNATORY_TITLE = "Head of Training"
    f.visa_travel(confirmed, passport_name="NAKATO GRACE", passport_number="B9876543",
                  passport_nationality="UG", passport_expiry=dt.date(2030, 7, 14))  # fmt: skip
    enrolment = Enrolment.objects.with_related().get(pk=confirmed.pk)
    body = flat(text(documents.invitation_letter(enrolment)))
    reference = f"NOREC-2026-T1-{confirmed.pk:06d}"
    assert documents.letter_reference(enrolment) == reference
    assert f"Our reference: {reference}" in body
    assert "Name as in the passport NAKATO GRACE" in body
    assert "Passport number B9876543" in body
    assert "Nationality Uganda" in body
    assert "Passport valid until 14 July 2030" in body
    assert "Training week 3 May 2026 to 9 May 2026, Kampala" in body
    assert "Kari Nordmann Head of Training" in body
    assert "Arrival Sunday 3 May 2026" in body  # no travel dates given: the week's


def test_letter_covers_an_early_arrival_and_a_late_departure(confirmed):
    f.visa_travel(confirmed, arrival_date=SAT, departure_date=SUN_AFTER)
    body = flat(text(documents.invitation_letter(Enrolment.objects.get(pk=confirmed.pk))))
    assert "Arrival Saturday 2 May 2026" in body
    assert "Departure Sunday 10 May 2026" in body


def test_letter_signatory_falls_back_to_the_certificates(confirmed, settings):
    settings.TRAINING_VISA_SIGNATORY = ""
    settings.TRAINING_CERTIFICATE_SIGNATORY = "Ola Hansen"
    settings.TRAINING_CERTIFICATE_SIGNATORY_TITLE = "Director"
    f.visa_travel(confirmed)
    body = flat(text(documents.invitation_letter(Enrolment.objects.get(pk=confirmed.pk))))
    assert "Ola Hansen Director" in body


def test_letter_references_are_unique_per_enrolment(people):
    references = {documents.letter_reference(e) for e in people.values()}
    assert len(references) == len(people)
    assert documents.letter_reference(people["david"]).startswith("NOREC-2026-T2-")
    assert documents.letter_reference(people["felix"]).startswith("NOREC-2026-PT-")


def test_staff_session_page_shows_the_reason_or_the_link(confirmed, staff_client):
    url = reverse("trainings:staff_session", args=[confirmed.session_id])
    letter = reverse("trainings:staff_enrolment_letter", args=[confirmed.pk])
    body = staff_client.get(url).content.decode()
    assert "Invitation letter: Waiting for the travel details." in body
    assert letter not in body
    f.visa_travel(confirmed)
    body = staff_client.get(url).content.decode()
    assert letter in body and "Waiting for the travel details" not in body


def test_coordinator_sees_the_reason_and_cannot_download_early(confirmed, coordinator_client):
    body = coordinator_client.get(reverse("trainings:coordinator_sessions")).content.decode()
    assert "Invitation letter: Waiting for the travel details." in body
    response = coordinator_client.get(
        reverse("trainings:coordinator_letter", args=[confirmed.pk]), follow=True
    )
    assert "Waiting for the travel details." in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
    f.visa_travel(confirmed)
    body = coordinator_client.get(reverse("trainings:coordinator_sessions")).content.decode()
    assert reverse("trainings:coordinator_letter", args=[confirmed.pk]) in body


def test_another_organisations_coordinator_gets_no_letter(confirmed, other_coordinator, client):
    f.visa_travel(confirmed)
    client.force_login(other_coordinator)
    response = client.get(reverse("trainings:coordinator_letter", args=[confirmed.pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_staff_letter_download_is_refused_with_the_reason(confirmed, staff_client):
    response = staff_client.get(
        reverse("trainings:staff_enrolment_letter", args=[confirmed.pk]), follow=True
    )
    assert "Waiting for the travel details." in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
