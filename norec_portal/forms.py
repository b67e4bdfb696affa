from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from .ids import parse_id
from .models import AuditEntry, User


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: on the field it names when the
    form has one, above the form otherwise. Every view that calls a service uses this."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ServiceCheckedForm(forms.Form):
    """A form that shows every problem in one round: its own field errors *and* the
    service's checks, for whatever fields are valid so far.

    Without it a service's rules run only once the form is valid, so a bad email hid a
    bad phone number and an end before the start until the next submission. A subclass
    implements :meth:`service_problems` by calling the service's ``check_*`` function(s)
    (the rules stay in the service; the form only asks early). ``data`` holds the valid
    fields only: a check must skip what is missing."""

    def service_problems(self, data: dict[str, Any]) -> dict[str | None, Any]:
        return {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for field, problem in self.service_problems(dict(cleaned)).items():
            name = field if field in self.fields else None
            if name is not None and name in self.errors:
                continue  # the field's own error says it already
            self.add_error(name, problem)
        return cleaned


class ModelMultipleIdsField(forms.ModelMultipleChoiceField):
    """Django's field, except that a posted value that is no id (``parse_id``) is refused
    as an invalid choice before the database is asked: past 2**63 SQLite raises instead
    of finding nothing."""

    def _check_values(self, value: Any) -> Any:
        if (self.to_field_name or "pk") == "pk":
            for pk in value or ():
                if parse_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": str(pk)[:40]},
                    )
        return super()._check_values(value)


def problems_of(exc: ValidationError) -> dict[str | None, list[str]]:
    """A service's ``ValidationError`` as problems by field (None: the whole form)."""
    if hasattr(exc, "error_dict"):
        return {
            (None if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {None: exc.messages}


T = TypeVar("T")


def form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    template: str,
    save: Callable[[], T],
    success_url: str | Callable[[T], str],
    message: str | Callable[[T], str] | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The flow of a page with one form that calls one service.

    On a POST with a valid form, ``save()`` runs (the service call). A ``ValidationError``
    it raises is shown on the form and the page is rendered again with what was typed;
    otherwise ``message`` (a text, or made from the result) is flashed and the browser
    goes to ``success_url`` (a URL, or made from the result). A GET, or a form with
    errors, renders ``template`` with ``form`` and ``context``.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if message is not None:
                messages.success(request, message(result) if callable(message) else message)
            return redirect(success_url(result) if callable(success_url) else success_url)
    return render(request, template, {"form": form, **(context or {})})


class AccountSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]


class AuditFilterForm(forms.Form):
    """Filters of the staff audit log page (every field optional)."""

    action = forms.ChoiceField(required=False)
    object_type = forms.ChoiceField(required=False)
    object_id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    actor = forms.CharField(required=False, max_length=254)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["action"].label = _("Action")
        fields["action"].choices = [("", _("All actions")), *AuditEntry.Action.choices]
        fields["object_type"].label = _("Record type")
        fields["object_type"].choices = [("", _("All records")), *audited_types()]
        fields["object_id"].label = _("Record number")
        fields["actor"].label = _("By (email)")
        fields["since"].label = _("From")
        fields["until"].label = _("Until")


def audited_types() -> list[tuple[str, str]]:
    """The record types of the project's apps, as ``app_label.model`` choices."""
    from django.contrib.contenttypes.models import ContentType

    types = ContentType.objects.filter(app_label__in=PROJECT_APPS).order_by("app_label", "model")
    return [(f"{t.app_label}.{t.model}", f"{t.app_label} · {t.name}") for t in types]


PROJECT_APPS = ("norec_portal", "partnerships", "trainings", "network")
