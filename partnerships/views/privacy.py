"""Staff pages for one person's personal data: export (JSON or PDF) and erasure."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from norec_portal import privacy as core_privacy
from norec_portal.access import staff_required
from norec_portal.forms import form_page
from norec_portal.redirects import safe_next

from .. import privacy
from ..forms import AnonymiseForm
from ..models import Person


def _back(request: HttpRequest) -> str:
    """Where to go back to: a same-site ``next`` (the person's page), else the list."""
    return safe_next(request, reverse("partnerships:staff_participants"))


@staff_required
@require_http_methods(["GET", "POST"])
def person_export(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what an export contains; POST (``format`` json or pdf): the file, audited."""
    person = get_object_or_404(Person.objects.select_related("user"), pk=pk)
    if request.method == "POST":
        kind = request.POST.get("format", "")
        if kind not in ("json", "pdf"):
            return HttpResponseBadRequest(_("Choose JSON or PDF."))
        data = privacy.export_person(person=person, by=request.user)
        if kind == "json":
            body, content_type = core_privacy.export_json(data), "application/json"
        else:
            body = core_privacy.export_pdf(data, name=person.full_name)
            content_type = "application/pdf"
        response = HttpResponse(body, content_type=content_type)
        filename = f"norec-person-{person.pk}.{kind}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "partnerships/staff/person_export.html",
                  {"person": person, "back": _back(request)})  # fmt: skip


@staff_required
@require_http_methods(["GET", "POST"])
def person_anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase a person by anonymisation, after a confirmation that names what stays."""
    person = get_object_or_404(Person.objects.select_related("user"), pk=pk)
    form = AnonymiseForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    return form_page(
        request,
        form,
        template="partnerships/staff/person_anonymise.html",
        save=lambda: privacy.anonymise_person(person=person, by=request.user),
        message=_("The person has been anonymised."),
        success_url=_back(request),
        context={"person": person, "problems": privacy.check_anonymise(person),
                 "back": _back(request)},
    )  # fmt: skip
