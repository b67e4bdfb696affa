"""Participants from a spreadsheet: read the file, check every row, then register them all.

The flow has three steps, and nothing is registered before the last one:

1. :func:`read_spreadsheet` turns the uploaded bytes (CSV or XLSX) into a :class:`Table`,
   refusing files that are too big, too long, unreadable or built to exhaust the server
   (zip bombs, XML entity expansion).
2. :func:`check_rows` checks every row with the rules of :mod:`partnerships.services`
   and answers with a message per problem; it runs a constant number of queries whatever
   the number of rows. :func:`create_import` stores the result as a ``ParticipantImport``
   (the file itself is never kept).
3. :func:`commit_import` registers every row through
   :func:`partnerships.services.register_participant` in one transaction: all rows or none.

The sending organisation is always the coordinator's own; the file cannot name it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from norec_portal import spreadsheets
from norec_portal.models import User
from norec_portal.spreadsheets import (  # noqa: F401 - part of this module's interface
    OLE2_MAGIC,
    PREVIEW_VALUE_LENGTH,
    ZIP_MAGIC,
    SpreadsheetError,
    Table,
    normalise_header,
    parse_country,
    parse_date,
)

from .models import (
    Participant,
    ParticipantImport,
    PartnerOrganisation,
    Partnership,
    PartnershipMember,
    Person,
)
from .names import name_key, person_key
from .services import (
    ExchangePlan,
    check_date_of_birth,
    check_exchange,
    clean_person_data,
    duplicate_message,
    find_duplicate_people,
    register_participant,
)

logger = logging.getLogger(__name__)

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


# --- Reading the file ------------------------------------------------------------------


# --- Checking rows ---------------------------------------------------------------------

_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_EMAIL = EmailValidator()


def parse_gender(text: str) -> str | None:
    key = " ".join(text.split()).casefold()
    accepted = {
        "f": Person.Gender.FEMALE, "female": Person.Gender.FEMALE,
        "woman": Person.Gender.FEMALE,
        "m": Person.Gender.MALE, "male": Person.Gender.MALE, "man": Person.Gender.MALE,
        "other": Person.Gender.OTHER, "unspecified": Person.Gender.UNSPECIFIED,
        "prefer not to say": Person.Gender.UNSPECIFIED,
    }  # fmt: skip
    for value, label in Person.Gender.choices:
        accepted.setdefault(str(label).casefold(), value)
        accepted.setdefault(value, value)
    return accepted.get(key)


@dataclass
class _PartnershipInfo:
    partnership: Partnership
    member_ids: set[int] = field(default_factory=set)
    members_by_pk: dict[int, PartnerOrganisation] = field(default_factory=dict)
    members_by_name: dict[str, list[PartnerOrganisation]] = field(default_factory=dict)


def _load_partnerships(organisation: PartnerOrganisation) -> dict[int, _PartnershipInfo]:
    """The organisation's partnerships with all their members, in one query."""
    memberships = PartnershipMember.objects.filter(
        partnership__in=Partnership.objects.for_organisation(organisation).values("pk")
    ).select_related("partnership", "organisation")
    infos: dict[int, _PartnershipInfo] = {}
    for member in memberships:
        info = infos.setdefault(member.partnership_id, _PartnershipInfo(member.partnership))
        org = member.organisation
        info.member_ids.add(org.pk)
        info.members_by_pk[org.pk] = org
        # A member is found by its name, or by "Name (KE)" when two share a name.
        for name in {name_key(org.name), name_key(str(org))}:
            info.members_by_name.setdefault(name, []).append(org)
    return infos


@dataclass
class CheckedFile:
    file_format: str
    encoding: str
    rows: list[dict[str, Any]]
    warnings: list[str]

    @property
    def error_row_count(self) -> int:
        return sum(1 for row in self.rows if row["errors"])


