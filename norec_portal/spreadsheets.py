"""Spreadsheets in and out: reading uploads (CSV or XLSX) safely for every import of the
portal, and writing the cells of every XLSX the portal hands out.

:func:`read_spreadsheet` turns the uploaded bytes into a :class:`Table` of cells, refusing
files that are too big, too long, unreadable, or built to exhaust the server (zip bombs,
XML entity expansion). What the columns mean is the business of each import.
:func:`xlsx_cells` writes one row of a write-only workbook (exports, lists, answers).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import re
import time
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django_countries import countries

logger = logging.getLogger(__name__)

# An XLSX file is a zip archive: refuse archives that unpack to more than this, that have
# absurdly many parts, or parts compressed far beyond what real spreadsheets reach.
XLSX_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
XLSX_MAX_MEMBERS = 500
XLSX_MAX_COMPRESSION_RATIO = 200
XLSX_RATIO_CHECK_FROM_BYTES = 1024 * 1024
# Per upload, the workbook may unpack to at most this many times the upload limit (a
# list of people compresses about five to ten times), and its shared strings (all the
# text of the cells, parsed before the first row) to at most this much.
XLSX_UNPACK_FACTOR = 10
XLSX_MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
# Blank rows tolerated on top of the row limit before a sheet is called too long.
MAX_BLANK_ROWS = 10_000
# Cells read per row; anything to the right of this is not looked at.
MAX_COLUMNS = 60
# Longest value kept for the preview of a cell.
PREVIEW_VALUE_LENGTH = 120
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def normalise_header(value: Any) -> str:
    """``"Host Organisation*"``, ``"host-organisation"`` and ``"HOST_ORGANISATION (name)"``
    all read as ``host_organisation``."""
    text = re.sub(r"\(.*?\)|\*", " ", str(value or "")).strip().casefold()
    return re.sub(r"[\s_\-]+", "_", text).strip("_")


class SpreadsheetError(ValidationError):
    """The file as a whole cannot be used; nothing was saved."""


@dataclass
class Table:
    """The cells of a spreadsheet: the header row, then the non-blank rows by row number."""

    file_format: str  # "csv" or "xlsx"
    encoding: str = ""
    sheet: str = ""  # the title of the sheet read (XLSX)
    header: list[Any] = field(default_factory=list)
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The date system of an XLSX workbook, to read date cells that show as serial numbers.
    epoch: dt.datetime | None = None


def read_spreadsheet(
    data: bytes,
    filename: str = "",
    *,
    max_bytes: int,
    max_rows: int,
    known_columns: frozenset[str] = frozenset(),
    size: int | None = None,
    max_seconds: float | None = None,
) -> Table:
    """Read an uploaded CSV or XLSX file (raises :class:`SpreadsheetError`).

    ``known_columns`` (normalised header names) help to tell the delimiter of a CSV file.
    ``size`` is the whole file's size when the caller read only its first ``max_bytes + 1``
    bytes; without it ``data`` is the whole file. Either way the message tells the true
    size, never the limit's.
    Reading stops with an error after ``max_seconds`` (``IMPORT_MAX_SECONDS``).
    """
    limit = max_bytes
    if len(data) > limit:
        real = len(data) if size is None else size
        raise SpreadsheetError(
            _("The file is too large (%(size)s). The limit is %(limit)s: split it into "
              "smaller files.")
            % {"size": filesizeformat(real), "limit": filesizeformat(limit)},
            code="too_large",
        )  # fmt: skip
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."), code="empty")
    name = filename.lower()
    seconds = settings.IMPORT_MAX_SECONDS if max_seconds is None else max_seconds
    deadline = time.monotonic() + seconds
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, max_rows=max_rows, max_unpacked=XLSX_UNPACK_FACTOR * limit,
                          deadline=deadline)  # fmt: skip
    if data.startswith(OLE2_MAGIC):
        raise SpreadsheetError(
            _("This is an old Excel (.xls) or a password-protected file. Save it as .xlsx "
              "(without a password) or as CSV, then upload it again."),
            code="unsupported",
        )  # fmt: skip
    if name.endswith((".xlsx", ".xlsm")):
        raise _invalid_workbook()
    if name.endswith((".xls", ".ods", ".numbers", ".pdf", ".doc", ".docx")):
        raise SpreadsheetError(
            _("Only CSV and Excel (.xlsx) files can be imported."), code="unsupported"
        )
    return _read_csv(data, max_rows=max_rows, known_columns=known_columns, deadline=deadline)


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """Text, encoding name, warnings. UTF-8 (with or without BOM), UTF-16 with a BOM, and
    otherwise Windows-1252, the usual encoding of CSV files saved by Excel in Europe."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError:
            raise SpreadsheetError(
                _("The file could not be read as text. Save it as “CSV UTF-8”."),
                code="encoding",
            ) from None
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        warning = _(
            "The file is not in UTF-8: it was read as Windows-1252 (Western European). "
            "Check that names with accents (é, ø, ñ…) look right below; if not, save the "
            "file as “CSV UTF-8” and upload it again."
        )
        return body.decode("cp1252", errors="replace"), "windows-1252", [warning]


