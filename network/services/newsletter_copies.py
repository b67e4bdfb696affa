"""What a member receives: each copy of a newsletter, the preview staff see and the test
copy staff send themselves. Every copy is the ``network_newsletter`` email templates
rendered for one reader (their name, language — and the newsletter's version in it — and
own unsubscribe links)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from norec_portal.emails import render_email
from norec_portal.models import OutboxEmail, User
from norec_portal.outbox import EmailSpec, queue_email

from .. import tokens
from ..models import Member, Newsletter, NewsletterVersion
from .common import absolute_url
from .links import link_addresses, rewrite
from .member_time import MemberTime, member_time
from .versions import Content, newsletter_in, versions_by_language

TEMPLATE = "network_newsletter"


def unsubscribe_url(member_id: int) -> str:
    return absolute_url("network:unsubscribe", tokens.unsubscribe_token(member_id))


def list_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail programs show an unsubscribe button that POSTs."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"Norec Network <newsletter.{settings.OUTBOX_MESSAGE_ID_DOMAIN}>",
    }


def email_context(
    newsletter: Newsletter,
    *,
    first_name: str,
    member_id: int | None,
    content: Content,
    links: dict[str, str] | None = None,
    member_time: MemberTime | None = None,
) -> dict[str, Any]:
    """The templates' context for one reader (``member_id`` None: a staff test copy), with
    the ``content`` in the reader's language and its ``links`` (url → counting address,
    the same for every reader) swapped in."""
    body_html, body_text = rewrite(content.body_html, content.body, links or {})
    context: dict[str, Any] = {
        "newsletter": newsletter,
        "subject": content.subject,
        "first_name": first_name,
        # An announcement: the activity's time on the reader's clock, when it differs.
        "member_time": member_time,
        "body_text": body_text,
        # Sanitised by ``render_markdown`` when it was saved.
        "body_html": mark_safe(body_html),  # noqa: S308
        "archive_url": absolute_url("network:newsletter_archive"),
        "activity_url": (
            absolute_url("network:activity", newsletter.activity_id)
            if newsletter.activity_id
            else ""
        ),
    }
    if member_id is not None:
        # One fresh token per email, for both links (they expire: a new one each time).
        token = tokens.unsubscribe_token(member_id)
        context["unsubscribe_url"] = absolute_url("network:unsubscribe", token)
        context["preferences_url"] = absolute_url("network:newsletter_preferences", token)
    else:
        # A test copy to staff: the links lead to the member's own settings page.
        context["unsubscribe_url"] = context["preferences_url"] = absolute_url(
            "network:consent_edit"
        )
    return context


def member_spec(
    newsletter: Newsletter,
    member: Member,
    versions: Mapping[str, NewsletterVersion] | None = None,
    links: dict[str, str] | None = None,
) -> EmailSpec:
    """The message one member gets (``member.person`` loaded): the newsletter's email
    templates rendered for them, in their language (its version of the newsletter, or
    English), with their name and their own unsubscribe and preferences links."""
    person = member.person
    content = newsletter_in(newsletter, person.preferred_language, versions)
    if links is None:
        links = link_addresses(newsletter)
    own = member_time(newsletter.activity, member.zone_name) if newsletter.activity_id else None
    context = email_context(
        newsletter, first_name=person.first_name, member_id=member.pk, content=content,
        links=links, member_time=own,
    )  # fmt: skip
    subject, text, html = render_email(
        TEMPLATE, context, language=person.preferred_language or None
    )
    return EmailSpec(
        key=f"newsletter:{newsletter.pk}:member:{member.pk}",
        to=person.email,
        subject=subject,
        text=text,
        html=html,
        headers=list_headers(context["unsubscribe_url"]),
    )


def member_specs(newsletter: Newsletter, members: Sequence[Member]) -> list[EmailSpec]:
    """The message each member gets (``member.person`` loaded); the versions are read
    once for all of them."""
    versions = versions_by_language(newsletter)
    links = link_addresses(newsletter)
    return [member_spec(newsletter, member, versions, links) for member in members]


def send_test(*, newsletter: Newsletter, to: User) -> OutboxEmail:
    """A copy to a staff member, marked as a test; it never counts as a delivery."""
    first_name = to.get_short_name()
    language = to.language or None
    content = newsletter_in(newsletter, language)
    subject, text, html = render_email(
        TEMPLATE,
        email_context(newsletter, first_name=first_name, member_id=None, content=content),
        language=language,
    )
    return queue_email(
        key=f"newsletter:{newsletter.pk}:test:{uuid.uuid4().hex}",
        to=to.email,
        subject=_("[Test] %(subject)s") % {"subject": subject},
        text=text,
        html=html,
        headers=list_headers(absolute_url("network:consent_edit")),
    )
