"""The evaluation after a session: the public pages a participant answers on (from the
emailed link, or the farewell slide's QR code) and the staff pages (results, sending,
the slide, the comparison across venues, the export).

The emailed link works like the network's links: its first GET checks the token, keeps
it in the session and redirects to a page without it, so the token stays out of the
address bar, the history and any Referer; only the POST that answers uses it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from norec_portal.access import staff_required
from norec_portal.audit import record_export
from norec_portal.forms import add_service_errors

from .. import evaluation_results as results
from .. import planning, ratelimit, services
from ..evaluation import session_id_from_slide_code, slide_code
from ..evaluation_forms import EvaluationForm, ExportForm, SlideEmailForm, YearForm
from ..models import EvaluationAnswer, TrainingSession
from ..services.evaluation import AlreadyAnswered, InvalidEvaluationLink, closes_on

TOKEN_KEY = "trainings:evaluation:token"  # noqa: S105 - a session key, not a secret
LANGUAGE_KEY = "trainings:evaluation:language"


def _language(person) -> str:
    wanted = person.preferred_language or ""
    codes = {code for code, _name in settings.LANGUAGES}
    return wanted if wanted in codes else (translation.get_language() or settings.LANGUAGE_CODE)


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "trainings/evaluation_invalid.html", status=400)


def _answered(request: HttpRequest) -> HttpResponse:
    return render(request, "trainings/evaluation_answered.html")


@never_cache
@require_GET
def evaluation_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.peek_evaluation_link(token)
    except AlreadyAnswered:
        return _answered(request)
    except InvalidEvaluationLink:
        return _link_invalid(request)
    request.session[TOKEN_KEY] = token
    return redirect("trainings:evaluation_answer")


@never_cache
@require_http_methods(["GET", "POST"])
def evaluation_answer(request: HttpRequest) -> HttpResponse:
    raw = request.session.get(TOKEN_KEY)
    try:
        invitation = services.peek_evaluation_link(raw)
    except AlreadyAnswered:
        request.session.pop(TOKEN_KEY, None)
        return _answered(request)
    except InvalidEvaluationLink:
        request.session.pop(TOKEN_KEY, None)
        return _link_invalid(request)
    session = invitation.enrolment.session
    language = _language(invitation.enrolment.person)
    with translation.override(language):
        form = EvaluationForm(request.POST or None, kind=session.kind)
        if request.method == "POST" and form.is_valid():
            try:
                services.submit_evaluation(
                    raw_token=raw, answers=form.answers(),
                    comment=form.cleaned_data["comment"], language=language,
                )  # fmt: skip
            except AlreadyAnswered:
                request.session.pop(TOKEN_KEY, None)
                return _answered(request)
            except InvalidEvaluationLink:
                request.session.pop(TOKEN_KEY, None)
                return _link_invalid(request)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                # The used token stays in the session: a second submit (a double click,
                # the back button) finds it used and gets the "already answered" page.
                request.session[LANGUAGE_KEY] = language
                return redirect("trainings:evaluation_thanks")
        return render(request, "trainings/evaluation_answer.html",
                      {"form": form, "session": session, "language": language})  # fmt: skip


@require_GET
def evaluation_thanks(request: HttpRequest) -> HttpResponse:
    language = request.session.get(LANGUAGE_KEY) or translation.get_language()
    with translation.override(language):
        return render(request, "trainings/evaluation_thanks.html", {"language": language})


def _slide_session(code: str) -> TrainingSession:
    session_id = session_id_from_slide_code(code)
    session = TrainingSession.objects.with_place().filter(pk=session_id).first()
    if session is None:
        raise Http404
    return session


@never_cache
@require_http_methods(["GET", "POST"])
def evaluation_request(request: HttpRequest, code: str) -> HttpResponse:
    """Behind the slide's QR code: a participant types their address; if it is one of the
    session's, their link is emailed. The answer is the same for any address, and the
    sending happens in a task so it takes as long either way."""
    session = _slide_session(code)
    try:
        services.check_evaluation_open(session)
    except ValidationError as exc:
        return render(request, "trainings/evaluation_request.html",
                      {"session": session, "closed": exc.messages[0]})  # fmt: skip
    form = SlideEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not ratelimit.consume(request, action="evaluation_link", key=email):
            return ratelimit.too_many(request)
        services.ask_for_evaluation_link(session_id=session.pk, email=email)
        return redirect("trainings:evaluation_request_sent")
    return render(request, "trainings/evaluation_request.html", {"session": session, "form": form})


@require_GET
def evaluation_request_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "trainings/evaluation_request_sent.html")


# --- Staff ------------------------------------------------------------------------------------


def _session_or_404(pk: int) -> TrainingSession:
    try:
        return planning.sessions_with_counts().with_place().get(pk=pk)
    except TrainingSession.DoesNotExist:
        raise Http404 from None


@staff_required
@require_GET
def session_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    found = results.session_results(session)
    try:
        services.check_evaluation_open(session)
        closed = ""
    except ValidationError as exc:
        closed = exc.messages[0]
    return render(request, "trainings/staff_evaluation.html", {
        "session": session,
        "results": found,
        "charts": [(q, q.chart(session.pk)) for q in found.questions],
        "closed": closed,
        "closes_on": closes_on(session),
        "waiting": session_waiting(session),
    })  # fmt: skip


def session_waiting(session: TrainingSession) -> int:
    """People of the session who would get a link if staff sent it now."""
    return (
        session.enrolments.filter(
            state__in=services.evaluation.EVALUATED_STATES,
            evaluation_invitation__isnull=True,
        )
        .exclude(person__email="")
        .count()
    )


@staff_required
@require_POST
def session_evaluation_send(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session_or_404(pk)
    try:
        sent = services.invite_to_evaluation(session_id=session.pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if sent:
            messages.success(request, ngettext(
                "The evaluation link was sent to %(count)s person.",
                "The evaluation link was sent to %(count)s people.", sent,
            ) % {"count": sent})  # fmt: skip
        else:
            messages.info(request, _("Everyone in this session has had the link already."))
    return redirect("trainings:staff_session_evaluation", pk=session.pk)


@staff_required
@require_GET
def session_evaluation_slide(request: HttpRequest, pk: int) -> HttpResponse:
    import segno

    session = _session_or_404(pk)
    url = settings.SITE_URL + reverse(
        "trainings:evaluation_request", kwargs={"code": slide_code(session.pk)}
    )
    # A QR code of dark modules on white, drawn as SVG (no script, nothing external).
    qr = segno.make(url, error="m").svg_inline(
        scale=8, border=2, dark="#12355b", light="#ffffff", svgclass="qr-code",
        omitsize=True, title=_("QR code of the evaluation page"),
    )  # fmt: skip
    return render(request, "trainings/staff_evaluation_slide.html",
                  {"session": session, "url": url, "qr": qr})  # fmt: skip


@staff_required
@require_GET
def evaluation_year(request: HttpRequest) -> HttpResponse:
    form = YearForm(request.GET or None)
    year = form.chosen_year()
    if form.is_bound and not form.is_valid():
        messages.warning(request, _("There is no year “%(typed)s”; here is %(year)s.")
                         % {"typed": request.GET.get("year", "")[:20], "year": year})  # fmt: skip
    years = sorted({*results.years_with_answers(), year, timezone.localdate().year},
                   reverse=True)  # fmt: skip
    kinds = results.year_comparison(year)
    return render(request, "trainings/staff_evaluation_year.html", {
        "form": form, "year": year, "years": years,
        "kinds": [(k, k.chart()) for k in kinds],
    })  # fmt: skip


@staff_required
@require_GET
def evaluation_export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "trainings/form_page.html", {
            "title": _("Export evaluation answers"), "form": form, "method": "get",
            "submit_label": _("Download"),
        }, status=400)  # fmt: skip
    year = form.chosen_year()
    session = None
    answers = EvaluationAnswer.objects.select_related(
        "session__week__venue", "session__venue"
    ).order_by("session__first_day", "session_id", "submitted_on", "id")
    if form.is_bound and form.cleaned_data.get("session"):
        session = TrainingSession.objects.filter(pk=form.cleaned_data["session"]).first()
        if session is None:
            raise Http404
        answers = answers.filter(session=session)
    else:
        answers = answers.filter(session__first_day__year=year)
    data, rows = results.export_answers(answers)
    record_export(by=request.user, model=EvaluationAnswer, rows=rows, what="evaluation xlsx",
                  filters={"year": year, "session": session.pk if session else None})  # fmt: skip
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = results.export_filename(year=year, session=session)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
