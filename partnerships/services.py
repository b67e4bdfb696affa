"""Use-cases of the partnerships app. Views, admin, imports and tasks all call these.

Every function is keyword-only and atomic, and raises ``ValidationError`` with a message a
person can act on when a rule says no.

The module stays whole at about 600 lines: it is the one place where the app's rules are
written (the duplicate check, the lead/partner rule, the phase transitions), each use-case a
short function over the same few models, and the admin, views, imports and tasks all look
for them here.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.audit import (
    Action,
    changed_fields,
    record_audit,
    record_audit_many,
    snapshot,
)
from norec_portal.deferred import Deferred
from norec_portal.deferred import text as deferred_text
from norec_portal.models import User

from .models import (
    PHASE_DATE_FIELDS,
    PHASE_TRANSITIONS,
    ContactPerson,
    HeldRegistration,
    Participant,
    PartnerOrganisation,
    Partnership,
    PartnershipMember,
    Person,
    Phase,
    PhaseChange,
)
from .names import person_key
from .signals import phase_entered
from .validators import normalize_phone

# Partnership phases in which participants may be registered.
REGISTRATION_PHASES = (Phase.AGREEMENT_SIGNED, Phase.ACTIVE_EXCHANGE)


# --- Phases ---------------------------------------------------------------------------


def check_phase_change(*, partnership: Partnership, to_phase: str) -> list[str]:
    """Return what stands in the way of moving ``partnership`` to ``to_phase``."""
    if to_phase not in PHASE_TRANSITIONS.get(partnership.phase, ()):
        allowed = ", ".join(str(Phase(p).label) for p in PHASE_TRANSITIONS[partnership.phase])
        return [
            _("A partnership cannot go from “%(current)s” to “%(target)s”. %(allowed)s")
            % {
                "current": Phase(partnership.phase).label,
                "target": Phase(to_phase).label if to_phase in Phase.values else to_phase,
                "allowed": _("Possible next phases: %(phases)s.") % {"phases": allowed}
                if allowed
                else _("A closed partnership stays closed."),
            }
        ]
    problems: list[str] = []
    if to_phase == Phase.AGREEMENT_SIGNED:
        members = list(partnership.members.select_related("organisation"))
        if len(members) < 2:
            problems.append(_("A cooperation agreement needs at least two member organisations."))
        with_coordinator = set(
            ContactPerson.objects.filter(
                organisation__in=[m.organisation_id for m in members],
                role=ContactPerson.Role.COORDINATOR,
                active=True,
            ).values_list("organisation_id", flat=True)
        )
        for member in members:
            if member.organisation_id not in with_coordinator:
                problems.append(
                    _("%(organisation)s has no active coordinator yet.")
                    % {"organisation": member.organisation.name}
                )
    return problems


@transaction.atomic
def change_phase(
    *,
    partnership: Partnership,
    to_phase: str,
    by: User | None,
    effective_on: dt.date | None = None,
    note: str = "",
) -> PhaseChange:
    """Move a partnership to its next phase, recording who, when and the date reached;
    ``signals.phase_entered`` tells the other apps (in this transaction)."""
    partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
    problems = check_phase_change(partnership=partnership, to_phase=to_phase)
    if problems:
        raise ValidationError(problems)
    effective_on = effective_on or timezone.localdate()
    previous_date = getattr(partnership, PHASE_DATE_FIELDS[partnership.phase])
    if previous_date and effective_on < previous_date:
        raise ValidationError(
            _("The date cannot be before the start of the current phase (%(date)s).")
            % {"date": previous_date.isoformat()}
        )
    change = PhaseChange.objects.create(
        partnership=partnership,
        from_phase=partnership.phase,
        to_phase=to_phase,
        effective_on=effective_on,
        changed_by=by,
        note=note[:500],
    )
    partnership.phase = to_phase
    setattr(partnership, PHASE_DATE_FIELDS[to_phase], effective_on)
    partnership.save(update_fields=["phase", PHASE_DATE_FIELDS[to_phase]])
    # Who must be told (e.g. Partner training is now due) is another app's business.
    phase_entered.send(sender=Partnership, partnership=partnership, phase=to_phase, by=by)
    return change


def check_members(organisations: Sequence[tuple[PartnerOrganisation, str]]) -> None:
    """The lead/partner rule: exactly one lead, at least one partner, each organisation
    once (raises ``ValidationError`` by field)."""
    roles = [role for _organisation, role in organisations]
    # The staff form always names one lead and at least one partner, so only code can break
    # these two; their texts are for staff and stay in English (not in the catalogues).
    if roles.count(PartnershipMember.Role.LEAD) != 1:
        raise ValidationError({"lead": "A partnership has exactly one lead organisation."})
    if PartnershipMember.Role.PARTNER not in roles:
        raise ValidationError({"partners": "A partnership needs at least one partner."})
    if len({organisation.pk for organisation, _role in organisations}) < len(organisations):
        raise ValidationError({"partners": _("The lead organisation is already a member.")})


@transaction.atomic
def create_partnership(
    *,
    name: str,
    programme: str,
    organisations: Sequence[tuple[PartnerOrganisation, str]],
    adviser: User | None,
    by: User | None,
    feasibility_since: dt.date | None = None,
) -> Partnership:
    """Start a partnership in the feasibility phase with its member organisations.

    The members are one lead organisation and at least one partner, each organisation
    once. The name is unique whatever its case (the database refuses a second one; this
    says so first, in words).
    """
    name = " ".join(name.split())
    check_members(organisations)
    if Partnership.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A partnership with this name already exists.")})
    try:
        with transaction.atomic():
            partnership = Partnership.objects.create(
                name=name,
                programme=programme,
                adviser=adviser,
                feasibility_since=feasibility_since or timezone.localdate(),
            )
    except IntegrityError as exc:
        # Another request created one with this name a moment ago.
        raise ValidationError({"name": _("A partnership with this name already exists.")}) from exc
    for organisation, role in organisations:
        PartnershipMember.objects.create(
            partnership=partnership, organisation=organisation, role=role
        )
    PhaseChange.objects.create(
        partnership=partnership,
        from_phase="",
        to_phase=Phase.FEASIBILITY,
        effective_on=partnership.feasibility_since,
        changed_by=by,
    )
    phase_entered.send(sender=Partnership, partnership=partnership, phase=Phase.FEASIBILITY, by=by)
    return partnership


# --- People and participants ------------------------------------------------------------


def find_duplicate_people(
    candidates: Sequence[dict[str, Any]], *, exclude_pk: int | None = None
) -> list[Person | None]:
    """For each candidate, an existing person who is probably the same: the same email
    (case-blind), or the same :func:`person_key` (name and date of birth).

    One query for all candidates, so an import of 2,000 rows takes as many queries as one
    form. The database narrows by email and date of birth (both indexed); names are compared
    here, with the same fold as everywhere else.
    """
    emails = {(c.get("email") or "").strip().lower() for c in candidates} - {""}
    keys = {key for c in candidates if (key := person_key(c))}
    if not emails and not keys:
        return [None] * len(candidates)
    # ``email <> ''`` changes nothing in the result (no key is empty) but lets PostgreSQL
    # use the partial index person_email_unique_ci instead of scanning every person.
    match = (Q(email_key__in=emails) & ~Q(email="")) | Q(
        date_of_birth__in={born for _first, _last, born in keys}
    )
    people = Person.objects.annotate(email_key=Lower("email"))
    people = people.filter(match).order_by("last_name", "first_name", "pk")
    if exclude_pk:
        people = people.exclude(pk=exclude_pk)
    by_email: dict[str, Person] = {}
    by_name: dict[tuple, Person] = {}
    for person in people.only("pk", "first_name", "last_name", "email", "date_of_birth"):
        if person.email:
            by_email.setdefault(person.email.lower(), person)
        key = person_key(
            {"first_name": person.first_name, "last_name": person.last_name,
             "date_of_birth": person.date_of_birth}
        )  # fmt: skip
        if key in keys:
            by_name.setdefault(key, person)
    found: list[Person | None] = []
    for c in candidates:
        email = (c.get("email") or "").strip().lower()
        key = person_key(c)
        matches = [p for p in (by_email.get(email), by_name.get(key)) if p is not None]
        found.append(min(matches, key=lambda p: (p.last_name, p.first_name, p.pk), default=None))
    return found


def find_duplicate_person(
    *,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    date_of_birth: dt.date | None = None,
    exclude_pk: int | None = None,
) -> Person | None:
    """An existing person with the same email, or the same name and date of birth."""
    candidate = {
        "email": email, "first_name": first_name, "last_name": last_name,
        "date_of_birth": date_of_birth,
    }  # fmt: skip
    return find_duplicate_people([candidate], exclude_pk=exclude_pk)[0]


def _duplicate_field(duplicate: Person, person_data: dict[str, Any]) -> str:
    """The form field a duplicate is reported on: the email if that is what matched."""
    email = (person_data.get("email") or "").strip().lower()
    return "email" if email and duplicate.email == email else "__all__"


def coordinator_duplicate_message() -> Deferred:
    """What a coordinator is told about a person already registered: no name, no address,
    not even which of the two matched (the person may be another organisation's)."""
    _ = deferred_text  # kept with an import's rows, translated when shown
    return _(
        "This person cannot be registered here. Norec has been asked to check the "
        "registration and will contact you."
    )


class DuplicateRegistration(ValidationError):
    """A coordinator's registration names someone already registered (``person``)."""

    def __init__(self, errors: dict[str, str], *, person: Person) -> None:
        super().__init__({k or "__all__": v for k, v in errors.items()})
        self.person = person


@transaction.atomic
def hold_registrations(
    *, organisation: PartnerOrganisation, person_ids: Sequence[int], by: User | None, via: str
) -> int:
    """Put each (organisation, person) in the staff queue of held registrations, once:
    a case already open is not opened again. Returns how many were new."""
    rows = [
        HeldRegistration(organisation=organisation, person_id=pk,
                         reported_by=by if by is not None and by.pk else None, via=via)
        for pk in dict.fromkeys(person_ids)
    ]  # fmt: skip
    created = HeldRegistration.objects.bulk_create(rows, ignore_conflicts=True)
    return len([row for row in created if row.pk])


@transaction.atomic
def close_held_registration(*, held: HeldRegistration, by: User) -> HeldRegistration:
    """Staff have checked the case (and, if it was the same person, added the exchange)."""
    held = HeldRegistration.objects.select_for_update().get(pk=held.pk)
    if held.closed_at is None:
        held.closed_at = timezone.now()
        held.closed_by = by
        held.save(update_fields=["closed_at", "closed_by"])
    return held


def duplicate_message(person: Person, *, email: str) -> Deferred:
    # Stored with an import's rows and read later in other languages: kept untranslated
    # until shown (norec_portal.deferred), like the other rules an import reports.
    _ = deferred_text
    if email and person.email == email.strip().lower():
        return _("Someone with the email %(email)s is already registered.") % {"email": email}
    return _("%(name)s with the same date of birth is already registered.") % {
        "name": person.full_name
    }


def check_person(person_data: dict[str, Any], *, exclude_pk: int | None = None) -> dict[str, Any]:
    """``person_data`` cleaned (:func:`clean_person_data`), or a ``ValidationError`` by field
    when it is invalid or names someone already registered."""
    person_data = clean_person_data(person_data)
    duplicate = find_duplicate_person(
        email=person_data.get("email", ""),
        first_name=person_data.get("first_name", ""),
        last_name=person_data.get("last_name", ""),
        date_of_birth=person_data.get("date_of_birth"),
        exclude_pk=exclude_pk,
    )
    if duplicate is not None:
        raise ValidationError(
            {
                _duplicate_field(duplicate, person_data): duplicate_message(
                    duplicate, email=person_data.get("email", "")
                )
            }
        )
    return person_data


@transaction.atomic
def save_person(*, person: Person | None, person_data: dict[str, Any], by: User | None) -> Person:
    """Create a person (``person`` None) or change one, as staff do in the admin: checked by
    :func:`check_person`, and written to the audit log."""
    person_data = check_person(person_data, exclude_pk=person.pk if person else None)
    if person is None:
        person = Person.objects.create(**person_data)
        record_audit(by=by, action=Action.CREATE, obj=person)
        return person
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person, person_data)
    for key, value in person_data.items():
        setattr(person, key, value)
    person.save()
    if changes := changed_fields(before, snapshot(person, before)):
        record_audit(by=by, action=Action.UPDATE, obj=person, changes=changes)
    return person


