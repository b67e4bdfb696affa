"""What Norec Network holds about people, for export, erasure and retention (registered
with :mod:`norec_portal.privacy` in ``NetworkConfig.ready``).

On erasure the member profile stays as an empty shell (membership and RSVP statistics
still count it), both consents are withdrawn by new entries in the append-only consent
ledger, invitations keep their state under a placeholder address, links are deleted,
the contact history keeps which field changed and when but not the values, and the
historical import keeps the row without the name, addresses and phone; requests to serve
in trainings keep their role and answer without the message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal import privacy
from norec_portal.privacy import ANONYMISED, Section, Subject, named_as, section

from .models import (
    RSVP,
    AccessToken,
    Activity,
    BadAddress,
    ConsentRecord,
    ContactChange,
    DuplicateCandidate,
    ExpertiseTag,
    HistoricalImport,
    HistoricalRecord,
    Invitation,
    InvitationRequest,
    InvitationWave,
    Member,
    MergeRecord,
    Newsletter,
    NewsletterDelivery,
    RawAddress,
    ResourceRequest,
)

# Keys of a historical import row (network.imports.parse_row) that name a person.
ROW_PERSONAL_KEYS = {
    "first_name": ANONYMISED, "last_name": ANONYMISED, "name_in_source": ANONYMISED,
    "emails": [], "email": "", "emails_in_source": "", "phone": "", "phone_in_source": "",
    "source_id": "", "warnings": [], "notes": [], "duplicates": [], "email_checks": [],
}  # fmt: skip


def token_days() -> int:
    return settings.PRIVACY_TOKEN_DAYS


def import_rows_days() -> int:
    return settings.PRIVACY_IMPORT_ROWS_DAYS


def request_days() -> int:
    return settings.PRIVACY_REQUEST_DAYS


def _requests(subject: Subject) -> QuerySet[InvitationRequest]:
    match = Q(email__in=subject.emails) if subject.emails else Q(pk__in=[])
    if subject.person is not None:
        match |= Q(person=subject.person)
    return InvitationRequest.objects.filter(match)


def _export(subject: Subject) -> Iterable[Section | None]:
    person = subject.person
    if person is not None:
        member = Member.objects.filter(person=person).prefetch_related(
            "languages", "expertise"
        ).first()  # fmt: skip
        if member is not None:
            yield section(
                _("Network member profile"), Member, [member],
                ["organisation", "position", "languages", "expertise", "linkedin_url", "time_zone",
                 "available_as_lecturer", "available_as_interpreter",
                 "available_as_resource_person", "directory_consent", "directory_consent_at",
                 "directory_consent_version", "newsletter_consent", "newsletter_consent_at",
                 "newsletter_consent_version", "joined_at"],
            )  # fmt: skip
            yield section(
                _("Consent given and withdrawn"), ConsentRecord,
                ConsentRecord.objects.filter(member=member).order_by("recorded_at", "pk"),
                ["kind", "granted", "wording_version", "wording", "via", "recorded_at"],
            )  # fmt: skip
            yield section(
                _("Newsletters received"), NewsletterDelivery,
                NewsletterDelivery.objects.filter(member=member).select_related("newsletter"),
                ["newsletter", "created_at"],
            )  # fmt: skip
            yield section(
                _("Answers to activities"), RSVP,
                RSVP.objects.filter(member=member).select_related("activity"),
                ["activity", "state", "created_at", "updated_at"],
            )  # fmt: skip
            yield section(
                _("Requests to serve in trainings"), ResourceRequest,
                ResourceRequest.objects.filter(member=member).select_related("session"),
                ["session", "role", "message", "state", "requested_at", "answered_at"],
            )  # fmt: skip
        yield section(
            _("Invitations to the network"), Invitation,
            Invitation.objects.filter(person=person).select_related("wave").order_by("pk"),
            ["wave", "source", "email", "state", "sent_at", "expires_at", "reminded_at",
             "accepted_at", "bounced_at", "created_at"],
        )  # fmt: skip
        yield section(
            _("Links sent by email"), AccessToken,
            AccessToken.objects.filter(person=person).order_by("pk"),
            ["purpose", "email", "created_at", "expires_at", "used_at"],
        )  # fmt: skip
        yield section(
            _("Changes to contact details"), ContactChange,
            ContactChange.objects.filter(person=person).order_by("changed_at", "pk"),
            ["field", "old_value", "new_value", "via", "changed_at"],
        )  # fmt: skip
        yield section(
            _("Historical records"), HistoricalRecord,
            HistoricalRecord.objects.filter(participant__person=person).order_by("pk"),
            ["row_number", "name_in_source", "organisations", "emails_in_source",
             "phone_in_source"],
        )  # fmt: skip
        yield section(
            _("Addresses as the archive wrote them"), RawAddress,
            RawAddress.objects.filter(person=person).order_by("pk"),
            ["raw", "status", "suggestion", "reason", "created_at", "resolution",
             "resolved_at"],
        )  # fmt: skip
        yield section(
            _("Records merged into this one"), MergeRecord,
            MergeRecord.objects.filter(kept=person).order_by("pk"),
            ["removed_pk", "removed", "merged_at", "undone_at"],
        )  # fmt: skip
        yield section(
            _("Possible duplicate records"), DuplicateCandidate,
            DuplicateCandidate.objects.filter(Q(person_a=person) | Q(person_b=person)),
            ["label_a", "label_b", "status", "reasons", "created_at"],
        )  # fmt: skip
    yield section(
        _("Requests for an invitation"), InvitationRequest,
        _requests(subject).order_by("pk"),
        ["first_name", "last_name", "email", "country", "exchange_year", "organisation",
         "message", "status", "reject_reason", "created_at", "decided_at"],
    )  # fmt: skip
    if subject.emails:
        yield section(
            _("Addresses mail could not reach"), BadAddress,
            BadAddress.objects.filter(email__in=subject.emails),
            ["email", "source", "reason", "failures", "first_failed_at", "last_failed_at",
             "cleared_at"],
        )  # fmt: skip
    user = subject.user
    yield named_as(user, InvitationWave, "created_by")
    yield named_as(user, ConsentRecord, "recorded_by")
    yield named_as(user, ContactChange, "changed_by")
    yield named_as(user, InvitationRequest, "decided_by")
    yield named_as(user, HistoricalImport, "uploaded_by")
    yield named_as(user, DuplicateCandidate, "decided_by")
    yield named_as(user, Newsletter, "created_by")
    yield named_as(user, Activity, "created_by")
    yield named_as(user, BadAddress, "cleared_by")
    yield named_as(user, RawAddress, "resolved_by")
    yield named_as(user, MergeRecord, "merged_by")
    yield named_as(user, MergeRecord, "undone_by")
    yield named_as(user, ResourceRequest, "requested_by")


def _blank_import_rows(person: Any, emails: frozenset[str]) -> int:
    """Blank the rows of historical imports that came from this person's records."""
    records = HistoricalRecord.objects.filter(participant__person=person, batch__isnull=False)
    wanted: dict[int, set[int]] = {}
    for batch_id, number in records.values_list("batch_id", "row_number"):
        wanted.setdefault(batch_id, set()).add(number)
    blanked = 0
    for batch in HistoricalImport.objects.filter(pk__in=list(wanted)).only("pk", "rows"):
        rows = []
        for row in batch.rows or []:
            named = row.get("row") in wanted[batch.pk] or (row.get("email") or "") in emails
            if named:
                row = {**row, **ROW_PERSONAL_KEYS}
                blanked += 1
            rows.append(row)
        batch.rows = rows
        batch.save(update_fields=["rows"])
    return blanked


