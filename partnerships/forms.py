"""Input validation for the partnerships pages. Rules live in ``services.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from norec_portal.countries import CountryChoices
from norec_portal.forms import ModelMultipleIdsField, ServiceCheckedForm, problems_of
from norec_portal.ids import parse_id
from norec_portal.models import Role, User
from norec_portal.widgets import FastSelect, FastSelectMultiple

from .models import (
    Participant,
    PartnerOrganisation,
    Partnership,
    PartnershipMember,
    Person,
    Phase,
    Programme,
)
from .services import check_date_of_birth, check_exchange_dates, clean_person_data

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COUNTRY_CHOICES = CountryChoices(blank=_("All countries"))


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class PartnershipFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    country = forms.ChoiceField(
        label=_("Country"), choices=COUNTRY_CHOICES, required=False, widget=FastSelect
    )
    phase = forms.ChoiceField(
        label=_("Phase"), choices=_blank(_("All phases")) + list(Phase.choices), required=False
    )
    programme = forms.ChoiceField(
        label=_("Programme"),
        choices=_blank(_("All programmes")) + list(Programme.choices),
        required=False,
    )
    adviser = forms.ModelChoiceField(
        label=_("Programme adviser"),
        queryset=User.objects.filter(role=Role.STAFF, is_active=True),
        required=False,
        empty_label=_("All advisers"),
    )


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    country = forms.ChoiceField(
        label=_("Country"), choices=COUNTRY_CHOICES, required=False, widget=FastSelect
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=_blank(_("All types")) + list(PartnerOrganisation.Kind.choices),
        required=False,
    )
    active = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Inactive"))],
        required=False,
    )


class ParticipantFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Current (planned or on exchange)")), ("all", _("All"))]
        + list(Participant.Status.choices),
        required=False,
    )
    country = forms.ChoiceField(
        label=_("Sending country"), choices=COUNTRY_CHOICES, required=False, widget=FastSelect
    )


class PhaseChangeForm(forms.Form):
    to_phase = forms.ChoiceField(label=_("Move to"))
    effective_on = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_phase"].choices = [
            (phase, Phase(phase).label) for phase in partnership.next_phases
        ]


class PartnershipCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    programme = forms.ChoiceField(label=_("Programme"), choices=Programme.choices)
    adviser = forms.ModelChoiceField(
        label=_("Programme adviser"),
        queryset=User.objects.filter(role=Role.STAFF, is_active=True),
        required=False,
    )
    lead = forms.ModelChoiceField(
        label=_("Lead organisation"),
        queryset=PartnerOrganisation.objects.filter(active=True),
        widget=FastSelect,
    )
    partners = ModelMultipleIdsField(
        label=_("Partner organisations"),
        queryset=PartnerOrganisation.objects.filter(active=True),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose several."),
        widget=FastSelectMultiple,
    )
    feasibility_since = forms.DateField(
        label=_("Feasibility phase since"), widget=DATE_INPUT, initial=timezone.localdate
    )

    def member_list(self) -> list[tuple[PartnerOrganisation, str]]:
        """The members as chosen; ``services.create_partnership`` checks the lead/partner
        rule."""
        lead = self.cleaned_data["lead"]
        return [(lead, PartnershipMember.Role.LEAD)] + [
            (org, PartnershipMember.Role.PARTNER) for org in self.cleaned_data["partners"]
        ]


class ParticipantForm(ServiceCheckedForm):
    """A participant as a coordinator registers them. The sending organisation is never a
    field: it is the coordinator's own."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("With the country code, e.g. +254 712 345678."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"), choices=CountryChoices(), required=False, widget=FastSelect
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=_blank("—") + list(Person.Gender.choices), required=False
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE_INPUT, required=False)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=_blank("—") + list(settings.LANGUAGES),
        required=False,
    )
    partnership = forms.ModelChoiceField(
        label=_("Partnership"), queryset=Partnership.objects.none()
    )
    host_organisation = forms.ModelChoiceField(
        label=_("Host organisation"), queryset=PartnerOrganisation.objects.none()
    )
    exchange_start = forms.DateField(label=_("Exchange starts"), widget=DATE_INPUT)
    exchange_end = forms.DateField(label=_("Exchange ends"), widget=DATE_INPUT)
    elearning_completed_on = forms.DateField(
        label=_("E-learning completed on"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("Leave empty until the participant has completed the Norec e-learning."),
    )

    PERSON_FIELDS = (
        "first_name", "last_name", "email", "phone", "nationality", "gender",
        "date_of_birth", "preferred_language",
    )  # fmt: skip

    def __init__(
        self, *args: Any, organisation: PartnerOrganisation, partnerships: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["partnership"].queryset = partnerships
        self.fields["partnership"].widget.attrs.update(
            {
                "hx-get": "",  # set by the template to the host-options URL
                "hx-target": "#id_host_organisation",
                "hx-trigger": "change",
            }
        )
        hosts = PartnerOrganisation.objects.filter(
            memberships__partnership__in=partnerships
        ).exclude(pk=organisation.pk)
        # The posted value is not validated yet: only an id narrows the hosts.
        chosen = self.data.get("partnership") or self.initial.get("partnership")
        chosen_id = parse_id(getattr(chosen, "pk", chosen))
        if chosen_id is not None:
            hosts = hosts.filter(memberships__partnership=chosen_id)
        self.fields["host_organisation"].queryset = hosts.distinct().order_by("name")

    def clean_date_of_birth(self) -> dt.date | None:
        value = self.cleaned_data.get("date_of_birth")
        problem = check_date_of_birth(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def person_data(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in self.PERSON_FIELDS}

    def service_problems(self, data: dict[str, Any]) -> dict[str | None, Any]:
        problems: dict[str | None, Any] = {}
        try:
            clean_person_data({k: data[k] for k in self.PERSON_FIELDS if k in data})
        except forms.ValidationError as exc:
            problems.update(problems_of(exc))
        problems.update(
            check_exchange_dates(
                exchange_start=data.get("exchange_start"),
                exchange_end=data.get("exchange_end"),
                elearning_completed_on=data.get("elearning_completed_on"),
            )
        )
        return problems


class AnonymiseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand: the name, addresses, phone, date of birth and login are erased "
            "for good; exchanges and enrolments stay, without them."
        ),
        required=True,
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)