# The fields of a Participant an ExchangePlan sets (named in the audit log).
PLAN_FIELDS = ("partnership", "host_organisation", "exchange_start", "exchange_end",
               "elearning_completed_on")  # fmt: skip


@dataclass(frozen=True)
class ExchangePlan:
    """What a coordinator says about one exchange; checked by :func:`check_exchange`."""

    partnership: Partnership
    host_organisation: PartnerOrganisation
    exchange_start: dt.date
    exchange_end: dt.date
    elearning_completed_on: dt.date | None = None


def check_exchange(
    *, sending: PartnerOrganisation, plan: ExchangePlan, member_ids: set[int] | None = None
) -> dict[str, Deferred]:
    """Problems with an exchange plan, by field name ('' for the whole plan).

    ``member_ids`` (the partnership's member organisation ids) may be passed in when many
    rows of one import are checked, to spare a query per row.
    """
    _ = deferred_text  # see duplicate_message
    errors: dict[str, Deferred] = {}
    partnership = plan.partnership
    if member_ids is None:
        member_ids = set(partnership.members.values_list("organisation_id", flat=True))
    if sending.pk not in member_ids:
        errors["partnership"] = _("%(organisation)s is not a member of %(partnership)s.") % {
            "organisation": sending.name,
            "partnership": partnership.name,
        }
    elif partnership.phase not in REGISTRATION_PHASES:
        errors["partnership"] = _(
            "Participants can be registered once the cooperation agreement is signed; "
            "%(partnership)s is in the phase “%(phase)s”."
        ) % {"partnership": partnership.name, "phase": Phase(partnership.phase).label}
    if plan.host_organisation.pk == sending.pk:
        errors["host_organisation"] = _(
            "The host organisation must be another organisation than the sending one."
        )
    elif plan.host_organisation.pk not in member_ids:
        errors["host_organisation"] = _("%(organisation)s is not a member of %(partnership)s.") % {
            "organisation": plan.host_organisation.name,
            "partnership": partnership.name,
        }
    errors.update(
        check_exchange_dates(
            exchange_start=plan.exchange_start,
            exchange_end=plan.exchange_end,
            elearning_completed_on=plan.elearning_completed_on,
        )
    )
    return errors


