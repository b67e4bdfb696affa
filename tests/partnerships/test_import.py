"""Spreadsheet import of participants by partner coordinators."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from norec_portal import spreadsheets
from partnerships import imports
from partnerships.models import HeldRegistration, Participant, ParticipantImport, Person
from partnerships.services import coordinator_duplicate_message, find_duplicate_person
from tests.factories import (
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
)

FIXTURES = Path(__file__).parent / "fixtures"
PARTNERSHIP = "Lake Victoria Health Exchange"
HOME = "Kisumu Health Trust"
HOST = "Mbarara Community Clinic"
HEADER = [column.key for column in imports.COLUMNS]
UPLOAD_URL = reverse("partnerships:coordinator_import")


@pytest.fixture
def partners(partnership, org_a, org_b):
    """The coordinator's organisation (A) and its partner (B) under the names the fixture
    files use, plus a partnership A is not part of."""
    org_a.name, org_b.name = HOME, HOST
    org_a.save()
    org_b.save()
    PartnershipFactory(
        name="Other Organisations Partnership", members=[org_b, OrganisationFactory()]
    )
    return org_a, org_b


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def upload(client, name: str, data: bytes, **extra):
    return client.post(UPLOAD_URL, {"file": _file(name, data), **extra})


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def last_import() -> ParticipantImport:
    return ParticipantImport.objects.latest("pk")


def rows_by_number(participant_import: ParticipantImport) -> dict[int, dict]:
    return {row["row"]: row for row in participant_import.rows}


def csv_bytes(rows: list[list[str]], *, header: list[str] = HEADER, delimiter=",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def person_row(index: int, **values: str) -> list[str]:
    row = {
        "first_name": f"First{index}",
        "last_name": f"Last{index}",
        "email": f"participant{index}@example.org",
        "phone": "",
        "nationality": "KE",
        "gender": "female",
        "date_of_birth": "1990-01-01",
        "partnership": PARTNERSHIP,
        "host_organisation": HOST,
        "exchange_start": "2030-02-01",
        "exchange_end": "2030-11-30",
        "elearning_completed_on": "",
    }
    row.update(values)
    return [row[key] for key in HEADER]


def xlsx_bytes(rows: list[list], *, header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_in_zip(data: bytes, replacements: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, replacements.get(item.filename, source.read(item)))
    return buffer.getvalue()


def messages_of(row: dict) -> str:
    return " | ".join(error["message"] for error in row["errors"])


# --- Reading files -----------------------------------------------------------------------


@pytest.mark.django_db
def test_utf8_bom_file_is_read_and_every_row_is_ready(coordinator_client, partners):
    response = upload(coordinator_client, "valid.csv", fixture("valid_bom.csv"))

    participant_import = last_import()
    assert response.status_code == 302
    assert response.url == reverse(
        "partnerships:coordinator_import_preview", args=[participant_import.pk]
    )
    assert participant_import.encoding == "utf-8"
    assert participant_import.row_count == 3
    assert participant_import.error_row_count == 0
    rows = rows_by_number(participant_import)
    assert sorted(rows) == [2, 3, 4]
    # The BOM does not end up in the first heading, so first_name is found.
    assert rows[2]["data"]["person"]["first_name"] == "Achieng"
    assert rows[2]["data"]["person"]["phone"] == "+254712345678"
    assert rows[2]["data"]["person"]["nationality"] == "KE"
    assert rows[3]["data"]["person"]["email"] == "otieno.wafula@example.org"
    assert rows[3]["data"]["person"]["date_of_birth"] == "1988-05-12"
    assert rows[3]["data"]["exchange_end"] == "2031-02-28"
    assert rows[3]["data"]["person"]["gender"] == "male"
    assert rows[4]["data"]["person"]["phone"] == "+254712345679"


@pytest.mark.django_db
def test_semicolons_and_loose_headings_with_ignored_columns(coordinator_client, partners):
    upload(coordinator_client, "semi.csv", fixture("semicolons.csv"))

    participant_import = last_import()
    assert participant_import.row_count == 2
    assert participant_import.error_row_count == 0
    warnings = " ".join(participant_import.warnings)
    assert "“Notes”" in warnings
    assert "Sending organisation" in warnings and "your own organisation" in warnings
    assert rows_by_number(participant_import)[2]["data"]["person"]["date_of_birth"] == (
        "1992-07-03"
    )


@pytest.mark.django_db
def test_windows_1252_file_is_read_with_a_visible_warning(coordinator_client, partners):
    upload(coordinator_client, "legacy.csv", fixture("windows1252.csv"))

    participant_import = last_import()
    assert participant_import.encoding == "windows-1252"
    rows = rows_by_number(participant_import)
    assert rows[2]["values"]["first_name"] == "José"
    assert rows[2]["values"]["last_name"] == "Müller"
    assert rows[3]["values"]["last_name"] == "Ødegård"
    response = coordinator_client.get(
        reverse("partnerships:coordinator_import_preview", args=[participant_import.pk])
    )
    assert "is not in UTF-8" in response.content.decode()
    assert "message--warning" in response.content.decode()


@pytest.mark.django_db
def test_xlsx_with_real_dates_and_numbers(coordinator_client, partners):
    data = xlsx_bytes(
        [
            [
                "Ann",
                "Lee",
                "ann.lee@example.org",
                254712345678,
                "Kenya",
                "F",
                dt.datetime(1990, 4, 12),  # noqa: DTZ001 - Excel dates have no zone
                PARTNERSHIP,
                HOST,
                dt.date(2030, 2, 1),
                dt.datetime(2030, 11, 30),  # noqa: DTZ001
                None,
            ],
        ]  # fmt: skip
    )
    upload(coordinator_client, "people.xlsx", data)

    participant_import = last_import()
    assert participant_import.file_format == "xlsx"
    row = rows_by_number(participant_import)[2]
    assert row["errors"] == [], row
    assert row["data"]["person"]["date_of_birth"] == "1990-04-12"
    assert row["data"]["exchange_start"] == "2030-02-01"
    assert row["data"]["person"]["phone"] == "+254712345678"


@pytest.mark.django_db
def test_template_download_has_every_column_and_imports_cleanly(coordinator_client, partners):
    response = coordinator_client.get(reverse("partnerships:coordinator_import_template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [imports.normalise_header(h) for h in header] == HEADER
    assert "first_name*" in header and "exchange_start* (YYYY-MM-DD or DD.MM.YYYY)" in header
    # The template with a row under it is a valid import file.
    data = response.content + ",".join(person_row(1)).encode() + b"\n"
    upload(coordinator_client, "template.csv", data)
    assert last_import().error_row_count == 0


@pytest.mark.django_db
def test_upload_page_documents_the_columns(coordinator_client, partners):
    response = coordinator_client.get(UPLOAD_URL)

    page = response.content.decode()
    assert response.status_code == 200
    for key in HEADER:
        assert f"<code>{key}</code>" in page
    assert "DD.MM.YYYY" in page
    assert reverse("partnerships:coordinator_import_template") in page


def test_parser_refuses_a_file_over_the_limit(settings):
    settings.IMPORT_MAX_BYTES = 10

    with pytest.raises(imports.SpreadsheetError) as caught:
        imports.read_spreadsheet(b"first_name,last_name\n", "a.csv")

    assert caught.value.code == "too_large"
    assert "The limit is 10" in caught.value.messages[0]


def test_parser_reads_excel_unicode_text_utf16_tabs():
    text = "first_name\tlast_name\r\nZoë\tN’Diaye\r\n"

    table = imports.read_spreadsheet(text.encode("utf-16"), "unicode.txt")

    assert table.encoding == "utf-16"
    assert table.rows == [(2, ["Zoë", "N’Diaye"])]


def test_parser_refuses_a_sheet_of_blank_rows(settings):
    settings.IMPORT_MAX_ROWS = 5
    data = b"first_name\n" + b"\n" * (spreadsheets.MAX_BLANK_ROWS + 10) + b"Ann\n"

    with pytest.raises(imports.SpreadsheetError) as caught:
        imports.read_spreadsheet(data, "blank.csv")

    assert caught.value.code == "too_many_rows"


# --- Messages per row ----------------------------------------------------------------------

EXPECTED_ROW_MESSAGES = {
    2: ("first_name", "Missing"),
    3: ("email", "not a valid email address"),
    4: ("phone", "not a valid phone number"),
    5: ("exchange_start", "not a date"),
    6: ("exchange_end", "must end after it starts"),
    7: ("partnership", "not one of your organisation's partnerships"),
    8: ("host_organisation", "not a member organisation of Lake Victoria Health Exchange"),
    9: ("last_name", "Too long: at most 100 characters (this one has 101)"),
    10: ("first_name", "control characters"),
    11: ("", "This person cannot be registered here. Norec has been asked to check"),
    12: ("host_organisation", "must be another organisation than the sending one"),
    13: ("nationality", "is not a country"),
    14: ("date_of_birth", "must be in the past"),
    15: ("gender", "is not one of"),
    17: ("partnership", "not one of your organisation's partnerships"),
    18: ("", "more cells than there are column headings"),
    19: ("exchange_end", "at most two years"),
    20: ("", "This person cannot be registered here. Norec has been asked to check"),
}


@pytest.mark.django_db
def test_a_message_for_every_bad_row(coordinator_client, partners):
    PersonFactory(email="existing.person@example.org")
    PersonFactory(first_name="Same", last_name="Person", date_of_birth=dt.date(1980, 5, 5))

    response = upload(coordinator_client, "bad.csv", fixture("bad_rows.csv"))

    assert response.status_code == 302
    participant_import = last_import()
    rows = rows_by_number(participant_import)
    assert participant_import.row_count == 19
    assert participant_import.error_row_count == 18
    for number, (field, text) in EXPECTED_ROW_MESSAGES.items():
        errors = rows[number]["errors"]
        assert any(e["field"] == field and text in e["message"] for e in errors), (number, errors)
        assert rows[number]["data"] is None
    assert rows[16]["errors"] == []
    assert rows[16]["data"]["person"]["email"] == "good.row@example.org"
    # Nothing is registered by an upload.
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_duplicate_rows_name_nobody_and_go_to_the_staff_queue(coordinator_client, partners):
    """The bulk duplicate check finds whom ``find_duplicate_person`` would find, tells the
    coordinator nothing about them, and holds each case once for staff."""
    PersonFactory(email="existing.person@example.org")
    PersonFactory(first_name="Same", last_name="Person", date_of_birth=dt.date(1980, 5, 5))
    upload(coordinator_client, "bad.csv", fixture("bad_rows.csv"))
    rows = rows_by_number(last_import())

    by_email = find_duplicate_person(email="existing.person@example.org")
    by_name = find_duplicate_person(
        email="same.person@example.org", first_name="Same", last_name="Person",
        date_of_birth=dt.date(1980, 5, 5),
    )  # fmt: skip
    message = coordinator_duplicate_message()
    assert message in messages_of(rows[11]) and message in messages_of(rows[20])
    for text in ("existing.person@example.org", "Same Person", "already registered"):
        assert text not in messages_of(rows[11]) + messages_of(rows[20])
    held = HeldRegistration.objects.filter(organisation=partners[0])
    assert sorted(held.values_list("person_id", flat=True)) == sorted([by_email.pk, by_name.pk])
    upload(coordinator_client, "bad.csv", fixture("bad_rows.csv"))  # the same file again
    assert held.count() == 2


@pytest.mark.django_db
def test_duplicate_rows_within_the_file(coordinator_client, partners):
    upload(coordinator_client, "dups.tsv", fixture("duplicate_rows.tsv"))

    rows = rows_by_number(last_import())
    assert rows[2]["errors"] == [] and rows[3]["errors"] == []
    assert "already on row 2 of this file" in messages_of(rows[4])
    assert "already on row 3 of this file" in messages_of(rows[5])


@pytest.mark.django_db
def test_preview_shows_rows_messages_and_no_confirm_button_when_a_row_is_bad(
    coordinator_client, partners
):
    upload(coordinator_client, "bad.csv", fixture("bad_rows.csv"))
    participant_import = last_import()
    url = reverse("partnerships:coordinator_import_preview", args=[participant_import.pk])

    page = coordinator_client.get(url, {"show": "problems"}).content.decode()

    assert "Fix these rows in your file and upload it again" in page
    assert reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk]) not in (
        page
    )
    assert "not a valid email address" in page
    assert 'data-label="Row">3</td>' in page
    # Every row can be seen, page by page.
    page_1 = coordinator_client.get(url).content.decode()
    assert 'data-label="Row">16</td>' in page_1


@pytest.mark.django_db
def test_preview_fragment_for_htmx(coordinator_client, partners):
    upload(coordinator_client, "bad.csv", fixture("bad_rows.csv"))
    url = reverse("partnerships:coordinator_import_preview", args=[last_import().pk])

    response = coordinator_client.get(url, {"show": "problems"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="import-rows"')
    assert "<html" not in body


@pytest.mark.django_db
def test_formula_in_a_name_is_kept_as_text(coordinator_client, partners):
    upload(coordinator_client, "formula.csv", fixture("formula.csv"))
    participant_import = last_import()
    assert participant_import.error_row_count == 0

    coordinator_client.post(
        reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk])
    )

    person = Person.objects.get(email="formula.person@example.org")
    assert person.first_name.startswith('=HYPERLINK("http://evil.example/')


# --- File-level refusals -----------------------------------------------------------------


@pytest.mark.django_db
def test_missing_required_columns_is_a_file_error(coordinator_client, partners):
    response = upload(coordinator_client, "short.csv", fixture("missing_columns.csv"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Required columns are missing: partnership, host_organisation" in page
    assert not ParticipantImport.objects.exists()


@pytest.mark.django_db
def test_oversized_file_is_refused_and_nothing_saved(coordinator_client, partners, settings):
    settings.IMPORT_MAX_BYTES = 4096
    data = fixture("oversized.csv")
    assert len(data) > 4096

    response = upload(coordinator_client, "big.csv", data)

    assert response.status_code == 400
    assert "The limit is 4.0" in response.content.decode()
    assert filesizeformat(len(data)) in response.content.decode()  # its true size
    assert not ParticipantImport.objects.exists()


@pytest.mark.django_db
def test_file_over_the_default_limit_is_refused(coordinator_client, partners):
    data = fixture("oversized.csv") * 300  # about 2.2 MB
    assert len(data) > 2 * 1024 * 1024

    response = upload(coordinator_client, "huge.csv", data)

    assert response.status_code == 400
    assert "The limit is 2.0\xa0MB" in response.content.decode()
    assert f"too large ({filesizeformat(len(data))})" in response.content.decode()
    assert not ParticipantImport.objects.exists()


@pytest.mark.django_db
def test_too_many_rows_is_refused(coordinator_client, partners, settings):
    settings.IMPORT_MAX_ROWS = 50

    response = upload(coordinator_client, "many.csv", fixture("oversized.csv"))

    assert response.status_code == 400
    assert "more than 50 rows" in response.content.decode()
    assert not ParticipantImport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\n\n  \n", "The file is empty"),
        ("old.xls", imports.OLE2_MAGIC + b"\0" * 100, "old Excel (.xls)"),
        ("fake.xlsx", b"first_name,last_name\n", "not a valid Excel workbook"),
        ("broken.xlsx", imports.ZIP_MAGIC + b"\0" * 100, "not a valid Excel workbook"),
        ("headings.csv", ",".join(HEADER).encode(), "no participant rows"),
        ("twice.csv", b"email,Email\nx,y\n", "appears twice"),
    ],
)
def test_unusable_files_get_a_clear_message(coordinator_client, partners, name, data, message):
    response = upload(coordinator_client, name, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ParticipantImport.objects.exists()


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SPREADSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def handmade_xlsx(*, shared_strings: str | None = None, workbook: str | None = None) -> bytes:
    """A minimal workbook whose only cell (A1) is the first shared string, so that both
    xl/workbook.xml and xl/sharedStrings.xml are really parsed when it is read."""
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            f'ContentType="{SPREADSHEET_TYPE}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{SPREADSHEET_TYPE}.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{SPREADSHEET_TYPE}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_RELS_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": workbook
        or (
            f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_RELS_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'
            '<c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
        ),
        "xl/sharedStrings.xml": shared_strings
        or f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>first_name</t></si></sst>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(
                name,
                '<?xml version="1.0" encoding="UTF-8"?>\n' + content
                if not content.startswith("<?xml")
                else content,
            )
    return buffer.getvalue()


def entity_bomb(root: str, levels: int = 10) -> str:
    """A "billion laughs" DTD: 10 levels of 10 references expand to 10**9 strings."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [{"".join(entities)}]>\n'


