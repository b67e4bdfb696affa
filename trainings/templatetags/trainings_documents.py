"""Template helpers for the training documents."""

from __future__ import annotations

from django import template

from .. import documents
from ..models import Enrolment

register = template.Library()


@register.filter
def letter_reason(enrolment: Enrolment) -> str | None:
    """Why the enrolment has no invitation letter yet (None: the letter can be issued)."""
    return documents.letter_unavailable_reason(enrolment)
