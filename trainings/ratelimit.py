"""Rate limits of the trainings app's public pages (``settings.TRAINING_RATE_LIMITS``),
on allauth's cache-based limiter like the network's forms (``network/ratelimit.py``).

The answer to a limited request is the same 429 whoever the typed address belongs to.
"""

from __future__ import annotations

from allauth.core.internal import ratelimit as _impl
from django.conf import settings
from django.http import HttpRequest, HttpResponse


def consume(request: HttpRequest, *, action: str, key: str = "") -> bool:
    """Count one attempt; False when the limit is reached (then answer with ``too_many``)."""
    config = {action: settings.TRAINING_RATE_LIMITS[action]}
    if not key:
        config[action] = ",".join(r for r in config[action].split(",") if not r.endswith("/key"))
    usage = _impl.consume(
        request, app="trainings", action=action, config=config, key=key.lower() or None
    )
    return usage is not None


def too_many(request: HttpRequest) -> HttpResponse:
    return _impl.respond_429(request)
