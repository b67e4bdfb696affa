"""Members: joining from an invitation, the profile, and consent."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from norec_portal.audit import Action, changed_fields, record_audit, snapshot
from norec_portal.models import Role, User
from partnerships.models import Person

from .. import tokens
from ..consent import wording
from ..models import (
    AccessToken,
    ConsentKind,
    ConsentRecord,
    ContactChange,
    ExpertiseTag,
    Invitation,
    Language,
    Member,
)
from .activities import time_zones
from .common import record_change
from .contact import ContactDetails, apply_contact

MAX_EXPERTISE_TAGS = 12
LINKEDIN_URL = re.compile(r"^https://([a-z]{2,3}\.)?linkedin\.com/", re.IGNORECASE)


@dataclass(frozen=True)
class Consents:
    directory: bool
    newsletter: bool


@dataclass(frozen=True)
class Profile:
    """What a member offers the network (contact details are in ``contact.ContactDetails``)."""

    languages: tuple[Language, ...] = ()
    expertise: str = ""
    linkedin_url: str = ""
    available_as_lecturer: bool = False
    available_as_interpreter: bool = False
    available_as_resource_person: bool = False
    # A zone name, "" for the main zone of the member's country, None to leave it as it is.
    time_zone: str | None = None


# --- Consent ---------------------------------------------------------------------------


def record_consents(
    *, member: Member, consents: Consents, via: str, by: User | None, always: bool = False
) -> list[ConsentRecord]:
    """Store the answers on the member and in the trail, with time and wording version.

    Only changed answers are recorded unless ``always`` (joining records both answers).
    """
    now = timezone.now()
    records: list[ConsentRecord] = []
    for kind, granted in ((ConsentKind.DIRECTORY, consents.directory),
                          (ConsentKind.NEWSLETTER, consents.newsletter)):  # fmt: skip
        current = getattr(member, f"{kind}_consent")
        if not always and current == granted and getattr(member, f"{kind}_consent_at"):
            continue
        text = wording(kind)
        setattr(member, f"{kind}_consent", granted)
        setattr(member, f"{kind}_consent_at", now)
        setattr(member, f"{kind}_consent_version", text.version)
        records.append(
            ConsentRecord(
                member=member,
                kind=kind,
                granted=granted,
                wording_version=text.version,
                wording=f"{text.label}\n{text.text}",
                via=via,
                recorded_at=now,
                recorded_by=by,
            )  # fmt: skip
        )
    if records:
        member.save()
        ConsentRecord.objects.bulk_create(records)
        record_audit(by=by, action=Action.UPDATE, obj=member, summary=f"consent via {via}",
                     changes=[f"{r.kind}_consent" for r in records])  # fmt: skip
    return records


@transaction.atomic
def change_consents(*, member: Member, consents: Consents, by: User | None) -> list[ConsentRecord]:
    member = Member.objects.select_for_update().get(pk=member.pk)
    via = ConsentRecord.Via.STAFF if by is not None and by.is_staff else ConsentRecord.Via.PROFILE
    return record_consents(member=member, consents=consents, via=via, by=by)


@transaction.atomic
def set_newsletter_consent(
    *, member: Member, granted: bool, via: str, by: User | None = None
) -> bool:
    """Switch the newsletter on or off (the unsubscribe link, the preferences page).

    Safe to repeat: the same answer again changes and records nothing. Returns whether
    the answer changed.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    consents = Consents(directory=member.directory_consent, newsletter=granted)
    return bool(record_consents(member=member, consents=consents, via=via, by=by))


# --- Profile ---------------------------------------------------------------------------


def parse_expertise(text: str) -> list[str]:
    """Comma- or semicolon-separated tags, trimmed, as typed, without repeats (whatever
    their case)."""
    tags: list[str] = []
    seen: set[str] = set()
    for part in re.split(r"[,;\n]", text or ""):
        tag = " ".join(part.split())
        if not tag:
            continue
        if len(tag) > 50:
            raise ValidationError(
                _("“%(tag)s” is too long for a field of expertise (50 characters at most).")
                % {"tag": tag[:60]}
            )
        if tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    if len(tags) > MAX_EXPERTISE_TAGS:
        raise ValidationError(
            _("Name at most %(n)d fields of expertise.") % {"n": MAX_EXPERTISE_TAGS}
        )
    return tags


def check_linkedin_url(url: str) -> str:
    url = (url or "").strip()
    if url and not LINKEDIN_URL.match(url):
        raise ValidationError(
            _("Give the address of a LinkedIn profile, starting with https://www.linkedin.com/")
        )
    return url


def _set_expertise(member: Member, names: Iterable[str]) -> None:
    """Link the member to these tags, creating the new ones as typed; an existing tag is
    found whatever the case and keeps its spelling."""
    names = list(names)
    keys = [n.lower() for n in names]

    def by_key() -> dict[str, ExpertiseTag]:
        tags = ExpertiseTag.objects.annotate(key=Lower("name")).filter(key__in=keys)
        return {t.key: t for t in tags}

    existing = by_key()
    missing = [ExpertiseTag(name=n) for n, k in zip(names, keys, strict=True) if k not in existing]
    if missing:
        ExpertiseTag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = by_key()
    member.expertise.set([existing[k] for k in keys])