def _detect_delimiter(text: str, known_columns: frozenset[str]) -> str:
    """The delimiter (comma, semicolon or tab) under which the header row makes most sense."""
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        try:
            reader = csv.reader(io.StringIO(text[:65536], newline=""), delimiter=delimiter)
            header = next((row for row in reader if any(cell.strip() for cell in row)), [])
        except csv.Error:
            continue
        known = sum(normalise_header(cell) in known_columns for cell in header)
        score = (known, len(header))
        if score > best_score:
            best, best_score = delimiter, score
    return best


# Bytes that never occur in a text file (tab, line feed, form feed and carriage return do).
_BINARY_BYTES = bytes(set(range(32)) - {9, 10, 12, 13})


def _looks_binary(data: bytes) -> bool:
    """True for data no spreadsheet program writes as CSV: NUL bytes outside UTF-16, or
    many control bytes (an image, an archive, random bytes)."""
    sample = data[:65536]
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    control = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return b"\x00" in sample or control > len(sample) // 100


def _read_csv(
    data: bytes, *, max_rows: int, known_columns: frozenset[str], deadline: float
) -> Table:
    if _looks_binary(data):
        raise SpreadsheetError(
            _("This file is not a spreadsheet the portal can read. Upload a CSV file or an "
              "Excel workbook (.xlsx)."),
            code="not_text",
        )  # fmt: skip
    text, encoding, notes = _decode(data)
    delimiter = _detect_delimiter(text, known_columns)
    table = Table(file_format="csv", encoding=encoding, warnings=notes)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Row numbers count records, as a spreadsheet program shows them.
        _collect_rows(table, enumerate(reader, start=1), max_rows, deadline)
    except csv.Error as exc:
        raise SpreadsheetError(
            _("The file could not be read as CSV near row %(row)s. Check the quotes in that "
              "row, or save the file again from your spreadsheet program."),
            code="invalid_csv", params={"row": reader.line_num},
        ) from exc  # fmt: skip
    return table


def _collect_rows(
    table: Table, rows: Iterable[tuple[int, Iterable[Any]]], limit: int, deadline: float
) -> None:
    """Fill ``table`` from numbered rows: the first non-blank row is the header."""
    for number, cells in rows:
        if time.monotonic() > deadline:
            raise SpreadsheetError(
                _("Reading the file took too long, so it was stopped. Split it into smaller "
                  "files, or save it as CSV."),
                code="too_slow",
            )  # fmt: skip
        values = [_plain(cell) for cell in list(cells)[:MAX_COLUMNS]]
        if number > limit + MAX_BLANK_ROWS:
            _too_many_rows(limit)
        if all(value == "" for value in values):
            continue
        if not table.header and not table.rows:
            table.header = values
            continue
        table.rows.append((number, values))
        if len(table.rows) > limit:
            _too_many_rows(limit)


def _too_many_rows(limit: int) -> None:
    raise SpreadsheetError(
        _("The file has more than %(max)s rows. Split it into files of at most %(max)s rows "
          "and upload them one by one."),
        code="too_many_rows", params={"max": limit},
    )  # fmt: skip


