"""Who may reach which part of the portal: the one place that checks roles.

Views declare their audience with a decorator; object-level scoping (a coordinator sees
only their own organisation) lives in each app's ``access.py`` and ends in a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Role

View = Callable[..., HttpResponse]


def staff_has_mfa(user: Any) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def role_required(*roles: str) -> Callable[[View], View]:
    """Anonymous → login page; the wrong role → 403. Superusers count as staff."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            effective = Role.STAFF if user.is_staff else user.role
            if effective not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(Role.STAFF)
coordinator_required = role_required(Role.COORDINATOR)
alumnus_required = role_required(Role.ALUMNUS)


def spreadsheet_upload_allowed(request: HttpRequest) -> bool:
    """Each upload costs the reading of a whole file: so many per login an hour
    (``IMPORT_RATE_LIMIT``), counted once per upload."""
    from allauth.core.internal import ratelimit
    from django.conf import settings

    usage = ratelimit.consume(
        request, app="norec_portal", action="spreadsheet_upload",
        config={"spreadsheet_upload": settings.IMPORT_RATE_LIMIT}, key=str(request.user.pk),
    )  # fmt: skip
    return usage is not None


def too_many_requests(request: HttpRequest) -> HttpResponse:
    from allauth.core.internal import ratelimit

    return ratelimit.respond_429(request)
