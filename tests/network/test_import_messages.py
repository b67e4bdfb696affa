"""What the historical import says about a messy file: remarks counted by kind, addresses
kept with a suggested correction, formula-looking cells, the columns it does not read,
the file's encoding and real size, and files that are not spreadsheets at all."""

from __future__ import annotations

import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from network import imports
from network.models import HistoricalImport

pytestmark = pytest.mark.django_db


def preview(text: str, *, encoding: str = "utf-8", filename: str = "alumni.csv"):
    return imports.create_preview(
        file=io.BytesIO(text.encode(encoding)), filename=filename, by=None
    )


HEADER = "Name;Country;Exchange year;Email;Phone\n"


def test_remarks_are_counted_by_kind_for_the_preview():
    rows = "".join(f"Person {n} Otieno;Kenya;2001;p{n}@example.org;none\n" for n in range(3))
    rows += "".join(f"Other {n} Banda;Malawi;2003;;12\n" for n in range(4))
    batch = preview(HEADER + rows)
    remarks = batch.summary["remarks"]
    assert remarks == {"no_email": 4, "phone_unknown": 4}  # "none" is no phone, not a remark
    with translation.override("en"):
        lines = imports.remark_lines(batch.summary)
    assert lines == ["4 people without a usable email", "4 phones not recognised"]


def test_an_address_with_accents_or_a_stray_space_is_kept_with_a_suggestion():
    batch = preview(
        HEADER
        + "Lucía Phiri;Zambia;2004;lucía.phiri6@hotmail.com;\n"
        + "Ananya Banda;Malawi;2005;ananya.banda @mail.org;\n"
        + "Grace Mwale;Malawi;2005;grace@gmial.com;\n"
    )
    rows = {row["row"]: row for row in batch.rows}
    lucia, ananya, grace = rows[2], rows[3], rows[4]
    assert lucia["email"] == "" and lucia["emails_in_source"] == "lucía.phiri6@hotmail.com"
    assert lucia["email_checks"][0]["suggestion"] == "lucia.phiri6@hotmail.com"
    assert "Suggested: lucia.phiri6@hotmail.com" in lucia["warnings"][0]
    # One address typed with a space: one remark, not two invalid addresses.
    assert len(ananya["email_checks"]) == 1
    assert ananya["email_checks"][0]["suggestion"] == "ananya.banda@mail.org"
    # A misspelt provider is never written to before someone confirms the correction.
    assert grace["email"] == ""
    assert grace["email_checks"][0]["suggestion"] == "grace@gmail.com"
    assert batch.summary["remarks"]["email_suggestion"] == 3


def test_formula_looking_cells_are_remarked_and_kept_as_text():
    batch = preview(HEADER + '"=HYPERLINK(""http://x.example"",""Joseph"")";Kenya;1999;;\n')
    row = batch.rows[0]
    assert row["status"] == "new"
    assert row["name_in_source"].startswith("=HYPERLINK(")  # stored as the text it was
    assert any("looks like a spreadsheet formula" in w for w in row["warnings"])
    assert batch.summary["remarks"]["formula"] == 1


def test_a_phone_number_with_a_plus_is_not_a_formula():
    batch = preview(HEADER + "Peter Okello;Uganda;2001;;+256 712 345678\n")
    assert "formula" not in batch.summary["remarks"]


def test_the_preview_lists_the_columns_it_does_not_read_and_reads_a_source_id():
    batch = preview(
        "FK participant ID;Name;Country;Exchange year;Shoe size;Notes\n"
        "FK-1987-004;Kari Nordmann;Norway;1987;39;met in Bergen\n"
    )
    assert batch.summary["ignored_columns"] == ["Shoe size", "Notes"]
    assert batch.rows[0]["source_id"] == "FK-1987-004"


def test_a_windows_1252_file_says_so_in_the_preview():
    batch = preview(HEADER + "Zoë Ngugi;Kenya;1990;zoe@example.org;\n", encoding="cp1252")
    assert batch.rows[0]["first_name"] == "Zoë"
    assert len(batch.summary["file_warnings"]) == 1
    assert "Windows-1252" in batch.summary["file_warnings"][0]


def test_a_file_too_large_is_refused_with_its_real_size(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.write(HEADER.encode())
        file.truncate(50 * 1024 * 1024)
    with path.open("rb") as file, pytest.raises(ValidationError) as caught:
        imports.create_preview(file=file, filename="huge.csv", by=None)
    message = " ".join(caught.value.messages)
    assert "50.0\xa0MB" in message and "10.0\xa0MB" in message
    assert not HistoricalImport.objects.exists()


def test_random_bytes_are_refused_as_not_a_spreadsheet():
    data = os.urandom(5 * 1024 * 1024)
    with pytest.raises(ValidationError) as caught:
        imports.create_preview(file=io.BytesIO(data), filename="alumni.csv", by=None)
    assert "not a spreadsheet" in " ".join(caught.value.messages)
    assert not HistoricalImport.objects.exists()


def test_reimporting_after_merges_and_renames_creates_nothing_and_undoes_nothing(staff):
    from network.models import DuplicateCandidate
    from network.services import duplicates, merges
    from partnerships.models import Person

    text = (
        HEADER
        + "Mohammed Hassan;Tanzania;1995;mh@example.org;\n"
        + "Mohamed Hasan;Tanzania;1995;;\n"
        + "Achieng Odhiambo;Kenya;1998;achieng@example.org;\n"
    )
    imports.import_batch(batch=preview(text), by=staff)
    people = {p.full_name: p for p in Person.objects.all()}
    assert len(people) == 3
    # Staff merge the two spellings and correct a name.
    pair = DuplicateCandidate.objects.filter(status="open").first()
    if pair is None:
        duplicates.propose_pairs(
            [(people["Mohammed Hassan"], people["Mohamed Hasan"], ["similar name"], 70)]
        )
        pair = DuplicateCandidate.objects.get()
    merges.merge_duplicate(candidate=pair, keep=people["Mohammed Hassan"], by=staff)
    Person.objects.filter(pk=people["Achieng Odhiambo"].pk).update(first_name="Achieng Grace")

    again = preview(text)
    assert again.summary["new"] == 0 and again.summary["skip"] == 3
    imports.import_batch(batch=again, by=staff)
    assert Person.objects.count() == 2
    assert Person.objects.get(pk=people["Achieng Odhiambo"].pk).first_name == "Achieng Grace"


def test_the_preview_page_shows_counts_by_kind_the_encoding_and_unread_columns(staff_client):
    text = "Name;Country;Exchange year;Email;Notes\n" + "".join(
        f"Zoë {n} Ngugi;Kenya;1990;;x\n" for n in range(3)
    )
    upload = SimpleUploadedFile("alumni.csv", text.encode("cp1252"), content_type="text/csv")
    response = staff_client.post(reverse("network:staff_imports"), {"file": upload})
    batch = HistoricalImport.objects.get()
    page = staff_client.get(reverse("network:staff_import", args=[batch.pk])).content.decode()
    assert response.status_code == 302
    assert "3 people without a usable email" in page
    assert "Windows-1252" in page
    assert "<code>Notes</code>" in page
