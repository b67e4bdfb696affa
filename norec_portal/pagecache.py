"""The content of a busy page, kept while the data it shows does not change.

Working out a long table costs far more than the rest of a request (bench/RESULTS.md),
and most visits find the data as the last visit left it. A page's content (what its
``{% block content %}`` holds) is rendered from its own template and kept under
:mod:`norec_portal.generations`: any write to one of the domains it reads ends it, so a
visitor never sees it older than the data. The layout around it — menu, messages, the
visitor's name, CSRF tokens — is rendered on every request, and a content template must
hold nothing that belongs to one visitor or one request (tests/norec_portal/
test_pagecache.py checks the cached pages for it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from . import generations

CONTENT_SECONDS = 600


def content(
    request: HttpRequest,
    *,
    name: str,
    domains: Sequence[str],
    template: str,
    context: Callable[[], dict[str, Any]],
    vary: tuple[object, ...] = (),
) -> SafeString:
    """``template`` rendered with ``context()``, or as rendered by an earlier visit with
    the same query string, language, day and ``vary`` (e.g. the organisation of a
    coordinator) while none of ``domains`` has changed.

    Access is checked before: whoever reaches this call may see the content of every
    visit with the same ``vary``."""
    key = (
        "page:"
        + name
        + ":"
        + generations.key_of(
            request.path,
            sorted(request.GET.lists()),
            get_language(),
            timezone.localdate().isoformat(),
            vary,
        )
    )

    def render() -> str:
        return str(render_to_string(template, context(), request))

    return mark_safe(  # noqa: S308 - rendered by our own templates, escaped there
        generations.cached(key, domains, render, timeout=CONTENT_SECONDS)
    )