def _apply_profile(member: Member, profile: Profile, *, via: str, by: User | None) -> None:
    errors: dict[str, Any] = {}
    try:
        tags = parse_expertise(profile.expertise)
    except ValidationError as exc:
        errors["expertise"] = exc.messages
    try:
        linkedin = check_linkedin_url(profile.linkedin_url)
    except ValidationError as exc:
        errors["linkedin_url"] = exc.messages
    if profile.time_zone and profile.time_zone not in time_zones():
        errors["time_zone"] = _("Choose a time zone from the list.")
    if errors:
        raise ValidationError(errors)
    if profile.time_zone is not None:
        member.time_zone = profile.time_zone
    record_change(person=member.person, field="linkedin_url", old=member.linkedin_url,
                  new=linkedin, via=via, by=by)  # fmt: skip
    member.linkedin_url = linkedin
    member.available_as_lecturer = profile.available_as_lecturer
    member.available_as_interpreter = profile.available_as_interpreter
    member.available_as_resource_person = profile.available_as_resource_person
    member.save()
    member.languages.set(profile.languages)
    _set_expertise(member, tags)


@transaction.atomic
def update_profile(*, member: Member, profile: Profile, by: User | None) -> Member:
    """A member (or staff) edits the profile; contact changes go to the history."""
    member = Member.objects.select_for_update().select_related("person").get(pk=member.pk)
    via = ContactChange.Via.STAFF if by is not None and by.is_staff else ContactChange.Via.MEMBER
    before = _profile_snapshot(member)
    _apply_profile(member, profile, via=via, by=by)
    if changes := changed_fields(before, _profile_snapshot(member)):
        record_audit(by=by, action=Action.UPDATE, obj=member, changes=changes)
    return member


def _profile_snapshot(member: Member) -> dict[str, Any]:
    return {**snapshot(member, ("linkedin_url", "available_as_lecturer", "time_zone",
                                "available_as_interpreter", "available_as_resource_person")),
            "languages": set(member.languages.values_list("pk", flat=True)),
            "expertise": set(member.expertise.values_list("pk", flat=True))}  # fmt: skip


@transaction.atomic
def start_membership(
    *, user: User, details: ContactDetails, profile: Profile, consents: Consents
) -> Member:
    """Give an alumnus login that has no profile yet its person record and profile.

    The person is the one already linked to the login, else the record holding the
    login's verified address, else a new one.
    """
    if user.role != Role.ALUMNUS:
        raise ValidationError(_("Only alumni accounts have a member profile."))
    person = Person.objects.select_for_update().filter(user=user).first()
    if (
        person is None
        and EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
    ):
        person = (
            Person.objects.select_for_update()
            .filter(email__iexact=user.email, user__isnull=True)
            .first()
        )
    if person is None:
        taken = Person.objects.filter(email__iexact=user.email).exists()
        person = Person(email="" if taken else user.email)
    if person.pk and Member.objects.filter(person=person).exists():
        raise ValidationError(_("This account already has a member profile."))
    person.first_name = person.first_name or details.first_name.strip()[:100]
    person.last_name = person.last_name or details.last_name.strip()[:100]
    person.user = user
    person.save()
    member = Member.objects.create(person=person)
    member.person = person
    record_audit(by=user, action=Action.CREATE, obj=member)
    apply_contact(person, details, via=ContactChange.Via.JOIN, by=user, member=member)
    _apply_profile(member, profile, via=ContactChange.Via.JOIN, by=user)
    record_consents(member=member, consents=consents, via=ConsentRecord.Via.JOIN, by=user,
                    always=True)  # fmt: skip
    return member


# --- Joining ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinResult:
    user: User
    member: Member
    email_change_requested: bool


@transaction.atomic
def join_network(*, raw_token: str, details: ContactDetails, password: str,
                 consents: Consents) -> JoinResult:  # fmt: skip
    """Accept an invitation: the login, the member profile and the consents, at once.

    The invited address is taken as verified (the link reached it). Another address in
    ``details`` is only used once confirmed: the account starts with the invited one and a
    confirmation link goes to the new one.
    """
    token = tokens.consume_token(raw_token, purpose=AccessToken.Purpose.INVITATION)
    invitation = Invitation.objects.select_for_update().get(pk=token.invitation_id)
    person = Person.objects.select_for_update().get(pk=invitation.person_id)
    invited = invitation.email
    if Member.objects.filter(person=person).exists() or person.user_id:
        raise ValidationError(
            _("You already have an account. Log in with %(email)s, or reset your password.")
            % {"email": invited}
        )
    exists = _("An account with %(email)s already exists. Log in, or reset your password.") % {
        "email": invited
    }
    if User.objects.filter(email__iexact=invited).exists():
        raise ValidationError(exists)
    now = timezone.now()
    full_name = f"{' '.join(details.first_name.split())} {' '.join(details.last_name.split())}"
    # Until they choose otherwise, a new member reads and gets mail in the language they
    # joined in.
    language = person.preferred_language or translation.get_language() or ""
    user = User(email=invited, full_name=full_name.strip()[:200], role=Role.ALUMNUS,
                language=language if language in dict(settings.LANGUAGES) else "")  # fmt: skip
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(exists) from None
    EmailAddress.objects.create(user=user, email=invited, verified=True, primary=True)

    via = ContactChange.Via.JOIN
    record_change(person=person, field="email", old=person.email, new=invited, via=via, by=user)
    person.email = invited
    person.user = user
    person.preferred_language = user.language
    person.save()
    member = Member.objects.create(person=person, joined_at=now)
    member.person = person
    record_audit(by=user, action=Action.CREATE, obj=member, summary="joined by invitation")
    change_requested = apply_contact(person, details, via=via, by=user, member=member)
    record_consents(member=member, consents=consents, via=ConsentRecord.Via.JOIN, by=user,
                    always=True)  # fmt: skip
    invitation.state = Invitation.State.ACCEPTED
    invitation.accepted_at = now
    invitation.save(update_fields=["state", "accepted_at"])
    tokens.revoke_tokens(person=person, purpose=AccessToken.Purpose.INVITATION)
    return JoinResult(user=user, member=member, email_change_requested=change_requested)
