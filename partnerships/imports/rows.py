"""Checking every row of a participant spreadsheet with the rules of
:mod:`partnerships.services`, in a constant number of queries whatever the row count.

The module stays whole at about 600 lines: one short check per kind of cell, all writing
to the same :class:`_Row`, read top to bottom in the order :func:`check_rows` runs them.
How a file writes its dates is in :mod:`.dates`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from norec_portal import addresses
from norec_portal.countries import parse_country

# Row messages are stored with the upload and read later, perhaps in another language:
# kept untranslated (norec_portal.deferred), translated when shown. File-level messages
# below use ``gettext``: they are shown at once, to the person uploading.
from norec_portal.deferred import dump, render
from norec_portal.deferred import text as _
from norec_portal.spreadsheets import (
    PREVIEW_VALUE_LENGTH,
    SpreadsheetError,
    Table,
    parse_date,
)

from ..models import Participant, PartnerOrganisation, Partnership, PartnershipMember, Person
from ..names import name_key, person_key
from ..services import (
    ExchangePlan,
    check_date_of_birth,
    check_exchange,
    clean_person_data,
    coordinator_duplicate_message,
    find_duplicate_people,
)
from .columns import (
    COLUMN_KEYS,
    COLUMNS,
    DATE_KEYS,
    IGNORED_KEYS,
    REQUIRED_KEYS,
    column_for_heading,
    heading_key,
)
from .dates import DateOrder, date_order, shown_date, slash_date

# --- Checking rows ---------------------------------------------------------------------

CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Exchanges last months; one shorter than this is more likely a date read wrongly.
SHORT_EXCHANGE_DAYS = 28


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


def load_partnerships(organisation: PartnerOrganisation) -> dict[int, _PartnershipInfo]:
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
    # People already registered whom rows name: the staff queue gets them, the
    # coordinator's preview names nobody.
    held_person_ids: list[int] = field(default_factory=list)

    @property
    def error_row_count(self) -> int:
        return sum(1 for row in self.rows if row["errors"])


def stored_message(key: str, message: object) -> dict[str, Any]:
    """A row message as stored: its column, its text as written at upload (for what
    reads ``message``) and ``text``, rendered in the reader's language
    (:func:`message_text`)."""
    stored = message if isinstance(message, dict) else dump(message)
    return {"field": key, "message": render(stored), "text": stored}


def message_text(message: dict[str, Any]) -> str:
    """A stored row message in the active language (older rows: as written then)."""
    return render(message["text"]) if "text" in message else message["message"]


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
        self.short_exchange = False

    def error(self, key: str, message: object) -> None:
        self.errors.append(stored_message(key, message))

    def warn(self, key: str, message: object) -> None:
        self.warnings.append(stored_message(key, message))

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
    text = CONTROL_CHARACTERS.sub("\N{REPLACEMENT CHARACTER}", str(value))
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
    partnerships = load_partnerships(organisation)
    by_name = {name_key(info.partnership.name): info for info in partnerships.values()}

    rows = [
        _Row(
            number,
            {key: cells[index] if index < len(cells) else "" for key, index in positions.items()},
        )
        for number, cells in table.rows
    ]
    order = date_order(row.cells.get(key, "") for row in rows for key in DATE_KEYS)
    file_warnings.extend(order.notes())
    column_count = len(table.header)
    for row, (_number, cells) in zip(rows, table.rows, strict=True):
        if any(cell != "" for cell in cells[column_count:]):
            row.error(
                "",
                _("This row has more cells than there are column headings. Check for a comma "
                  "or semicolon inside a value that is not in quotes."),
            )  # fmt: skip
        _check_cells(row)
        _check_person(row, organisation)
        _check_dates(row, today=today, epoch=table.epoch, order=order)
        _find_partnership(row, by_name)
        _check_exchange(row, organisation)

    held = _check_duplicates(rows, organisation)
    short = [str(row.number) for row in rows if row.short_exchange]
    if short:
        file_warnings.append(
            ngettext(
                "Row %(rows)s has an exchange shorter than four weeks: check its dates before "
                "confirming.",
                "Rows %(rows)s have exchanges shorter than four weeks: check their dates "
                "before confirming.",
                len(short),
            ) % {"rows": ", ".join(short[:20]) + (" …" if len(short) > 20 else "")}
        )  # fmt: skip
    return CheckedFile(
        held_person_ids=held,
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
        key = column_for_heading(heading)
        shown = _preview(heading)
        if not key:
            if any(index < len(cells) and cells[index] != "" for _n, cells in table.rows):
                unknown.append(gettext("(no heading, column %(number)s)") % {"number": index + 1})
        elif key in positions and heading_key(table.header[positions[key]]) != heading_key(heading):
            # "Mobile" and "Phone number": both kept would lose one of them unseen.
            raise SpreadsheetError(
                gettext("The columns “%(first)s” and “%(second)s” both mean “%(column)s”. Keep "
                        "only one."),
                code="duplicate_column",
                params={"first": _preview(table.header[positions[key]]), "second": shown,
                        "column": _label(key)},
            )  # fmt: skip
        elif key in positions:
            raise SpreadsheetError(
                gettext("The column “%(column)s” appears twice. Keep only one."),
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
            gettext("Required columns are missing: %(missing)s. The column headings were read "
              "from row %(row)s; download the template to see them."),
            code="missing_columns",
            params={"missing": ", ".join(missing), "row": table.heading_row or 1},
        )  # fmt: skip
    notes = []
    if ignored:
        notes.append(
            gettext("The column %(columns)s was ignored: participants you import are always sent "
              "by your own organisation.") % {"columns": ", ".join(f"“{c}”" for c in ignored)}
        )  # fmt: skip
    if unknown:
        notes.append(
            gettext("These columns are not used and were ignored: %(columns)s.")
            % {"columns": ", ".join(f"“{c}”" for c in unknown[:20])}
        )
    return positions, notes


def _label(key: str) -> str:
    return next(str(column.label) for column in COLUMNS if column.key == key)


def _field_length(key: str) -> int:
    return Person._meta.get_field(key).max_length


def _check_cells(row: _Row) -> None:
    for key in COLUMN_KEYS:
        value = row.cells.get(key, "")
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
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


def _check_person(row: _Row, organisation: PartnerOrganisation) -> None:
    person = {
        key: row.text(key) for key in ("first_name", "last_name", "email") if not row.has_error(key)
    }
    cleaned = clean_person_data(person)
    if cleaned.get("email"):
        # The portal's one email check (norec_portal.addresses), shared with the
        # historical import: a participant's address must work, and a likely slip is
        # named so the coordinator can correct the file.
        check = addresses.check_address(cleaned["email"])
        if check is None:
            row.error(
                "email",
                _("“%(value)s” is not an email address. Each participant needs their own.")
                % {"value": _preview(cleaned["email"])},
            )
        elif check.status == addresses.VALID:
            # The address tidied ("mailto:", "<…>", a trailing dot, invisible characters):
            # the one mail can reach and the duplicate check can match.
            if check.address != cleaned["email"]:
                row.warn(
                    "email",
                    _("Written “%(value)s”; saved as %(address)s.")
                    % {"value": _preview(row.text("email")), "address": check.address},
                )
                row.values["email"] = _preview(check.address)
            cleaned["email"] = check.address
        else:
            message = _("“%(value)s” is not a valid email address.") % {
                "value": _preview(cleaned["email"])
            }
            if check.suggestion:
                # Message first: a string added to a stored message stays one.
                message = (
                    message
                    + " "
                    + _("Did you mean %(suggestion)s?") % {"suggestion": check.suggestion}
                )
            row.error("email", message)
    nationality = row.text("nationality")
    if nationality and not row.has_error("nationality"):
        code = parse_country(nationality)
        if not code:
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
        except ValidationError:
            # The only phone rule is that the number is valid; the example is from the
            # participant's country, else the organisation's.
            region = cleaned.get("nationality") or organisation.country.code
            row.error(
                "phone",
                _("“%(value)s” is not a valid phone number. Write it with the country code, "
                  "e.g. %(example)s.")
                % {"value": _preview(phone), "example": phone_example(region)},
            )  # fmt: skip
        else:
            cleaned["phone"] = phone_data["phone"]
    row.person = cleaned


def phone_example(region: str) -> str:
    """A mobile number of ``region`` (a country code) as people write it with the country
    code; a Kenyan one when the region has none."""
    number = None
    if region:
        number = phonenumbers.example_number_for_type(
            region.upper(), phonenumbers.PhoneNumberType.MOBILE
        )
    if number is None:
        return "+254 712 345678"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _check_dates(row: _Row, *, today: dt.date, epoch: dt.datetime | None, order: DateOrder) -> None:
    for key in DATE_KEYS:
        value = row.cells.get(key, "")
        row.dates[key] = None
        if value == "" or row.has_error(key):
            continue
        try:
            date = parse_date(value, epoch=epoch, month_first=order.month_first)
        except (ValueError, OverflowError, TypeError):
            row.error(key, _date_problem(value, order))
            continue
        parts = slash_date(value)
        if order.mixed and parts and parts[0] != parts[1] and max(parts) <= 12:
            other = parse_date(value, month_first=True)
            row.error(
                key,
                _("“%(value)s” could be %(day_first)s or %(month_first)s: this file writes "
                  "some dates day first and others month first. Write it as YYYY-MM-DD "
                  "(%(iso)s or %(other_iso)s).")
                % {"value": _preview(value), "day_first": date_format(date, "j M Y"),
                   "month_first": date_format(other, "j M Y"), "iso": date.isoformat(),
                   "other_iso": other.isoformat()},
            )  # fmt: skip
            continue
        row.dates[key] = date
        row.values[key] = shown_date(value, date, written=_preview(value))
    problem = check_date_of_birth(row.dates["date_of_birth"], today=today)
    if problem:
        row.error("date_of_birth", problem)
        row.dates["date_of_birth"] = None
    row.person["date_of_birth"] = row.dates["date_of_birth"]
    start, end = row.dates["exchange_start"], row.dates["exchange_end"]
    if start and start < today:
        row.warn("exchange_start", _("The exchange started in the past."))
    if start and end and 0 < (end - start).days < SHORT_EXCHANGE_DAYS:
        row.short_exchange = True
        row.warn(
            "exchange_end",
            _("The exchange lasts only %(days)s days. Exchanges usually last months: check "
              "that the dates were read as you meant.") % {"days": (end - start).days},
        )  # fmt: skip


def _date_problem(value: Any, order: DateOrder) -> Any:
    """Why a cell is not a date; a month-first date in a file read day first says so."""
    if slash_date(value) and not order.month_first:
        try:
            date = parse_date(value, month_first=True)
        except ValueError:
            pass
        else:
            return _(
                "“%(value)s” is written month first (%(date)s), but other dates in this file "
                "are written day first. Write it as YYYY-MM-DD (%(iso)s)."
            ) % {"value": _preview(value), "date": date_format(date, "j M Y"),
                 "iso": date.isoformat()}  # fmt: skip
    return _("“%(value)s” is not a date. Write it as YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY.") % {
        "value": _preview(value)
    }


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


def _check_duplicates(rows: list[_Row], organisation: PartnerOrganisation) -> list[int]:
    """Rows repeating an earlier row, and rows for people already registered (whose ids
    are returned)."""
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
    found = find_duplicate_people(candidates)
    own = registered_by(organisation, [person.pk for person in found if person is not None])
    held: list[int] = []
    for row, person in zip(rows, found, strict=True):
        if person is not None:
            row.error("", duplicate_row_message(own=person.pk in own))
            held.append(person.pk)
    return held


def registered_by(organisation: PartnerOrganisation, person_ids: list[int]) -> set[int]:
    """Which of these people ``organisation`` itself has sent on an exchange (one query)."""
    if not person_ids:
        return set()
    return set(
        Participant.objects.filter(
            person_id__in=person_ids, sending_organisation=organisation
        ).values_list("person_id", flat=True)
    )


def duplicate_row_message(*, own: bool) -> Any:
    """What a row naming someone already registered says. Someone the coordinator's own
    organisation registered is named as such (the coordinator sees them in their list);
    anyone else stays anonymous (:func:`coordinator_duplicate_message`)."""
    if own:
        return _(
            "This person is already registered by your organisation (see your participants). "
            "Norec has been asked to check the registration and will contact you."
        )
    return coordinator_duplicate_message()
