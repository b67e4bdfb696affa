"""Staff pages of the network: invitation waves, invitations, people, directory (the overview
is in ``dashboard``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from norec_portal.access import staff_required
from norec_portal.audit import record_export
from norec_portal.countries import country_choices
from norec_portal.forms import add_service_errors
from norec_portal.pagination import paginate
from partnerships.models import Participant, Person

from .. import directory
from ..forms import DirectoryFilterForm
from ..models import (
    BadAddress,
    DuplicateCandidate,
    Invitation,
    InvitationWave,
    Member,
)
from ..queue_forms import ResendForm, WaveForm
from ..services import reachability, waves

State = Invitation.State


# --- Waves -----------------------------------------------------------------------------


@staff_required
@require_GET
def wave_list(request: HttpRequest) -> HttpResponse:
    listing = paginate(
        request, waves.annotate_wave_counts(InvitationWave.objects.order_by("-created_at", "-pk"))
    )
    return render(
        request,
        "network/staff/wave_list.html",
        {**listing, "today": timezone.localdate()},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def wave_create(request: HttpRequest) -> HttpResponse:
    """Choose countries and a pace, see who would be invited, then create."""
    form = WaveForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        params = {k: data[k] for k in ("countries", "daily_cap", "starts_on",
                                       "reminder_after_days", "expires_after_days")}  # fmt: skip
        errors = waves.check_wave(**params)
        for field, message in errors.items():
            form.add_error(field, message)
        if not errors:
            preview = waves.preview_wave(countries=data["countries"])
            if request.POST.get("confirm") == "1":
                try:
                    wave = waves.create_wave(name=data["name"], by=request.user, **params)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _created_message(wave))
                    return redirect("network:staff_wave", pk=wave.pk)
    return render(request, "network/staff/wave_create.html", {
        "form": form, "preview": preview,
        "days": preview.days_needed(form.cleaned_data["daily_cap"]) if preview else 0,
        "reach": (
            reachability.reachability(form.cleaned_data["countries"]) if preview else []
        ),
    })  # fmt: skip


def _created_message(wave: InvitationWave) -> str:
    if wave.starts_on <= timezone.localdate():
        return _("The wave is created. Today's batch goes out within minutes, or at once "
                 "with “Send today's batch now”.")  # fmt: skip
    return _("The wave is created. Its first batch goes out on %(day)s.") % {
        "day": formats.date_format(wave.starts_on, "DATE_FORMAT")
    }


def _wave_context(request: HttpRequest, wave: InvitationWave) -> dict[str, object]:
    waves.sync_invitation_outcomes(wave=wave)
    return {"wave": wave, "progress": waves.wave_progress(wave=wave),
            "today": timezone.localdate()}  # fmt: skip


@staff_required
@require_GET
def wave_detail(request: HttpRequest, pk: int) -> HttpResponse:
    wave = get_object_or_404(InvitationWave.objects.select_related("created_by"), pk=pk)
    context = _wave_context(request, wave)
    invitations = wave.invitations.select_related("person").order_by("pk")
    state = request.GET.get("state", "")
    if state in State.values:
        invitations = invitations.filter(state=state)
    listing = paginate(request, invitations)
    names = dict(country_choices(blank=None))
    context.update(
        **listing,
        state=state,
        states=State.choices,
        country_names=[names.get(c.code, c.code) for c in wave.countries],
    )
    return render(request, "network/staff/wave_detail.html", context)


@staff_required
@require_GET
def wave_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx fragment polled by the wave page (it stops polling when the wave ends)."""
    wave = get_object_or_404(InvitationWave, pk=pk)
    return render(request, "network/staff/_wave_progress.html", _wave_context(request, wave))


@staff_required
@require_http_methods(["GET", "POST"])
def wave_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Send today's batch now (asks first: invitations cannot be called back)."""
    wave = get_object_or_404(InvitationWave, pk=pk)
    if request.method == "GET":
        progress = waves.wave_progress(wave=wave)
        return render(request, "network/staff/wave_release.html", {
            "wave": wave, "progress": progress,
            "refusal": waves.todays_batch_refusal(wave=wave),
        })  # fmt: skip
    try:
        sent = waves.release_todays_batch(wave=wave, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, ngettext(
            "%(n)d invitation is on its way.", "%(n)d invitations are on their way.", sent
        ) % {"n": sent})  # fmt: skip
    return redirect("network:staff_wave", pk=wave.pk)


WAVE_ACTIONS = {
    "pause": InvitationWave.Status.PAUSED,
    "resume": InvitationWave.Status.ACTIVE,
    "cancel": InvitationWave.Status.CANCELLED,
}


