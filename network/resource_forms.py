"""Forms of the resource-person pages: the staff search, the request, the member's answer.
Input validation only; the rules are in ``services.resources``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from norec_portal.countries import CountryChoices
from norec_portal.forms import ModelMultipleIdsField
from norec_portal.widgets import FastSelect
from trainings.models import Venue

from .models import ExpertiseTag, Language, Member, ResourceRole
from .services.resources import sessions_to_staff


class ResourceSearchForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Available as"), required=False,
        choices=[("", _("Any role")), *ResourceRole.choices],
    )  # fmt: skip
    expertise = forms.ModelChoiceField(
        label=_("Expertise"), required=False, queryset=ExpertiseTag.objects.all(),
        empty_label=_("All"), widget=FastSelect,
    )  # fmt: skip
    language = forms.ModelChoiceField(
        label=_("Language"), required=False, queryset=Language.objects.all(),
        empty_label=_("All"), widget=FastSelect,
    )  # fmt: skip
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=CountryChoices(blank=_("All")),
        widget=FastSelect,
    )  # fmt: skip
    near = forms.ModelChoiceField(
        label=_("Nearest to"), required=False, queryset=Venue.objects.order_by("name"),
        empty_label=_("Any place"),
        help_text=_("The nearest first: from the capital of their country to the venue."),
    )  # fmt: skip


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class ResourceAskForm(forms.Form):
    """Ask the members ticked in the results to serve in one session, in one role."""

    members = ModelMultipleIdsField(
        label=_("Members to ask"), queryset=Member.objects.resource_persons(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one member to ask.")},
    )  # fmt: skip
    session = SessionChoiceField(
        label=_("Training session"), queryset=sessions_to_staff(),
        empty_label=_("Choose a session"),
    )  # fmt: skip
    role = forms.ChoiceField(label=_("As"), choices=ResourceRole.choices)
    message = forms.CharField(
        label=_("A word to them"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent with the request, e.g. the topic or what the session needs."),
    )  # fmt: skip
