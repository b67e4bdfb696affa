"""The coordinator portal: a partner organisation's own partnerships and participants."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from norec_portal import pagecache
from norec_portal.access import coordinator_required
from norec_portal.forms import add_service_errors
from norec_portal.models import User
from norec_portal.pagination import paginate
from norec_portal.rows import day_formatter, url_for_pk

from .. import services
from ..access import (
    coordinator_organisation,
    get_participant_for_coordinator,
    participants_for_coordinator,
    partnerships_for_coordinator,
)
from ..forms import ParticipantForm
from ..models import Participant, PartnerOrganisation, PartnershipMember, Phase
from ..readiness import DOMAINS as readiness_domains
from ..readiness import readiness
from ..services import REGISTRATION_PHASES, ExchangePlan


def _with_readiness(participants: list[Participant]) -> list[tuple[Participant, list]]:
    items = readiness(participants)
    return [(p, items.get(p.pk, [])) for p in participants]


# What the dashboard reads is built once, like a class-based view's ``queryset``, and
# narrowed for each request to what ``partnerships.access`` lets the coordinator see:
# resolving the rows' joins, subqueries and counts costs more than running the queries.

# The three counts, over every current participant of the organisation: window aggregates,
# computed before the LIMIT, so they ride on the rows of the next exchanges instead of
# taking a query of their own.
CURRENT_COUNTS = {
    "n_planned": Window(Count("pk", filter=Q(status=Participant.Status.PLANNED))),
    "n_on_exchange": Window(Count("pk", filter=Q(status=Participant.Status.ON_EXCHANGE))),
    "n_without_elearning": Window(Count("pk", filter=Q(elearning_completed_on__isnull=True))),
}
NEXT_EXCHANGES = (
    Participant.objects.current()
    .for_rows()
    .annotate(**CURRENT_COUNTS)
    .order_by("exchange_start", "person__last_name")
)
MEMBERSHIPS = PartnershipMember.objects.order_by(
    "partnership__name", "partnership_id", "role", "organisation__name"
).values_list(
    "partnership_id",
    "partnership__name",
    "partnership__phase",
    "organisation__name",
    "organisation__country",
)


@coordinator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    organisation = coordinator_organisation(request.user)
    content = pagecache.content(
        request,
        name="partnerships:coordinator_dashboard",
        domains=readiness_domains,
        template="partnerships/coordinator/_dashboard_content.html",
        context=lambda: _dashboard_context(request.user, organisation),
        vary=(organisation.pk,),
    )
    context = {"organisation": organisation, "content": content}
    return render(request, "partnerships/coordinator/dashboard.html", context)


def _dashboard_context(user: User, organisation: PartnerOrganisation) -> dict:
    upcoming = list((NEXT_EXCHANGES & participants_for_coordinator(user))[:10])
    # No current participant, no row: every count is then 0.
    first = upcoming[0] if upcoming else None
    counts = {name.removeprefix("n_"): getattr(first, name, 0) for name in CURRENT_COUNTS}
    return {
        "organisation": organisation,
        "partnerships": _partnership_rows(user),
        "counts": counts,
        "upcoming": _upcoming_rows(upcoming),
    }


def _partnership_rows(user: User) -> list[tuple[str, str, str, str]]:
    """The coordinator's partnerships (name, phase, phase label, member organisations),
    from one query of their memberships rather than the partnerships and a prefetch."""
    members = MEMBERSHIPS.filter(partnership__in=partnerships_for_coordinator(user))
    phases = {value: str(label) for value, label in Phase.choices}
    partnerships: dict[int, tuple[str, str, list[str]]] = {}
    for pk, name, phase, organisation, country in members:
        partnerships.setdefault(pk, (name, phase, []))[2].append(f"{organisation} ({country})")
    return [
        (name, phase, phases[phase], " · ".join(organisations))
        for name, phase, organisations in partnerships.values()
    ]


def _upcoming_rows(
    participants: list[Participant],
) -> list[tuple[str, str, str, str, str, str, str, list[tuple[str, str, str]]]]:
    """What each row of the next exchanges prints (link, name, organisations, dates,
    status, readiness badges as tone, label and status), worked out once a page:
    ``{% url %}``, ``|date``, ``get_status_display`` and an ``{% include %}`` in each row
    cost more than the rest of the table."""
    participant_url = url_for_pk("partnerships:coordinator_participant")
    statuses = {value: str(label) for value, label in Participant.Status.choices}
    day = day_formatter()
    items = readiness(participants)
    return [
        (
            participant_url(p.pk),
            p.person.full_name,
            p.sending_name,
            p.host_name,
            day(p.exchange_start),
            day(p.exchange_end),
            statuses[p.status],
            [(item.tone, item.label, item.status) for item in items.get(p.pk, [])],
        )
        for p in participants
    ]


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
    if request.method == "POST" and form.is_valid():
        try:
            participant = services.register_participant(
                sending=form.organisation,
                person_data=form.person_data(),
                plan=_plan(form),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s has been registered.") % {"name": participant.person.full_name},
            )
            return redirect("partnerships:coordinator_participant", pk=participant.pk)
    no_partnership = not form.fields["partnership"].queryset.exists()
    return render(
        request,
        "partnerships/coordinator/participant_form.html",
        {"form": form, "creating": True, "no_partnership": no_partnership},
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
    if request.method == "POST" and form.is_valid():
        try:
            services.update_participant(
                participant=participant,
                person_data=form.person_data(),
                plan=_plan(form),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("partnerships:coordinator_participant", pk=participant.pk)
    return render(
        request,
        "partnerships/coordinator/participant_form.html",
        {"form": form, "participant": participant, "creating": False},
    )


@coordinator_required
@require_GET
def host_options(request: HttpRequest) -> HttpResponse:
    """htmx fragment: the host organisations of the chosen partnership, as <option>s."""
    organisation = coordinator_organisation(request.user)
    hosts = PartnerOrganisation.objects.none()
    raw = request.GET.get("partnership", "")
    if raw.isdigit():
        partnership = partnerships_for_coordinator(request.user).filter(pk=int(raw)).first()
        if partnership is not None:
            hosts = (
                PartnerOrganisation.objects.filter(memberships__partnership=partnership)
                .exclude(pk=organisation.pk)
                .order_by("name")
            )
    return render(request, "partnerships/coordinator/_host_options.html", {"hosts": hosts})
