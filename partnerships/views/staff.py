"""Norec staff pages: organisations, partnerships with their phases, participants."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from norec_portal.access import staff_required
from norec_portal.forms import form_page
from norec_portal.pagination import paginate

from .. import services
from ..forms import (
    OrganisationFilterForm,
    ParticipantFilterForm,
    PartnershipCreateForm,
    PartnershipFilterForm,
    PhaseChangeForm,
)
from ..models import (
    ContactPerson,
    HeldRegistration,
    Participant,
    PartnerOrganisation,
    Partnership,
    PartnershipMember,
    Phase,
)
from ..portal_access import grant_portal_access
from ..readiness import contacts_readiness


def _filters(form) -> dict:
    return form.cleaned_data if form.is_valid() else {}


@staff_required
def partnership_list(request: HttpRequest) -> HttpResponse:
    form = PartnershipFilterForm(request.GET or None)
    filters = _filters(form)
    partnerships = (
        Partnership.objects.select_related("adviser")
        .prefetch_related(
            Prefetch("members", queryset=PartnershipMember.objects.select_related("organisation"))
        )
        .annotate(
            participant_count=Count(
                "participants",
                filter=Q(participants__status__in=Participant.ACTIVE_STATUSES),
                distinct=True,
            )
        )
        .order_by("name")
    )
    if filters.get("q"):
        q = filters["q"]
        partnerships = partnerships.filter(
            Q(name__icontains=q) | Q(members__organisation__name__icontains=q)
        ).distinct()
    if filters.get("country"):
        partnerships = partnerships.filter(
            members__organisation__country=filters["country"]
        ).distinct()
    for field in ("phase", "programme", "adviser"):
        if filters.get(field):
            partnerships = partnerships.filter(**{field: filters[field]})
    context = {"form": form, **paginate(request, partnerships, filters)}
    return render(request, "partnerships/staff/partnership_list.html", context)


@staff_required
def partnership_create(request: HttpRequest) -> HttpResponse:
    form = PartnershipCreateForm(request.POST or None)
    return form_page(
        request,
        form,
        template="partnerships/staff/partnership_form.html",
        save=lambda: services.create_partnership(
            name=form.cleaned_data["name"],
            programme=form.cleaned_data["programme"],
            organisations=form.member_list(),
            adviser=form.cleaned_data["adviser"],
            by=request.user,
            feasibility_since=form.cleaned_data["feasibility_since"],
        ),
        message=_("The partnership has been created."),
        success_url=lambda partnership: reverse(
            "partnerships:staff_partnership", args=[partnership.pk]
        ),
    )


def _partnership_context(partnership: Partnership, phase_form: PhaseChangeForm) -> dict:
    members = list(
        partnership.members.select_related("organisation").prefetch_related(
            Prefetch(
                "organisation__contacts",
                queryset=ContactPerson.objects.filter(active=True).select_related(
                    "person", "person__user"
                ),
                to_attr="active_contacts",
            )
        )
    )
    contacts = [c for member in members for c in member.organisation.active_contacts]
    found = contacts_readiness([member.organisation for member in members], contacts)
    for contact in contacts:
        contact.readiness_items = found.contacts[contact.pk]
    for member in members:
        member.organisation.readiness_items = found.organisations[member.organisation_id]
    participants = partnership.participants.with_related().order_by(
        "-exchange_start", "person__last_name"
    )
    blockers = {
        phase: services.check_phase_change(partnership=partnership, to_phase=phase)
        for phase in partnership.next_phases
    }
    return {
        "partnership": partnership,
        "members": members,
        "participants": participants,
        "history": partnership.phase_changes.select_related("changed_by"),
        "phase_form": phase_form,
        "blockers": [(Phase(p).label, problems) for p, problems in blockers.items() if problems],
    }


@staff_required
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_object_or_404(Partnership.objects.select_related("adviser"), pk=pk)
    context = _partnership_context(partnership, PhaseChangeForm(partnership=partnership))
    return render(request, "partnerships/staff/partnership_detail.html", context)


@staff_required
@require_POST
def partnership_phase(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_object_or_404(Partnership.objects.select_related("adviser"), pk=pk)
    form = PhaseChangeForm(request.POST, partnership=partnership)
    if form.is_valid():
        try:
            services.change_phase(
                partnership=partnership,
                to_phase=form.cleaned_data["to_phase"],
                by=request.user,
                effective_on=form.cleaned_data["effective_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now in the phase “%(phase)s”.")
                % {"name": partnership.name, "phase": Phase(form.cleaned_data["to_phase"]).label},
            )
            return redirect("partnerships:staff_partnership", pk=pk)
    partnership.refresh_from_db()
    context = _partnership_context(partnership, form)
    return render(request, "partnerships/staff/partnership_detail.html", context, status=400)


@staff_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET or None)
    filters = _filters(form)
    organisations = PartnerOrganisation.objects.annotate(
        partnership_count=Count("memberships", distinct=True),
        coordinator_count=Count(
            "contacts",
            filter=Q(contacts__role=ContactPerson.Role.COORDINATOR, contacts__active=True),
            distinct=True,
        ),
    ).order_by("name")
    if filters.get("q"):
        organisations = organisations.filter(
            Q(name__icontains=filters["q"]) | Q(city__icontains=filters["q"])
        )
    if filters.get("country"):
        organisations = organisations.filter(country=filters["country"])
    if filters.get("kind"):
        organisations = organisations.filter(kind=filters["kind"])
    if filters.get("active"):
        organisations = organisations.filter(active=filters["active"] == "yes")
    context = {"form": form, **paginate(request, organisations, filters)}
    return render(request, "partnerships/staff/organisation_list.html", context)


@staff_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(PartnerOrganisation, pk=pk)
    context = {
        "organisation": organisation,
        "contacts": organisation.contacts.select_related("person", "person__user").order_by(
            "-active", "role", "person__last_name"
        ),
        "memberships": organisation.memberships.select_related("partnership"),
        "participants": Participant.objects.for_organisation(organisation).current().with_related(),
    }
    return render(request, "partnerships/staff/organisation_detail.html", context)


@staff_required
@require_POST
def contact_grant_access(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(ContactPerson.objects.select_related("person"), pk=pk)
    try:
        user = grant_portal_access(contact=contact, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("A link to choose a password has been emailed to %(email)s.") % {"email": user.email},
        )
    return redirect("partnerships:staff_organisation", pk=contact.organisation_id)


@staff_required
def participant_list(request: HttpRequest) -> HttpResponse:
    form = ParticipantFilterForm(request.GET or None)
    filters = _filters(form)
    participants = Participant.objects.for_rows().order_by(
        "-exchange_start", "person__last_name", "pk"
    )
    status = filters.get("status", "")
    if status == "":
        participants = participants.current()
    elif status != "all":
        participants = participants.filter(status=status)
    if filters.get("q"):
        q = filters["q"]
        participants = participants.filter(
            Q(person__first_name__icontains=q)
            | Q(person__last_name__icontains=q)
            | Q(person__email__icontains=q)
            | Q(partnership__name__icontains=q)
        )
    if filters.get("country"):
        participants = participants.filter(sending_organisation__country=filters["country"])
    held_count = HeldRegistration.objects.filter(closed_at__isnull=True).count()
    context = {"form": form, "held_count": held_count, **paginate(request, participants, filters)}
    return render(request, "partnerships/staff/participant_list.html", context)


@staff_required
@require_GET
def held_registrations(request: HttpRequest) -> HttpResponse:
    """The queue of registrations refused because the person is already registered."""
    show_closed = request.GET.get("closed") == "1"
    held = HeldRegistration.objects.select_related(
        "organisation", "person", "reported_by", "closed_by"
    ).order_by("-created_at", "-pk")
    held = held.filter(closed_at__isnull=not show_closed)
    filters = {"closed": "1"} if show_closed else {}
    context = {"show_closed": show_closed, **paginate(request, held, filters)}
    return render(request, "partnerships/staff/held_registrations.html", context)


@staff_required
@require_POST
def held_registration_close(request: HttpRequest, pk: int) -> HttpResponse:
    held = get_object_or_404(HeldRegistration, pk=pk)
    services.close_held_registration(held=held, by=request.user)
    messages.success(request, _("The case is marked as checked."))
    return redirect("partnerships:staff_held_registrations")
