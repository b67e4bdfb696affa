"""Input validation only: the rules live in ``services``; views show their messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from norec_portal.models import Role, User
from partnerships.models import Partnership, Person, Phase

from .models import TrainingSession, TrainingWeek, Venue
from .schedule import FULL_WEEK, ONLINE_DAY_HOURS, ONLINE_DAY_START, SHORT_PARTNER_TRAINING

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class FacilitatorField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Facilitators"))
        super().__init__(
            queryset=User.objects.filter(role=Role.STAFF, is_active=True).order_by("full_name"),
            widget=forms.SelectMultiple,
            **kwargs,
        )


class VenueForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[("", "—")] + [(z, z) for z in sorted(available_timezones())],
    )

    class Meta:
        model = Venue
        fields = ["name", "city", "country", "address", "time_zone", "practical_information",
                  "active"]  # fmt: skip
        widgets = {"address": forms.Textarea(attrs={"rows": 4})}


class WeekForm(forms.Form):
    """A week and its three parallel sessions in one form."""

    venue = forms.ModelChoiceField(
        label=_("Venue"), queryset=Venue.objects.filter(active=True).order_by("name")
    )
    starts_on = forms.DateField(
        label=_("Week starts (Sunday)"),
        widget=DATE,
        help_text=_("The Sunday people arrive. They leave on the Saturday after."),
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=TrainingWeek.Format.choices, initial="in_person"
    )
    t1 = forms.BooleanField(label=_("Hold Training 1"), required=False, initial=True)
    t1_capacity = forms.IntegerField(label=_("Training 1 seats"), min_value=1, initial=30)
    t1_facilitators = FacilitatorField(label=_("Training 1 facilitators"))
    t2 = forms.BooleanField(label=_("Hold Training 2"), required=False, initial=True)
    t2_capacity = forms.IntegerField(label=_("Training 2 seats"), min_value=1, initial=30)
    t2_facilitators = FacilitatorField(label=_("Training 2 facilitators"))
    partner = forms.BooleanField(label=_("Hold Partner training"), required=False, initial=True)
    partner_capacity = forms.IntegerField(
        label=_("Partner training seats"), min_value=1, initial=40
    )
    partner_days = forms.TypedChoiceField(
        label=_("Partner training lasts"),
        coerce=int,
        choices=[
            (FULL_WEEK, _("The whole week (Sunday to Friday)")),
            (SHORT_PARTNER_TRAINING, _("Three days (Sunday to Tuesday)")),
        ],
        initial=FULL_WEEK,
    )
    partner_facilitators = FacilitatorField(label=_("Partner training facilitators"))
    notes = forms.CharField(
        label=_("Internal notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SessionForm(forms.Form):
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500)
    facilitators = FacilitatorField()


class ParallelGroupForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Seats in the second group"), min_value=1, max_value=500, initial=40
    )


class OnlineForm(forms.Form):
    day_start = forms.TimeField(
        label=_("Each day starts at (venue time)"), widget=TIME, initial=ONLINE_DAY_START
    )
    day_hours = forms.IntegerField(
        label=_("Hours per day"), min_value=1, max_value=8, initial=ONLINE_DAY_HOURS
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class SeminarForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    online = forms.BooleanField(label=_("Held online"), required=False)
    venue = forms.ModelChoiceField(
        label=_("Venue"), required=False,
        queryset=Venue.objects.filter(active=True).order_by("name"),
        help_text=_("Leave empty for an online seminar (times are then in Norway's time)."),
    )  # fmt: skip
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500, initial=30)
    day1 = forms.DateField(label=_("First day"), widget=DATE)
    day1_starts = forms.TimeField(label=_("First day starts"), widget=TIME, initial="09:00")
    day1_ends = forms.TimeField(label=_("First day ends"), widget=TIME, initial="16:00")
    day2 = forms.DateField(label=_("Second day"), widget=DATE)
    day2_starts = forms.TimeField(label=_("Second day starts"), widget=TIME, initial="09:00")
    day2_ends = forms.TimeField(label=_("Second day ends"), widget=TIME, initial="16:00")
    day3 = forms.DateField(label=_("Third day"), widget=DATE)
    day3_starts = forms.TimeField(label=_("Third day starts"), widget=TIME, initial="09:00")
    day3_ends = forms.TimeField(label=_("Third day ends"), widget=TIME, initial="16:00")
    facilitators = FacilitatorField()

    def days(self) -> list[tuple[dt.date, dt.time, dt.time]]:
        data = self.cleaned_data
        return [(data[f"day{n}"], data[f"day{n}_starts"], data[f"day{n}_ends"]) for n in (1, 2, 3)]


class InviteForm(forms.Form):
    partnerships = forms.ModelMultipleChoiceField(
        label=_("Partnerships in the feasibility phase"),
        queryset=Partnership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, session: TrainingSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnerships"].queryset = (
            Partnership.objects.filter(phase=Phase.FEASIBILITY)
            .exclude(seminar_invitations__session=session)
            .order_by("name")
        )


class PersonChoiceForm(forms.Form):
    """Pick one person from a precomputed list of (person, label). ``explain(person_id)``
    gives the rule that keeps a person who is not offered out (a choice gone stale since
    the page was shown), or None to say only that the choice is not valid."""

    person = forms.TypedChoiceField(label=_("Person"), coerce=int)

    def __init__(
        self,
        *args,
        people: list[tuple[int, str]],
        explain: Callable[[str], ValidationError | None] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—"), *people]
        self.explain = explain

    def clean_person(self) -> Person:
        try:
            return Person.objects.get(pk=self.cleaned_data["person"])
        except Person.DoesNotExist:
            raise ValidationError(_("Choose a person from the list.")) from None

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.explain is not None and self.has_error("person", code="invalid_choice"):
            reason = self.explain(str(self.data.get("person", "")))
            if reason is not None:
                self.errors["person"] = self.error_class(reason.messages)
        return cleaned


class StaffEnrolForm(PersonChoiceForm):
    confirm = forms.BooleanField(
        label=_("Confirm at once"),
        required=False,
        initial=True,
        help_text=_("Otherwise the person is nominated and confirmed later."),
    )


class ImportForm(forms.Form):
    emails = forms.CharField(
        label=_("Email addresses, one per line"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=60_000,
        help_text=_(
            "Everyone is enrolled, or nobody: if a line fails, the list comes back with "
            "the reason for each failing line."
        ),
    )
    confirm = forms.BooleanField(label=_("Confirm at once"), required=False, initial=True)


class PartnerReadinessFilterForm(forms.Form):
    """The staff list of contact persons and their Partner training."""

    MISSING = "missing"
    STATES = [
        (MISSING, _("Without Partner training (due or overdue)")),
        ("overdue", _("Overdue")),
        ("due", _("Due")),
        ("enrolled", _("Enrolled")),
        ("done", _("Done")),
        ("all", _("Everyone")),
    ]
    ROLES = [
        ("", _("All contact persons")),
        ("coordinator", _("Coordinators only")),
    ]
    AGES = [
        ("", _("Any date")),
        ("3", _("More than 3 months ago")),
        ("6", _("More than 6 months ago")),
        ("12", _("More than a year ago")),
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("Partner training"), choices=STATES, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLES, required=False)
    signed = forms.ChoiceField(label=_("Agreement signed"), choices=AGES, required=False)
