"""Rate limits of the trainings app's public pages (``settings.TRAINING_RATE_LIMITS``),
counted by :mod:`norec_portal.ratelimit`."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from norec_portal import ratelimit as limiter

too_many = limiter.too_many


def consume(request: HttpRequest, *, action: str, key: str = "") -> bool:
    """Count one attempt; False when the limit is reached (then answer with ``too_many``)."""
    return limiter.consume(request, app="trainings", action=action,
                           rates=settings.TRAINING_RATE_LIMITS[action], key=key)  # fmt: skip