@staff_required
@require_http_methods(["GET", "POST"])
def wave_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    wave = get_object_or_404(InvitationWave, pk=pk)
    if action not in WAVE_ACTIONS:
        return redirect("network:staff_wave", pk=wave.pk)
    if request.method == "GET":
        # Only cancelling asks first: it cannot be undone.
        if action != "cancel":
            return redirect("network:staff_wave", pk=wave.pk)
        return render(request, "network/staff/wave_cancel.html",
                      {"wave": wave, "progress": waves.wave_progress(wave=wave)})  # fmt: skip
    try:
        waves.change_wave_status(wave=wave, to_status=WAVE_ACTIONS[action], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = {"pause": _("The wave is paused: no invitation goes out until you resume it."),
                "resume": _("The wave is running again."),
                "cancel": _("The wave is cancelled; people not invited yet are free for "
                            "another wave.")}  # fmt: skip
        messages.success(request, done[action])
    return redirect("network:staff_wave", pk=wave.pk)


# --- Invitations -----------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def invitation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("person", "wave", "last_email"), pk=pk
    )
    form = ResendForm(request.POST or None, initial={"email": invitation.email})
    if request.method == "POST" and form.is_valid():
        try:
            waves.resend_invitation(invitation=invitation, email=form.cleaned_data["email"],
                                    by=request.user)  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The invitation is on its way to %(email)s.")
                             % {"email": form.cleaned_data["email"]})  # fmt: skip
            return redirect("network:staff_invitation", pk=invitation.pk)
    can_resend = invitation.state not in (State.ACCEPTED, State.CANCELLED)
    return render(
        request,
        "network/staff/invitation_detail.html",
        {"invitation": invitation, "form": form, "can_resend": can_resend},
    )


# --- People ----------------------------------------------------------------------------


@staff_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    """Former participants and members, to find a record and its history."""
    people = Person.objects.filter(
        Exists(Participant.objects.filter(person=OuterRef("pk"),
                                          status=Participant.Status.COMPLETED))
        | Exists(Member.objects.filter(person=OuterRef("pk")))
    ).annotate(
        is_member=Exists(Member.objects.filter(person=OuterRef("pk"))),
    ).prefetch_related(
        Prefetch("invitations", queryset=Invitation.objects.live(), to_attr="live_invitations")
    )  # fmt: skip
    q = request.GET.get("q", "").strip()[:100]
    for word in q.split()[:5]:
        people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                               | Q(email__icontains=word))  # fmt: skip
    country = request.GET.get("country", "")
    if country:
        people = people.filter(country=country)
    # By name, as the directory: read in the order of ``person_name_idx``.
    listing = paginate(request, people.order_by(Lower("last_name"), Lower("first_name"), "pk"))
    return render(request, "network/staff/people_list.html", {
        **listing, "q": q, "country": country,
        "countries": country_choices(blank=_("All")),
    })  # fmt: skip


@staff_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("user"), pk=pk)
    member = Member.objects.filter(person=person).prefetch_related("languages", "expertise").first()
    participations = list(
        Participant.objects.filter(person=person)
        .select_related("partnership", "historical_record")
        .order_by("exchange_year", "exchange_start", "pk")
    )
    invitations = list(person.invitations.select_related("wave", "last_email").order_by("-pk"))
    # The person's address and every address they were invited at: any may be bad.
    emails = {person.email, *(i.email.lower() for i in invitations)} - {""}
    bad = {b.email: b for b in BadAddress.objects.filter(email__in=emails, cleared_at__isnull=True)}
    for invitation in invitations:
        invitation.bad_address = bad.get(invitation.email.lower())
        invitation.failure = (
            invitation.bad_address.reason
            if invitation.bad_address
            else invitation.last_email.last_error
            if invitation.last_email and invitation.state == Invitation.State.BOUNCED
            else ""
        )
    return render(request, "network/staff/person_detail.html", {
        "person": person, "member": member, "participations": participations,
        "invitations": invitations,
        "changes": list(person.contact_changes.select_related("changed_by")[:100]),
        "consents": list(member.consents.select_related("recorded_by")[:50]) if member else [],
        "duplicates": list(
            DuplicateCandidate.objects.filter(
                Q(person_a=person) | Q(person_b=person), status=DuplicateCandidate.Status.OPEN
            )
        ),
        "raw_addresses": list(person.raw_addresses.all()),
        "bad_address": bad.get(person.email),
    })  # fmt: skip


# --- Directory -------------------------------------------------------------------------


@staff_required
@require_GET
def staff_directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    results = directory.search(directory.for_staff(), form)
    listing = paginate(request, results)
    return render(request, "network/staff/directory.html",
                  {"form": form, **listing})  # fmt: skip


@staff_required
@require_GET
def staff_directory_export(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    members = directory.search(directory.for_export(), form)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    record_export(by=request.user, model=Member, rows=members.count(), what="directory csv",
                  filters=filters)  # fmt: skip
    return directory.export_csv(members)
