"""Spreadsheets in and out: reading uploads (CSV or XLSX) safely for every import of the
portal, and writing the cells of every XLSX the portal hands out.

:func:`read_spreadsheet` turns the uploaded bytes into a :class:`Table` of cells, refusing
files that are too big, too long, unreadable, or built to exhaust the server (zip bombs,
XML entity expansion). What the columns mean is the business of each import.
:func:`xlsx_cells` writes one row of a write-only workbook (exports, lists, answers).

The module stays whole (~750 lines): reading a file people made is one job with many
cases — encodings, separators, sheets, title rows above the headings, merged cells,
formulas without results, and the guards against files built to exhaust the server — and
each case is checked against the same limits in the same pass; split up, the guards would
have to be repeated or trusted across modules.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import re
import time
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
# The heading row is looked for among this many non-blank rows at the top of a sheet (a
# title, "Prepared by…", a date above the headings), and a workbook's sheets are looked at
# up to this many.
HEADING_SEARCH_ROWS = 11
HEADING_SEARCH_SHEETS = 20
# Merged ranges of a sheet filled into the rows they cover; any further ones are not.
MAX_MERGED_RANGES = 100_000
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def normalise_header(value: Any) -> str:
    """``"Host Organisation*"``, ``"host-organisation"`` and ``"HOST_ORGANISATION (name)"``
    all read as ``host_organisation``."""
    text = re.sub(r"\(.*?\)|\*", " ", str(value or "")).strip().casefold()
    return re.sub(r"[\s_\-]+", "_", text).strip("_")


def heading_key(value: Any) -> str:
    """:func:`normalise_header`, then without accents or apostrophes (“Début de l’échange”
    reads as ``debut_de_l_echange``): how the participant import compares headings."""
    name = normalise_header(value)
    name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[_'’`´]+", "_", name).strip("_")


class SpreadsheetError(ValidationError):
    """The file as a whole cannot be used; nothing was saved."""


@dataclass
class Table:
    """The cells of a spreadsheet: the header row, then the non-blank rows by row number."""

    file_format: str  # "csv" or "xlsx"
    encoding: str = ""
    sheet: str = ""  # the title of the sheet read (XLSX)
    header: list[Any] = field(default_factory=list)
    # The row of the headings as a spreadsheet program numbers it (1 without title rows).
    heading_row: int = 0
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
    min_headings: int = 0,
    size: int | None = None,
    max_seconds: float | None = None,
) -> Table:
    """Read an uploaded CSV or XLSX file (raises :class:`SpreadsheetError`).

    ``known_columns`` (header names as :func:`normalise_header` writes them) tell the
    delimiter of a CSV file, the heading row and the sheet read: hidden sheets are
    skipped; the sheet read is the first visible one with a heading row, and the heading
    row is the first of the top :data:`HEADING_SEARCH_ROWS` non-blank rows holding two
    known names (else one; else the first non-blank row). Rows above it are titles.
    With fewer than ``min_headings`` known names in it, the file is refused with a
    message telling which sheet and row were read.
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
                          deadline=deadline, known_columns=known_columns,
                          min_headings=min_headings)  # fmt: skip
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
    return _read_csv(data, max_rows=max_rows, known_columns=known_columns, deadline=deadline,
                     min_headings=min_headings)  # fmt: skip


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
    """The delimiter (comma, semicolon or tab) under which the heading row makes most sense:
    the most known column names in one of the top rows, then the most columns."""
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text[:65536], newline=""), delimiter=delimiter)
        top: list[list[str]] = []
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    top.append(row)
                    if len(top) == HEADING_SEARCH_ROWS:
                        break
        except csv.Error:
            if not top:
                continue
        counts = [_known_count(row, known_columns) for row in top] or [0]
        known = max(counts)
        header = top[counts.index(known)] if top else []
        score = (known, len(header))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _heading_keys(value: str) -> set[str]:
    """A heading written the ways the imports compare headings: :func:`normalise_header`
    (the participant import, also without accents and apostrophes: "Début de l’échange"),
    and letters and digits only (the historical import: "E-mail:" is "e mail"), all with
    the underscores the known names are given in."""
    text = value.replace("(s)", "s").casefold()
    loose = "_".join("".join(c if c.isalnum() else " " for c in text).split())
    return {normalise_header(value), heading_key(value), loose, heading_key(loose)}


def _known_count(cells: Iterable[Any], known_columns: frozenset[str]) -> int:
    """How many of ``cells`` are known column names, read the way either import reads them."""
    return sum(
        isinstance(cell, str) and bool(cell) and not _heading_keys(cell).isdisjoint(known_columns)
        for cell in cells
    )


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


