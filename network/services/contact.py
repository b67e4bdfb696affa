"""Self-service contact details: the update link, the details form, email changes.

Public entry points answer the same whether or not an address is known; what differs
happens only in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.emails import send_templated_email
from norec_portal.models import User
from partnerships.models import Participant, Person
from partnerships.services import clean_person_data

from .. import tokens
from ..models import AccessToken, ContactChange, Invitation, Member
from .common import absolute_url, clean_email, email_taken, record_change


@dataclass(frozen=True)
class ContactDetails:
    first_name: str
    last_name: str
    phone: str = ""
    country: str = ""
    organisation: str = ""
    position: str = ""
    email: str = ""


def alumni() -> QuerySet[Person]:
    """People the network knows as former participants or members."""
    return Person.objects.filter(
        Exists(Participant.objects.filter(person=OuterRef("pk"),
                                          status=Participant.Status.COMPLETED))
        | Exists(Member.objects.filter(person=OuterRef("pk")))
    )  # fmt: skip


@transaction.atomic
def send_update_link(*, email: str) -> bool:
    """Email an update link if ``email`` belongs to an alumnus; say nothing either way.

    Returns whether a link was queued (for logs and tests only — never show it).
    """
    try:
        email = clean_email(email)
    except ValidationError:
        return False
    person = alumni().filter(email__iexact=email).first()
    if person is None:
        return False
    expires_at = timezone.now() + timedelta(hours=settings.NETWORK_UPDATE_LINK_HOURS)
    raw, token = tokens.issue_token(
        purpose=AccessToken.Purpose.CONTACT_UPDATE, person=person, email=person.email,
        expires_at=expires_at,
    )  # fmt: skip
    send_templated_email(
        key=f"network:update-link:{token.pk}",
        to=person.email,
        name="network_update_link",
        context={"person": person, "url": absolute_url("network:contact_link", raw),
                 "hours": settings.NETWORK_UPDATE_LINK_HOURS},
        language=person.preferred_language or None,
    )  # fmt: skip
    return True


def apply_contact(
    person: Person,
    details: ContactDetails,
    *,
    via: str,
    by: User | None,
    member: Member | None = None,
) -> bool:
    """Write the changed fields; return whether a new address waits for confirmation."""
    try:
        cleaned = clean_person_data(
            {"first_name": details.first_name, "last_name": details.last_name,
             "phone": details.phone, "country": details.country}
        )  # fmt: skip
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    if not cleaned["first_name"] or not cleaned["last_name"]:
        raise ValidationError(_("Give both your first and last name."))
    for field in ("first_name", "last_name", "phone", "country"):
        record_change(person=person, field=field, old=getattr(person, field),
                      new=cleaned[field], via=via, by=by)  # fmt: skip
        setattr(person, field, cleaned[field])
    person.save()
    if member is None:
        member = Member.objects.filter(person=person).first()
    if member is not None:
        for field in ("organisation", "position"):
            value = " ".join(str(getattr(details, field)).split())[:200]
            record_change(person=person, field=field, old=getattr(member, field), new=value,
                          via=via, by=by)  # fmt: skip
            setattr(member, field, value)
        member.save(update_fields=["organisation", "position", "updated_at"])
    new_email = clean_email(details.email) if details.email else person.email
    if new_email and new_email != person.email:
        request_email_change(person=person, new_email=new_email, via=via, by=by)
        return True
    return False


@transaction.atomic
def update_contact_details(
    *, person: Person, details: ContactDetails, via: str, by: User | None
) -> bool:
    """Staff or a logged-in member change contact details. Returns whether an email
    confirmation was sent."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    return apply_contact(person, details, via=via, by=by)


@transaction.atomic
def update_contact_details_with_link(*, raw_token: str, details: ContactDetails) -> bool:
    """The update link: used once, in the same transaction as the change."""
    token = tokens.consume_token(raw_token, purpose=AccessToken.Purpose.CONTACT_UPDATE)
    person = Person.objects.select_for_update().get(pk=token.person_id)
    return apply_contact(person, details, via=ContactChange.Via.LINK, by=person.user)


@transaction.atomic
def request_email_change(
    *, person: Person, new_email: str, via: str, by: User | None
) -> AccessToken:
    """Send a confirmation link to the new address; nothing changes until it is used.

    Whether the address is already taken is checked on confirmation, so this step tells
    nobody which addresses the portal knows. The old address is told of the request.
    """
    new_email = clean_email(new_email)
    if new_email == person.email:
        raise ValidationError(_("This is already your address."))
    tokens.revoke_tokens(person=person, purpose=AccessToken.Purpose.EMAIL_CHANGE)
    raw, token = tokens.issue_token(
        purpose=AccessToken.Purpose.EMAIL_CHANGE, person=person, email=new_email,
        expires_at=timezone.now() + timedelta(hours=settings.NETWORK_EMAIL_CHANGE_HOURS),
    )  # fmt: skip
    context = {"person": person, "new_email": new_email,
               "hours": settings.NETWORK_EMAIL_CHANGE_HOURS,
               "url": absolute_url("network:email_confirm_link", raw)}  # fmt: skip
    language = person.preferred_language or None
    send_templated_email(
        key=f"network:email-change:{token.pk}", to=new_email, name="network_email_change",
        context=context, language=language,
    )  # fmt: skip
    if person.email:
        send_templated_email(
            key=f"network:email-change:{token.pk}:notice", to=person.email,
            name="network_email_change_notice", context=context, language=language,
        )  # fmt: skip
    return token


@transaction.atomic
def confirm_email_change(*, raw_token: str) -> Person:
    """Make the confirmed address the person's (and their login's) address."""
    token = tokens.consume_token(raw_token, purpose=AccessToken.Purpose.EMAIL_CHANGE)
    person = Person.objects.select_for_update().get(pk=token.person_id)
    new_email = token.email
    if email_taken(new_email, person=person):
        raise ValidationError(
            _("The address %(email)s is already used by another record. Contact Norec so we "
              "can sort it out.") % {"email": new_email}
        )  # fmt: skip
    old_email = person.email
    record_change(person=person, field="email", old=old_email, new=new_email,
                  via=ContactChange.Via.EMAIL_CONFIRMATION, by=person.user)  # fmt: skip
    person.email = new_email
    try:
        with transaction.atomic():
            person.save()
            if person.user_id:
                user = User.objects.select_for_update().get(pk=person.user_id)
                user.email = new_email
                user.save(update_fields=["email"])
                EmailAddress.objects.filter(user=user).exclude(email__iexact=new_email).delete()
                EmailAddress.objects.update_or_create(
                    user=user, email=new_email, defaults={"verified": True, "primary": True}
                )
    except IntegrityError:
        raise ValidationError(
            _("The address %(email)s was taken a moment ago. Contact Norec.") % {"email": new_email}
        ) from None
    # An invitation still waiting in a wave goes to the confirmed address.
    Invitation.objects.filter(person=person, state=Invitation.State.QUEUED).update(email=new_email)
    tokens.revoke_tokens(person=person, purpose=AccessToken.Purpose.CONTACT_UPDATE)
    return person