def check_exchange_dates(
    *,
    exchange_start: dt.date | None,
    exchange_end: dt.date | None,
    elearning_completed_on: dt.date | None = None,
) -> dict[str, str]:
    """Problems with an exchange's dates, by field; a date not given is not checked (a
    form asks with the dates it could read)."""
    _ = deferred_text  # see duplicate_message
    errors: dict[str, str] = {}
    if exchange_start and exchange_end:
        if exchange_end <= exchange_start:
            errors["exchange_end"] = _("The exchange must end after it starts.")
        elif (exchange_end - exchange_start).days > 2 * 366:
            errors["exchange_end"] = _("An exchange lasts at most two years.")
    if elearning_completed_on and elearning_completed_on > timezone.localdate():
        errors["elearning_completed_on"] = _("The e-learning date cannot be in the future.")
    return errors


PERSON_FIELDS = (
    "first_name", "last_name", "email", "phone", "nationality", "country", "gender",
    "date_of_birth", "preferred_language",
)  # fmt: skip


def check_date_of_birth(value: dt.date | None, *, today: dt.date | None = None) -> Deferred | None:
    """The problem with a date of birth, if any: it must lie between 1900 and today."""
    _ = deferred_text  # see duplicate_message
    today = today or timezone.localdate()
    if value and not (dt.date(1900, 1, 1) < value < today):
        return _("The date of birth must be in the past.")
    return None


