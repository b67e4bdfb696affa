"""Norec staff write to everyone in a session, or in every session of a week:
compose → preview (who gets it, who cannot, the email itself) → send; then the log and
each message's delivery."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from norec_portal.access import staff_required
from norec_portal.forms import add_service_errors
from norec_portal.models import OutboxEmail
from norec_portal.pagination import paginate

from ..message_forms import SessionMessageForm
from ..models import SessionMessage, TrainingSession, TrainingWeek
from ..services import messages as session_messages

Target = TrainingSession | TrainingWeek


def _session(pk: int) -> TrainingSession:
    return get_object_or_404(TrainingSession.objects.select_related("week__venue", "venue"), pk=pk)


def _week(pk: int) -> TrainingWeek:
    return get_object_or_404(TrainingWeek.objects.select_related("venue"), pk=pk)


def _target_context(target: Target) -> dict:
    if isinstance(target, TrainingWeek):
        return {
            "week": target,
            "target_name": _("every session of the training week in %(venue)s, %(date)s")
            % {"venue": target.venue.name, "date": target},
            "back_url": reverse("trainings:staff_week", args=[target.pk]),
            "log_url": reverse("trainings:staff_week_messages", args=[target.pk]),
        }
    return {
        "session": target,
        "target_name": str(target),
        "back_url": reverse("trainings:staff_session", args=[target.pk]),
        "log_url": reverse("trainings:staff_session_messages", args=[target.pk]),
    }


def _compose(request: HttpRequest, target: Target) -> HttpResponse:
    """One URL, three steps chosen by the button pressed (``step``): ``preview`` shows
    the message as it will go, ``edit`` returns to the form with what was written,
    ``send`` sends it. A GET starts an empty form."""
    context = _target_context(target)
    if request.method != "POST":
        form = SessionMessageForm()
        return render(request, "trainings/staff_message_compose.html", {**context, "form": form})
    form = SessionMessageForm(request.POST)
    step = request.POST.get("step", "preview")
    if not form.is_valid() or step == "edit":
        return render(request, "trainings/staff_message_compose.html", {**context, "form": form})
    data = form.cleaned_data
    token = data["token"] or uuid.uuid4()
    choices = {
        "include_coordinators": data["include_coordinators"],
        "include_waitlist": data["include_waitlist"],
    }
    if step == "send":
        try:
            message, sent_now = session_messages.send_session_message(
                target=target, subject=data["subject"], body=data["body"], by=request.user,
                token=token, **choices,
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render(
                request, "trainings/staff_message_compose.html", {**context, "form": form}
            )
        if sent_now:
            messages.success(
                request,
                ngettext(
                    "The message is on its way to %(count)s person.",
                    "The message is on its way to %(count)s people.",
                    message.recipient_count,
                )
                % {"count": message.recipient_count},
            )
        else:
            # The same form sent again (a double click, a reload, the back button).
            messages.info(
                request,
                _("This form was sent already: here is that message. Nothing more was sent."),
            )
        return redirect("trainings:staff_message", pk=message.pk)
    found = session_messages.recipients(target, **choices)
    return render(
        request,
        "trainings/staff_message_preview.html",
        {
            **context,
            "form": form,
            "token": token,
            "found": found,
            "preview": session_messages.preview(
                target=target, found=found, subject=data["subject"], body=data["body"]
            ),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def session_message_compose(request: HttpRequest, pk: int) -> HttpResponse:
    return _compose(request, _session(pk))


@staff_required
@require_http_methods(["GET", "POST"])
def week_message_compose(request: HttpRequest, pk: int) -> HttpResponse:
    return _compose(request, _week(pk))


def _log(request: HttpRequest, target: Target, items) -> HttpResponse:
    context = paginate(request, items.select_related("sent_by", "session", "week__venue"))
    return render(request, "trainings/staff_messages.html", {**context, **_target_context(target)})


@staff_required
@require_GET
def session_messages_log(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(pk)
    return _log(request, session, session_messages.messages_for_session(session))


@staff_required
@require_GET
def week_messages_log(request: HttpRequest, pk: int) -> HttpResponse:
    week = _week(pk)
    return _log(request, week, SessionMessage.objects.filter(week=week))


@staff_required
@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(
        SessionMessage.objects.select_related(
            "sent_by", "session__week__venue", "session__venue", "week__venue"
        ),
        pk=pk,
    )
    copies = OutboxEmail.objects.filter(idempotency_key__startswith=message.outbox_prefix).only(
        "to_email", "state", "sent_at", "created_at", "last_error"
    )
    state = request.GET.get("state", "")
    if state in OutboxEmail.State.values:
        copies = copies.filter(state=state)
    context = paginate(request, copies.order_by("to_email", "pk"), {"state": state})
    context.update(
        {
            "message": message,
            "delivery": session_messages.delivery(message),
            "state": state,
            "states": OutboxEmail.State.choices,
            **_target_context(message.target),
        }
    )
    return render(request, "trainings/staff_message.html", context)
