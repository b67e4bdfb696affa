"""Newsletter pages: staff compose, preview, test, schedule and follow the sending;
members read the archive; anyone with an unsubscribe link switches the newsletter off
(one click from the mail program, RFC 8058) or changes it on the preferences page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal.access import alumnus_required, staff_required
from norec_portal.countries import country_choices
from norec_portal.forms import form_page
from norec_portal.pagination import paginate

from .. import tokens
from ..access import member_for_user
from ..forms import NewsletterForm, NewsletterPreferencesForm, ScheduleForm
from ..models import VERSION_LANGUAGES, ConsentRecord, Member, Newsletter
from ..services import links, members, newsletter_copies, newsletters, versions

Status = Newsletter.Status


def _get(pk: int) -> Newsletter:
    return get_object_or_404(Newsletter.objects.select_related("created_by", "activity"), pk=pk)


# --- Staff ---------------------------------------------------------------------------------


@staff_required
@require_GET
def newsletter_list(request: HttpRequest) -> HttpResponse:
    items = newsletters.annotate_progress(
        Newsletter.objects.select_related("activity").order_by("-created_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status in Status.values:
        items = items.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind in Newsletter.Kind.values:
        items = items.filter(kind=kind)
    listing = paginate(request, items)
    return render(
        request,
        "network/staff/newsletter_list.html",
        {
            **listing,
            "status": status,
            "kind": kind,
            "statuses": Status.choices,
            "kinds": Newsletter.Kind.choices,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def newsletter_create(request: HttpRequest) -> HttpResponse:
    form = NewsletterForm(request.POST or None, initial={"audience": "all"})
    return form_page(
        request, form, template="network/staff/newsletter_form.html",
        save=lambda: newsletters.create_newsletter(draft=form.draft(), by=request.user),
        success_url=lambda newsletter: reverse("network:staff_newsletter", args=[newsletter.pk]),
        message=_("The draft is saved. Preview it and send yourself a test."),
    )  # fmt: skip


@staff_required
@require_http_methods(["GET", "POST"])
def newsletter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _get(pk)
    if not newsletter.is_editable:
        messages.error(request, _("A newsletter that has started sending can no longer change."))
        return redirect("network:staff_newsletter", pk=newsletter.pk)
    form = NewsletterForm(
        request.POST or None,
        initial={
            "subject": newsletter.subject,
            "body": newsletter.body,
            "audience": newsletter.audience,
            "countries": [c.code for c in newsletter.countries],
            **NewsletterForm.version_initial(versions.newsletter_versions_of(newsletter)),
        },
    )
    return form_page(
        request, form, template="network/staff/newsletter_form.html",
        save=lambda: newsletters.update_newsletter(
            newsletter=newsletter, draft=form.draft(), by=request.user
        ),
        success_url=reverse("network:staff_newsletter", args=[newsletter.pk]),
        message=_("The newsletter is saved."), context={"newsletter": newsletter},
    )  # fmt: skip


def _detail_context(newsletter: Newsletter) -> dict[str, object]:
    names = dict(country_choices(blank=None))
    return {
        "newsletter": newsletter,
        "figures": links.figures(newsletter),
        "progress": newsletters.progress(newsletter),
        "country_names": [names.get(c.code, c.code) for c in newsletter.countries],
    }


@staff_required
@require_GET
def newsletter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _get(pk)
    context = _detail_context(newsletter)
    initial = newsletter.scheduled_for or (timezone.now() + dt.timedelta(days=1))
    context["schedule_form"] = ScheduleForm(
        initial={"scheduled_for": timezone.localtime(initial).replace(second=0, microsecond=0)}
    )
    return render(request, "network/staff/newsletter_detail.html", context)


@staff_required
@require_GET
def newsletter_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx fragment polled by the newsletter page while it is being sent."""
    return render(request, "network/staff/_newsletter_progress.html", _detail_context(_get(pk)))


@staff_required
@require_GET
def newsletter_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Each language's version as its readers get it (``?language=fr``)."""
    newsletter = _get(pk)
    languages = versions.languages_of(newsletter)
    language = request.GET.get("language", versions.ENGLISH)
    if language not in languages:
        language = versions.ENGLISH
    names = {"en": _("English"), **dict(VERSION_LANGUAGES)}
    return render(
        request,
        "network/staff/newsletter_preview.html",
        {
            "newsletter": newsletter,
            "preview": newsletters.preview(newsletter, language),
            "languages": [(code, names[code]) for code in languages],
            "language": language,
        },
    )