def clean_person_data(data: dict[str, Any]) -> dict[str, Any]:
    """Trim names and email, write the phone in E.164, check the date of birth (raises
    ``ValidationError`` by field, with every problem at once).

    Names and email are stored composed (Unicode NFC): "Ngũgĩ" typed on a Mac (letters and
    accents apart) and on Windows are then the same text, for search and for matching."""
    cleaned = {key: data.get(key) for key in PERSON_FIELDS if key in data}
    problems: dict[str, list[str]] = {}
    problem = check_date_of_birth(cleaned.get("date_of_birth"))
    if problem:
        problems["date_of_birth"] = [problem]
    for key in ("first_name", "last_name", "email"):
        if key in cleaned:
            text = unicodedata.normalize("NFC", str(cleaned[key] or ""))
            cleaned[key] = " ".join(text.split())
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].lower()
    if cleaned.get("phone"):
        region = str(cleaned.get("country") or cleaned.get("nationality") or "") or None
        try:
            cleaned["phone"] = normalize_phone(cleaned["phone"], region)
        except ValidationError as exc:
            problems["phone"] = exc.messages
    if problems:
        raise ValidationError(problems)
    for key in ("phone", "nationality", "country", "gender", "preferred_language"):
        if key in cleaned and cleaned[key] is None:
            cleaned[key] = ""
    return cleaned


