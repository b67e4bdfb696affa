"""Keep a person's preferred language in step with their login's.

A person chooses their language on their account page or with the footer's switcher
(``User.language``); emails are written in ``Person.preferred_language``, which the
sending code reads without loading the login. This copies the choice across.
"""

from __future__ import annotations

from typing import Any

from norec_portal.models import User

from .models import Person


def copy_language_to_person(
    sender: type[User],
    instance: User,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if not instance.language or (update_fields is not None and "language" not in update_fields):
        return
    Person.objects.filter(user=instance).exclude(preferred_language=instance.language).update(
        preferred_language=instance.language
    )
