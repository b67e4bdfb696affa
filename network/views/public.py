"""Pages reached from an email link or open to anyone.

Links: the first GET checks the token, keeps it in the session and redirects to the same
page without it; the page itself may be shown any number of times; only its POST uses
the token. Public forms answer the same whatever the address typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from norec_portal.forms import add_service_errors

from .. import ratelimit, tasks, tokens
from ..forms import ContactDetailsForm, EmailForm, InvitationRequestForm, JoinForm
from ..models import AccessToken
from ..services import contact, members
from ..services import requests as invitation_requests
from ..services.requests import RequestData

Purpose = AccessToken.Purpose
ALLAUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "network/link_invalid.html", status=400)


def _enter(request: HttpRequest, raw: str, *, purpose: str, then: str) -> HttpResponse:
    try:
        tokens.peek_token(raw, purpose=purpose)
    except tokens.InvalidToken:
        return link_invalid(request)
    tokens.remember_token(request, purpose=purpose, raw=raw)
    return redirect(then)


def _token(request: HttpRequest, purpose: str) -> tuple[str | None, AccessToken | None]:
    raw = tokens.remembered_token(request, purpose=purpose)
    try:
        return raw, tokens.peek_token(raw, purpose=purpose)
    except tokens.InvalidToken:
        tokens.forget_token(request, purpose=purpose)
        return None, None


# --- Joining ---------------------------------------------------------------------------


@never_cache
@require_GET
def join_link(request: HttpRequest, token: str) -> HttpResponse:
    return _enter(request, token, purpose=Purpose.INVITATION, then="network:join")


@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    raw, token = _token(request, Purpose.INVITATION)
    if token is None:
        return link_invalid(request)
    person = token.person
    form = JoinForm(
        request.POST or None,
        initial={"first_name": person.first_name, "last_name": person.last_name,
                 "email": token.email, "country": person.country.code or ""},
    )  # fmt: skip
    if request.method == "POST":
        if not ratelimit.consume(request, action="join"):
            return ratelimit.too_many(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = members.join_network(
                    raw_token=raw,
                    details=contact.ContactDetails(
                        first_name=data["first_name"], last_name=data["last_name"],
                        phone=person.phone, country=data["country"],
                        organisation=data["organisation"], position=data["position"],
                        email=data["email"],
                    ),
                    password=data["password1"],
                    consents=form.consents(),
                )  # fmt: skip
            except tokens.InvalidToken:
                tokens.forget_token(request, purpose=Purpose.INVITATION)
                return link_invalid(request)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                tokens.forget_token(request, purpose=Purpose.INVITATION)
                login(request, result.user, backend=ALLAUTH_BACKEND)
                messages.success(request, _("Welcome to Norec Network!"))
                if result.email_change_requested:
                    messages.info(request, _("We sent a confirmation link to your new address. "
                                             "Until you use it, we keep writing to %(email)s.")
                                  % {"email": result.user.email})  # fmt: skip
                return redirect("network:member_home")
    return render(request, "network/join.html", {"form": form, "person": person,
                                                 "token": token})  # fmt: skip


# --- Contact details through a link ----------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def update_link_request(request: HttpRequest) -> HttpResponse:
    """Anyone asks for an update link; the answer never says whether we know them."""
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimit.consume(request, action="update_link", key=email):
            return ratelimit.too_many(request)
        # Sent by a task, so the answer takes as long for a known address as for another.
        tasks.send_update_link.delay_on_commit(email)
        return redirect("network:update_link_sent")
    return render(request, "network/update_link_request.html", {"form": form})


@require_GET
def update_link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "network/update_link_sent.html")


@never_cache
@require_GET
def contact_link(request: HttpRequest, token: str) -> HttpResponse:
    return _enter(request, token, purpose=Purpose.CONTACT_UPDATE, then="network:contact_edit")


@never_cache
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest) -> HttpResponse:
    raw, token = _token(request, Purpose.CONTACT_UPDATE)
    if token is None:
        return link_invalid(request)
    person = token.person
    member = getattr(person, "member", None)  # loaded with the token
    initial = {"first_name": person.first_name, "last_name": person.last_name,
               "email": person.email, "phone": person.phone,
               "country": person.country.code or ""}  # fmt: skip
    if member is not None:
        initial.update(organisation=member.organisation, position=member.position)
    form = ContactDetailsForm(request.POST or None, initial=initial, with_work=member is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pending = contact.update_contact_details_with_link(
                raw_token=raw,
                details=contact.ContactDetails(
                    first_name=data["first_name"], last_name=data["last_name"],
                    phone=data["phone"], country=data["country"], email=data["email"],
                    organisation=data.get("organisation", ""),
                    position=data.get("position", ""),
                ),
            )  # fmt: skip
        except tokens.InvalidToken:
            tokens.forget_token(request, purpose=Purpose.CONTACT_UPDATE)
            return link_invalid(request)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            tokens.forget_token(request, purpose=Purpose.CONTACT_UPDATE)
            request.session["network:contact_saved"] = data["email"] if pending else ""
            return redirect("network:contact_saved")
    return render(request, "network/contact_edit.html", {"form": form, "person": person})


@require_GET
def contact_saved(request: HttpRequest) -> HttpResponse:
    pending_email = request.session.pop("network:contact_saved", "")
    return render(request, "network/contact_saved.html", {"pending_email": pending_email})


# --- Confirming a new address ----------------------------------------------------------


@never_cache
@require_GET
def email_confirm_link(request: HttpRequest, token: str) -> HttpResponse:
    return _enter(request, token, purpose=Purpose.EMAIL_CHANGE, then="network:email_confirm")


@never_cache
@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest) -> HttpResponse:
    raw, token = _token(request, Purpose.EMAIL_CHANGE)
    if token is None:
        return link_invalid(request)
    error = ""
    if request.method == "POST":
        try:
            person = contact.confirm_email_change(raw_token=raw)
        except tokens.InvalidToken:
            tokens.forget_token(request, purpose=Purpose.EMAIL_CHANGE)
            return link_invalid(request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            tokens.forget_token(request, purpose=Purpose.EMAIL_CHANGE)
            messages.success(request, _("Your address is now %(email)s.") % {"email": person.email})
            if request.user.is_authenticated:
                return redirect("home")
            return render(request, "network/email_confirmed.html", {"person": person})
    return render(request, "network/email_confirm.html", {"token": token, "error": error})


# --- "I never got an invitation" ---------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def request_invitation(request: HttpRequest) -> HttpResponse:
    form = InvitationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not ratelimit.consume(request, action="request_invitation", key=data["email"]):
            return ratelimit.too_many(request)
        # The same work for every address: nothing is looked up here.
        try:
            invitation_requests.submit_invitation_request(
                data=RequestData(
                    first_name=data["first_name"], last_name=data["last_name"],
                    email=data["email"], country=data["country"],
                    exchange_year=data["exchange_year"], organisation=data["organisation"],
                    message=data["message"],
                )
            )  # fmt: skip
        except ValidationError as exc:
            # An address Django's field lets through but the portal's check does not
            # (``name@localhost``, a quoted local part): said on the form.
            form.add_error("email", exc.messages)
        else:
            return redirect("network:request_invitation_sent")
    return render(request, "network/request_invitation.html", {"form": form})


@require_GET
def request_invitation_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "network/request_invitation_sent.html")