BOMBS = {
    "sharedStrings": lambda: handmade_xlsx(
        shared_strings=entity_bomb("sst")
        + f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    ),
    "workbook": lambda: handmade_xlsx(
        workbook=entity_bomb("workbook")
        + f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
        '<sheet name="&lol9;" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
}


def test_handmade_workbook_reads_both_parts():
    """The bombs below sit in parts that openpyxl really parses."""
    workbook = openpyxl.load_workbook(io.BytesIO(handmade_xlsx()), read_only=True)
    assert workbook.sheetnames == ["Sheet1"]
    assert list(workbook.worksheets[0].iter_rows(values_only=True)) == [("first_name",)]


@pytest.mark.django_db
@pytest.mark.parametrize("part", sorted(BOMBS))
def test_xml_entity_bomb_is_refused_without_expansion(coordinator_client, partners, part):
    data = BOMBS[part]()

    response = upload(coordinator_client, "laughs.xlsx", data)

    assert response.status_code == 400
    assert "XML declarations that are not allowed" in response.content.decode()
    assert not ParticipantImport.objects.exists()


@pytest.mark.parametrize("part", sorted(BOMBS))
def test_openpyxl_itself_refuses_entities_through_defusedxml(part):
    """Defence in depth: past the archive check, openpyxl parses with defusedxml."""
    from defusedxml import DefusedXmlException
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True
    # openpyxl wraps some parser errors in a ValueError; the cause is defusedxml's.
    with pytest.raises((DefusedXmlException, ValueError)) as caught:
        workbook = openpyxl.load_workbook(io.BytesIO(BOMBS[part]()), read_only=True)
        list(workbook.worksheets[0].iter_rows(values_only=True))
    chain, error = [], caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(error, DefusedXmlException) for error in chain), chain


