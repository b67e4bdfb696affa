"""Rate limits of the public forms, on allauth's cache-based limiter.

Limits count per client address and per submitted email (``…/key`` rates), so one person
cannot flood an address with links and one address cannot be probed from many places. The
answer to a limited request is the same 429 whoever the email belongs to. Each app keeps
its rates in its own setting (``NETWORK_RATE_LIMITS``, ``TRAINING_RATE_LIMITS``) and a
two-line ``ratelimit`` module naming it.
"""

from __future__ import annotations

from allauth.core.internal import ratelimit as _impl
from django.http import HttpRequest, HttpResponse


def consume(request: HttpRequest, *, app: str, action: str, rates: str, key: str = "") -> bool:
    """Count one attempt of ``action`` against ``rates`` (allauth's syntax, e.g.
    ``"20/h/ip,3/h/key"``); False when a limit is reached (then answer with ``too_many``).
    Without a ``key`` the per-key rates do not apply."""
    if not key:
        rates = ",".join(r for r in rates.split(",") if not r.endswith("/key"))
    usage = _impl.consume(
        request, app=app, action=action, config={action: rates}, key=key.lower() or None
    )
    return usage is not None


def too_many(request: HttpRequest) -> HttpResponse:
    return _impl.respond_429(request)