def _plain(value: Any) -> Any:
    """A cell as text, a date, or a number (kept for Excel serial dates); blank is ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int | float):
        return value
    return str(value).strip()


def _invalid_workbook() -> SpreadsheetError:
    return SpreadsheetError(
        _("The file is not a valid Excel workbook. Save it again as .xlsx or as CSV."),
        code="invalid_xlsx",
    )


def _check_xlsx_archive(data: bytes, *, max_unpacked: int = XLSX_MAX_UNCOMPRESSED_BYTES) -> None:
    """Refuse zip bombs and XML with a DTD before any XML parser sees the file."""
    try:
        _inspect_archive(zipfile.ZipFile(io.BytesIO(data)), max_unpacked=max_unpacked)
    except SpreadsheetError:
        raise
    except Exception as exc:
        # zipfile raises many kinds of errors on damaged, encrypted or oddly compressed
        # archives (BadZipFile, zlib.error, NotImplementedError, EOFError...).
        raise _invalid_workbook() from exc


def _inspect_archive(archive: zipfile.ZipFile, *, max_unpacked: int) -> None:
    members = archive.infolist()
    bomb = SpreadsheetError(
        _("The workbook unpacks to far more data than a list of people needs, so it was "
          "refused. Save it again from your spreadsheet program, or as CSV."),
        code="zip_bomb",
    )  # fmt: skip
    if len(members) > XLSX_MAX_MEMBERS:
        raise bomb
    if sum(member.file_size for member in members) > min(XLSX_MAX_UNCOMPRESSED_BYTES, max_unpacked):
        raise bomb
    if any(member.filename.lower().endswith("sharedstrings.xml")
           and member.file_size > XLSX_MAX_SHARED_STRINGS_BYTES for member in members):  # fmt: skip
        raise bomb
    for member in members:
        if (
            member.file_size > XLSX_RATIO_CHECK_FROM_BYTES
            and member.file_size > XLSX_MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise bomb
    # A spreadsheet never needs a DTD; entity declarations are how "billion laughs" files
    # work. defusedxml would refuse them too (openpyxl uses it); this refuses them early.
    # zipfile never unpacks more than a member's declared size, bounded above.
    for member in members:
        if member.filename.lower().endswith((".xml", ".rels", ".vml")) and _has_dtd(
            archive, member
        ):
            raise SpreadsheetError(
                _("The workbook contains XML declarations that are not allowed in a "
                  "spreadsheet, so it was refused. Save it again as .xlsx or as CSV."),
                code="xml_dtd",
            )  # fmt: skip


_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)


def _has_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(64 * 1024):
            window = (tail + chunk).upper()
            if any(marker in window for marker in _DTD_MARKERS):
                return True
            tail = chunk[-32:]
    return False


def _read_xlsx(data: bytes, *, max_rows: int, max_unpacked: int, deadline: float) -> Table:
    # Deferred import: openpyxl is only needed for XLSX files.
    import openpyxl

    _check_xlsx_archive(data, max_unpacked=max_unpacked)
    table = Table(file_format="xlsx")
    workbook = None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; none matter here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            if not workbook.worksheets:
                raise SpreadsheetError(_("The workbook has no sheet."), code="no_sheet")
            sheet = workbook.worksheets[0]
            table.sheet = str(sheet.title or "")[:100]
            # Saved dimensions may be wrong; read the rows that are really there.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
            _collect_rows(table, enumerate(rows, start=1), max_rows, deadline)
    except SpreadsheetError:
        raise
    except Exception as exc:
        # openpyxl raises many kinds of errors on damaged files (and defusedxml's on XML
        # bombs); for the person uploading they all mean the same.
        logger.info("Unreadable XLSX upload: %r", exc)
        raise SpreadsheetError(
            _("The workbook could not be read. Save it again as .xlsx or as CSV."),
            code="invalid_xlsx",
        ) from exc
    finally:
        if workbook is not None:
            workbook.close()
    table.epoch = getattr(workbook, "epoch", None)
    return table


# --- Cells --------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")


def parse_date(value: Any, *, epoch: dt.datetime | None = None) -> dt.date:
    """A date from a cell: YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or a real Excel date
    (raises ``ValueError``). Numbers are Excel serial dates, read only with the ``epoch``
    of the workbook they come from."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        # A date cell whose date format was lost shows as a serial number (45000 = 2023).
        if epoch is None or not 20_000 <= value <= 80_000:
            raise ValueError(value)
        from openpyxl.utils.datetime import from_excel

        return from_excel(value, epoch).date()
    text = str(value).strip()
    # "2026-03-01 00:00:00" is how some programs write a date cell as text.
    text = re.sub(r"[ T]00:00(:00)?$", "", text)
    for date_format in _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, date_format).date()  # noqa: DTZ007
        except ValueError:
            continue
        if not 1900 <= parsed.year <= 2100:
            raise ValueError(text)
        return parsed
    raise ValueError(text)


def parse_country(text: str) -> str | None:
    """An ISO code (KE, KEN) or an English country name (Kenya) as the two-letter code."""
    text = " ".join(text.split())
    if text.isalpha() and len(text) in (2, 3):
        code = countries.alpha2(text)
        if code:
            return code
    return countries.by_name(text) or None


def xlsx_cells(sheet: Any, values: Iterable[Any], *, font: Any = None) -> list[Any]:
    """One row of write-only cells for ``sheet``: dates as dates (yyyy-mm-dd), numbers as
    numbers, empty as empty, anything else as text that a spreadsheet never reads as a
    formula or a number, shown exactly as written (the control characters XLSX cannot hold
    are dropped)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cells = []
    for value in values:
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
        elif value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            cell = WriteOnlyCell(sheet, value=value)
        else:
            text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"
            # Shown as written (no apostrophe), and still text if someone edits the cell.
            cell.quotePrefix = text.startswith(FORMULA_PREFIXES)
        if font is not None:
            cell.font = font
        cells.append(cell)
    return cells


# What a spreadsheet program reads as the start of a formula when it opens a CSV file.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A CSV cell that a spreadsheet program will not run as a formula: text starting with
    ``FORMULA_PREFIXES`` gets a leading apostrophe (a CSV file has no other way to say
    "text"; an XLSX cell says it in its type, see :func:`xlsx_cells`)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
