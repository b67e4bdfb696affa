"""Historical import: per-row messages, all-or-nothing import, likely duplicates proposed
for the merge queue (never merged without a decision), and the merge itself."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from network import imports
from network.models import (
    ContactChange,
    DuplicateCandidate,
    HistoricalImport,
    HistoricalRecord,
    Invitation,
)
from network.services import duplicates, merges, waves
from partnerships.models import Participant, Person
from tests.factories import UserFactory
from tests.network.factories import make_alumnus_record

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "data" / "historical_alumni.csv"


@pytest.fixture
def nakato(db):
    """Already in the portal; the file has her again under another spelling."""
    return make_alumnus_record("Nakato", "Ssempala", country="UG", email="nakato@example.org",
                               year=2001)  # fmt: skip


def preview(by=None) -> HistoricalImport:
    with FIXTURE.open("rb") as file:
        return imports.create_preview(file=file, filename=FIXTURE.name, by=by)


def rows_by_number(batch: HistoricalImport) -> dict[int, dict]:
    return {row["row"]: row for row in batch.rows}


def pair_names() -> set[frozenset[str]]:
    return {
        frozenset((c.person_a.full_name, c.person_b.full_name))
        for c in DuplicateCandidate.objects.select_related("person_a", "person_b")
    }


def test_preview_checks_every_row_and_writes_nothing(nakato):
    before = Person.objects.count()
    batch = preview()
    assert Person.objects.count() == before
    rows = rows_by_number(batch)
    counts = {
        key: batch.summary[key]
        for key in ("rows", "new", "skip", "error", "warnings", "duplicates", "without_email")
    }
    assert counts == {"rows": 12, "new": 10, "skip": 0, "error": 2, "warnings": 9,
                      "duplicates": 7, "without_email": 6}  # fmt: skip
    assert batch.summary["remarks"]["no_email"] == 5
    assert batch.summary["remarks"]["email_invalid"] == 1
    assert batch.summary["file_warnings"] == [] and batch.summary["ignored_columns"] == []
    assert (rows[2]["first_name"], rows[2]["last_name"], rows[2]["country"]) == (
        "Achieng", "Odhiambo", "KE",
    )  # fmt: skip
    assert rows[2]["phone"] == "+254712345678"
    assert rows[8]["errors"] == ["No name."]
    assert "1899 is outside" in rows[9]["errors"][0]
    assert "Several emails" in rows[6]["warnings"][0] and rows[6]["email"] == "sita@example.org"
    assert "not a usable email" in rows[7]["warnings"][0] and rows[7]["email"] == ""
    assert rows[7]["email_checks"][0]["raw"] == "not-an-email"
    assert "Atlantis" in rows[13]["warnings"][0]
    assert rows[3]["email"] == "" and "already belongs to another record" in rows[3]["notes"][0]
    assert {d["kind"] for d in rows[12]["duplicates"]} == {"person"}


def test_import_writes_everyone_once_and_only_proposes_the_known_pairs(nakato, staff):
    before = Person.objects.count()
    batch = imports.import_batch(batch=preview(by=staff), by=staff)
    assert batch.status == "imported" and batch.summary["imported"] == 10
    assert Person.objects.count() == before + 10, "a row was merged or lost"
    participants = Participant.objects.filter(historical_record__batch=batch)
    assert participants.count() == 10
    assert set(participants.values_list("status", flat=True)) == {"completed"}
    assert not participants.filter(partnership__isnull=False).exists()
    sita = HistoricalRecord.objects.get(participant__person__first_name="Sita")
    assert sita.emails_in_source == "sita@example.org, sita.g@example.org"
    assert sita.participant.legacy_programme == "FK Norway"
    assert sita.participant.exchange_year == 2007 and sita.organisations == "Pokhara Hospital"

    assert pair_names() == {
        frozenset({"Achieng Odhiambo"}),  # the same name twice
        frozenset({"Mohammed Hassan", "Mohamed Hasan"}),
        frozenset({"Peter Okello", "Okello Peter"}),
        frozenset({"Nakato Ssempala", "Nakato Sempala"}),
    }
    assert set(DuplicateCandidate.objects.values_list("status", flat=True)) == {"open"}
    assert DuplicateCandidate.objects.count() == 4
    pair = DuplicateCandidate.objects.get(person_a=nakato)
    evidence = {e["label"]: e["weight"] for e in pair.reasons}
    assert evidence["same email"] > 0 and evidence["name spelt differently"] > 0
    assert pair.score >= duplicates.HIGH_CONFIDENCE
    # Namesakes are not proposed on the name alone: the queue is ranked by the evidence.
    scores = dict(DuplicateCandidate.objects.values_list("person_a__last_name", "score"))
    assert scores["Hassan"] < pair.score
    # Nobody lost their address to a duplicate silently: the first holder keeps it.
    nakato.refresh_from_db()
    assert nakato.email == "nakato@example.org"
    assert Person.objects.get(last_name="Sempala").email == ""


def test_the_import_is_all_or_nothing(nakato, monkeypatch):
    batch = preview()
    before = (Person.objects.count(), Participant.objects.count())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(HistoricalRecord.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        imports.import_batch(batch=batch, by=None)
    assert (Person.objects.count(), Participant.objects.count()) == before
    batch.refresh_from_db()
    assert batch.status == "preview" and not DuplicateCandidate.objects.exists()


def test_importing_the_same_file_again_adds_nobody(nakato):
    imports.import_batch(batch=preview(), by=None)
    count = Person.objects.count()
    again = preview()
    assert again.summary["new"] == 0 and again.summary["skip"] == 10
    imports.import_batch(batch=again, by=None)
    assert Person.objects.count() == count
    with pytest.raises(ValidationError):
        imports.import_batch(batch=again, by=None)


def test_an_excel_file_with_first_and_last_name_columns(db):
    book = Workbook()
    sheet = book.active
    sheet.append(["First name", "Last name", "Country", "Year", "Email", "Id"])
    sheet.append(["Rehema", "Mushi", "TZ", 1987.0, "rehema@example.org", "FK-1987-001"])
    sheet.append(["Rehema", "Mushi", "TZ", 1987, "", "FK-1987-001"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    batch = imports.create_preview(file=buffer, filename="old.xlsx", by=None)
    rows = rows_by_number(batch)
    assert rows[2]["exchange_year"] == 1987 and rows[2]["source_id"] == "FK-1987-001"
    assert "appears twice" in rows[3]["errors"][0]
    imports.import_batch(batch=batch, by=None)
    assert Participant.objects.get(source_id="FK-1987-001").person.email == "rehema@example.org"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("alumni.pdf", b"%PDF-1.4", "Only CSV and Excel (.xlsx) files"),
        ("alumni.csv", b"", "empty"),
        ("alumni.csv", b"Country;Year\nKenya;1999\n", "needs a “Name” column"),
        ("alumni.csv", b"Name;Country\n", "no rows"),
        ("alumni.xlsx", b"this is not a workbook", "not a valid Excel workbook"),
        ("alumni.csv", b"Name;Full name\nA;B\n", "“Name” and “Full name” mean the same"),
    ],
)
def test_unusable_files_get_a_clear_message(db, name, content, message):
    with pytest.raises(ValidationError) as error:
        imports.create_preview(file=io.BytesIO(content), filename=name, by=None)
    assert message in " ".join(error.value.messages)


def test_a_windows_1252_file_is_read(db):
    content = "Name;Country;Year\nJosé Müller;Bolivia;1999\n".encode("cp1252")
    batch = imports.create_preview(file=io.BytesIO(content), filename="a.csv", by=None)
    assert batch.rows[0]["first_name"] == "José" and batch.rows[0]["country"] == "BO"


def test_staff_upload_preview_and_confirm_pages(staff_client, nakato):
    with FIXTURE.open("rb") as file:
        response = staff_client.post(reverse("network:staff_imports"), {"file": file})
    batch = HistoricalImport.objects.get()
    assert response["Location"] == reverse("network:staff_import", args=[batch.pk])
    page = staff_client.get(response["Location"] + "?show=problems").content.decode()
    assert "No name." in page and "not a usable email" in page and "Possible duplicate" in page
    staff_client.post(reverse("network:staff_import_confirm", args=[batch.pk]),
                      {"decision": "import"})  # fmt: skip
    batch.refresh_from_db()
    assert batch.status == "imported" and DuplicateCandidate.objects.count() == 4


def test_management_command_checks_then_imports(db, capsys):
    call_command("import_alumni", str(FIXTURE))
    out = capsys.readouterr().out
    assert "row 8" in out and "Nothing imported" in out
    assert not Participant.objects.exists()
    call_command("import_alumni", str(FIXTURE), "--commit", "--quiet-rows")
    assert "Imported 10 people" in capsys.readouterr().out
    assert Participant.objects.count() == 10


# --- The merge queue -------------------------------------------------------------------


@pytest.fixture
def imported(nakato):
    imports.import_batch(batch=preview(), by=None)
    return DuplicateCandidate.objects.get(person_a=nakato)


def test_a_merge_needs_an_explicit_confirmation(staff_client, imported, nakato):
    url = reverse("network:staff_duplicate", args=[imported.pk])
    assert staff_client.get(url).status_code == 200
    staff_client.post(url, {"decision": "merge", "keep": nakato.pk})
    imported.refresh_from_db()
    assert imported.status == "open" and Person.objects.filter(last_name="Sempala").exists()


def test_merging_moves_everything_to_the_kept_record(staff_client, imported, nakato):
    other = imported.person_b
    url = reverse("network:staff_duplicate", args=[imported.pk])
    staff_client.post(url, {"decision": "merge", "keep": nakato.pk, "confirm": "on"})
    imported.refresh_from_db()
    assert imported.status == "merged" and imported.person_b is None
    assert "Sempala" in imported.label_b
    assert not Person.objects.filter(pk=other.pk).exists()
    years = sorted(Participant.objects.filter(person=nakato).values_list("exchange_year",
                                                                        flat=True))  # fmt: skip
    assert years == [2001, 2001]
    assert HistoricalRecord.objects.filter(participant__person=nakato,
                                           organisations="Kampala Water").exists()  # fmt: skip
    assert ContactChange.objects.filter(person=nakato, field="merged record").exists()


def test_merging_fills_gaps_and_keeps_one_invitation(staff, db):
    a = make_alumnus_record("Mohammed", "Hassan", country="TZ", email="", year=1995)
    b = make_alumnus_record("Mohamed", "Hasan", country="TZ", email="mh@example.org", year=1995,
                            phone="+255712345678")  # fmt: skip
    waves.invite_person(person=b, email=b.email, by=None, via="staff")
    duplicates.propose_pairs([(a, b, ["similar name"], 70)])
    pair = DuplicateCandidate.objects.get()
    merges.merge_duplicate(candidate=pair, keep=a, by=staff)
    a.refresh_from_db()
    assert (a.email, a.phone) == ("mh@example.org", "+255712345678")
    assert Invitation.objects.get(person=a).email == "mh@example.org"


def test_two_logins_are_never_merged(staff, db):
    a = make_alumnus_record("A", "One", email="a@example.org")
    b = make_alumnus_record("A", "Oen", email="b@example.org")
    Person.objects.filter(pk=a.pk).update(user=UserFactory())
    Person.objects.filter(pk=b.pk).update(user=UserFactory())
    duplicates.propose_pairs([(a, b, ["similar name"], 70)])
    with pytest.raises(ValidationError, match="cannot be merged"):
        merges.merge_duplicate(candidate=DuplicateCandidate.objects.get(), keep=a, by=staff)
    assert Person.objects.filter(pk__in=[a.pk, b.pk]).count() == 2


def test_dismissing_keeps_both_records(staff_client, imported):
    url = reverse("network:staff_duplicate", args=[imported.pk])
    staff_client.post(url, {"decision": "dismiss"})
    imported.refresh_from_db()
    assert imported.status == "dismissed"
    assert imported.person_a and imported.person_b