# Excel's first line "sep=;" names the delimiter; Excel does not show it as a row.
_SEP_LINE = re.compile(r'\A"?sep=([^\r\n"])"?(?:\1|[ \t])*(?:\r\n|\r|\n|\Z)', re.IGNORECASE)


def _read_csv(
    data: bytes,
    *,
    max_rows: int,
    known_columns: frozenset[str],
    deadline: float,
    min_headings: int = 0,
) -> Table:
    if _looks_binary(data):
        raise SpreadsheetError(
            _("This file is not a spreadsheet the portal can read. Upload a CSV file or an "
              "Excel workbook (.xlsx)."),
            code="not_text",
        )  # fmt: skip
    text, encoding, notes = _decode(data)
    sep_line = _SEP_LINE.match(text)
    if sep_line:
        delimiter = sep_line.group(1)
        text = text[sep_line.end() :]
    else:
        delimiter = _detect_delimiter(text, known_columns)
    table = Table(file_format="csv", encoding=encoding, warnings=notes)

    # Row numbers count records, as a spreadsheet program shows them.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    top = _top_rows(enumerate(reader, start=1), deadline, last=max_rows + MAX_BLANK_ROWS)
    _index, heading, known = _choose_heading([top], known_columns)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        _collect_rows(table, enumerate(reader, start=1), max_rows, deadline, heading=heading)
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise SpreadsheetError(
                _("A cell near row %(row)s is longer than %(limit)s characters. Usually a "
                  "quote (\") opens a cell and nothing closes it, so the rest of the file "
                  "runs into that cell: check the quotes from that row on."),
                code="invalid_csv",
                params={"row": reader.line_num, "limit": f"{csv.field_size_limit():,}"},
            ) from exc  # fmt: skip
        raise SpreadsheetError(
            _("The file could not be read as CSV near row %(row)s. Check the quotes in that "
              "row, or save the file again from your spreadsheet program."),
            code="invalid_csv", params={"row": reader.line_num},
        ) from exc  # fmt: skip
    if known < min_headings:  # after the file's size and rows were found acceptable
        raise _no_headings(top)
    return table