@pytest.mark.django_db
def test_entity_bomb_past_the_archive_check_is_still_refused(partners, monkeypatch):
    """Without the DTD scan, the file is still refused, quickly, by defusedxml."""
    monkeypatch.setattr(spreadsheets, "_has_dtd", lambda archive, member: False)

    with pytest.raises(imports.SpreadsheetError) as caught:
        imports.read_spreadsheet(BOMBS["sharedStrings"](), "laughs.xlsx")

    assert "could not be read" in caught.value.messages[0]


def zip_bomb(size: int, *, members: int = 1) -> bytes:
    data = xlsx_bytes([["Ann", "Lee"]], header=["first_name", "last_name"])
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for index in range(members):
            archive.writestr(f"xl/media/padding{index}.xml", b"\0" * size)
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("size", "members"),
    [(60 * 1024 * 1024, 1), (12 * 1024 * 1024, 5), (3 * 1024 * 1024, 1)],
    ids=["one-huge-part", "many-parts", "absurd-ratio"],
)
def test_zip_bomb_is_refused(coordinator_client, partners, size, members):
    data = zip_bomb(size, members=members)
    assert len(data) < imports.max_bytes()

    response = upload(coordinator_client, "bomb.xlsx", data)

    assert response.status_code == 400
    assert "unpacks to far more data" in response.content.decode()
    assert not ParticipantImport.objects.exists()


