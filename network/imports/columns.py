"""Reading a historical file: its size, its columns and what each column means."""

from __future__ import annotations

import os
import re
from typing import IO, Any

from django.utils.translation import gettext as _

from norec_portal import spreadsheets

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
MAX_CELL = 500
FIRST_YEAR = 1963

# Column titles understood (compared in lower case, without punctuation).
COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "given names", "fornavn"),
    "last_name": ("last name", "lastname", "surname", "family name", "etternavn"),
    "name": ("name", "full name", "participant", "navn"),
    "country": ("country", "home country", "country of origin", "country of residence", "land"),
    # Read as the country when the file has no country column; kept apart when it has.
    "nationality": ("nationality", "citizenship", "nasjonalitet"),
    "exchange_year": ("exchange year", "year", "year of exchange", "ar"),
    "organisations": (
        "organisations",
        "organisation",
        "organizations",
        "organization",
        "sending organisation",
        "host organisation",
        "sending organization",
        "host organization",
        "employer",
    ),  # fmt: skip
    "programme": ("programme", "program", "programme name", "program name"),
    "email": (
        "email",
        "emails",
        "e mail",
        "e mails",
        "email address",
        "email addresses",
        "epost",
    ),  # fmt: skip
    "phone": (
        "phone",
        "telephone",
        "mobile",
        "mobile phone",
        "cell phone",
        "phone number",
        "mobile number",
        "phone no",
        "mobile no",
        "tel",
        "telefon",
        "mobil",
    ),  # fmt: skip
    "date_of_birth": (
        "date of birth",
        "birth date",
        "birthdate",
        "born",
        "dob",
        "d o b",
        "fodselsdato",
        "født",
        "fødselsdato",
    ),  # fmt: skip
    "source_id": (
        "id",
        "source id",
        "reference",
        "ref",
        "record id",
        "record no",
        "record number",
        "participant id",
        "person id",
        "alumni id",
        "alumnus id",
        "archive id",
        "legacy id",
        "fk id",
        "norec id",
        "ref no",
        "reference number",
    ),  # fmt: skip
}
# A register's running number ("No.", "Nr", "#") is not among the titles of an id: it
# numbers the lines of one file, so two files repeat it for different people.
MULTI_COLUMNS = {"organisations", "email", "phone"}


# A file that cannot be used as a whole; nothing was saved.
ImportFileError = spreadsheets.SpreadsheetError


# --- Reading the file ------------------------------------------------------------------


def _normalise_header(value: Any) -> str:
    text = str(value or "").replace("(s)", "s").lower()
    text = "".join(c if c.isalnum() else " " for c in text)
    return " ".join(text.replace("å", "a").split())


KNOWN_HEADERS = frozenset(
    spreadsheets.normalise_header(alias) for aliases in COLUMNS.values() for alias in aliases
)


def _file_size(file: IO[bytes]) -> int | None:
    """The whole size of an upload or an open file, without reading it."""
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        pass
    try:  # an in-memory file: its end, then back where it was
        here = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(here)
        return end
    except (AttributeError, OSError, ValueError):
        return None


def read_table(file: IO[bytes], filename: str) -> spreadsheets.Table:
    """A CSV or XLSX file (of a workbook, the first visible sheet with the column titles),
    read by the portal's one spreadsheet reader (size and row limits, encodings, zip and
    XML bombs). Only the first bytes past the
    limit are read from a file that is too large; its message gives its real size."""
    data = file.read(MAX_BYTES + 1)
    size = _file_size(file)
    if size is None and len(data) > MAX_BYTES:
        # A stream of unknown length: count the rest (without keeping it) for the message.
        size = len(data) + sum(len(chunk) for chunk in iter(lambda: file.read(1 << 20), b""))
    return spreadsheets.read_spreadsheet(
        data, filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS, known_columns=KNOWN_HEADERS,
        min_headings=1,
        size=size if size is not None else len(data),
    )  # fmt: skip


# Control characters (a NUL byte cannot even be stored by PostgreSQL) become spaces.
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _CONTROL_CHARACTERS.sub(" ", str(value)).strip()


def _column_key(title: str, wanted: dict[str, str]) -> str | None:
    normalised = _normalise_header(title)
    key = wanted.get(normalised)
    if key is None and normalised.endswith(" id"):
        # "FK participant ID", "Archive person id": an identifier of the source.
        key = "source_id"
    return key


def map_columns(header: list[str]) -> dict[str, list[int]]:
    wanted = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[str, list[int]] = {}
    for index, title in enumerate(header):
        key = _column_key(title, wanted)
        if key is None:
            continue
        if key in mapping and key not in MULTI_COLUMNS:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” mean the same; keep only one.")
                % {"first": header[mapping[key][0]], "second": title}
            )
        mapping.setdefault(key, []).append(index)
    has_name = "name" in mapping or {"first_name", "last_name"} <= mapping.keys()
    if not has_name:
        raise ImportFileError(
            _("The file needs a “Name” column, or “First name” and “Last name” columns, in "
              "its row of column titles.")
        )  # fmt: skip
    return mapping


def ignored_columns(header: list[str]) -> list[str]:
    """The titles of the columns the import does not read, as written in the file."""
    wanted = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    return [title for title in header if title and _column_key(title, wanted) is None]
