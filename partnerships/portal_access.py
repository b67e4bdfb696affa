"""Portal access for coordinators: a login for an active contact person, and the email
with the link to choose a password."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.audit import Action, record_audit
from norec_portal.emails import send_templated_email
from norec_portal.models import Role, User

from .models import ContactPerson


@transaction.atomic
def grant_portal_access(*, contact: ContactPerson, by: User | None) -> User:
    """Give an active coordinator a login, and email them a link to choose a password.

    Repeating it re-sends the link. An address that already logs in with another role is
    refused: one login has one role.
    """
    contact = ContactPerson.objects.select_related("person", "organisation").get(pk=contact.pk)
    person = contact.person
    if contact.role != ContactPerson.Role.COORDINATOR or not contact.active:
        raise ValidationError(_("Only active coordinators get a login to the portal."))
    if not person.email:
        raise ValidationError(_("%(name)s has no email address.") % {"name": person.full_name})
    user = person.user or User.objects.filter(email=person.email).first()
    if user is not None and user.role != Role.COORDINATOR:
        raise ValidationError(
            _("%(email)s already logs in as %(role)s.")
            % {"email": person.email, "role": user.get_role_display()}
        )
    if user is None:
        user = User.objects.create_user(
            person.email, None, full_name=person.full_name, role=Role.COORDINATOR,
            language=person.preferred_language,
        )  # fmt: skip
    if person.user_id != user.pk:
        person.user = user
        person.save(update_fields=["user"])
    record_audit(by=by, action=Action.ACCESS, obj=person, changes=["user"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    send_templated_email(
        key=f"coordinator-access:{contact.pk}:{timezone.now().isoformat()}",
        to=user.email,
        name="coordinator_access",
        context={
            "name": person.full_name,
            "organisation": contact.organisation.name,
            "link": f"{settings.SITE_URL}{path}",
        },
        language=person.preferred_language or None,
    )
    return user
