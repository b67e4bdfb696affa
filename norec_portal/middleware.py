from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
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


class UserLanguageMiddleware:
    """A logged-in person reads the portal in the language of their profile.

    Placed after ``LocaleMiddleware`` (which chose from the language cookie, then the
    browser's Accept-Language) and ``AuthenticationMiddleware``: when the user has set
    ``User.language``, that choice wins; otherwise LocaleMiddleware's stands.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = user.language if user is not None and user.is_authenticated else ""
        if language in self.languages:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