# --- Confirming --------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_saved_before_confirm_then_everything(coordinator, coordinator_client, partners):
    people_before = Person.objects.count()
    upload(coordinator_client, "valid.csv", fixture("valid_bom.csv"))
    participant_import = last_import()
    assert Person.objects.count() == people_before
    assert not Participant.objects.exists()
    preview = coordinator_client.get(
        reverse("partnerships:coordinator_import_preview", args=[participant_import.pk])
    )
    confirm_url = reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk])
    assert confirm_url in preview.content.decode()

    response = coordinator_client.post(confirm_url)

    assert response.status_code == 302
    participants = Participant.objects.select_related("person")
    assert {p.person.email for p in participants} == {
        "achieng.odhiambo@example.org", "otieno.wafula@example.org", "njeri.kamau@example.org",
    }  # fmt: skip
    org_a, org_b = partners
    assert {p.sending_organisation_id for p in participants} == {org_a.pk}
    assert {p.host_organisation_id for p in participants} == {org_b.pk}
    assert {p.registered_by_id for p in participants} == {coordinator.pk}
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.COMMITTED
    assert participant_import.committed_at is not None
    page = coordinator_client.get(response.url).content.decode()
    assert "3 participants were registered" in page
    assert confirm_url not in page


@pytest.mark.django_db
def test_an_import_cannot_be_confirmed_twice(coordinator_client, partners):
    upload(coordinator_client, "valid.csv", fixture("valid_bom.csv"))
    confirm_url = reverse("partnerships:coordinator_import_confirm", args=[last_import().pk])
    coordinator_client.post(confirm_url)

    response = coordinator_client.post(confirm_url, follow=True)

    assert Participant.objects.count() == 3
    assert "already been imported" in response.content.decode()


