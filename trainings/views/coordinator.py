"""Partner coordinators: nominate their own people, follow their status, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from norec_portal.access import coordinator_required
from norec_portal.audit import record_audit
from norec_portal.forms import add_service_errors
from norec_portal.ids import parse_id
from norec_portal.models import AuditEntry
from norec_portal.pagination import paginate
from partnerships.access import coordinator_organisation, get_participant_for_coordinator
from partnerships.models import Person

from .. import calendar, documents, planning, services
from ..access import (
    enrolments_for_coordinator,
    get_enrolment_for_coordinator,
    get_open_session,
    get_person_for_coordinator,
)
from ..forms import NominateForm, OptionalReasonForm
from ..models import (
    ACTIVE_STATES,
    WEEK_KINDS,
    Enrolment,
    EnrolmentState,
    SeminarInvitation,
    SessionKind,
    TrainingSession,
)
from .common import ics_response, pdf_response, waitlist_positions


@coordinator_required
@require_GET
def sessions(request: HttpRequest) -> HttpResponse:
    organisation = coordinator_organisation(request.user)
    today = timezone.localdate()
    show = "all" if request.GET.get("show") == "all" else ""
    enrolments = enrolments_for_coordinator(request.user).with_related().select_related("travel")
    if not show:
        enrolments = enrolments.filter(state__in=ACTIVE_STATES)
    enrolments = enrolments.order_by(
        "session__first_day", "person__last_name", "person__first_name", "pk"
    )
    context = paginate(request, enrolments, {"show": show})
    page = list(context["page_obj"])
    for enrolment in page:
        enrolment.travel_state = services.travel_state(enrolment)
    positions = waitlist_positions(page)
    # The training weeks' sessions, and the seminars one of the organisation's
    # partnerships is invited to (tested per session: no join to make rows distinct).
    invited = SeminarInvitation.objects.filter(
        session=OuterRef("pk"), partnership__members__organisation=organisation
    )
    upcoming = (
        TrainingSession.objects.scheduled()
        .filter(first_day__gt=today)
        .filter(Q(kind__in=WEEK_KINDS) | Q(Exists(invited), kind=SessionKind.INTRO_SEMINAR))
        .with_counts()
        .with_place()
        .order_by("first_day", planning.KIND_ORDER, "group", "pk")
    )
    open_sessions = paginate(request, upcoming, {"show": show}, param="sessions_page")
    context.update(
        {
            "organisation": organisation,
            "rows": [(e, positions.get(e.pk)) for e in page],
            "show": show,
            "sessions_page": open_sessions["page_obj"],
        }
    )
    return render(request, "trainings/coordinator_sessions.html", context)


OUTCOMES_KEY = "trainings:nominate-outcomes"


def _shown_outcomes(request: HttpRequest, session: TrainingSession) -> list[services.Outcome]:
    """The results of the nomination just made for ``session``, once."""
    stored = request.session.get(OUTCOMES_KEY)
    if not stored or stored.get("session") != session.pk:
        return []
    del request.session[OUTCOMES_KEY]
    rows = stored["outcomes"]
    people = Person.objects.in_bulk([row[0] for row in rows])
    enrolments = Enrolment.objects.with_related().in_bulk([row[1] for row in rows if row[1]])
    return [
        services.Outcome(people[person_id], enrolments.get(enrolment_id), refusal)
        for person_id, enrolment_id, refusal in rows
        if person_id in people
    ]


def candidate_label(candidate: services.Candidate) -> str:
    if candidate.elearning_missing:
        return _("%(name)s (e-learning not done yet)") % {"name": candidate.name}
    return candidate.name


@coordinator_required
@require_http_methods(["GET", "POST"])
def nominate(request: HttpRequest, pk: int) -> HttpResponse:
    """Nominate one or several of the organisation's people at once, each answered with
    their own result; those who cannot be nominated are listed with the rule's reason."""
    organisation = coordinator_organisation(request.user)
    session = get_open_session(pk)

    def people() -> list[tuple[int, str]]:
        return [
            (candidate.person_id, candidate_label(candidate))
            for candidate in services.enrolment_candidates(session, organisation=organisation)
        ]

    # A participant's page links here with that person ticked.
    chosen = parse_id(request.GET.get("person"))
    form = NominateForm(
        request.POST or None,
        people=people(),
        initial={"people": [chosen] if chosen is not None else []},
        explain=lambda person_id: services.explain_refusal(
            session, person_id, organisation=organisation
        ),
    )
    if request.method == "POST" and form.is_valid():
        outcomes = services.enrol_each(
            session=session, people=form.chosen_people(), by=request.user,
            organisation=organisation,
        )  # fmt: skip
        # Shown once by the page the browser is sent to (reloading it posts nothing).
        request.session[OUTCOMES_KEY] = {
            "session": session.pk,
            "outcomes": [
                [o.person.pk, o.enrolment.pk if o.enrolment else None, o.refusal] for o in outcomes
            ],
        }
        return redirect("trainings:coordinator_nominate", pk=session.pk)
    return render(
        request,
        "trainings/coordinator_nominate.html",
        {
            "session": session,
            "form": form,
            "outcomes": _shown_outcomes(request, session) if request.method == "GET" else [],
            "barred": services.barred_people(session, organisation=organisation),
            "organisation": organisation,
            "cancel_url": reverse("trainings:coordinator_sessions"),
        },
    )


