from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from .access import staff_has_mfa
from .enrolment import enrolment_granted

# Pages a staff member without an authenticator may still open: logging in and out, a
# password reset, and the page that emails the one-time set-up link. Not the address
# pages: whoever could add an address could have the link sent there.
MFA_SETUP_PATHS = (
    "/accounts/enrolment/", "/accounts/login/", "/accounts/logout/", "/accounts/reauthenticate/",
    "/accounts/password/reset/", "/static/", "/healthz", "/i18n/", "/favicon.ico",
)  # fmt: skip
# allauth's authenticator pages, open only to a session that used a set-up link.
MFA_PATHS = "/accounts/2fa/"


class StaffMFARequiredMiddleware:
    """No staff page before an authenticator app is set up, and no set-up without the
    mailbox.

    Staff (and superusers) with no TOTP authenticator are sent to the enrolment page
    from every page of the portal, the Django admin included; the authenticator pages
    open only after the emailed one-time link was used (``norec_portal.enrolment``).
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
            and not (request.path.startswith(MFA_PATHS) and enrolment_granted(request))
        ):
            messages.warning(
                request,
                _("Norec staff must set up an authenticator app before using the portal."),
            )
            return redirect("staff_enrolment")
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


class PrivateResponseMiddleware:
    """No page or file of the portal is kept by a browser or a proxy cache, and the
    browser is told which of its features the portal never uses.

    Pages and downloads are built for one person and may hold personal data: each
    response gets ``Cache-Control: no-store`` unless its view chose a policy. Static
    files never get here (WhiteNoise answers them first, with their own long cache).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENY
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        if "no-store" not in response["Cache-Control"]:
            response["Cache-Control"] += ", no-store"
        response.setdefault("Permissions-Policy", self.permissions_policy)
        return response
