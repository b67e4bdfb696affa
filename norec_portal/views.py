from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .access import staff_required
from .context_processors import start_page
from .forms import AccountSettingsForm, AuditFilterForm
from .mailhealth import mail_health
from .models import AuditEntry, OutboxEmail, Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the front page of their part of the portal."""
    user = request.user
    role = Role.STAFF if user.is_staff else user.role
    return redirect(start_page(role) or "account_settings")


@staff_required
def staff_dashboard(request: HttpRequest) -> HttpResponse:
    counts = dict(
        OutboxEmail.objects.values_list("state").annotate(n=Count("id")).order_by("state")
    )
    outbox = [
        {"state": state, "label": label, "count": counts.get(state, 0)}
        for state, label in OutboxEmail.State.choices
    ]
    return render(
        request,
        "norec_portal/staff_dashboard.html",
        {"outbox": outbox, "mail_health": mail_health()},
    )


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
