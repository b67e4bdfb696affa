"""Personal data of people: export, erasure (anonymisation) and the retention of records.

``Person`` lives here, so the person-level use-cases do too: :func:`export_person` and
:func:`anonymise_person`, which run every app's registered source through
:mod:`norec_portal.privacy` (this app never imports the apps that build on it).

Anonymising keeps what statistics need and nothing that names the person: the record
stays (so exchanges and enrolments still count), with placeholder names, no email,
phone, date of birth or preferred language, no login; country, nationality and gender
stay for the statistics Norec reports by country and gender.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal import privacy
from norec_portal.audit import record_audit
from norec_portal.models import AuditEntry, Role, User
from norec_portal.privacy import Section, Subject, named_as, section

from .models import (
    ContactPerson,
    HeldRegistration,
    Participant,
    ParticipantImport,
    Partnership,
    Person,
    PhaseChange,
)

PLACEHOLDER_FIRST_NAME = "Anonymised"
# Replaced by placeholders (or emptied) on anonymisation.
ERASED_FIELDS = ("first_name", "last_name", "email", "phone", "date_of_birth",
                 "preferred_language", "user")  # fmt: skip
PERSON_EXPORT_FIELDS = (
    "first_name", "last_name", "email", "phone", "nationality", "country", "gender",
    "date_of_birth", "preferred_language", "created_at", "updated_at", "anonymised_at",
)  # fmt: skip


def inactive_years() -> int:
    return settings.PRIVACY_INACTIVE_YEARS


def retention_batch() -> int:
    return settings.PRIVACY_RETENTION_BATCH


def import_rows_days() -> int:
    return settings.PRIVACY_IMPORT_ROWS_DAYS


def subject_for(person: Person) -> Subject:
    return Subject.of(person=person, user=person.user if person.user_id else None)


# --- Use-cases ---------------------------------------------------------------------------


@transaction.atomic
def export_person(*, person: Person, by: User | None) -> dict[str, Any]:
    """Everything the portal holds about ``person`` (JSON-able); the export is audited."""
    person = Person.objects.select_related("user").get(pk=person.pk)
    data = privacy.export_subject(subject_for(person))
    record_audit(by=by, action=AuditEntry.Action.EXPORT, obj=person,
                 summary=f"{len(data['sections'])} sections")  # fmt: skip
    return data


def check_anonymise(person: Person) -> list[str]:
    """What stands in the way of anonymising ``person`` now (empty when nothing does)."""
    problems: list[str] = []
    if person.anonymised_at is not None:
        problems.append(_("This person has already been anonymised."))
        return problems
    if person.user_id and (person.user.role == Role.STAFF or person.user.is_superuser):
        problems.append(
            _("%(name)s logs in as Norec staff; a staff login is removed by an administrator.")
            % {"name": person.full_name}
        )
    current = person.participations.filter(status__in=Participant.ACTIVE_STATUSES).exists()
    if current:
        problems.append(
            _("%(name)s is on a current exchange. Record it as completed or withdrawn first.")
            % {"name": person.full_name}
        )
    problems.extend(privacy.blockers(subject_for(person)))
    return problems


@transaction.atomic
def anonymise_person(*, person: Person, by: User | None) -> Person:
    """Erase ``person`` by anonymisation: every app replaces the personal fields it holds
    with placeholders, the login is deleted, and exchanges and enrolments stay for the
    statistics. Audited; refused (``ValidationError``) when :func:`check_anonymise` says so.
    """
    person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
    problems = check_anonymise(person)
    if problems:
        raise ValidationError(problems)
    subject = subject_for(person)
    done = privacy.anonymise_subject(subject, by=by)
    person.refresh_from_db()
    record_audit(by=by, action=AuditEntry.Action.ANONYMISE, obj=person, changes=ERASED_FIELDS,
                 summary="; ".join(done))  # fmt: skip
    return person


# --- This app's source ---------------------------------------------------------------------


def _imports_listing(subject: Subject) -> list[tuple[ParticipantImport, list[dict]]]:
    """Spreadsheet imports with their rows that name one of the subject's addresses."""
    if subject.person is None or not subject.emails:
        return []
    organisations = Participant.objects.filter(person=subject.person).values("sending_organisation")
    found = []
    for batch in ParticipantImport.objects.filter(organisation__in=organisations).only(
        "pk", "original_filename", "created_at", "rows"
    ):
        rows = [row for row in batch.rows or [] if _row_names(row, subject.emails)]
        if rows:
            found.append((batch, rows))
    return found


def _row_names(row: dict[str, Any], emails: frozenset[str]) -> bool:
    for part in ("values", "data"):
        values = row.get(part) or {}
        if any(str(v).strip().lower() in emails for v in values.values()):
            return True
    return False


