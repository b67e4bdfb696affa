from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import attention, enrolment
from .access import staff_required
from .context_processors import start_page
from .forms import AccountSettingsForm, AuditFilterForm
from .mailhealth import mail_health
from .models import AuditEntry, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the front page of their part of the portal."""
    user = request.user
    role = Role.STAFF if user.is_staff else user.role
    return redirect(start_page(role) or "account_settings")


@staff_required
def staff_dashboard(request: HttpRequest) -> HttpResponse:
    """The staff home: what needs attention in each part of the portal (each app's
    ``attention.py``), then the email outbox."""
    return render(request, "norec_portal/staff_dashboard.html", {
        "sections": attention.sections(timezone.localdate()),
        "mail_health": mail_health(),
    })  # fmt: skip


AUDIT_PAGE_SIZE = 25


@staff_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who changed what on people, enrolments, waves and newsletters (names of fields,
    never values), newest first, with filters."""
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.select_related("actor", "object_type").order_by("-at", "-pk")
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("object_type"):
        app_label, _dot, model = data["object_type"].partition(".")
        entries = entries.filter(object_type__app_label=app_label, object_type__model=model)
    if data.get("object_id"):
        entries = entries.filter(object_id=data["object_id"])
    if data.get("actor"):
        entries = entries.filter(actor__email__icontains=data["actor"].strip())
    if data.get("since"):
        entries = entries.filter(at__date__gte=data["since"])
    if data.get("until"):
        entries = entries.filter(at__date__lte=data["until"])
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = [(entry, _admin_url(entry)) for entry in page.object_list]
    return render(request, "norec_portal/audit_log.html", {
        "form": form, "page_obj": page, "rows": rows, "query_string": query.urlencode(),
    })  # fmt: skip


def _admin_url(entry: AuditEntry) -> str:
    """The admin page of the record, when the admin has one."""
    ct = entry.object_type
    if entry.object_id is None:
        return ""
    try:
        return reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[entry.object_id])
    except NoReverseMatch:
        return ""


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    form = AccountSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Your settings have been saved."))
        response = redirect("account_settings")
        if user.language:
            response.set_cookie("django_language", user.language, samesite="Lax")
        return response
    return render(request, "norec_portal/account_settings.html", {"form": form})


ENROLMENT_RATE_LIMIT = "5/h/key"


@login_required
@require_http_methods(["GET", "POST"])
def staff_enrolment(request: HttpRequest) -> HttpResponse:
    """Where a staff login without an authenticator lands: it emails the set-up link."""
    from allauth.core.internal import ratelimit

    user = request.user
    if not enrolment.needs_enrolment(user):
        return redirect("home")
    if enrolment.enrolment_granted(request):
        return redirect("mfa_activate_totp")
    address = enrolment.verified_address(user)
    if request.method == "POST":
        usage = ratelimit.consume(
            request, app="norec_portal", action="staff_enrolment",
            config={"staff_enrolment": ENROLMENT_RATE_LIMIT}, key=str(user.pk),
        )  # fmt: skip
        if usage is None:
            return ratelimit.respond_429(request)
        if enrolment.send_enrolment_link(user=user) is not None:
            messages.success(request, _("We have emailed you a link. Open it in this browser."))
        return redirect("staff_enrolment")
    return render(request, "norec_portal/staff_enrolment.html", {
        "address": address, "minutes": settings.STAFF_ENROLMENT_LINK_MINUTES,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def staff_enrolment_link(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: a GET only shows a button (mail scanners open links); the POST
    uses it and opens the authenticator set-up to this session."""
    if not enrolment.needs_enrolment(request.user):
        return redirect("home")
    try:
        if request.method == "POST":
            enrolment.use_enrolment_link(request=request, raw=token)
            return redirect("mfa_activate_totp")
        enrolment.check_enrolment_link(user=request.user, raw=token)
    except enrolment.InvalidEnrolmentLink as error:
        return render(request, "norec_portal/staff_enrolment_invalid.html",
                      {"error": error.messages[0]}, status=404)  # fmt: skip
    return render(request, "norec_portal/staff_enrolment_link.html")


def set_language(request: HttpRequest) -> HttpResponse:
    """The footer's language switcher: Django's cookie, and the profile when logged in."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors: whatever broke must not break the error page too.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
