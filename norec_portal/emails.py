"""Render an email from templates and put it in the outbox.

Every email of the portal is written as three templates under ``templates/emails/``:
``<name>_subject.txt``, ``<name>_body.txt`` and, optionally, ``<name>_body.html``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from .models import OutboxEmail
from .outbox import EmailSpec, queue_email


def render_email(
    name: str, context: dict[str, Any], *, language: str | None = None
) -> tuple[str, str, str]:
    """Return ``(subject, text, html)`` for the templates ``emails/<name>_*``."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}_subject.txt", context).strip()
        text = render_to_string(f"emails/{name}_body.txt", context)
        try:
            html = render_to_string(f"emails/{name}_body.html", context)
        except TemplateDoesNotExist:
            html = ""
    return subject, text, html


def make_email_spec(
    *,
    key: str,
    to: str,
    name: str,
    context: dict[str, Any],
    language: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailSpec:
    subject, text, html = render_email(name, context, language=language)
    return EmailSpec(key=key, to=to, subject=subject, text=text, html=html, headers=headers or {})


def send_templated_email(
    *,
    key: str,
    to: str,
    name: str,
    context: dict[str, Any],
    language: str | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxEmail:
    """Render ``emails/<name>_*`` and queue it under the idempotency ``key``."""
    spec = make_email_spec(
        key=key, to=to, name=name, context=context, language=language, headers=headers
    )
    return queue_email(
        key=spec.key, to=spec.to, subject=spec.subject, text=spec.text, html=spec.html,
        headers=spec.headers,
    )  # fmt: skip