def _check_time(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise SpreadsheetError(
            _("Reading the file took too long, so it was stopped. Split it into smaller "
              "files, or save it as CSV."),
            code="too_slow",
        )  # fmt: skip


def _top_rows(
    rows: Iterable[tuple[int, Iterable[Any]]], deadline: float, *, last: int
) -> list[tuple[int, list[Any]]]:
    """The first :data:`HEADING_SEARCH_ROWS` non-blank rows up to row ``last``, the
    candidates for the heading row."""
    top: list[tuple[int, list[Any]]] = []
    try:
        for number, cells in rows:
            _check_time(deadline)
            if number > last:
                break
            values = [_plain(cell) for cell in list(cells)[:MAX_COLUMNS]]
            if any(value != "" for value in values):
                top.append((number, values))
                if len(top) == HEADING_SEARCH_ROWS:
                    break
    except csv.Error:
        pass  # reported with its row when the whole file is read
    return top


def _choose_heading(
    tops: list[list[tuple[int, list[Any]]]], known_columns: frozenset[str]
) -> tuple[int, int | None, int]:
    """Which of the sheets whose ``tops`` are given to read, the number of its heading row
    and how many known column names that row holds: the first row with two known names
    (a title rarely holds two), else with one, else the first sheet's first non-blank row."""
    counts = [[(number, _known_count(values, known_columns)) for number, values in top]
              for top in tops]  # fmt: skip
    for need in (2, 1):
        for index, rows in enumerate(counts):
            for number, known in rows:
                if known >= need:
                    return index, number, known
    first = counts[0][0] if counts and counts[0] else (None, 0)
    return 0, first[0], first[1]


def _no_headings(
    top: list[tuple[int, list[Any]]], *, sheet: str | None = None, others: Iterable[str] = ()
) -> SpreadsheetError:
    """The file has no row of headings the import knows: say what was read instead."""
    parts = [
        _("The row with the column headings was not found: it must be one of the first "
          "%(count)s rows that are not blank, with the column names this page shows.")
        % {"count": HEADING_SEARCH_ROWS}
    ]  # fmt: skip
    first = " | ".join(_shown(value) for value in top[0][1] if value != "") if top else ""
    if len(first) > PREVIEW_VALUE_LENGTH:
        first = first[: PREVIEW_VALUE_LENGTH - 1] + "…"
    if sheet is not None and top:
        parts.append(
            _("Sheet “%(sheet)s” was read; its first row is “%(row)s”.")
            % {"sheet": sheet, "row": first}
        )
    elif sheet is not None:
        parts.append(_("Sheet “%(sheet)s” was read; it is empty.") % {"sheet": sheet})
    elif top:
        parts.append(_("Its first row is “%(row)s”.") % {"row": first})
    others = [f"“{name}”" for name in others]
    if others:
        parts.append(_("Other sheets: %(sheets)s.") % {"sheets": ", ".join(others[:10])})
    return SpreadsheetError(" ".join(parts), code="no_headings")


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _collect_rows(
    table: Table,
    rows: Iterable[tuple[int, Iterable[Any]]],
    limit: int,
    deadline: float,
    *,
    heading: int | None = None,
) -> None:
    """Fill ``table`` from numbered rows: the header is row ``heading`` (rows above it are
    titles), or without it the first non-blank row."""
    for number, cells in rows:
        _check_time(deadline)
        values = [_plain(cell) for cell in list(cells)[:MAX_COLUMNS]]
        if number > limit + MAX_BLANK_ROWS:
            _too_many_rows(limit)
        if all(value == "" for value in values):
            continue
        if heading is not None and number < heading:
            continue
        if not table.header and not table.rows:
            table.header = values
            table.heading_row = number
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


def _read_xlsx(
    data: bytes,
    *,
    max_rows: int,
    max_unpacked: int,
    deadline: float,
    known_columns: frozenset[str] = frozenset(),
    min_headings: int = 0,
) -> Table:
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
            # Hidden sheets (drop-down lists, lookups) are not read; Excel always shows one.
            sheets = [sheet for sheet in workbook.worksheets
                      if getattr(sheet, "sheet_state", "visible") == "visible"]  # fmt: skip
            sheets = sheets or workbook.worksheets[:1]
            tops = []
            for sheet in sheets[:HEADING_SEARCH_SHEETS]:
                # Saved dimensions may be wrong; read the rows that are really there.
                sheet.reset_dimensions()
                tops.append(_top_rows(_sheet_rows(sheet), deadline, last=max_rows + MAX_BLANK_ROWS))
            index, heading, known = _choose_heading(tops, known_columns)
            sheet = sheets[index]
            table.sheet = _title(sheet)
            merged, unsaved = _scan_sheet_xml(sheet, below=heading or 0)
            rows = _sheet_rows(sheet)
            if merged:
                rows = _fill_merged(rows, merged)
            _collect_rows(table, rows, max_rows, deadline, heading=heading)
            if known < min_headings:
                others = [_title(other) for other in sheets if other is not sheet]
                raise _no_headings(tops[index], sheet=table.sheet, others=others)
            if unsaved:
                table.warnings.append(_unsaved_formulas_note(unsaved))
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


def _title(sheet: Any) -> str:
    return str(sheet.title or "")[:100]


def _sheet_rows(sheet: Any) -> Iterable[tuple[int, Iterable[Any]]]:
    """The rows of a read-only sheet numbered as Excel shows them (blank rows included)."""
    return enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1)


# A read-only sheet does not tell its merged ranges, nor which cells hold a formula whose
# result was never saved, so the sheet's XML is scanned for them as bytes: "<" never
# occurs unescaped in XML text or attribute values, so each tag found is a tag.
_XML_CHUNK = 1024 * 1024
_XML_OVERLAP = 64 * 1024
_SHEET_DATA_RE = re.compile(rb"<([\w.-]+:)?sheetData[\s/>]")
_MERGE_RE = re.compile(
    rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}[0-9]{1,7}:[A-Za-z]{1,3}[0-9]{1,7})"'
)
_CELL_RE = re.compile(rb"<(?:[\w.-]+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:[\w.-]+:)?c>)", re.DOTALL)
_VALUE_RE = re.compile(rb"<(?:[\w.-]+:)?v(?:\s[^>]*)?(?:/>|>([^<]*)<)")
_CELL_REF_RE = re.compile(rb'\br="([A-Za-z]{1,3})([0-9]{1,7})"')


