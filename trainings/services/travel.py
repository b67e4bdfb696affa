"""Travel details: the rules of the travel form, saving it (by the person through their
emailed link, by their coordinator or by Norec staff), the link, and what the lists show.

The rules, each answered with a message naming the field:

- only an in-person enrolment that is nominated or confirmed has travel details (a
  waitlisted person has no seat yet; an online session needs no travel);
- arrival on the week's Sunday (an introductory seminar: its first day), or the day
  before — accepted and flagged for staff; any other day is refused;
- departure on the Saturday (a seminar: the day after its last day) or later — later is
  accepted and flagged; earlier is refused, and never before the arrival;
- with ``needs_visa`` the passport name, number, nationality and expiry are required, and
  the passport must be valid six months after the week's end; without a visa the passport
  fields are emptied;
- the emergency contact's phone is checked and stored like every phone of the portal
  (international format).

The audit log names the fields that changed, never their values.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.audit import Action, record_audit
from norec_portal.models import User
from partnerships.models import PartnerOrganisation
from partnerships.validators import normalize_phone

from .. import notifications
from ..models import (
    Enrolment,
    EnrolmentState,
    RoomArrangement,
    TrainingSession,
    TrainingWeek,
    TravelDetails,
)
from ..travel_links import use_travel_link
from .common import format_day

# Who may have travel details: a seat, or the promise of one.
TRAVEL_STATES = (EnrolmentState.NOMINATED, EnrolmentState.CONFIRMED)
PASSPORT_FIELDS = ("passport_name", "passport_number", "passport_nationality", "passport_expiry")
FORM_FIELDS = (
    "arrival_date", "arrival_time", "arrival_by", "arrival_airport", "departure_date",
    "departure_time", "departure_by", "departure_airport", "dietary_needs",
    "accessibility_needs", "emergency_contact_name", "emergency_contact_phone", "needs_visa",
    *PASSPORT_FIELDS,
)  # fmt: skip
# Dates and times: None when not given (the other fields: empty text).
NULLABLE_FIELDS = frozenset(
    {"arrival_date", "arrival_time", "departure_date", "departure_time", "passport_expiry"}
)
# What a complete form has (the rest may follow when known).
REQUIRED_FIELDS = (
    "arrival_date", "departure_date", "emergency_contact_name", "emergency_contact_phone",
)  # fmt: skip
PASSPORT_VALID_MONTHS = 6


# --- The days of a session ----------------------------------------------------------------


def expected_arrival(session: TrainingSession) -> dt.date:
    """The day people arrive: the week's Sunday, or a seminar's first day."""
    return session.week.starts_on if session.week_id else session.first_day


def expected_departure(session: TrainingSession) -> dt.date:
    """The day people leave: the week's Saturday, or the day after a seminar."""
    if session.week_id:
        return session.week.ends_on
    return session.last_day + dt.timedelta(days=1)


def session_end(session: TrainingSession) -> dt.date:
    return session.week.ends_on if session.week_id else session.last_day


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def passport_needed_until(session: TrainingSession) -> dt.date:
    return add_months(session_end(session), PASSPORT_VALID_MONTHS)


# --- The rules ------------------------------------------------------------------------------


def check_travel_allowed(enrolment: Enrolment) -> None:
    """Raise unless ``enrolment`` may have travel details."""
    if enrolment.session.is_online:
        raise ValidationError(_("This session runs online: there is no travel to plan."))
    if enrolment.state == EnrolmentState.WAITLISTED:
        raise ValidationError(
            _("%(name)s is on the waitlist: travel details are asked for once a seat is free.")
            % {"name": enrolment.person.full_name}
        )
    if enrolment.state not in TRAVEL_STATES:
        raise ValidationError(
            _("Travel details are only kept for nominated or confirmed enrolments; this one "
              "is %(state)s.") % {"state": enrolment.get_state_display().lower()}
        )  # fmt: skip