def _anonymise(subject: Subject, by: Any) -> Iterable[str]:
    from .services.members import Consents, record_consents

    person = subject.person
    done: list[str] = []
    if person is not None:
        member = Member.objects.select_for_update().filter(person=person).first()
        if member is not None:
            # Withdrawals go into the ledger like any other answer.
            record_consents(member=member, consents=Consents(directory=False, newsletter=False),
                            via=ConsentRecord.Via.STAFF, by=by)  # fmt: skip
            Member.objects.filter(pk=member.pk).update(
                organisation="", position="", linkedin_url="", time_zone="",
                available_as_lecturer=False,
                available_as_interpreter=False, available_as_resource_person=False,
            )  # fmt: skip
            member.languages.clear()
            # A tag only this member used may name them ("my consultancy in Gulu"): it
            # goes with their profile; tags others share stay.
            tags = list(member.expertise.values_list("pk", flat=True))
            member.expertise.clear()
            # Kept for the yearly counts (role, session, answer), without the words.
            ResourceRequest.objects.filter(member=member).update(message="")
            ExpertiseTag.objects.filter(pk__in=tags, members__isnull=True).delete()
            done.append("member profile emptied, consents withdrawn")
        Invitation.objects.filter(person=person, state=Invitation.State.QUEUED).update(
            state=Invitation.State.CANCELLED
        )
        Invitation.objects.filter(person=person).update(email=privacy.placeholder_email(person.pk))
        AccessToken.objects.filter(person=person).delete()
        ContactChange.objects.filter(person=person).update(old_value="", new_value="")
        HistoricalRecord.objects.filter(participant__person=person).update(
            name_in_source="", emails_in_source="", phone_in_source=""
        )
        RawAddress.objects.filter(person=person).delete()
        # A merge keeps the merged-in record's details to undo it: erased with the person.
        MergeRecord.objects.filter(kept=person).delete()
        rows = _blank_import_rows(person, subject.emails)
        pairs = DuplicateCandidate.objects.filter(Q(person_a=person) | Q(person_b=person))
        pairs.filter(status=DuplicateCandidate.Status.OPEN).update(
            status=DuplicateCandidate.Status.DISMISSED, decided_at=timezone.now()
        )
        pairs.filter(person_a=person).update(label_a=ANONYMISED)
        pairs.filter(person_b=person).update(label_b=ANONYMISED)
        done.append(f"invitations and contact history kept without values, {rows} import rows")
    requests, _by_model = _requests(subject).delete()
    if subject.emails:
        BadAddress.objects.filter(email__in=subject.emails).delete()
    if requests:
        done.append(f"{requests} invitation requests deleted")
    return done


