from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .access import staff_has_mfa

# Pages a staff member without an authenticator may still open: enough to set one up.
MFA_SETUP_PATHS = ("/accounts/", "/static/", "/healthz", "/i18n/", "/favicon.ico")


class StaffMFARequiredMiddleware:
    """No staff page before an authenticator app is set up.

    Staff (and superusers) with no TOTP authenticator are sent to the setup page from
    every page of the portal, the Django admin included.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and not request.path.startswith(MFA_SETUP_PATHS)
            and not staff_has_mfa(user)
        ):
            messages.warning(
                request,
                _("Norec staff must set up an authenticator app before using the portal."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
