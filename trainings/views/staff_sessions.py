"""Norec staff: running a session — enrolments, attendance, documents, calendars."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal.access import staff_required
from norec_portal.audit import record_audit, record_export
from norec_portal.forms import add_service_errors
from norec_portal.models import AuditEntry
from norec_portal.pagination import paginate
from norec_portal.redirects import safe_next
from partnerships.models import Person

from .. import calendar, contributors, documents, planning, services
from ..forms import (
    ImportForm,
    InviteForm,
    NominateForm,
    OptionalReasonForm,
    ParallelGroupForm,
    SessionForm,
)
from ..models import (
    DocumentBatch,
    Enrolment,
    EnrolmentState,
    SessionKind,
    TrainingSession,
)
from ..schedule import local_days
from ..services import messages as session_messages
from .common import ics_response, pdf_response, waitlist_positions

# --- Sessions ---------------------------------------------------------------------------

MESSAGE_LOG_SIZE = 5  # the latest on the session page; the rest on its messages page

STATE_ORDER = Case(
    When(state=EnrolmentState.CONFIRMED, then=Value(0)),
    When(state=EnrolmentState.NOMINATED, then=Value(0)),
    When(state=EnrolmentState.ATTENDED, then=Value(0)),
    When(state=EnrolmentState.NO_SHOW, then=Value(0)),
    When(state=EnrolmentState.WAITLISTED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _session_or_404(pk: int) -> TrainingSession:
    try:
        return planning.sessions_with_counts().with_place().get(pk=pk)
    except TrainingSession.DoesNotExist:
        raise Http404 from None


def _session_context(request: HttpRequest, session: TrainingSession, form: NominateForm) -> dict:
    state = request.GET.get("state", "")
    enrolments = Enrolment.objects.filter(session=session).with_related().select_related("travel")
    if state in EnrolmentState.values:
        enrolments = enrolments.filter(state=state)
    enrolments = enrolments.annotate(state_order=STATE_ORDER).order_by(
        "state_order", "waitlisted_at", "person__last_name", "person__first_name", "pk"
    )
    context = paginate(request, enrolments, {"state": state})
    page = list(context["page_obj"])
    positions = waitlist_positions(page)
    context.update(
        {
            "session": session,
            "contributors": contributors.for_sessions([session])[session.pk],
            "days": local_days(session),
            "rows": [(e, positions.get(e.pk)) for e in page],
            "form": form,
            "state": state,
            "states": EnrolmentState.choices,
            "today": timezone.localdate(),
        }
    )
    if session.kind == SessionKind.INTRO_SEMINAR:
        context["invitations"] = _invitation_coverage(session)
    context.update(_message_log(session))
    return context


def _message_log(session: TrainingSession) -> dict:
    found = session_messages.messages_for_session(session).select_related("sent_by")
    return {
        "message_log": list(found[:MESSAGE_LOG_SIZE]),
        "message_count": found.count(),
        "compose_url": reverse("trainings:staff_session_message_compose", args=[session.pk]),
        "log_url": reverse("trainings:staff_session_messages", args=[session.pk]),
        "can_write": not session.is_cancelled,
    }


def _invitation_coverage(session: TrainingSession) -> list[dict]:
    """Per invited partnership, whether each member organisation has someone enrolled."""
    from partnerships.models import PartnershipMember

    invitations = list(
        session.invitations.select_related("partnership").prefetch_related(
            Prefetch(
                "partnership__members",
                queryset=PartnershipMember.objects.select_related("organisation"),
            )
        )
    )
    represented = set(
        Enrolment.objects.filter(session=session)
        .exclude(state=EnrolmentState.CANCELLED)
        .values_list("organisation_id", flat=True)
    )
    return [
        {
            "invitation": invitation,
            "members": [
                (member.organisation, member.organisation_id in represented)
                for member in invitation.partnership.members.all()
            ],
        }
        for invitation in invitations
    ]


@staff_required
@require_http_methods(["GET", "POST"])
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    candidates = services.enrolment_candidates(session)
    people = [(c.person_id, f"{c.name} — {c.organisation}") for c in candidates]
    # "Confirm at once" is ticked only when it can succeed for everyone offered: Training 1
    # is confirmed once the e-learning is done.
    form = NominateForm(
        request.POST or None,
        people=people,
        explain=lambda person_id: services.explain_refusal(session, person_id),
        confirm_label=_("Confirm at once"),
        confirm_initial=not any(c.elearning_missing for c in candidates),
    )
    if request.method == "POST" and form.is_valid():
        outcomes = services.enrol_each(
            session=session, people=form.chosen_people(), by=request.user,
            confirm=form.cleaned_data["confirm"],
        )  # fmt: skip
        for outcome in outcomes:
            if outcome.enrolment is not None:
                messages.success(
                    request,
                    _("%(name)s: %(state)s.")
                    % {"name": outcome.person.full_name,
                       "state": outcome.enrolment.get_state_display()},
                )  # fmt: skip
            else:
                messages.error(
                    request,
                    _("%(name)s: not enrolled. %(reason)s")
                    % {"name": outcome.person.full_name, "reason": outcome.refusal},
                )
        return redirect("trainings:staff_session", pk=session.pk)
    context = _session_context(request, session, form)
    context["barred"] = services.barred_people(session)
    return render(request, "trainings/staff_session.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def session_import(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    form = ImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolments = services.enrol_many(
                session=session,
                emails=form.cleaned_data["emails"].splitlines(),
                confirm=form.cleaned_data["confirm"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s person enrolled.", "%(count)s people enrolled.", len(enrolments)
                )
                % {"count": len(enrolments)},
            )
            return redirect("trainings:staff_session", pk=session.pk)
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("Enrol a list: %(session)s") % {"session": session},
            "lead": _(
                "Each person must be registered in the portal (as a participant or a contact "
                "person) with this email address; every rule of a single enrolment applies."
            ),
            "form": form,
            "submit_label": _("Enrol everyone"),
            "cancel_url": reverse("trainings:staff_session", args=[session.pk]),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    initial = {"capacity": session.capacity, "facilitators": list(session.facilitators.all())}
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(
                session=session,
                capacity=form.cleaned_data["capacity"],
                facilitators=list(form.cleaned_data["facilitators"]),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The session has been updated."))
            return redirect("trainings:staff_session", pk=session.pk)
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("Seats and facilitators: %(session)s") % {"session": session.name},
            "lead": _("Seats added go to the people on the waitlist, in order."),
            "form": form,
            "cancel_url": reverse("trainings:staff_session", args=[session.pk]),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def session_parallel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    form = ParallelGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.add_parallel_group(
                session=session, capacity=form.cleaned_data["capacity"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The second group is open; the waitlist has moved into it in order."),
            )
            return redirect("trainings:staff_session", pk=group.pk)
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("Second group: %(session)s") % {"session": session.name},
            "lead": _(
                "A second group runs in parallel in the same week. People on the waitlist "
                "move into it in order until its seats are taken, and are told."
            ),
            "form": form,
            "submit_label": _("Open the second group"),
            "cancel_url": reverse("trainings:staff_session", args=[session.pk]),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def session_invite(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    if session.kind != SessionKind.INTRO_SEMINAR:
        raise Http404
    form = InviteForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.invite_partnerships(
                session=session,
                partnerships=list(form.cleaned_data["partnerships"]),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(count)s partnerships invited; their coordinators have been told.")
                % {"count": count},
            )
            return redirect("trainings:staff_session", pk=session.pk)
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("Invite partnerships: %(session)s") % {"session": session.name},
            "form": form,
            "submit_label": _("Invite"),
            "cancel_url": reverse("trainings:staff_session", args=[session.pk]),
        },
    )


@staff_required
@require_GET
def session_attendance_list(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession.objects.with_place(), pk=pk)
    enrolments = documents.attendance_enrolments(session)
    data = documents.attendance_list(session, enrolments)
    record_export(by=request.user, model=Enrolment, rows=len(enrolments),
                  what="attendance list pdf", filters={"session": session.pk})  # fmt: skip
    return pdf_response(
        data, documents.filename("attendance", session.name, session.place, session.first_day)
    )


@staff_required
@require_POST
def session_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession.objects.with_place(), pk=pk)
    try:
        batch = documents.request_certificate_batch(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("trainings:staff_session", pk=session.pk)
    return redirect("trainings:staff_batch", pk=batch.pk)


def _batch_or_404(pk: int) -> DocumentBatch:
    return get_object_or_404(
        DocumentBatch.objects.defer("pdf").select_related("session__week__venue", "session__venue"),
        pk=pk,
    )


@staff_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(pk)
    return render(request, "trainings/staff_batch.html", {"batch": batch})


@staff_required
@require_GET
def batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_or_404(pk)
    return render(request, "trainings/_batch_status.html", {"batch": batch})


@staff_required
@require_GET
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(DocumentBatch, pk=pk, status=DocumentBatch.Status.DONE)
    record_export(by=request.user, model=Enrolment, rows=len(batch.enrolment_ids or []),
                  what=f"{batch.kind} pdf", filters={"session": batch.session_id})  # fmt: skip
    return pdf_response(bytes(batch.pdf), batch.filename)


# --- Enrolments -------------------------------------------------------------------------


def _enrolment_or_404(pk: int) -> Enrolment:
    try:
        return Enrolment.objects.with_related().get(pk=pk)
    except Enrolment.DoesNotExist:
        raise Http404 from None


ACTIONS = {
    "confirm": (
        lambda e, by: services.confirm_enrolment(enrolment=e, by=by),
        gettext_lazy("%(name)s is confirmed."),
    ),
    "attended": (
        lambda e, by: services.mark_attendance(enrolment=e, attended=True, by=by),
        gettext_lazy("%(name)s attended."),
    ),
    "no-show": (
        lambda e, by: services.mark_attendance(enrolment=e, attended=False, by=by),
        gettext_lazy("%(name)s did not attend."),
    ),
}


@staff_required
@require_POST
def enrolment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    enrolment = _enrolment_or_404(pk)
    run, done = ACTIONS[action]
    try:
        run(enrolment, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, str(done) % {"name": enrolment.person.full_name})
    fallback = reverse("trainings:staff_session", args=[enrolment.session_id])
    return redirect(safe_next(request, fallback))


@staff_required
@require_http_methods(["GET", "POST"])
def enrolment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment_or_404(pk)
    back = reverse("trainings:staff_session", args=[enrolment.session_id])
    form = OptionalReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_enrolment(
                enrolment=enrolment, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The enrolment of %(name)s has been cancelled.")
                % {"name": enrolment.person.full_name},
            )
            return redirect(back)
    return render(
        request,
        "trainings/form_page.html",
        {
            "title": _("Cancel the enrolment of %(name)s") % {"name": enrolment.person.full_name},
            "lead": _(
                "%(session)s. The seat goes to the first person on the waitlist; Norec and "
                "the organisation's coordinators are told."
            )
            % {"session": enrolment.session},
            "form": form,
            "submit_label": _("Cancel the enrolment"),
            "danger": True,
            "cancel_url": back,
        },
    )


@staff_required
@require_GET
def enrolment_letter(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment_or_404(pk)
    try:
        data = documents.invitation_letter(enrolment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("trainings:staff_session", pk=enrolment.session_id)
    record_audit(by=request.user, action=AuditEntry.Action.EXPORT, obj=enrolment,
                 summary="invitation letter pdf")  # fmt: skip
    return pdf_response(data, documents.filename("invitation", enrolment.person.full_name))


@staff_required
@require_GET
def enrolment_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment_or_404(pk)
    try:
        data = documents.certificates([enrolment])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("trainings:staff_session", pk=enrolment.session_id)
    record_audit(by=request.user, action=AuditEntry.Action.EXPORT, obj=enrolment,
                 summary="certificate pdf")  # fmt: skip
    return pdf_response(data, documents.filename("certificate", enrolment.person.full_name))


@staff_required
@require_GET
def person_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    return _person_calendar_response(person)


def _person_calendar_response(person: Person) -> HttpResponse:
    enrolments = (
        Enrolment.objects.filter(person=person)
        .exclude(state=EnrolmentState.CANCELLED)
        .select_related("session__week__venue", "session__venue")
        .prefetch_related("session__days")
        .order_by("session__first_day")
    )
    data = calendar.person_calendar(
        _("Norec trainings — %(name)s") % {"name": person.full_name}, enrolments
    )
    return ics_response(data, f"norec-trainings-person-{person.pk}.ics")
