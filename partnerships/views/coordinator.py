"""The coordinator portal: a partner organisation's own partnerships and participants."""

from __future__ import annotations

from django.db.models import Count, Q, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from norec_portal.access import coordinator_required
from norec_portal.forms import form_page
from norec_portal.ids import parse_id
from norec_portal.pagination import paginate

from .. import services
from ..access import (
    coordinator_organisation,
    get_participant_for_coordinator,
    participants_for_coordinator,
    partnerships_for_coordinator,
)
from ..forms import ParticipantForm
from ..models import ContactPerson, Participant, PartnerOrganisation, PartnershipMember
from ..readiness import contacts_readiness, dashboard_sections, readiness
from ..services import REGISTRATION_PHASES, ExchangePlan


def _with_readiness(participants: list[Participant]) -> list[tuple[Participant, list]]:
    items = readiness(participants)
    return [(p, items.get(p.pk, [])) for p in participants]


@coordinator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The organisation's counts, its next ten exchanges and its partnerships.

    The three counts are window aggregates over every current participant of the
    organisation, computed before the LIMIT: they ride on the rows of the next exchanges
    instead of taking a query of their own."""
    organisation = coordinator_organisation(request.user)
    upcoming = list(
        participants_for_coordinator(request.user)
        .current()
        .for_rows()
        .annotate(
            n_planned=Window(Count("pk", filter=Q(status=Participant.Status.PLANNED))),
            n_on_exchange=Window(Count("pk", filter=Q(status=Participant.Status.ON_EXCHANGE))),
            n_without_elearning=Window(Count("pk", filter=Q(elearning_completed_on__isnull=True))),
        )
        .order_by("exchange_start", "person__last_name")[:10]
    )
    # No current participant, no row: every count is then 0.
    first = upcoming[0] if upcoming else None
    counts = {
        name: getattr(first, f"n_{name}", 0)
        for name in ("planned", "on_exchange", "without_elearning")
    }
    # The memberships of the coordinator's partnerships, grouped by partnership in the
    # template: one query for the partnerships and their members.
    memberships = (
        PartnershipMember.objects.filter(partnership__in=partnerships_for_coordinator(request.user))
        .select_related("partnership", "organisation")
        .order_by("partnership__name", "partnership_id", "role", "organisation__name")
    )
    # The organisation's own contact persons and what they still need (Partner training).
    contacts = list(
        ContactPerson.objects.filter(organisation=organisation, active=True)
        .select_related("person")
        .order_by("role", "person__last_name", "person__first_name", "pk")
    )
    found = contacts_readiness([organisation], contacts)
    context = {
        "organisation": organisation,
        "counts": counts,
        "upcoming": _with_readiness(upcoming),
        "memberships": memberships,
        "contacts": [(c, found.contacts[c.pk]) for c in contacts],
        "organisation_items": found.organisations[organisation.pk],
        "sections": dashboard_sections(organisation),
    }
    return render(request, "partnerships/coordinator/dashboard.html", context)


@coordinator_required
def participant_list(request: HttpRequest) -> HttpResponse:
    organisation = coordinator_organisation(request.user)
    participants = participants_for_coordinator(request.user).with_related()
    show = request.GET.get("show", "current")
    if show != "all":
        participants = participants.current()
    q = request.GET.get("q", "").strip()[:100]
    if q:
        participants = participants.filter(
            Q(person__first_name__icontains=q)
            | Q(person__last_name__icontains=q)
            | Q(person__email__icontains=q)
        )
    participants = participants.order_by("exchange_start", "person__last_name", "pk")
    context = paginate(request, participants, {"q": q, "show": show if show == "all" else ""})
    context["rows"] = _with_readiness(list(context["page_obj"]))
    context.update({"organisation": organisation, "q": q, "show": show})
    return render(request, "partnerships/coordinator/participant_list.html", context)


def _participant_form(request: HttpRequest, **kwargs) -> ParticipantForm:
    organisation = coordinator_organisation(request.user)
    partnerships = partnerships_for_coordinator(request.user).filter(phase__in=REGISTRATION_PHASES)
    form = ParticipantForm(
        request.POST or None, organisation=organisation, partnerships=partnerships, **kwargs
    )
    form.fields["partnership"].widget.attrs["hx-get"] = reverse(
        "partnerships:coordinator_host_options"
    )
    return form


def _plan(form: ParticipantForm) -> ExchangePlan:
    data = form.cleaned_data
    return ExchangePlan(
        partnership=data["partnership"],
        host_organisation=data["host_organisation"],
        exchange_start=data["exchange_start"],
        exchange_end=data["exchange_end"],
        elearning_completed_on=data.get("elearning_completed_on"),
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def participant_create(request: HttpRequest) -> HttpResponse:
    form = _participant_form(request)
    return form_page(
        request,
        form,
        template="partnerships/coordinator/participant_form.html",
        save=lambda: services.register_participant(
            sending=form.organisation,
            person_data=form.person_data(),
            plan=_plan(form),
            by=request.user,
        ),
        message=lambda participant: (
            _("%(name)s has been registered.") % {"name": participant.person.full_name}
        ),
        success_url=lambda participant: reverse(
            "partnerships:coordinator_participant", args=[participant.pk]
        ),
        context={
            "creating": True,
            "no_partnership": not form.fields["partnership"].queryset.exists(),
        },
    )


@coordinator_required
def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant = get_participant_for_coordinator(request.user, pk)
    organisation = coordinator_organisation(request.user)
    context = {
        "participant": participant,
        "person": participant.person,
        "editable": participant.sending_organisation_id == organisation.pk,
        "readiness": readiness([participant]).get(participant.pk, []),
    }
    return render(request, "partnerships/coordinator/participant_detail.html", context)


@coordinator_required
@require_http_methods(["GET", "POST"])
def participant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    participant = get_participant_for_coordinator(request.user, pk, editable=True)
    person = participant.person
    initial = {field: getattr(person, field) for field in ParticipantForm.PERSON_FIELDS}
    initial["nationality"] = person.nationality.code or ""
    initial.update(
        partnership=participant.partnership,
        host_organisation=participant.host_organisation,
        exchange_start=participant.exchange_start,
        exchange_end=participant.exchange_end,
        elearning_completed_on=participant.elearning_completed_on,
    )
    form = _participant_form(request, initial=initial)
    return form_page(
        request,
        form,
        template="partnerships/coordinator/participant_form.html",
        save=lambda: services.update_participant(
            participant=participant,
            person_data=form.person_data(),
            plan=_plan(form),
            by=request.user,
        ),
        message=_("The changes have been saved."),
        success_url=reverse("partnerships:coordinator_participant", args=[participant.pk]),
        context={"participant": participant, "creating": False},
    )


@coordinator_required
@require_GET
def host_options(request: HttpRequest) -> HttpResponse:
    """htmx fragment: the host organisations of the chosen partnership, as <option>s."""
    organisation = coordinator_organisation(request.user)
    hosts = PartnerOrganisation.objects.none()
    chosen = parse_id(request.GET.get("partnership"))
    if chosen is not None:
        partnership = partnerships_for_coordinator(request.user).filter(pk=chosen).first()
        if partnership is not None:
            hosts = (
                PartnerOrganisation.objects.filter(memberships__partnership=partnership)
                .exclude(pk=organisation.pk)
                .order_by("name")
            )
    return render(request, "partnerships/coordinator/_host_options.html", {"hosts": hosts})
