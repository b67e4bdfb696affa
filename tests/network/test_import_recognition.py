"""Historical import: what it recognises as already imported (the same file again, an
archive id, a namesake with other addresses), and how it reads what registers write —
countries, years, two phone columns, birth dates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from network import imports
from network.imports.rows import read_year
from network.models import DuplicateCandidate, HistoricalImport, RawAddress
from partnerships.models import Participant, Person
from tests.network.factories import make_alumnus_record

pytestmark = pytest.mark.django_db


def preview(text: str, filename: str = "archive.csv") -> HistoricalImport:
    return imports.create_preview(file=io.BytesIO(text.encode()), filename=filename, by=None)


def imported(text: str) -> HistoricalImport:
    return imports.import_batch(batch=preview(text), by=None)


def rows_of(batch: HistoricalImport) -> dict[int, dict]:
    return {row["row"]: row for row in batch.rows}


# --- H2: the same file again creates nobody, whatever its countries ---------------------

ARCHIVE = (
    "Name;Country;Year;Email;Phone;Organisation\n"
    "Mohammed Massawe;Atlantis;2021;m.massawe@example.org;;\n"
    "Kari Ødegård;Nowhere Land;2018;;+47 912 34 567;Bergen kommune\n"
    "Hassan Mushi;??;1988;;;\n"
    "Rehema Mushi;;1987;;;Moshi Council\n"
    "Juma Mrisho;Tanzania;1995;juma@example.org;;\n"
)


def test_importing_the_same_file_again_creates_nobody_whatever_the_country():
    first = imported(ARCHIVE)
    assert first.summary["imported"] == 5
    count = Person.objects.count()
    again = preview(ARCHIVE)
    assert (again.summary["new"], again.summary["skip"]) == (0, 5)
    assert all("Already imported" in row["notes"][0] for row in again.rows)
    imports.import_batch(batch=again, by=None)
    assert Person.objects.count() == count


def test_a_namesake_with_an_unrecognised_country_and_another_email_is_not_skipped():
    imported(ARCHIVE)
    other = preview("Name;Country;Year;Email\nMohammed Massawe;Atlantis;2021;mm2@example.org\n")
    assert other.summary["new"] == 1


# --- H1: running numbers are not ids; an id used for someone else is a conflict ---------


def register(names: list[str], year: int, heading: str = "No.") -> str:
    lines = [f"{heading};Name;Country;Year"]
    lines += [f"{n};{name};Kenya;{year}" for n, name in enumerate(names, start=1)]
    return "\n".join(lines) + "\n"


def test_a_running_number_is_not_a_lasting_id():
    imported(register(["Achieng Odhiambo", "Peter Okello"], 1990))
    second = preview(register(["Joseph Otieno", "Grace Wanjiru"], 2005))
    assert second.summary["new"] == 2 and second.summary["skip"] == 0
    assert second.summary["id_column"] == "" and second.summary["ignored_columns"] == ["No."]
    assert not Participant.objects.exclude(source_id="").exists()


def test_the_preview_names_the_column_it_reads_as_the_lasting_id(staff_client):
    batch = preview(register(["Achieng Odhiambo"], 1990, heading="Archive id"))
    assert batch.summary["id_column"] == "Archive id"
    page = staff_client.get(reverse("network:staff_import", args=[batch.pk])).content.decode()
    assert "Lasting id" in page and "<code>Archive id</code>" in page
    plain = preview(register(["Peter Okello"], 1990))
    page = staff_client.get(reverse("network:staff_import", args=[plain.pk])).content.decode()
    assert "Lasting id: none" in page


def test_an_id_imported_for_someone_else_is_refused_as_a_conflict():
    imported(register(["Achieng Odhiambo", "Peter Okello"], 1990, heading="Record id"))
    batch = preview(
        "Record id;Name;Country;Year\n1;Odhiambo, Achieng;Kenya;1990\n2;Joseph Otieno;Kenya;2005\n"
    )
    rows = rows_of(batch)
    assert rows[2]["status"] == "skip" and rows[2]["notes"] == ["Already imported (same id)."]
    assert rows[3]["status"] == "error"
    assert "imported before for Peter Okello (1990)" in rows[3]["errors"][0]
    assert batch.summary["remarks"]["id_conflict"] == 1
    count = Person.objects.count()
    imports.import_batch(batch=batch, by=None)
    assert Person.objects.count() == count


# --- M1: countries as registers write them ----------------------------------------------


def test_iso3_official_and_other_language_country_names_are_read():
    batch = preview(
        "Name;Country;Year\n"
        "A Otieno;KEN;2001\nB Mushi;Tanzania, United Republic of;2001\nC Njoroge;Kenia;2001\n"
        "D Hansen;Norge;2001\nE Ilunga;DRC;2001\nF Tembo;Moçambique;2001\nG Abebe;Etiopia;2001\n"
    )
    assert [row["country"] for row in batch.rows] == ["KE", "TZ", "KE", "NO", "CD", "MZ", "ET"]
    assert "country_unknown" not in batch.summary["remarks"]


# --- M2: same name, country and year but other addresses: imported and proposed ---------


def test_a_namesake_with_another_email_is_imported_and_proposed_for_a_merge():
    known = make_alumnus_record("Joseph", "Otieno", country="KE", email="jo@example.org",
                                year=2001, phone="+254712345678")  # fmt: skip
    text = (
        "Name;Country;Year;Email;Phone\n"
        "Joseph Otieno;Kenya;2001;joseph.otieno77@example.org;+254 733 111222\n"
    )
    batch = preview(text)
    row = batch.rows[0]
    assert row["status"] == "new"
    assert "Same name, country and year" in row["notes"][0] and f"#{known.pk}" in row["notes"][0]
    imports.import_batch(batch=batch, by=None)
    new = Person.objects.get(email="joseph.otieno77@example.org")
    assert new.phone == "+254733111222"
    pair = DuplicateCandidate.objects.get()
    assert {pair.person_a_id, pair.person_b_id} == {known.pk, new.pk}
    # And the same file once more creates nothing.
    assert preview(text).summary["new"] == 0


@pytest.mark.parametrize(
    "line",
    ["Joseph Otieno;Kenya;2001;;", "Joseph Otieno;Kenya;2001;JO@example.org;+254 712 345678"],
)
def test_the_same_name_country_and_year_with_nothing_new_is_already_there(line):
    make_alumnus_record("Joseph", "Otieno", country="KE", email="jo@example.org", year=2001,
                        phone="+254712345678")  # fmt: skip
    batch = preview("Name;Country;Year;Email;Phone\n" + line + "\n")
    assert batch.rows[0]["status"] == "skip"
    assert batch.rows[0]["notes"] == ["Already in the portal (same name, country and year)."]


# --- L1: two phone columns, country and nationality ---------------------------------------


def test_phone_and_mobile_columns_are_both_kept():
    batch = imported(
        "Name;Country;Year;Phone;Mobile\nAchieng Odhiambo;Kenya;1998;0712 345678;0733 111222\n"
    )
    row = batch.rows[0]
    assert row["phone"] == "+254712345678" and row["phone_in_source"] == "0712 345678 / 0733 111222"
    assert "+254733111222" in row["warnings"][-1]
    assert Person.objects.get(last_name="Odhiambo").phone == "+254712345678"


def test_country_and_nationality_columns_are_both_read():
    batch = imported("Name;Country;Nationality;Year\nKari Hansen;Kenya;Norway;1998\n")
    assert batch.rows[0]["country"] == "KE"
    person = Person.objects.get(last_name="Hansen")
    assert (person.country, person.nationality) == ("KE", "NO")


def test_a_file_with_only_a_nationality_column_reads_it_as_the_country():
    batch = preview("Name;Nationality;Year\nKari Hansen;Norway;1998\n")
    assert batch.rows[0]["country"] == "NO"


def test_two_columns_meaning_the_same_are_both_named():
    with pytest.raises(ValidationError) as error:
        preview("Name;Year;Year of exchange\nKari Hansen;1998;1998\n")
    assert "“Year” and “Year of exchange”" in error.value.messages[0]


# --- L11: years as registers write them --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year", "remarked"),
    [
        ("1987", 1987, False),
        ("1987/88", 1987, True),
        ("1987-88", 1987, True),
        ("1987 – 1988", 1987, True),
        ("1999/00", 1999, True),
        ("87", 1987, True),
        ("'87", 1987, True),
        ("05", 2005, True),
        ("ca. 1990", 1990, True),
        ("c. 1990", 1990, True),
        ("1990s", None, False),
        ("45", None, False),
        ("1987/95", None, False),
        ("nineteen", None, False),
    ],
)
def test_a_year_is_read_as_registers_write_it(text, year, remarked):
    assert read_year(text)[0] == year
    assert bool(read_year(text)[1]) == remarked


def test_a_year_range_is_imported_with_a_remark():
    batch = preview("Name;Country;Year\nKari Hansen;Norway;1987/88\nOla Dahl;Norway;1990s\n")
    rows = rows_of(batch)
    assert rows[2]["status"] == "new" and rows[2]["exchange_year"] == 1987
    assert any("read as 1987" in w for w in rows[2]["warnings"])
    assert rows[3]["status"] == "error"
    assert batch.summary["remarks"]["year_read"] == 1


# --- L2: a reason with a parameter is shown filled in -------------------------------------


def test_a_misspelt_provider_is_named_in_the_preview_and_on_the_person_page(staff_client):
    batch = imported("Name;Country;Year;Email\nJane Doe;Kenya;2001;jane.doe@gmial.com\n")
    assert "misspelt gmail.com" in batch.rows[0]["warnings"][0]
    raw = RawAddress.objects.get()
    assert raw.reason_text == "the domain looks like a misspelt gmail.com"
    page = staff_client.get(reverse("network:staff_person", args=[raw.person_id]))
    assert "misspelt gmail.com" in page.content.decode()
    assert "%(domain)s" not in page.content.decode()


# --- M7: birth dates ------------------------------------------------------------------------


def test_a_birth_date_column_is_read():
    batch = imported(
        "Name;Country;Year;Date of birth\n"
        "Kari Hansen;Norway;1998;03.05.1970\nOla Dahl;Norway;1998;someday\n"
    )
    assert "Date of birth" not in batch.summary["ignored_columns"]
    assert Person.objects.get(last_name="Hansen").date_of_birth == dt.date(1970, 5, 3)
    assert Person.objects.get(last_name="Dahl").date_of_birth is None
    assert batch.summary["remarks"]["birth_date_unknown"] == 1