def _scan_sheet_xml(sheet: Any, *, below: int) -> tuple[list[tuple[int, int, int, int]], list[str]]:
    """The merged ranges of ``sheet`` starting below row ``below`` (first row, first
    column, last row, last column) and the cells below it holding a formula without a
    saved result ("B7"). Nothing when the sheet's XML cannot be opened this way."""
    from openpyxl.utils.cell import column_index_from_string, range_boundaries

    merged: list[tuple[int, int, int, int]] = []
    unsaved: list[str] = []
    try:
        source = sheet._get_source()  # the part openpyxl itself streams the rows from
    except Exception:  # noqa: BLE001 -- never worth refusing a file for
        return merged, unsaved
    formula_re = cell_start = None
    with source:
        tail = b""
        while True:
            chunk = source.read(_XML_CHUNK)
            buffer = tail + chunk
            seen = len(tail)  # matches ending in the tail were found in the last buffer
            if formula_re is None and (found := _SHEET_DATA_RE.search(buffer)):
                prefix = found.group(1) or b""
                formula_re = re.compile(b"<" + re.escape(prefix) + rb"f[\s/>]")
                cell_start = b"<" + prefix + b"c "
            if formula_re is not None and len(unsaved) < MAX_MERGED_RANGES:
                low = 0  # cells do not nest: a formula's cell starts after the last formula
                for formula in formula_re.finditer(buffer):
                    start = buffer.rfind(cell_start, low, formula.start())
                    low = formula.end()
                    cell = _CELL_RE.match(buffer, start) if start >= 0 else None
                    if not cell or cell.end() <= max(seen, formula.start()):
                        continue
                    ref = _CELL_REF_RE.search(cell.group(1))
                    if ref and not _saved_result(cell.group(1), cell.group(2) or b""):
                        column, row = ref.group(1).decode().upper(), int(ref.group(2))
                        if row > below and column_index_from_string(column) <= MAX_COLUMNS:
                            unsaved.append(f"{column}{row}")
            if b"mergeCell" in buffer:
                for found in _MERGE_RE.finditer(buffer):
                    if found.end() <= seen or len(merged) >= MAX_MERGED_RANGES:
                        continue
                    min_col, min_row, max_col, max_row = range_boundaries(
                        found.group(1).decode().upper()
                    )
                    if (
                        min_row > below
                        and min_col <= MAX_COLUMNS
                        and (max_row, max_col) != (min_row, min_col)
                    ):
                        merged.append((min_row, min_col, max_row, min(max_col, MAX_COLUMNS)))
            if not chunk:
                break
            tail = buffer[-_XML_OVERLAP:]
    return merged, unsaved


def _saved_result(attributes: bytes, content: bytes) -> bool:
    """Whether a formula cell holds its result: a value, or an empty text result."""
    value = _VALUE_RE.search(content)
    if value is None:
        return False
    return bool((value.group(1) or b"").strip()) or b't="str"' in attributes


def _fill_merged(
    rows: Iterable[tuple[int, Iterable[Any]]], merged: list[tuple[int, int, int, int]]
) -> Iterable[tuple[int, list[Any]]]:
    """``rows`` with the value of each merged range in every cell of it, as Excel shows
    it across and down. A row whose own cells are all blank stays blank."""
    starts: dict[int, list[tuple[int, int, int]]] = {}
    for min_row, min_col, max_row, max_col in merged:
        starts.setdefault(min_row, []).append((min_col, max_row, max_col))
    covering: dict[int, tuple[int, Any]] = {}  # column → (last row, value)
    for number, cells in rows:
        values = list(cells)[:MAX_COLUMNS]
        blank = all(value is None or value == "" for value in values)
        for min_col, max_row, max_col in starts.pop(number, ()):
            value = values[min_col - 1] if min_col <= len(values) else None
            for column in range(min_col, max_col + 1):
                covering[column] = (max_row, value)
        if covering:
            if not blank:
                values.extend([None] * (max(covering) - len(values)))
                for column, (_last, value) in covering.items():
                    values[column - 1] = value
            covering = {column: cover for column, cover in covering.items() if cover[0] > number}
        yield number, values


def _unsaved_formulas_note(cells: list[str]) -> str:
    shown = ", ".join(cells[:10]) + (", …" if len(cells) > 10 else "")
    return ngettext(
        "%(count)s cell holds a formula whose result is not saved in the file, so it was "
        "read as empty: %(cells)s. Open the file in Excel or LibreOffice, save it, and "
        "upload it again.",
        "%(count)s cells hold a formula whose result is not saved in the file, so they were "
        "read as empty: %(cells)s. Open the file in Excel or LibreOffice, save it, and "
        "upload it again.",
        len(cells),
    ) % {"count": len(cells), "cells": shown}


# --- Cells --------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")
_MONTH_FIRST_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y")


def parse_date(
    value: Any, *, epoch: dt.datetime | None = None, month_first: bool = False
) -> dt.date:
    """A date from a cell: YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY or a real Excel date
    (raises ``ValueError``). Numbers are Excel serial dates, read only with the ``epoch``
    of the workbook they come from. ``month_first`` reads slashed dates as MM/DD/YYYY
    (a file saved with US settings)."""
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
    for date_format in _MONTH_FIRST_FORMATS if month_first else _DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, date_format).date()  # noqa: DTZ007
        except ValueError:
            continue
        if not 1900 <= parsed.year <= 2100:
            raise ValueError(text)
        return parsed
    raise ValueError(text)


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
