"""The participant spreadsheet's columns and limits, and reading the uploaded file."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from norec_portal import spreadsheets
from norec_portal.spreadsheets import Table, heading_key

# --- Limits ----------------------------------------------------------------------------


def read_spreadsheet(data: bytes, filename: str = "") -> Table:
    """Read an uploaded participant file (raises :class:`SpreadsheetError`)."""
    return spreadsheets.read_spreadsheet(
        data, filename, max_bytes=max_bytes(), max_rows=max_rows(),
        known_columns=frozenset(heading_aliases()), min_headings=2,
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
# Headings people commonly write for the columns, as :func:`heading_key` reads them. The
# column labels the upload page shows, in every language of the portal, are accepted too
# (:func:`heading_aliases`).
ALIASES = {
    "given_name": "first_name", "given_names": "first_name", "forename": "first_name",
    "surname": "last_name", "family_name": "last_name",
    "e_mail": "email", "email_address": "email", "e_mail_address": "email",
    "phone_number": "phone", "telephone": "phone", "telephone_number": "phone",
    "mobile": "phone", "mobile_number": "phone", "mobile_phone": "phone",
    "cell_phone": "phone",
    "sex": "gender",
    "dob": "date_of_birth", "birth_date": "date_of_birth", "birthdate": "date_of_birth",
    "host_organization": "host_organisation", "host": "host_organisation",
    "exchange_start_date": "exchange_start", "exchange_end_date": "exchange_end",
    "e_learning_completed_on": "elearning_completed_on",
}  # fmt: skip


@functools.cache
def heading_aliases() -> dict[str, str]:
    """Every heading the import reads, as :func:`heading_key` writes it, with its column:
    the keys, :data:`ALIASES`, and the columns' labels in each language of the portal
    (a label two columns share in different languages is left out)."""
    labels: dict[str, set[str]] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column in COLUMNS:
                labels.setdefault(heading_key(column.label), set()).add(column.key)
    aliases = {heading_key(name): key for name, key in ALIASES.items()}
    for name, keys in labels.items():
        if len(keys) == 1:
            aliases.setdefault(name, next(iter(keys)))
    aliases.update({key: key for key in COLUMN_KEYS})
    return aliases


def column_for_heading(heading: Any) -> str:
    """The column a heading names, or the heading as read (an unknown or ignored one)."""
    name = heading_key(heading)
    return heading_aliases().get(name, name)


def template_header() -> list[str]:
    """The header row of the downloadable template: names, ``*`` when required, a hint."""
    return [
        f"{column.key}{'*' if column.required else ''}{' ' + column.hint if column.hint else ''}"
        for column in COLUMNS
    ]