def _people_to_keep(cutoff: dt.datetime) -> Iterable[QuerySet]:
    # Members joined themselves: they stay until they leave or ask to be erased.
    yield Member.objects.values("person_id")
    yield Invitation.objects.filter(Q(created_at__gte=cutoff) | Q(sent_at__gte=cutoff)).values(
        "person_id"
    )
    yield InvitationRequest.objects.filter(
        status=InvitationRequest.Status.PENDING, person__isnull=False
    ).values("person_id")


def _retention(now: dt.datetime) -> dict[str, int]:
    token_cutoff = now - dt.timedelta(days=token_days())
    tokens, _by_model = AccessToken.objects.filter(
        Q(expires_at__lt=token_cutoff) | Q(used_at__lt=token_cutoff)
    ).delete()
    rows_cutoff = now - dt.timedelta(days=import_rows_days())
    old = HistoricalImport.objects.filter(created_at__lt=rows_cutoff).exclude(rows=[])
    abandoned = old.filter(status=HistoricalImport.Status.PREVIEW).update(
        status=HistoricalImport.Status.DISCARDED, rows=[]
    )
    purged = old.exclude(status=HistoricalImport.Status.PREVIEW).update(rows=[])
    requests, _by_model = (
        InvitationRequest.objects.filter(decided_at__lt=now - dt.timedelta(days=request_days()))
        .exclude(status=InvitationRequest.Status.PENDING)
        .delete()
    )
    return {"access_links_deleted": tokens, "import_rows_purged": abandoned + purged,
            "invitation_requests_deleted": requests}  # fmt: skip


def register() -> None:
    privacy.register(
        privacy.Source(
            app="network",
            covers=(
                Member,
                ExpertiseTag,
                ConsentRecord,
                InvitationWave,
                Invitation,
                AccessToken,
                ContactChange,
                InvitationRequest,
                HistoricalImport,
                HistoricalRecord,
                DuplicateCandidate,
                Newsletter,
                NewsletterDelivery,
                Activity,
                RSVP,
                BadAddress,
                RawAddress,
                MergeRecord,
                ResourceRequest,
            ),  # fmt: skip
            export=_export,
            anonymise=_anonymise,
            people_to_keep=_people_to_keep,
            retention=_retention,
            order=30,
        )
    )