def _export(subject: Subject) -> Iterable[Section | None]:
    person = subject.person
    if person is not None:
        yield section(_("Person record"), Person, [person], PERSON_EXPORT_FIELDS)
        yield section(
            _("Contact roles in partner organisations"), ContactPerson,
            ContactPerson.objects.filter(person=person).select_related("organisation"),
            ["organisation", "role", "active", "created_at"],
        )  # fmt: skip
        yield section(
            _("Exchanges"), Participant,
            Participant.objects.filter(person=person).with_related().order_by("pk"),
            ["partnership", "sending_organisation", "host_organisation", "exchange_start",
             "exchange_end", "status", "elearning_completed_on", "exchange_year",
             "legacy_programme", "source_id", "created_at"],
        )  # fmt: skip
        listing = _imports_listing(subject)
        if listing:
            # Each row naming the person, with what it said (not only its number).
            yield Section(
                title=_("Spreadsheet imports listing this person"),
                model=ParticipantImport._meta.label,
                records=[
                    {
                        "id": b.pk,
                        "file": b.original_filename,
                        "uploaded": b.created_at.isoformat(),
                        "row": row.get("row"),
                        "values": "; ".join(
                            f"{k}: {v}"
                            for k, v in (row.get("values") or {}).items()
                            if v not in ("", None)
                        ),
                    }
                    for b, rows in listing
                    for row in rows
                ],  # fmt: skip
                labels={
                    "id": "id",
                    "file": _("file name"),
                    "uploaded": _("uploaded at"),
                    "row": _("row"),
                    "values": _("values in the file"),
                },  # fmt: skip
            )
        yield section(
            _("Registrations held for Norec's check"), HeldRegistration,
            HeldRegistration.objects.filter(person=person).select_related("organisation"),
            ["organisation", "via", "created_at", "closed_at"],
        )  # fmt: skip
    user = subject.user
    yield named_as(user, Participant, "registered_by")
    yield named_as(user, ParticipantImport, "uploaded_by", "committed_by")
    yield named_as(user, HeldRegistration, "reported_by", "closed_by")
    yield named_as(user, Partnership, "adviser")
    yield named_as(user, PhaseChange, "changed_by")


def _anonymise(subject: Subject, by: Any) -> Iterable[str]:
    person = subject.person
    if person is None:
        return []
    for batch, _rows in _imports_listing(subject):
        batch.rows = [
            {**row, "values": {}, "data": {}, "anonymised": True}
            if _row_names(row, subject.emails) else row
            for row in batch.rows
        ]  # fmt: skip
        batch.save(update_fields=["rows"])
    contacts = ContactPerson.objects.filter(person=person, active=True).update(active=False)
    HeldRegistration.objects.filter(person=person).delete()
    Participant.objects.filter(person=person).exclude(source_id="").update(source_id="")
    Person.objects.filter(pk=person.pk).update(
        first_name=PLACEHOLDER_FIRST_NAME, last_name=f"person {person.pk}", email="", phone="",
        date_of_birth=None, preferred_language="", user=None, anonymised_at=timezone.now(),
        updated_at=timezone.now(),
    )  # fmt: skip
    return [f"person record anonymised, {contacts} contact roles ended"]


def _people_to_keep(cutoff: dt.datetime) -> Iterable[QuerySet]:
    yield Participant.objects.filter(
        Q(status__in=Participant.ACTIVE_STATUSES)
        | Q(exchange_end__gte=cutoff.date())
        | Q(created_at__gte=cutoff)
        | Q(updated_at__gte=cutoff)
    ).values("person_id")
    # Contact persons stay while active: their organisation still works with Norec.
    yield ContactPerson.objects.filter(Q(active=True) | Q(created_at__gte=cutoff)).values(
        "person_id"
    )


def inactive_people(now: dt.datetime) -> QuerySet[Person]:
    """People with no activity for ``PRIVACY_INACTIVE_YEARS`` whom no app still needs."""
    cutoff = now - dt.timedelta(days=round(365.25 * inactive_years()))
    people = Person.objects.filter(
        anonymised_at__isnull=True, created_at__lt=cutoff, updated_at__lt=cutoff
    ).exclude(Q(user__last_login__gte=cutoff) | Q(user__role=Role.STAFF)
              | Q(user__is_superuser=True))  # fmt: skip
    for kept in privacy.people_to_keep(cutoff):
        people = people.exclude(pk__in=kept)
    return people


def _retention(now: dt.datetime) -> dict[str, int]:
    anonymised = 0
    for person in inactive_people(now).order_by("pk")[: retention_batch()]:
        try:
            anonymise_person(person=person, by=None)
        except ValidationError:
            continue  # something new holds this person; the next run looks again
        anonymised += 1
    cutoff = now - dt.timedelta(days=import_rows_days())
    old = ParticipantImport.objects.filter(created_at__lt=cutoff).exclude(rows=[])
    abandoned = old.filter(status=ParticipantImport.Status.PREVIEWED).update(
        status=ParticipantImport.Status.DISCARDED, rows=[], warnings=[]
    )
    purged = old.exclude(status=ParticipantImport.Status.PREVIEWED).update(rows=[])
    checked = now - dt.timedelta(days=settings.PRIVACY_REQUEST_DAYS)
    held, _by_model = HeldRegistration.objects.filter(closed_at__lt=checked).delete()
    return {
        "people_anonymised": anonymised,
        "import_rows_purged": abandoned + purged,
        "held_registrations_deleted": held,
    }


def register() -> None:
    privacy.register(
        privacy.Source(
            app="partnerships",
            covers=(
                Person,
                ContactPerson,
                Participant,
                ParticipantImport,
                HeldRegistration,
                Partnership,
                PhaseChange,
            ),  # fmt: skip
            export=_export,
            anonymise=_anonymise,
            people_to_keep=_people_to_keep,
            retention=_retention,
            order=10,
        )
    )