@pytest.mark.django_db
def test_an_import_with_bad_rows_cannot_be_confirmed(coordinator_client, partners):
    upload(coordinator_client, "bad.csv", fixture("bad_rows.csv"))

    response = coordinator_client.post(
        reverse("partnerships:coordinator_import_confirm", args=[last_import().pk]), follow=True
    )

    assert not Participant.objects.exists()
    assert "fix these rows in your file and upload it again" in response.content.decode()


@pytest.mark.django_db
def test_nothing_half_saved_when_a_row_fails_at_commit(coordinator_client, partners):
    upload(coordinator_client, "valid.csv", fixture("valid_bom.csv"))
    participant_import = last_import()
    assert participant_import.error_row_count == 0
    # Someone registers the third person between the preview and the confirmation.
    PersonFactory(email="njeri.kamau@example.org")
    people = Person.objects.count()

    response = coordinator_client.post(
        reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk]),
        follow=True,
    )

    assert not Participant.objects.exists()
    assert Person.objects.count() == people
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.PREVIEWED
    assert participant_import.error_row_count == 1
    row = rows_by_number(participant_import)[4]
    assert coordinator_duplicate_message() in messages_of(row)
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "This person cannot be registered here" in page
    assert "njeri.kamau@example.org is already registered" not in page
    assert (
        reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk]) not in page
    )


