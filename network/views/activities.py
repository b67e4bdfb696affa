"""Activity pages: staff plan, change, cancel and announce activities and see who comes;
members see what is planned, answer (a seat or the waitlist) and download the .ics.
A member sees the seat counts and their own answer, never anyone else's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal.access import alumnus_required, staff_required
from norec_portal.forms import form_page
from norec_portal.pagination import paginate

from ..access import get_member_for_user, member_for_user
from ..forms import ActivityForm, PublishActivityForm
from ..models import RSVP, Activity
from ..services import activities, versions
from ..services.member_time import with_member_time

RSVPState = RSVP.State


def _ics_response(activity: Activity) -> HttpResponse:
    response = HttpResponse(
        activities.ics_for(activity), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="norec-network-{activity.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Staff ---------------------------------------------------------------------------------


@staff_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    when = request.GET.get("when", "upcoming")
    items = activities.with_seats(Activity.objects.all())
    now = timezone.now()
    if when == "past":
        items = items.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    else:
        when = "upcoming"
        items = items.filter(ends_at__gte=now).order_by("starts_at", "pk")
    listing = paginate(request, items)
    return render(
        request,
        "network/staff/activity_list.html",
        {**listing, "when": when},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST or None)
    return form_page(
        request, form, template="network/staff/activity_form.html",
        save=lambda: activities.create_activity(data=form.activity_data(), by=request.user),
        success_url=lambda activity: reverse("network:staff_activity", args=[activity.pk]),
        message=_("The draft is saved. Members see nothing yet: preview it, then publish it."),
    )  # fmt: skip


@staff_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    if activity.is_cancelled:
        messages.error(request, _("A cancelled activity cannot be changed."))
        return redirect("network:staff_activity", pk=activity.pk)
    data = activities.data_of(activity)
    initial = {**data.__dict__, **ActivityForm.version_initial(data.versions)}
    form = ActivityForm(request.POST or None, initial=initial)
    return form_page(
        request, form, template="network/staff/activity_form.html",
        save=lambda: activities.update_activity(
            activity=activity, data=form.activity_data(), by=request.user
        ),
        success_url=reverse("network:staff_activity", args=[activity.pk]),
        message=_("The activity is saved."), context={"activity": activity},
    )  # fmt: skip


@staff_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(
        activities.with_seats(Activity.objects.select_related("created_by")), pk=pk
    )
    state = request.GET.get("state", "")
    answers = activity.rsvps.select_related("member__person").order_by(
        "state", "waitlisted_at", "created_at", "pk"
    )
    if state in RSVPState.values:
        answers = answers.filter(state=state)
    listing = paginate(request, answers)
    return render(
        request,
        "network/staff/activity_detail.html",
        {
            "activity": activity,
            **listing,
            "state": state,
            "states": RSVPState.choices,
            "seats_left": activities.seats_left(activity),
            "announcements": list(activity.announcements.order_by("-created_at")),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def activity_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(activities.with_seats(Activity.objects.all()), pk=pk)
    if request.method == "GET":
        return render(request, "network/staff/activity_cancel.html", {"activity": activity})
    try:
        activities.cancel_activity(activity=activity, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The activity is cancelled; members who had answered are told.")
        )
    return redirect("network:staff_activity", pk=activity.pk)


@staff_required
@require_GET
def activity_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The activity as a member sees it (a draft included), without the answer buttons;
    ``?language=fr`` shows the French version as a member reading French sees it."""
    activity = get_object_or_404(activities.with_seats(Activity.objects.all()), pk=pk)
    language = request.GET.get("language", "")
    languages = ["en", *activity.versions.values_list("language", flat=True)]
    if language in languages:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    return render(
        request,
        "network/activity_detail.html",
        {
            "activity": versions.activity_in(activity, translation.get_language()),
            "preview_languages": languages if len(languages) > 1 else [],
            "answer": None,
            "preview": True,
            "seats_left": activities.seats_left(activity),
            "open": False,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def activity_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks whom to announce it to; POST publishes and announces, once."""
    activity = get_object_or_404(Activity, pk=pk)
    if not activity.is_draft:
        messages.info(request, _("This activity is published already."))
        return redirect("network:staff_activity", pk=activity.pk)
    form = PublishActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        audience, countries = form.audience_choice()
        try:
            announcement = activities.publish_activity(
                activity=activity, by=request.user, audience=audience, countries=countries
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("network:staff_activity", pk=activity.pk)
        if announcement is None:
            messages.success(request, _("Published: members see it now."))
            return redirect("network:staff_activity", pk=activity.pk)
        messages.success(
            request, _("Published: members see it now, and the announcement is on its way.")
        )
        return redirect("network:staff_newsletter", pk=announcement.pk)
    return render(
        request, "network/staff/activity_publish.html", {"activity": activity, "form": form}
    )


@staff_required
@require_POST
def activity_announce(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    try:
        newsletter = activities.announce_activity(activity=activity, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("network:staff_activity", pk=activity.pk)
    messages.success(
        request, _("An announcement draft is ready: choose its audience, check it, send it.")
    )
    return redirect("network:staff_newsletter_edit", pk=newsletter.pk)


@staff_required
@require_GET
def staff_activity_ics(request: HttpRequest, pk: int) -> HttpResponse:
    return _ics_response(get_object_or_404(Activity, pk=pk))


# --- Members ---------------------------------------------------------------------------------


@alumnus_required
@require_GET
def member_activities(request: HttpRequest) -> HttpResponse:
    member = member_for_user(request.user)
    if member is None:
        return redirect("network:profile_start")
    when = request.GET.get("when", "upcoming")
    items = activities.for_member(member)
    now = timezone.now()
    if when == "past":
        items = items.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    elif when == "mine":
        items = items.filter(ends_at__gte=now, my_state__in=[RSVPState.GOING, RSVPState.WAITLISTED])
        items = items.order_by("starts_at", "pk")
    else:
        when = "upcoming"
        items = items.filter(ends_at__gte=now).order_by("starts_at", "pk")
    language = translation.get_language()
    listing = paginate(request, versions.with_version(items, language))
    listing["page_obj"].object_list = [
        with_member_time(versions.activity_in(a, language), member)
        for a in listing["page_obj"].object_list
    ]
    return render(
        request,
        "network/activity_list.html",
        {**listing, "when": when},
    )


@alumnus_required
@require_GET
def member_activity(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_for_user(request.user)
    if member is None:
        return redirect("network:profile_start")
    # A cancelled activity stays readable: members who had answered come to see it.
    # A draft does not exist for members.
    activity = get_object_or_404(
        activities.with_seats(Activity.objects.visible_to_members()), pk=pk
    )
    answer = RSVP.objects.filter(activity=activity, member=member).first()
    position = None
    if answer is not None and answer.state == RSVPState.WAITLISTED:
        position = (
            activity.rsvps.filter(
                state=RSVPState.WAITLISTED, waitlisted_at__lte=answer.waitlisted_at
            )
            .exclude(waitlisted_at=answer.waitlisted_at, pk__gt=answer.pk)
            .count()
        )
    return render(
        request,
        "network/activity_detail.html",
        {
            "activity": with_member_time(
                versions.activity_in(activity, translation.get_language()), member
            ),
            "answer": answer,
            "position": position,
            "seats_left": activities.seats_left(activity),
            "open": not activity.is_cancelled and not activity.has_started(),
        },
    )


@alumnus_required
@require_POST
def member_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_member_for_user(request.user)
    activity = get_object_or_404(Activity.objects.visible_to_members(), pk=pk)
    try:
        if request.POST.get("answer") == "cancel":
            activities.cancel_rsvp(activity=activity, member=member)
            messages.success(request, _("Your answer is withdrawn."))
        else:
            answer = activities.rsvp(activity=activity, member=member)
            if answer.state == RSVPState.GOING:
                messages.success(request, _("You have a seat. A confirmation is on its way."))
            else:
                messages.info(
                    request,
                    _(
                        "All seats are taken: you are on the waitlist. We email "
                        "you if a seat becomes free."
                    ),
                )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("network:activity", pk=activity.pk)


@alumnus_required
@require_GET
def member_activity_ics(request: HttpRequest, pk: int) -> HttpResponse:
    get_member_for_user(request.user)
    return _ics_response(get_object_or_404(Activity.objects.visible_to_members(), pk=pk))