class _Row:
    """One row being checked: its cells, what it will register, its messages."""

    def __init__(self, number: int, cells: dict[str, Any]) -> None:
        self.number = number
        self.cells = cells
        self.values = {key: _preview(cells.get(key, "")) for key in COLUMN_KEYS}
        self.errors: list[dict[str, str]] = []
        self.warnings: list[dict[str, str]] = []
        self.person: dict[str, Any] = {}
        self.dates: dict[str, dt.date | None] = {}
        self.partnership: _PartnershipInfo | None = None
        self.host: PartnerOrganisation | None = None

    def error(self, key: str, message: str) -> None:
        self.errors.append({"field": key, "message": str(message)})

    def warn(self, key: str, message: str) -> None:
        self.warnings.append({"field": key, "message": str(message)})

    def has_error(self, key: str) -> bool:
        return any(error["field"] == key for error in self.errors)

    def text(self, key: str) -> str:
        value = self.cells.get(key, "")
        return value if isinstance(value, str) else str(value)

    def as_dict(self) -> dict[str, Any]:
        data = None
        if not self.errors:
            data = {
                "person": {
                    **self.person,
                    "date_of_birth": _iso(self.person.get("date_of_birth")),
                },
                "partnership_id": self.partnership.partnership.pk,
                "host_organisation_id": self.host.pk,
                "exchange_start": _iso(self.dates["exchange_start"]),
                "exchange_end": _iso(self.dates["exchange_end"]),
                "elearning_completed_on": _iso(self.dates.get("elearning_completed_on")),
            }
        return {
            "row": self.number,
            "values": self.values,
            "data": data,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _preview(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _CONTROL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", str(value))
    if len(text) > PREVIEW_VALUE_LENGTH:
        text = text[: PREVIEW_VALUE_LENGTH - 1] + "…"
    return text


def _number_as_text(value: Any) -> str:
    """A phone typed into a number cell: 254712345678.0 reads as "254712345678"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_rows(
    table: Table, *, organisation: PartnerOrganisation, today: dt.date | None = None
) -> CheckedFile:
    """Check every row of ``table`` for ``organisation`` (raises :class:`SpreadsheetError`
    when the columns are wrong). A constant number of queries, whatever the row count."""
    today = today or timezone.localdate()
    positions, file_warnings = _map_columns(table)
    partnerships = _load_partnerships(organisation)
    by_name = {name_key(info.partnership.name): info for info in partnerships.values()}

    rows: list[_Row] = []
    column_count = len(table.header)
    for number, cells in table.rows:
        row = _Row(
            number,
            {key: cells[index] if index < len(cells) else "" for key, index in positions.items()},
        )
        if any(cell != "" for cell in cells[column_count:]):
            row.error(
                "",
                _("This row has more cells than there are column headings. Check for a comma "
                  "or semicolon inside a value that is not in quotes."),
            )  # fmt: skip
        _check_cells(row)
        _check_person(row)
        _check_dates(row, today=today, epoch=table.epoch)
        _find_partnership(row, by_name)
        _check_exchange(row, organisation)
        rows.append(row)

    _check_duplicates(rows)
    return CheckedFile(
        file_format=table.file_format,
        encoding=table.encoding,
        rows=[row.as_dict() for row in rows],
        warnings=[*table.warnings, *file_warnings],
    )


def _map_columns(table: Table) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    unknown: list[str] = []
    ignored: list[str] = []
    for index, heading in enumerate(table.header):
        name = normalise_header(heading)
        key = ALIASES.get(name, name)
        shown = _preview(heading)
        if not key:
            if any(index < len(cells) and cells[index] != "" for _n, cells in table.rows):
                unknown.append(_("(no heading, column %(number)s)") % {"number": index + 1})
        elif key in positions:
            raise SpreadsheetError(
                _("The column “%(column)s” appears twice. Keep only one."),
                code="duplicate_column", params={"column": shown},
            )  # fmt: skip
        elif key in COLUMN_KEYS:
            positions[key] = index
        elif key in IGNORED_KEYS:
            ignored.append(shown)
        else:
            unknown.append(shown)
    missing = [key for key in REQUIRED_KEYS if key not in positions]
    if missing:
        raise SpreadsheetError(
            _("Required columns are missing: %(missing)s. The first row of the file must "
              "hold the column headings; download the template to see them."),
            code="missing_columns", params={"missing": ", ".join(missing)},
        )  # fmt: skip
    notes = []
    if ignored:
        notes.append(
            _("The column %(columns)s was ignored: participants you import are always sent "
              "by your own organisation.") % {"columns": ", ".join(f"“{c}”" for c in ignored)}
        )  # fmt: skip
    if unknown:
        notes.append(
            _("These columns are not used and were ignored: %(columns)s.")
            % {"columns": ", ".join(f"“{c}”" for c in unknown[:20])}
        )
    return positions, notes


def _field_length(key: str) -> int:
    return Person._meta.get_field(key).max_length


def _check_cells(row: _Row) -> None:
    for key in COLUMN_KEYS:
        value = row.cells.get(key, "")
        if isinstance(value, str) and _CONTROL_CHARACTERS.search(value):
            row.error(
                key,
                _("Contains control characters (such as a line break or tab inside the "
                  "cell). Remove them."),
            )  # fmt: skip
    for key in REQUIRED_KEYS:
        if row.cells.get(key, "") == "":
            row.error(key, _("Missing: this column is required."))
    limits = {
        "first_name": _field_length("first_name"),
        "last_name": _field_length("last_name"),
        "email": _field_length("email"),
        "phone": 40,
        "partnership": Partnership._meta.get_field("name").max_length,
        "host_organisation": PartnerOrganisation._meta.get_field("name").max_length,
    }
    for key, limit in limits.items():
        length = len(" ".join(row.text(key).split()))
        if length > limit and not row.has_error(key):
            row.error(
                key,
                _("Too long: at most %(max)s characters (this one has %(length)s).")
                % {"max": limit, "length": length},
            )


def _check_person(row: _Row) -> None:
    person = {
        key: row.text(key) for key in ("first_name", "last_name", "email") if not row.has_error(key)
    }
    cleaned = clean_person_data(person)
    if cleaned.get("email"):
        try:
            _EMAIL(cleaned["email"])
        except ValidationError:
            row.error(
                "email",
                _("“%(value)s” is not a valid email address.")
                % {"value": _preview(cleaned["email"])},
            )
    nationality = row.text("nationality")
    if nationality and not row.has_error("nationality"):
        code = parse_country(nationality)
        if code is None:
            row.error(
                "nationality",
                _("“%(value)s” is not a country. Write the ISO code (e.g. KE) or the English "
                  "name (e.g. Kenya).") % {"value": _preview(nationality)},
            )  # fmt: skip
        else:
            cleaned["nationality"] = code
    gender = row.text("gender")
    if gender and not row.has_error("gender"):
        value = parse_gender(gender)
        if value is None:
            row.error(
                "gender",
                _("“%(value)s” is not one of: female, male, other, unspecified.")
                % {"value": _preview(gender)},
            )
        else:
            cleaned["gender"] = value
    phone = _number_as_text(row.cells.get("phone", ""))
    if phone and not row.has_error("phone"):
        try:
            phone_data = clean_person_data(
                {"phone": phone, "nationality": cleaned.get("nationality", "")}
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("phone", exc.messages):
                row.error("phone", message)
        else:
            cleaned["phone"] = phone_data["phone"]
    row.person = cleaned


def _check_dates(row: _Row, *, today: dt.date, epoch: dt.datetime | None) -> None:
    for key in DATE_KEYS:
        value = row.cells.get(key, "")
        if value == "" or row.has_error(key):
            row.dates[key] = None
            continue
        try:
            row.dates[key] = parse_date(value, epoch=epoch)
        except (ValueError, OverflowError, TypeError):
            row.dates[key] = None
            row.error(
                key,
                _("“%(value)s” is not a date. Write it as YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY.")
                % {"value": _preview(value)},
            )
    problem = check_date_of_birth(row.dates["date_of_birth"], today=today)
    if problem:
        row.error("date_of_birth", problem)
        row.dates["date_of_birth"] = None
    row.person["date_of_birth"] = row.dates["date_of_birth"]
    start = row.dates["exchange_start"]
    if start and start < today:
        row.warn("exchange_start", _("The exchange started in the past."))


def _find_partnership(row: _Row, by_name: dict[str, _PartnershipInfo]) -> None:
    name = row.text("partnership")
    if name and not row.has_error("partnership"):
        row.partnership = by_name.get(name_key(name))
        if row.partnership is None:
            row.error(
                "partnership",
                _("“%(value)s” is not one of your organisation's partnerships.")
                % {"value": _preview(name)},
            )
    host = row.text("host_organisation")
    if host and row.partnership is not None and not row.has_error("host_organisation"):
        found = row.partnership.members_by_name.get(name_key(host), [])
        if len(found) == 1:
            row.host = found[0]
        elif found:
            row.error(
                "host_organisation",
                _("Several members of %(partnership)s are called “%(value)s”. Add the country "
                  "code, e.g. “%(example)s”.")
                % {"partnership": row.partnership.partnership.name, "value": _preview(host),
                   "example": str(found[0])},
            )  # fmt: skip
        else:
            row.error(
                "host_organisation",
                _("“%(value)s” is not a member organisation of %(partnership)s.")
                % {"value": _preview(host), "partnership": row.partnership.partnership.name},
            )


def _check_exchange(row: _Row, organisation: PartnerOrganisation) -> None:
    """The exchange rules of ``services.check_exchange``. When the partnership or host could
    not be found, stand-ins let the same function still check the dates, so that a row
    shows all its problems at once; their own messages are then left out."""
    start, end = row.dates["exchange_start"], row.dates["exchange_end"]
    if start is None or end is None:
        return
    info = row.partnership
    partnership = info.partnership if info else Partnership(name="", phase="")
    host = row.host or PartnerOrganisation(name="")
    plan = ExchangePlan(
        partnership=partnership,
        host_organisation=host,
        exchange_start=start,
        exchange_end=end,
        elearning_completed_on=row.dates["elearning_completed_on"],
    )
    problems = check_exchange(
        sending=organisation, plan=plan, member_ids=info.member_ids if info else set()
    )
    for key, message in problems.items():
        if key == "partnership" and info is None:
            continue
        if key == "host_organisation" and row.host is None:
            continue
        if not row.has_error(key):
            row.error(key, message)


def _check_duplicates(rows: list[_Row]) -> None:
    """Rows repeating an earlier row, and rows for people already registered."""
    first_by_email: dict[str, int] = {}
    first_by_name: dict[tuple[str, str, dt.date], int] = {}
    for row in rows:
        email = row.person.get("email", "") if not row.has_error("email") else ""
        name = person_key(row.person)
        earlier_email = first_by_email.get(email) if email else None
        earlier_name = first_by_name.get(name) if name else None
        if earlier_email or earlier_name:
            row.error(
                "email" if earlier_email else "",
                _("The same person is already on row %(row)s of this file.")
                % {"row": earlier_email or earlier_name},
            )
        if email:
            first_by_email.setdefault(email, row.number)
        if name:
            first_by_name.setdefault(name, row.number)

    candidates = [
        {**row.person, "email": row.person.get("email", "") if not row.has_error("email") else ""}
        for row in rows
    ]
    for row, candidate, person in zip(
        rows, candidates, find_duplicate_people(candidates), strict=True
    ):
        if person is not None:
            email = candidate["email"]
            row.error(
                "email" if email and person.email == email.lower() else "",
                duplicate_message(person, email=email)
                + " "
                + _("If this is the same person, ask Norec to add the new exchange."),
            )


# --- The import's life: upload, confirm, discard ----------------------------------------


def create_import(
    *, organisation: PartnerOrganisation, by: User | None, filename: str, data: bytes
) -> ParticipantImport:
    """Read and check an uploaded file and keep the result for the preview.

    Raises :class:`SpreadsheetError` when the file as a whole cannot be used; then nothing
    is saved. Rows with problems are saved with their messages (the preview shows them).
    """
    table = read_spreadsheet(data, filename)
    if not table.rows:
        raise SpreadsheetError(
            _("The file has no participant rows under the column headings."), code="no_rows"
        )
    checked = check_rows(table, organisation=organisation)
    return ParticipantImport.objects.create(
        organisation=organisation,
        uploaded_by=by,
        original_filename=_clean_filename(filename),
        file_format=checked.file_format,
        encoding=checked.encoding,
        rows=checked.rows,
        warnings=checked.warnings,
        row_count=len(checked.rows),
        error_row_count=checked.error_row_count,
    )


def _clean_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL_CHARACTERS.sub("", name).strip()[:255]
    try:
        return get_valid_filename(name)[:255] if name else _("upload")
    except SuspiciousFileOperation:  # a name made only of dots and spaces
        return _("upload")


class _RowsFailed(Exception):
    def __init__(self, errors: dict[int, list[dict[str, str]]]) -> None:
        super().__init__(errors)
        self.errors = errors


def commit_import(*, participant_import: ParticipantImport, by: User | None) -> list[Participant]:
    """Register every row of a checked import, in one transaction: all rows or none.

    Each row goes through ``services.register_participant``, which checks it again: a
    person may have been registered since the preview, or a partnership closed. If any row
    fails, every registration is rolled back, the reasons are stored on the import's rows
    (so the preview shows them) and ``ValidationError`` is raised.
    """
    try:
        return _register_rows(pk=participant_import.pk, by=by)
    except _RowsFailed as failed:
        _record_commit_errors(pk=participant_import.pk, errors=failed.errors)
        participant_import.refresh_from_db()
        raise ValidationError(
            _("Nothing was imported: %(count)s rows could not be registered. See the messages "
              "below, fix these rows in your file and upload it again.")
            % {"count": len(failed.errors)},
            code="rows_failed",
        ) from None  # fmt: skip


@transaction.atomic
def _register_rows(*, pk: int, by: User | None) -> list[Participant]:
    # The lock makes a second, simultaneous confirmation wait, then see the new status.
    participant_import = ParticipantImport.objects.select_for_update().get(pk=pk)
    if participant_import.status == ParticipantImport.Status.COMMITTED:
        raise ValidationError(_("This file has already been imported."), code="committed")
    if participant_import.status != ParticipantImport.Status.PREVIEWED:
        raise ValidationError(_("This import was discarded."), code="discarded")
    if participant_import.error_row_count or not participant_import.row_count:
        raise ValidationError(
            _("Some rows have problems: fix these rows in your file and upload it again."),
            code="has_errors",
        )
    organisation = PartnerOrganisation.objects.get(pk=participant_import.organisation_id)
    partnerships = _load_partnerships(organisation)
    created: list[Participant] = []
    errors: dict[int, list[dict[str, str]]] = {}
    for row in participant_import.rows:
        data = row["data"]
        info = partnerships.get(data["partnership_id"])
        host = info.members_by_pk.get(data["host_organisation_id"]) if info else None
        if info is None or host is None:
            errors[row["row"]] = [
                {"field": "partnership",
                 "message": _("The partnership or the host organisation changed since the "
                              "file was checked. Upload the file again.")}
            ]  # fmt: skip
            continue
        person = dict(data["person"])
        person["date_of_birth"] = _date_or_none(person.get("date_of_birth"))
        plan = ExchangePlan(
            partnership=info.partnership,
            host_organisation=host,
            exchange_start=dt.date.fromisoformat(data["exchange_start"]),
            exchange_end=dt.date.fromisoformat(data["exchange_end"]),
            elearning_completed_on=_date_or_none(data.get("elearning_completed_on")),
        )
        try:
            # register_participant is atomic itself: a failing row rolls back to its own
            # savepoint, so the remaining rows can still be checked and reported.
            created.append(
                register_participant(
                    sending=organisation, person_data=person, plan=plan, by=by,
                    member_ids=info.member_ids,
                )
            )  # fmt: skip
        except ValidationError as exc:
            errors[row["row"]] = _messages(exc)
    if errors:
        raise _RowsFailed(errors)
    updated = ParticipantImport.objects.filter(
        pk=pk, status=ParticipantImport.Status.PREVIEWED
    ).update(
        status=ParticipantImport.Status.COMMITTED, committed_at=timezone.now(), committed_by=by
    )
    if updated != 1:
        raise ValidationError(_("This file has already been imported."), code="committed")
    return created


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _messages(exc: ValidationError) -> list[dict[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": "" if key == "__all__" else key, "message": str(message)}
            for key, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": "", "message": str(message)} for message in exc.messages]


@transaction.atomic
def _record_commit_errors(*, pk: int, errors: dict[int, list[dict[str, str]]]) -> None:
    participant_import = ParticipantImport.objects.select_for_update().get(pk=pk)
    if participant_import.status != ParticipantImport.Status.PREVIEWED:
        return
    rows = participant_import.rows
    for row in rows:
        if row["row"] in errors:
            row["errors"] = [*row["errors"], *errors[row["row"]]]
    participant_import.rows = rows
    participant_import.error_row_count = sum(1 for row in rows if row["errors"])
    participant_import.save(update_fields=["rows", "error_row_count"])


@transaction.atomic
def discard_import(*, participant_import: ParticipantImport) -> None:
    """Drop a checked file that will not be imported, and the personal data it held."""
    updated = ParticipantImport.objects.filter(
        pk=participant_import.pk, status=ParticipantImport.Status.PREVIEWED
    ).update(status=ParticipantImport.Status.DISCARDED, rows=[])
    if updated != 1:
        raise ValidationError(
            _("Only a file waiting for confirmation can be discarded."), code="not_previewed"
        )
    participant_import.refresh_from_db()