@pytest.mark.django_db
def test_injected_organisation_fields_change_nothing(coordinator_client, partners):
    org_a, org_b = partners
    stranger = OrganisationFactory(name="Injected Org")
    data = csv_bytes(
        [person_row(1) + [stranger.name, str(stranger.pk)]],
        header=[*HEADER, "organisation", "sending_organisation"],
    )

    upload(
        coordinator_client, "inject.csv", data,
        organisation=str(org_b.pk), sending_organisation=str(stranger.pk),
    )  # fmt: skip
    participant_import = last_import()
    coordinator_client.post(
        reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk]),
        {"organisation": str(org_b.pk), "sending_organisation": str(stranger.pk)},
    )

    assert participant_import.organisation_id == org_a.pk
    participant = Participant.objects.get()
    assert participant.sending_organisation_id == org_a.pk
    assert "your own organisation" in " ".join(participant_import.warnings)


@pytest.mark.django_db
def test_discard_drops_the_rows(coordinator_client, partners):
    upload(coordinator_client, "valid.csv", fixture("valid_bom.csv"))
    participant_import = last_import()

    response = coordinator_client.post(
        reverse("partnerships:coordinator_import_discard", args=[participant_import.pk])
    )

    assert response.status_code == 302
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.DISCARDED
    assert participant_import.rows == []
    confirm = coordinator_client.post(
        reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk]),
        follow=True,
    )
    assert "discarded" in confirm.content.decode()
    assert not Participant.objects.exists()


# --- Access ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_other_coordinator_gets_404_on_anothers_import(
    client, coordinator_client, other_coordinator, partners
):
    upload(coordinator_client, "valid.csv", fixture("valid_bom.csv"))
    participant_import = last_import()
    client.force_login(other_coordinator)

    for name in ("preview",):
        url = reverse(f"partnerships:coordinator_import_{name}", args=[participant_import.pk])
        assert client.get(url).status_code == 404
    for name in ("confirm", "discard"):
        url = reverse(f"partnerships:coordinator_import_{name}", args=[participant_import.pk])
        assert client.post(url).status_code == 404
    assert not Participant.objects.exists()
    participant_import.refresh_from_db()
    assert participant_import.status == ParticipantImport.Status.PREVIEWED
    listing = client.get(UPLOAD_URL).content.decode()
    assert "valid.csv" not in listing


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alumnus", "staff"])
def test_other_roles_are_forbidden(client, request, partners, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in (
        UPLOAD_URL,
        reverse("partnerships:coordinator_import_template"),
        reverse("partnerships:coordinator_export"),
    ):
        assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, partners):
    response = client.get(UPLOAD_URL)

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


@pytest.mark.django_db
def test_upload_requires_csrf_token(partners, coordinator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)

    response = upload(client, "valid.csv", fixture("valid_bom.csv"))

    assert response.status_code == 403
    assert not ParticipantImport.objects.exists()


# --- Queries -----------------------------------------------------------------------------


def count_queries(callable_) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


def many_rows(count: int, start: int = 0) -> bytes:
    return csv_bytes([person_row(start + index) for index in range(count)])


