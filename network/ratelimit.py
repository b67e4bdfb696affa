"""Rate limits of the public network forms, on allauth's cache-based limiter.

Limits count per client address and per submitted email, so one person cannot flood an
address with links and one address cannot be probed from many places. The answer to a
limited request is the same 429 whoever the email belongs to. The limits are
``settings.NETWORK_RATE_LIMITS``.
"""

from __future__ import annotations

from allauth.core.internal import ratelimit as _impl
from django.conf import settings
from django.http import HttpRequest, HttpResponse


def consume(request: HttpRequest, *, action: str, key: str = "") -> bool:
    """Count one attempt; False when the limit is reached (then answer with ``too_many``)."""
    config = {action: settings.NETWORK_RATE_LIMITS[action]}
    if not key:
        config[action] = ",".join(r for r in config[action].split(",") if not r.endswith("/key"))
    usage = _impl.consume(
        request, app="network", action=action, config=config, key=key.lower() or None
    )
    return usage is not None


def too_many(request: HttpRequest) -> HttpResponse:
    return _impl.respond_429(request)