@coordinator_required
@require_GET
def participant_trainings(request: HttpRequest, pk: int) -> HttpResponse:
    """From a participant's own page: the sessions that fit their exchange, to nominate
    them for in one click, and why the others cannot take them."""
    participant = get_participant_for_coordinator(request.user, pk, editable=True)
    organisation = coordinator_organisation(request.user)
    return render(
        request,
        "trainings/coordinator_participant_trainings.html",
        {
            "participant": participant,
            "person": participant.person,
            "sessions": services.sessions_for_participant(participant, organisation=organisation),
        },
    )


@coordinator_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for_coordinator(request.user, pk)
    form = OptionalReasonForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.cancel_enrolment(
                enrolment=enrolment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            error = " ".join(exc.messages)
        else:
            enrolment = get_enrolment_for_coordinator(request.user, pk)
            if not request.htmx:
                messages.success(
                    request,
                    _("The enrolment of %(name)s is cancelled; Norec has been told.")
                    % {"name": enrolment.person.full_name},
                )
                return redirect("trainings:coordinator_sessions")
        if request.htmx:
            return render(
                request,
                "trainings/_coordinator_enrolment_row.html",
                {"enrolment": enrolment, "position": None, "error": error},
            )
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("Cancel the enrolment of %(name)s") % {"name": enrolment.person.full_name},
            "lead": _(
                "%(session)s. Norec and your organisation's coordinators are told; the seat "
                "goes to the next person on the waitlist."
            )
            % {"session": enrolment.session},
            "form": form,
            "submit_label": _("Cancel the enrolment"),
            "danger": True,
            "cancel_url": reverse("trainings:coordinator_sessions"),
        },
    )


def _document_or_message(
    request: HttpRequest, render_document, name: str, *, enrolment: Enrolment, what: str
) -> HttpResponse:
    try:
        data = render_document()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("trainings:coordinator_sessions")
    # A document about a person is an export of their data: audited like any other.
    record_audit(by=request.user, action=AuditEntry.Action.EXPORT, obj=enrolment, summary=what)
    return pdf_response(data, name)


@coordinator_required
@require_GET
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for_coordinator(request.user, pk)
    return _document_or_message(
        request,
        lambda: documents.invitation_letter(enrolment),
        documents.filename("invitation", enrolment.person.full_name),
        enrolment=enrolment, what="invitation letter pdf",
    )  # fmt: skip


@coordinator_required
@require_GET
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_enrolment_for_coordinator(request.user, pk)
    return _document_or_message(
        request,
        lambda: documents.certificates([enrolment]),
        documents.filename("certificate", enrolment.person.full_name),
        enrolment=enrolment, what="certificate pdf",
    )  # fmt: skip


@coordinator_required
@require_GET
def person_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_coordinator(request.user, pk)
    enrolments = (
        Enrolment.objects.for_organisation(coordinator_organisation(request.user))
        .filter(person=person)
        .exclude(state=EnrolmentState.CANCELLED)
        .select_related("session__week__venue", "session__venue")
        .prefetch_related("session__days")
        .order_by("session__first_day")
    )
    data = calendar.person_calendar(
        _("Norec trainings — %(name)s") % {"name": person.full_name}, enrolments
    )
    return ics_response(data, f"norec-trainings-person-{person.pk}.ics")