def _raise_field_errors(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({k or "__all__": v for k, v in errors.items()})


def _person_and_exchange_problems(
    person_data: dict[str, Any], exchange_errors: dict[str, str]
) -> dict[str, Any]:
    """``person_data`` cleaned; raises the problems of the person *and* of the exchange
    together, so nobody fixes one to be told the next."""
    try:
        return clean_person_data(person_data)
    except ValidationError as exc:
        raise ValidationError({**exc.message_dict, **exchange_errors}) from exc


def register_participant(
    *,
    sending: PartnerOrganisation,
    person_data: dict[str, Any],
    plan: ExchangePlan,
    by: User | None,
    member_ids: set[int] | None = None,
) -> Participant:
    """Register a new person on an exchange sent by ``sending``.

    The sending organisation is always the caller's (a coordinator's own organisation),
    never taken from the submitted data. Someone already registered is refused with a
    message that names nobody, and the case goes to the staff queue (after the refused
    registration rolled back, so the case stays).
    """
    try:
        return _register_participant(sending=sending, person_data=person_data, plan=plan,
                                     by=by, member_ids=member_ids)  # fmt: skip
    except DuplicateRegistration as refused:
        hold_registrations(organisation=sending, person_ids=[refused.person.pk], by=by,
                           via=HeldRegistration.Via.FORM)  # fmt: skip
        raise


@transaction.atomic
def _register_participant(
    *,
    sending: PartnerOrganisation,
    person_data: dict[str, Any],
    plan: ExchangePlan,
    by: User | None,
    member_ids: set[int] | None,
) -> Participant:
    errors = check_exchange(sending=sending, plan=plan, member_ids=member_ids)
    person_data = _person_and_exchange_problems(person_data, errors)
    duplicate = find_duplicate_person(
        email=person_data.get("email", ""),
        first_name=person_data.get("first_name", ""),
        last_name=person_data.get("last_name", ""),
        date_of_birth=person_data.get("date_of_birth"),
    )
    if duplicate is not None:
        errors[""] = coordinator_duplicate_message()
        raise DuplicateRegistration(errors, person=duplicate)
    _raise_field_errors(errors)
    try:
        with transaction.atomic():
            person = Person.objects.create(**person_data)
            participant = Participant.objects.create(
                person=person,
                partnership=plan.partnership,
                sending_organisation=sending,
                host_organisation=plan.host_organisation,
                exchange_start=plan.exchange_start,
                exchange_end=plan.exchange_end,
                elearning_completed_on=plan.elearning_completed_on,
                registered_by=by,
            )
    except IntegrityError as exc:
        # Another request registered the same person a moment ago.
        raise ValidationError(
            {"email": _("Someone with this email was registered a moment ago.")}
        ) from exc
    record_audit_many(by=by, action=Action.CREATE, objs=[person, participant])
    return participant


def update_participant(
    *,
    participant: Participant,
    person_data: dict[str, Any],
    plan: ExchangePlan,
    by: User | None,
) -> Participant:
    """Change a participant's details and exchange; the sending organisation stays.
    Details that name someone else already registered are refused as in
    :func:`register_participant`."""
    try:
        return _update_participant(participant=participant, person_data=person_data,
                                   plan=plan, by=by)  # fmt: skip
    except DuplicateRegistration as refused:
        hold_registrations(organisation=participant.sending_organisation,
                           person_ids=[refused.person.pk], by=by,
                           via=HeldRegistration.Via.EDIT)  # fmt: skip
        raise


@transaction.atomic
def _update_participant(
    *,
    participant: Participant,
    person_data: dict[str, Any],
    plan: ExchangePlan,
    by: User | None,
) -> Participant:
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    errors = check_exchange(sending=participant.sending_organisation, plan=plan)
    person_data = _person_and_exchange_problems(person_data, errors)
    duplicate = find_duplicate_person(
        email=person_data.get("email", ""),
        first_name=person_data.get("first_name", ""),
        last_name=person_data.get("last_name", ""),
        date_of_birth=person_data.get("date_of_birth"),
        exclude_pk=participant.person_id,
    )
    if duplicate is not None:
        errors[""] = coordinator_duplicate_message()
        raise DuplicateRegistration(errors, person=duplicate)
    _raise_field_errors(errors)
    person = participant.person
    before = snapshot(person, person_data), snapshot(participant, PLAN_FIELDS)
    for key, value in person_data.items():
        setattr(person, key, value)
    person.save()
    participant.partnership = plan.partnership
    participant.host_organisation = plan.host_organisation
    participant.exchange_start = plan.exchange_start
    participant.exchange_end = plan.exchange_end
    participant.elearning_completed_on = plan.elearning_completed_on
    participant.save()
    for obj, old in zip((person, participant), before, strict=True):
        if changes := changed_fields(old, snapshot(obj, old)):
            record_audit(by=by, action=Action.UPDATE, obj=obj, changes=changes)
    return participant


# Kept importable from here for callers outside the app (tests/test_i18n.py).
from .portal_access import grant_portal_access  # noqa: E402, F401