def check_travel_details(
    *, enrolment: Enrolment, data: Mapping[str, Any]
) -> dict[str | None, list[str]]:
    """Every problem of ``data`` for ``enrolment``, by field (None: the whole form).

    Fields missing from ``data`` are skipped (the form passes only its valid ones); the
    save itself requires them through :data:`REQUIRED_FIELDS`."""
    problems: dict[str | None, list[str]] = {}

    def add(field: str | None, message: str) -> None:
        problems.setdefault(field, []).append(message)

    try:
        check_travel_allowed(enrolment)
    except ValidationError as exc:
        add(None, " ".join(exc.messages))
        return problems
    session = enrolment.session
    first, last = expected_arrival(session), expected_departure(session)
    arrival, departure = data.get("arrival_date"), data.get("departure_date")
    if arrival is not None and arrival not in (first, first - dt.timedelta(days=1)):
        add("arrival_date", _("Arrive on %(day)s, or the day before at the earliest.")
            % {"day": format_day(first)})  # fmt: skip
    if departure is not None and departure < last:
        add("departure_date", _("The training ends on %(end)s: leave on %(day)s or later.")
            % {"end": format_day(session_end(session)), "day": format_day(last)})  # fmt: skip
    elif arrival is not None and departure is not None and departure < arrival:
        add("departure_date", _("The departure cannot be before the arrival."))
    phone = data.get("emergency_contact_phone")
    if phone:
        try:
            normalize_phone(phone)
        except ValidationError as exc:
            add("emergency_contact_phone", " ".join(exc.messages))
    if data.get("needs_visa"):
        labels = {
            "passport_name": _("Write the name exactly as in the passport (needed for the visa)."),
            "passport_number": _("Write the passport number (needed for the visa)."),
            "passport_nationality": _("Choose the nationality (needed for the visa)."),
            "passport_expiry": _("Write the date the passport is valid until (needed for the "
                                 "visa)."),
        }  # fmt: skip
        for field, message in labels.items():
            if field in data and not data[field]:
                add(field, message)
        expiry = data.get("passport_expiry")
        needed = passport_needed_until(session)
        if expiry and expiry < needed:
            add("passport_expiry", _("For the visa the passport must be valid until at least "
                                     "%(day)s (six months after the training).")
                % {"day": format_day(needed)})  # fmt: skip
    return problems


def _required_problems(data: Mapping[str, Any]) -> dict[str | None, list[str]]:
    messages = {
        "arrival_date": _("Write the day you arrive."),
        "departure_date": _("Write the day you leave."),
        "emergency_contact_name": _("Name someone we can call in an emergency."),
        "emergency_contact_phone": _("Write the phone number of your emergency contact."),
    }
    # The passport fields a visa needs are check_travel_details' to require.
    return {field: [message] for field, message in messages.items() if not data.get(field)}


# --- Saving ---------------------------------------------------------------------------------


@transaction.atomic
def save_travel_details(
    *, enrolment: Enrolment, data: Mapping[str, Any], by: User | None, via: str
) -> TravelDetails:
    """Create or change the travel details of ``enrolment`` from ``data`` (the fields of
    :data:`FORM_FIELDS`); ``via`` is a ``TravelDetails.Source``. Raises ``ValidationError``
    with every problem at once."""
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("person", "session__week__venue", "session__venue")
        .get(pk=enrolment.pk)
    )
    check_travel_allowed(enrolment)
    clean = {field: data.get(field) for field in FORM_FIELDS}
    clean.update({field: "" for field in FORM_FIELDS
                  if clean[field] is None and field not in NULLABLE_FIELDS})  # fmt: skip
    clean["needs_visa"] = bool(clean["needs_visa"])
    problems = _required_problems(clean)
    for field, messages in check_travel_details(enrolment=enrolment, data=clean).items():
        problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError({field or "__all__": messages for field, messages in
                               problems.items()})  # fmt: skip
    clean["emergency_contact_phone"] = normalize_phone(clean["emergency_contact_phone"])
    if not clean["needs_visa"]:
        clean.update(passport_name="", passport_number="", passport_nationality="",
                     passport_expiry=None)  # fmt: skip
    travel = TravelDetails.objects.filter(enrolment=enrolment).first()
    created = travel is None
    if created:
        travel = TravelDetails(enrolment=enrolment)
    changed = [field for field in FORM_FIELDS if getattr(travel, field) != clean[field]]
    for field in FORM_FIELDS:
        setattr(travel, field, clean[field])
    if clean["needs_visa"] and any(field in changed for field in PASSPORT_FIELDS):
        travel.passport_erased_at = None
    travel.submitted_via = via
    travel.updated_by = by
    travel.save()
    # Field names only: the values (passport above all) stay out of the log.
    record_audit(by=by, action=Action.CREATE if created else Action.UPDATE, obj=travel,
                 changes=changed, summary=f"via {via}")  # fmt: skip
    return travel


@transaction.atomic
def save_travel_details_with_link(
    *, raw_token: str | None, data: Mapping[str, Any]
) -> TravelDetails:
    """The person's own form, from the emailed link, used by this save. A refused save
    rolls back with the rest, so the link keeps working for the corrected form."""
    link = use_travel_link(raw_token)
    return save_travel_details(
        enrolment=link.enrolment, data=data, by=None, via=TravelDetails.Source.PERSON
    )


@transaction.atomic
def send_travel_link(*, enrolment: Enrolment, by: User | None) -> None:
    """Send the person a new link to their travel form (the older ones stop working)."""
    check_travel_allowed(enrolment)
    if not enrolment.person.email:
        raise ValidationError(
            _("%(name)s has no email address: fill in the travel details for them.")
            % {"name": enrolment.person.full_name}
        )
    link = notifications.notify_travel_link(enrolment, by=by)
    record_audit(by=by, action=Action.CREATE, obj=link, summary="travel link sent")


