"""Finding 10 of the security review: a small workbook with huge shared strings cost a
worker seconds, uploads had no rate, and a file far too large was reported with the size
of the limit. Decompressed size and parse time are limited per upload, uploads per login,
and the true size is told."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from network import imports as network_imports
from norec_portal.spreadsheets import SpreadsheetError, read_spreadsheet

MB = 1024 * 1024


def workbook_with(member: str, size: int, *, dense: bool = False) -> bytes:
    """A zip whose ``member`` unpacks to ``size`` bytes of text that compresses only
    moderately (under the compression-ratio check; ``dense`` about 90 times)."""
    body = io.StringIO()
    body.write("<sst>")
    n = 0
    while body.tell() < size:
        body.write(f"<si><t>{n % 1000:07d}</t></si>" if dense else
                   f"<si><t>{n * 7919 % 1000003:07d}</t></si>")  # fmt: skip
        n += 1
    body.write("</sst>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, body.getvalue())
    return buffer.getvalue()


def refused_code(data: bytes, name: str = "file.xlsx", **limits) -> str:
    with pytest.raises(SpreadsheetError) as caught:
        read_spreadsheet(data, name, **{"max_bytes": 10 * MB, "max_rows": 100, **limits})
    return caught.value.code


def test_huge_shared_strings_are_refused_before_parsing():
    data = workbook_with("xl/sharedStrings.xml", 17 * MB)
    assert len(data) < 10 * MB  # a small upload…
    assert refused_code(data) == "zip_bomb"  # …refused unread, not parsed for seconds


def test_what_a_workbook_may_unpack_to_follows_the_upload_limit():
    data = workbook_with("xl/worksheets/sheet1.xml", 25 * MB, dense=True)
    assert len(data) < 2 * MB and 25 * MB < 200 * len(data)  # not a "bomb" by its ratio
    assert refused_code(data, max_bytes=2 * MB) == "zip_bomb"
    # The staff import's larger limit lets the same size through to the reader.
    assert refused_code(data, max_bytes=10 * MB) != "zip_bomb"


def test_reading_stops_after_the_time_limit():
    data = b"first_name,last_name\n" + b"Ada,Lovelace\n" * 50
    assert refused_code(data, "f.csv", max_seconds=-1) == "too_slow"
    assert len(read_spreadsheet(data, "f.csv", max_bytes=MB, max_rows=100).rows) == 50


def test_the_true_size_is_told_not_the_limits():
    with pytest.raises(SpreadsheetError) as caught:
        read_spreadsheet(b"x" * (MB + 1), "f.csv", max_bytes=MB, max_rows=10, size=100 * MB)
    assert "(100.0\xa0MB)" in caught.value.messages[0]


class Stream(io.RawIOBase):
    """An upload of unknown length (no size, no file number, no seeking)."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self.data.read(n)


def test_the_staff_import_tells_the_true_size_of_a_stream():
    stream = Stream(b"Name,Country\n" + b"A Person,KE\n" * (100 * MB // 12))
    with pytest.raises(SpreadsheetError) as caught:
        network_imports.read_table(stream, "big.csv")
    assert "(100.0\xa0MB)" in caught.value.messages[0]


def test_the_staff_import_tells_the_true_size_of_an_in_memory_file():
    too_big = io.BytesIO(b"Name,Country\n" + b"A Person,KE\n" * (14 * MB // 12))
    with pytest.raises(SpreadsheetError) as caught:
        network_imports.read_table(too_big, "big.csv")
    assert "(14.0\xa0MB)" in caught.value.messages[0]


@pytest.mark.django_db
def test_the_coordinator_import_tells_the_true_size(coordinator_client, settings):
    settings.IMPORT_MAX_BYTES = MB
    data = b"first_name,last_name\n" + b"Ada,Lovelace\n" * (3 * MB // 13)
    response = coordinator_client.post(
        reverse("partnerships:coordinator_import"),
        {"file": SimpleUploadedFile("big.csv", data)},
    )
    page = response.content.decode().replace("\xa0", " ")
    assert response.status_code == 400
    assert "too large (3.0 MB). The limit is 1.0 MB" in page


@pytest.mark.django_db
def test_uploads_per_login_are_limited(coordinator_client, settings):
    settings.IMPORT_RATE_LIMIT = "2/h/key"
    csv = b"first_name,last_name\nAda,Lovelace\n"
    url = reverse("partnerships:coordinator_import")
    answers = [coordinator_client.post(url, {"file": SimpleUploadedFile("a.csv", csv)})
               for _ in range(3)]  # fmt: skip
    codes = [answer.status_code for answer in answers]
    assert codes[-1] == 429 and 429 not in codes[:2]
    # The portal's own page, saying that nothing was kept and when to try again.
    page = answers[-1].content.decode()
    assert "Too many attempts in a short time" in page and "was not saved" in page
    assert 'class="site-header"' in page


@pytest.mark.django_db
def test_staff_historical_uploads_are_limited(staff_client, settings):
    settings.IMPORT_RATE_LIMIT = "2/h/key"
    url = reverse("network:staff_imports")
    codes = [staff_client.post(url, {"file": SimpleUploadedFile("a.csv", b"Name\nA\n")}).status_code
             for _ in range(3)]  # fmt: skip
    assert codes[-1] == 429 and 429 not in codes[:2]
