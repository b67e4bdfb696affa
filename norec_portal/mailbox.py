"""The demo mailbox: the outbox's messages readable in the browser (staff only).

On the embedded default every email is printed in the worker's log; this page lets a
newcomer read them instead and follow each journey (invitation, contact-details link,
newsletter, unsubscribe) by clicking. It exists only where ``DEMO_MAILBOX`` is on (the
console mail setup, never production): elsewhere both pages answer 404 to everyone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from .access import staff_required
from .models import OutboxEmail
from .pagination import paginate

URL = re.compile(r"https?://[^\s<>\"]+")
TRAILING = ".,;:!?)]'"


def demo_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.DEMO_MAILBOX:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def portal_href(url: str) -> str:
    """A link to the portal itself becomes a path on the address the reader uses (the
    site address in the email may name another host or port than the browser's)."""
    site = settings.SITE_URL
    return url[len(site) :] if url.startswith(site + "/") else url


def links(text: str) -> list[str]:
    return [match.group(0).rstrip(TRAILING) for match in URL.finditer(text)]


def linkify(text: str) -> SafeString:
    """The plain-text body, escaped, with every address turned into a link."""
    parts: list[str] = []
    position = 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        parts.append(escape(text[position : match.start()]))
        parts.append(format_html('<a href="{}">{}</a>', portal_href(url), url))
        position = match.start() + len(url)
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


@demo_only
@staff_required
@require_GET
def mailbox(request: HttpRequest) -> HttpResponse:
    """Every message of the outbox, newest first; ``?q=`` narrows by recipient or subject."""
    query = request.GET.get("q", "").strip()[:200]
    messages = OutboxEmail.objects.only(
        "to_email", "subject", "state", "created_at", "sent_at"
    ).order_by("-created_at", "-pk")
    if query:
        messages = messages.filter(Q(to_email__icontains=query) | Q(subject__icontains=query))
    return render(
        request, "norec_portal/mailbox.html", {**paginate(request, messages, {"q": query}),
                                               "q": query},
    )  # fmt: skip


@demo_only
@staff_required
@require_GET
def mailbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(OutboxEmail, pk=pk)
    return render(request, "norec_portal/mailbox_message.html", {
        "message": message,
        "body": linkify(message.body_text),
        "links": [(portal_href(url), url) for url in links(message.body_text)],
    })  # fmt: skip