def check_week_travel(
    *, starts_on: dt.date | None, travel_details_due: dt.date | None, rooms: str | None
) -> dict[str, list[str]]:
    """The problems of a week's travel deadline (before the week starts) and rooms."""
    problems: dict[str, list[str]] = {}
    if (
        travel_details_due is not None
        and starts_on is not None
        and (travel_details_due >= starts_on)
    ):
        problems["travel_details_due"] = [
            _("The deadline must be before the week starts (%(day)s).")
            % {"day": format_day(starts_on)}
        ]
    if rooms is not None and rooms not in RoomArrangement.values:
        problems["rooms"] = [_("Choose single or shared rooms.")]
    return problems


@transaction.atomic
def set_week_travel(
    *, week: TrainingWeek, travel_details_due: dt.date | None, rooms: str, by: User | None
) -> TrainingWeek:
    """The week's deadline for travel details and its room arrangement."""
    problems = check_week_travel(
        starts_on=week.starts_on, travel_details_due=travel_details_due, rooms=rooms
    )
    if problems:
        raise ValidationError(problems)
    week = TrainingWeek.objects.select_for_update(of=("self",)).get(pk=week.pk)
    values = {"travel_details_due": travel_details_due, "rooms": rooms}
    changed = [name for name, value in values.items() if getattr(week, name) != value]
    week.travel_details_due, week.rooms = travel_details_due, rooms
    week.save(update_fields=["travel_details_due", "rooms"])
    record_audit(by=by, action=Action.UPDATE, obj=week, changes=changed)
    return week


# --- What the lists show --------------------------------------------------------------------


@dataclass(frozen=True)
class TravelStatus:
    """What a list says of one enrolment's travel details."""

    travel: TravelDetails | None
    missing: bool
    early_arrival: bool
    late_departure: bool

    @property
    def needs_visa(self) -> bool:
        return bool(self.travel and self.travel.needs_visa)


def is_complete(travel: TravelDetails | None) -> bool:
    if travel is None:
        return False
    if any(not getattr(travel, field) for field in REQUIRED_FIELDS):
        return False
    if travel.needs_visa and travel.passport_erased_at is None:
        return all(getattr(travel, field) for field in PASSPORT_FIELDS)
    return True


def travel_status(enrolment: Enrolment) -> TravelStatus:
    """The flags of ``enrolment``'s travel details (read with ``select_related("travel")``
    and the session's week, so a list costs no query per row)."""
    travel = getattr(enrolment, "travel", None)
    session = enrolment.session
    early = bool(travel and travel.arrival_date and
                 travel.arrival_date < expected_arrival(session))  # fmt: skip
    late = bool(travel and travel.departure_date and
                travel.departure_date > expected_departure(session))  # fmt: skip
    return TravelStatus(travel=travel, missing=not is_complete(travel), early_arrival=early,
                        late_departure=late)  # fmt: skip


def travel_state(enrolment: Enrolment) -> str:
    """For a list of enrolments: "missing" or "complete" where travel details belong,
    "" where they do not (online, waitlisted, cancelled, past)."""
    if (
        enrolment.state not in TRAVEL_STATES
        or enrolment.session.is_online
        or enrolment.session.last_day < timezone.localdate()
    ):
        return ""
    return "complete" if is_complete(getattr(enrolment, "travel", None)) else "missing"


def travel_statuses(enrolments: Iterable[Enrolment]) -> list[tuple[Enrolment, TravelStatus]]:
    return [(enrolment, travel_status(enrolment)) for enrolment in enrolments]


def travel_enrolments(session: TrainingSession):
    """The enrolments of an in-person session that travel, with their details."""
    return (
        Enrolment.objects.filter(session=session, state__in=TRAVEL_STATES)
        .select_related(
            "person", "organisation", "travel", "session__week__venue", "session__venue"
        )  # fmt: skip
        .order_by("person__last_name", "person__first_name", "pk")
    )


@dataclass(frozen=True)
class MissingTravel:
    enrolment: Enrolment
    due: dt.date | None
    overdue: bool


def missing_travel(organisation: PartnerOrganisation, *, limit: int = 50) -> list[MissingTravel]:
    """The organisation's enrolments in upcoming in-person sessions whose travel details
    are missing or incomplete, soonest deadline first (one query)."""
    today = timezone.localdate()
    enrolments = (
        Enrolment.objects.for_organisation(organisation)
        .filter(
            state__in=TRAVEL_STATES,
            session__first_day__gt=today,
            session__status=TrainingSession.Status.SCHEDULED,
        )  # fmt: skip
        .exclude(session__week__status=TrainingWeek.Status.CANCELLED)
        .exclude(session__week__format=TrainingWeek.Format.ONLINE)
        .exclude(session__week__isnull=True, session__online=True)
        .select_related("person", "travel", "session__week__venue", "session__venue")
        .order_by("session__first_day", "person__last_name", "person__first_name", "pk")
    )
    rows = []
    for enrolment in enrolments:
        if is_complete(getattr(enrolment, "travel", None)):
            continue
        due = enrolment.session.week.travel_details_due if enrolment.session.week_id else None
        rows.append(MissingTravel(enrolment, due, bool(due and due < today)))
        if len(rows) >= limit:
            break
    return rows