@pytest.mark.django_db
def test_upload_and_preview_queries_do_not_grow_with_rows(coordinator_client, partners):
    # A warm-up request, so that one-off queries (session, user) are in both counts alike.
    coordinator_client.get(UPLOAD_URL)
    # A person already registered in each file (each is held for staff once).
    PersonFactory(email="participant5@example.org")
    PersonFactory(email="participant1005@example.org")

    small = count_queries(lambda: upload(coordinator_client, "10.csv", many_rows(10)))
    small_import = last_import()
    large = count_queries(lambda: upload(coordinator_client, "200.csv", many_rows(200, 1000)))
    large_import = last_import()
    assert small_import.row_count == 10 and large_import.row_count == 200
    assert small == large

    def preview(participant_import, **params):
        url = reverse("partnerships:coordinator_import_preview", args=[participant_import.pk])
        return lambda: coordinator_client.get(url, params)

    assert count_queries(preview(small_import)) == count_queries(preview(large_import))
    assert count_queries(preview(small_import, page=2)) == count_queries(
        preview(large_import, page=5)
    )


@pytest.mark.django_db
def test_commit_queries_grow_by_a_small_constant_per_row(coordinator_client, partners):
    coordinator_client.get(UPLOAD_URL)
    upload(coordinator_client, "10.csv", many_rows(10))
    small_import = last_import()
    upload(coordinator_client, "60.csv", many_rows(60, 1000))
    large_import = last_import()

    def confirm(participant_import):
        url = reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk])
        return lambda: coordinator_client.post(url)

    small = count_queries(confirm(small_import))
    large = count_queries(confirm(large_import))

    assert Participant.objects.count() == 70
    # register_participant per row: duplicate check, person, participant, savepoints.
    assert (large - small) / 50 <= 8


@pytest.mark.django_db
def test_upload_page_queries_do_not_grow_with_earlier_uploads(coordinator_client, partners):
    coordinator_client.get(UPLOAD_URL)
    upload(coordinator_client, "a.csv", many_rows(2))
    few = count_queries(lambda: coordinator_client.get(UPLOAD_URL))
    for index in range(30):
        upload(coordinator_client, f"{index}.csv", many_rows(1, 100 + index))
    many = count_queries(lambda: coordinator_client.get(UPLOAD_URL))

    assert few == many


# --- Anything goes in, never a 500 -------------------------------------------------------

HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

cell_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40
) | st.sampled_from(
    ["", "=1+1", "2030-02-01", "31.12.2030", "29/02/2031", PARTNERSHIP, HOST, "+254712345678",
     "a@b.co", "Kenya", "female", "\x00", "\r\n", '"', ";", "\t", "9" * 300]
)  # fmt: skip


def _random_xlsx_mutation(data: bytes, positions: list[int], value: int) -> bytes:
    mutated = bytearray(data)
    for position in positions:
        mutated[position % len(mutated)] = value
    return bytes(mutated)


VALID_XLSX = xlsx_bytes([["Ann", "Lee", "ann@example.org"]])

random_files = st.one_of(
    st.binary(max_size=2048),
    st.binary(max_size=512).map(lambda b: imports.ZIP_MAGIC + b),
    st.builds(
        _random_xlsx_mutation,
        st.just(VALID_XLSX),
        st.lists(st.integers(min_value=0, max_value=len(VALID_XLSX)), min_size=1, max_size=8),
        st.integers(min_value=0, max_value=255),
    ),
)


@HYPOTHESIS
@given(data=random_files, name=st.sampled_from(["f.csv", "f.xlsx", "f.txt", "f", "f.xls"]))
def test_parser_never_fails_on_random_bytes(data, name):
    try:
        table = imports.read_spreadsheet(data, name)
    except imports.SpreadsheetError as exc:
        assert exc.messages
    else:
        assert all(isinstance(number, int) for number, _cells in table.rows)


