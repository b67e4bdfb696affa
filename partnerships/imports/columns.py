"""The participant spreadsheet's columns and limits, and reading the uploaded file."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from norec_portal import spreadsheets
from norec_portal.spreadsheets import Table

# --- Limits ----------------------------------------------------------------------------


def read_spreadsheet(data: bytes, filename: str = "") -> Table:
    """Read an uploaded participant file (raises :class:`SpreadsheetError`)."""
    return spreadsheets.read_spreadsheet(
        data, filename, max_bytes=max_bytes(), max_rows=max_rows(),
        known_columns=frozenset(COLUMN_KEYS) | frozenset(ALIASES),
    )  # fmt: skip


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


# --- Columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    required: bool
    help: Promise
    # A hint written after the name in the downloadable template, e.g. "(YYYY-MM-DD)".
    hint: str = ""


DATE_HINT = "(YYYY-MM-DD or DD.MM.YYYY)"

COLUMNS: tuple[Column, ...] = (
    Column("first_name", gettext_lazy("First name"), True, gettext_lazy("Given name(s).")),
    Column("last_name", gettext_lazy("Last name"), True, gettext_lazy("Family name.")),
    Column(
        "email", gettext_lazy("Email"), True,
        gettext_lazy("The participant's own address; each person once."),
    ),
    Column(
        "phone", gettext_lazy("Phone"), False,
        gettext_lazy("With the country code, e.g. +254 712 345678."), "(+254 712 345678)",
    ),
    Column(
        "nationality", gettext_lazy("Nationality"), False,
        gettext_lazy("ISO country code (KE, KEN) or the English country name (Kenya)."),
        "(KE or Kenya)",
    ),
    Column(
        "gender", gettext_lazy("Gender"), False,
        gettext_lazy("female, male, other or unspecified (prefer not to say)."),
        "(female/male/other/unspecified)",
    ),
    Column(
        "date_of_birth", gettext_lazy("Date of birth"), False,
        gettext_lazy("A date (see below)."), DATE_HINT,
    ),
    Column(
        "partnership", gettext_lazy("Partnership"), True,
        gettext_lazy("The name of one of your organisation's partnerships, as in the portal."),
    ),
    Column(
        "host_organisation", gettext_lazy("Host organisation"), True,
        gettext_lazy(
            "The name of the partner organisation receiving the participant; it must be "
            "another member of the same partnership."
        ),
    ),
    Column(
        "exchange_start", gettext_lazy("Exchange starts"), True,
        gettext_lazy("A date (see below)."), DATE_HINT,
    ),
    Column(
        "exchange_end", gettext_lazy("Exchange ends"), True,
        gettext_lazy("A date after the start; at most two years later."), DATE_HINT,
    ),
    Column(
        "elearning_completed_on", gettext_lazy("E-learning completed on"), False,
        gettext_lazy("When the Norec e-learning was completed, if it was."), DATE_HINT,
    ),
)  # fmt: skip
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
REQUIRED_KEYS = tuple(column.key for column in COLUMNS if column.required)
DATE_KEYS = ("date_of_birth", "exchange_start", "exchange_end", "elearning_completed_on")
# Columns a file may carry but that are never read: the sending organisation is the
# coordinator's own, whatever a file says.
IGNORED_KEYS = frozenset(
    {"organisation", "organization", "sending_organisation", "sending_organization"}
)
ALIASES = {
    "host_organization": "host_organisation",
    "host": "host_organisation",
    "e_learning_completed_on": "elearning_completed_on",
    "e_mail": "email",
    "dob": "date_of_birth",
}


def template_header() -> list[str]:
    """The header row of the downloadable template: names, ``*`` when required, a hint."""
    return [
        f"{column.key}{'*' if column.required else ''}{' ' + column.hint if column.hint else ''}"
        for column in COLUMNS
    ]
