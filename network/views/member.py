"""Pages of a logged-in alumnus: their own profile, choices, contact details, and the
directory once they are in it themselves."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from norec_portal.access import alumnus_required
from norec_portal.forms import add_service_errors, form_page
from norec_portal.pagination import paginate

from .. import directory
from ..access import can_browse_directory, get_member_for_user, member_for_user
from ..forms import (
    ConsentForm,
    ContactDetailsForm,
    DirectoryFilterForm,
    ProfileForm,
    StartProfileForm,
)
from ..models import ContactChange, ResourceRequest
from ..services import contact, members, resources


@alumnus_required
@require_GET
def member_home(request: HttpRequest) -> HttpResponse:
    member = member_for_user(request.user)
    if member is None:
        return redirect("network:profile_start")
    assignments = resources.requests_of(member).filter(state=ResourceRequest.State.ACCEPTED)
    return render(request, "network/member_home.html", {
        "member": member, "person": member.person, "assignments": assignments,
    })  # fmt: skip


@alumnus_required
@require_http_methods(["GET", "POST"])
def profile_start(request: HttpRequest) -> HttpResponse:
    """An alumnus login without a profile (e.g. created by Norec) sets one up."""
    if member_for_user(request.user) is not None:
        return redirect("network:member_home")
    first, _sep, last = request.user.full_name.partition(" ")
    form = StartProfileForm(request.POST or None, initial={"first_name": first,
                                                           "last_name": last})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            members.start_membership(
                user=request.user,
                details=contact.ContactDetails(
                    first_name=data["first_name"], last_name=data["last_name"],
                    phone=data["phone"], country=data["country"],
                    organisation=data["organisation"], position=data["position"],
                ),
                profile=form.profile(),
                consents=form.consents(),
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your member profile is ready."))
            return redirect("network:member_home")
    return render(request, "network/profile_start.html", {"form": form})


@alumnus_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    member = get_member_for_user(request.user)
    form = ProfileForm(
        request.POST or None,
        initial=ProfileForm.initial_for(member),
        country=member.person.country.code or "",
    )
    return form_page(
        request, form, template="network/profile_edit.html",
        save=lambda: members.update_profile(member=member, profile=form.profile(),
                                            by=request.user),
        success_url=reverse("network:member_home"), message=_("Your profile is saved."),
        context={"member": member},
    )  # fmt: skip


@alumnus_required
@require_http_methods(["GET", "POST"])
def contact_details(request: HttpRequest) -> HttpResponse:
    member = get_member_for_user(request.user)
    person = member.person
    form = ContactDetailsForm(
        request.POST or None,
        initial={"first_name": person.first_name, "last_name": person.last_name,
                 "email": person.email, "phone": person.phone,
                 "country": person.country.code or "", "organisation": member.organisation,
                 "position": member.position},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pending = contact.update_contact_details(
                person=person,
                details=contact.ContactDetails(
                    first_name=data["first_name"], last_name=data["last_name"],
                    phone=data["phone"], country=data["country"], email=data["email"],
                    organisation=data["organisation"], position=data["position"],
                ),
                via=ContactChange.Via.MEMBER,
                by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your contact details are saved."))
            if pending:
                messages.info(request, _("We sent a confirmation link to %(email)s. Until you "
                                         "use it, we keep writing to %(old)s.")
                              % {"email": data["email"], "old": person.email})  # fmt: skip
            return redirect("network:member_home")
    return render(request, "network/contact_details.html", {"form": form, "member": member})


@alumnus_required
@require_http_methods(["GET", "POST"])
def consent_edit(request: HttpRequest) -> HttpResponse:
    member = get_member_for_user(request.user)
    form = ConsentForm(
        request.POST or None,
        initial={"directory_consent": member.directory_consent,
                 "newsletter_consent": member.newsletter_consent},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        members.change_consents(member=member, consents=form.consents(), by=request.user)
        messages.success(request, _("Your choices are saved."))
        return redirect("network:member_home")
    history = member.consents.all()[:20]
    return render(request, "network/consent_edit.html", {"form": form, "member": member,
                                                         "history": history})  # fmt: skip


@alumnus_required
@require_GET
def member_directory(request: HttpRequest) -> HttpResponse:
    member = member_for_user(request.user)
    if not can_browse_directory(request.user, member):
        return render(request, "network/directory_locked.html", {"member": member})
    form = DirectoryFilterForm(request.GET or None)
    listing = paginate(
        request, directory.search(directory.visible_to_members(), form), counted=False
    )
    return render(request, "network/member_directory.html",
                  {"form": form, **listing})  # fmt: skip
