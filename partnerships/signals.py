"""Signals of the partnerships app.

- ``phase_entered``: a partnership has entered a phase (``partnership``, ``phase``, ``by``).
  Sent by ``services.create_partnership`` (feasibility) and ``services.change_phase`` inside
  their transaction, so a receiver's outbox rows commit with the change or not at all.
  Other apps (the trainings app: the seminar invitation, Partner training due) connect
  to it in their ``AppConfig.ready``; ``partnerships`` never imports them.
- Keep a person's preferred language in step with their login's: a person chooses their
  language on their account page or with the footer's switcher (``User.language``);
  emails are written in ``Person.preferred_language``, which the sending code reads
  without loading the login. ``copy_language_to_person`` copies the choice across.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from norec_portal.models import User

from .models import Person

phase_entered = Signal()


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