@pytest.mark.django_db
@HYPOTHESIS
@given(
    rows=st.lists(st.lists(cell_text, min_size=0, max_size=14), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_row_checks_never_fail_on_random_rows(partners, rows, delimiter, encoding):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    org_a, _org_b = partners
    try:
        table = imports.read_spreadsheet(data, "random.csv")
        checked = imports.check_rows(table, organisation=org_a)
    except imports.SpreadsheetError as exc:
        assert exc.messages
    else:
        for row in checked.rows:
            # Each row is either ready (with what to register) or says what is wrong.
            assert (row["data"] is None) == bool(row["errors"])


@pytest.mark.django_db
@HYPOTHESIS
@given(data=random_files, name=st.sampled_from(["f.csv", "f.xlsx", "f.txt", "../../f.csv"]))
def test_upload_view_never_answers_500(coordinator_client, partners, data, name):
    response = upload(coordinator_client, name, data)

    assert response.status_code in (302, 400)


@pytest.mark.django_db
@HYPOTHESIS
@given(rows=st.lists(st.lists(cell_text, min_size=12, max_size=12), min_size=1, max_size=6))
def test_upload_and_preview_never_answer_500_on_random_rows(coordinator_client, partners, rows):
    response = upload(coordinator_client, "rows.csv", csv_bytes(rows))

    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert coordinator_client.get(response.url).status_code == 200
        assert coordinator_client.get(response.url, {"show": "problems"}).status_code == 200


@pytest.mark.django_db
def test_people_are_matched_whatever_the_accents_case_and_spacing(coordinator_client, partners):
    """The file's own repeats and the people already registered are found with the one
    name key (partnerships.names), also when the spellings differ in accents."""
    PersonFactory(first_name="José", last_name="Müller", date_of_birth=dt.date(1985, 3, 3))
    rows = [
        person_row(1, first_name="Zoé", last_name="Ndiaye"),
        person_row(2, first_name=" ZOE ", last_name="ndiaye"),
        person_row(3, first_name="Jose", last_name="MULLER", date_of_birth="1985-03-03"),
        person_row(4, first_name="Zoe", last_name="Ndiaye", date_of_birth="1990-01-02"),
    ]
    upload(coordinator_client, "people.csv", csv_bytes(rows))
    found = rows_by_number(last_import())
    assert found[2]["errors"] == [] and found[5]["errors"] == []
    assert "already on row 2 of this file" in messages_of(found[3])
    assert coordinator_duplicate_message() in messages_of(found[4])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("joseph.otieno@gmial.com", "joseph.otieno@gmail.com"),
     ("lucía.phiri@hotmail.com", "lucia.phiri@hotmail.com")],
)  # fmt: skip
def test_a_likely_slip_in_an_address_is_refused_with_the_correction(
    coordinator_client, partners, typed, suggested
):
    """The coordinator import checks addresses with the historical import's one check."""
    header = fixture("bad_rows.csv").decode().splitlines()[0]
    line = (f"Joseph,Otieno,{typed},,,,,Lake Victoria Health Exchange,"
            "Mbarara Community Clinic,2030-02-01,2030-10-31,")  # fmt: skip
    upload(coordinator_client, "slip.csv", f"{header}\n{line}\n".encode())
    errors = rows_by_number(last_import())[2]["errors"]
    assert any(e["field"] == "email" and f"Did you mean {suggested}?" in e["message"]
               for e in errors), errors  # fmt: skip


def test_row_messages_are_shown_in_the_readers_language(coordinator_client, coordinator, partners):
    """Uploaded in English, read in French: the remarks are stored untranslated with their
    values and translated for whoever reads them."""
    bad = person_row(1, email="grace@example", gender="maybe", exchange_start="31.02.2027")
    upload(coordinator_client, "people.csv", csv_bytes([bad]))
    participant_import = last_import()
    url = reverse("partnerships:coordinator_import_preview", args=[participant_import.pk])
    english = coordinator_client.get(url).content.decode()
    assert escape("“maybe” is not one of: female, male, other, unspecified.") in english

    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    coordinator_client.cookies["django_language"] = "fr"
    french = coordinator_client.get(url).content.decode()
    with translation.override("fr"):
        expected = [
            gettext("“%(value)s” is not one of: female, male, other, unspecified.")
            % {"value": "maybe"},
            gettext("“%(value)s” is not a date. Write it as YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY.")
            % {"value": "31.02.2027"},
            gettext("“%(value)s” is not a valid email address.") % {"value": "grace@example"},
        ]
    for text in expected:
        assert "not one of" not in text and escape(text) in french, text
    assert "is not a valid email address" not in french


def test_the_services_rules_in_row_messages_follow_the_reader_too(
    coordinator_client, coordinator, partners
):
    backwards = person_row(1, exchange_start="2030-11-30", exchange_end="2030-02-01",
                           date_of_birth="2099-01-01")  # fmt: skip
    upload(coordinator_client, "people.csv", csv_bytes([backwards]))
    url = reverse("partnerships:coordinator_import_preview", args=[last_import().pk])
    assert "The exchange must end after it starts." in coordinator_client.get(url).content.decode()
    coordinator_client.cookies["django_language"] = "fr"
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    french = coordinator_client.get(url).content.decode()
    with translation.override("fr"):
        for english in ("The exchange must end after it starts.",
                        "The date of birth must be in the past."):  # fmt: skip
            assert gettext(english) != english
            assert escape(gettext(english)) in french
    assert "The exchange must end after it starts." not in french
