"""Small helpers the network services share."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from norec_portal import addresses
from norec_portal.audit import Action, record_audit
from norec_portal.models import User
from partnerships.models import Person

from ..models import ContactChange


def absolute_url(name: str, *args: Any) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def clean_email(value: str) -> str:
    """Trimmed, lower-case, valid by the portal's one email check
    (``norec_portal.addresses``); raises ``ValidationError`` otherwise."""
    check = addresses.check_address(value or "")
    if check is None or not check.address:
        raise ValidationError(
            _("“%(email)s” is not a valid email address.") % {"email": (value or "")[:100]}
        )
    return check.address


def display(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "code"):  # a django-countries Country
        return value.code or ""
    return str(value)[:500]


def record_change(
    *, person: Person, field: str, old: Any, new: Any, via: str, by: User | None
) -> ContactChange | None:
    """Keep one changed field in the contact history (nothing if the value is the same)."""
    old_s, new_s = display(old), display(new)
    if old_s == new_s:
        return None
    record_audit(by=by, action=Action.UPDATE, obj=person, changes=[field], summary=f"via {via}")
    return ContactChange.objects.create(
        person=person, field=field, old_value=old_s, new_value=new_s, via=via, changed_by=by
    )


def email_taken(email: str, *, person: Person | None = None) -> bool:
    """Whether another person record or another login already uses ``email``."""
    people = Person.objects.filter(email__iexact=email)
    users = User.objects.filter(email__iexact=email)
    if person is not None:
        people = people.exclude(pk=person.pk)
        if person.user_id:
            users = users.exclude(pk=person.user_id)
    return people.exists() or users.exists()