@staff_required
@require_POST
def newsletter_test(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _get(pk)
    newsletter_copies.send_test(newsletter=newsletter, to=request.user)
    messages.success(
        request, _("A test copy is on its way to %(email)s.") % {"email": request.user.email}
    )
    return redirect("network:staff_newsletter", pk=newsletter.pk)


@staff_required
@require_POST
def newsletter_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    newsletter = _get(pk)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            newsletters.schedule_newsletter(
                newsletter=newsletter, when=form.cleaned_data["scheduled_for"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            newsletter.refresh_from_db()
            when = timezone.localtime(newsletter.scheduled_for)
            messages.success(
                request,
                _("Scheduled: it goes out on %(when)s.")
                % {"when": formats.date_format(when, "j F Y, H:i")},
            )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("network:staff_newsletter", pk=newsletter.pk)


# action → (service, needs a confirmation page, message when done)
NEWSLETTER_ACTIONS = {
    "send": (
        lambda n, u: newsletters.start_sending(newsletter=n, by=u),
        True,
        gettext_lazy("Sending has started."),
    ),
    "pause": (
        lambda n, u: newsletters.pause_sending(newsletter=n, by=u),
        False,
        gettext_lazy("Paused: nobody else gets it until you resume."),
    ),
    "resume": (
        lambda n, u: newsletters.resume_sending(newsletter=n, by=u),
        False,
        gettext_lazy("Sending again; nobody gets it twice."),
    ),
    "unschedule": (
        lambda n, u: newsletters.unschedule_newsletter(newsletter=n, by=u),
        False,
        gettext_lazy("No longer scheduled: it is a draft again."),
    ),
    "cancel": (
        lambda n, u: newsletters.cancel_newsletter(newsletter=n, by=u),
        True,
        gettext_lazy("Cancelled: it will not be sent (any further)."),
    ),
    "delete": (
        lambda n, u: newsletters.delete_draft(newsletter=n, by=u),
        True,
        gettext_lazy("The draft is deleted."),
    ),
}


@staff_required
@require_http_methods(["GET", "POST"])
def newsletter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    newsletter = _get(pk)
    if action not in NEWSLETTER_ACTIONS:
        return redirect("network:staff_newsletter", pk=newsletter.pk)
    run, confirm, done = NEWSLETTER_ACTIONS[action]
    if request.method == "GET":
        if not confirm:
            return redirect("network:staff_newsletter", pk=newsletter.pk)
        context = _detail_context(newsletter)
        context["action"] = action
        return render(request, "network/staff/newsletter_confirm.html", context)
    try:
        run(newsletter, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, str(done))
        if action == "delete":
            return redirect("network:staff_newsletters")
    return redirect("network:staff_newsletter", pk=newsletter.pk)


# --- Members: the archive ------------------------------------------------------------------


@alumnus_required
@require_GET
def newsletter_archive(request: HttpRequest) -> HttpResponse:
    member = member_for_user(request.user)
    if member is None:
        return redirect("network:profile_start")
    language = translation.get_language()
    items = versions.with_version(
        newsletters.archive(member).only("pk", "subject", "started_at"), language
    )
    listing = paginate(request, items)
    listing["page_obj"].object_list = [
        versions.newsletter_shown(n, language) for n in listing["page_obj"].object_list
    ]
    return render(request, "network/newsletter_archive.html", {**listing})


@alumnus_required
@require_GET
def newsletter_read(request: HttpRequest, pk: int) -> HttpResponse:
    member = member_for_user(request.user)
    if member is None:
        return redirect("network:profile_start")
    newsletter = get_object_or_404(newsletters.archive(member), pk=pk)
    shown = versions.newsletter_shown(newsletter, translation.get_language())
    return render(request, "network/newsletter_read.html", {"newsletter": shown})


# --- A link of a newsletter (no login, no person) ---------------------------------------------


@never_cache
@require_GET
def newsletter_link(request: HttpRequest, newsletter: int, link: int) -> HttpResponse:
    """Count the link and go there; only a link that is in that newsletter."""
    url = links.follow(newsletter_id=newsletter, link_id=link)
    if url is None:
        return _not_found(request)
    return HttpResponseRedirect(url)


# --- The unsubscribe link (no login) -----------------------------------------------------------


def _member_from_link(token: str, *, legacy: bool = False) -> Member | None:
    member_id = tokens.member_id_from_unsubscribe_token(token)
    if member_id is None and legacy:
        member_id = tokens.member_id_from_legacy_unsubscribe_token(token)
    if member_id is None:
        return None
    return Member.objects.select_related("person").filter(pk=member_id).first()


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "network/link_invalid.html", status=404)


@csrf_exempt  # RFC 8058: the mail program POSTs without a form of ours (the token is the key)
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm; POST (the button, or the mail program's one click) acts.
    Repeating it is harmless. Links of newsletters sent before the links were encrypted
    still work here, and only here."""
    member = _member_from_link(token, legacy=True)
    if member is None:
        return _not_found(request)
    # An old link opens only this page: it offers no way on to the preferences.
    current = tokens.member_id_from_unsubscribe_token(token) is not None
    context = {"member": member, "token": token, "preferences": current}
    if request.method == "POST":
        members.set_newsletter_consent(
            member=member, granted=False, via=ConsentRecord.Via.UNSUBSCRIBE
        )
        return render(request, "network/unsubscribed.html", context)
    return render(request, "network/unsubscribe.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def newsletter_preferences(request: HttpRequest, token: str) -> HttpResponse:
    """Without a login the link only switches the newsletter off: whoever holds a
    forwarded email must not sign its reader up again (that needs the member's login)."""
    member = _member_from_link(token)
    if member is None:
        return _not_found(request)
    # Bound on every POST: an unticked box sends nothing, and means "off".
    form = NewsletterPreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={"newsletter": member.newsletter_consent},
    )
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["newsletter"] and not member.newsletter_consent:
            messages.info(request, _("Log in to receive the newsletter again."))
        elif not form.cleaned_data["newsletter"]:
            members.set_newsletter_consent(
                member=member, granted=False, via=ConsentRecord.Via.PREFERENCES
            )
            messages.success(request, _("You will no longer receive the newsletter."))
        return redirect("network:newsletter_preferences", token=token)
    return render(request, "network/newsletter_preferences.html", {"form": form, "member": member})
