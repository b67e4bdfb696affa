"""Input validation only: the rules live in ``services``; views show their messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from norec_portal.countries import CountryChoices
from norec_portal.forms import ModelMultipleIdsField, ServiceCheckedForm
from norec_portal.models import Role, User
from norec_portal.widgets import FastSelect
from partnerships.models import Partnership, Person, Phase

from .models import MAX_SESSION_SEATS, RoomArrangement, TrainingSession, TrainingWeek, Venue
from .schedule import FULL_WEEK, ONLINE_DAY_HOURS, ONLINE_DAY_START, SHORT_PARTNER_TRAINING
from .services.travel import FORM_FIELDS, check_travel_details, check_week_travel
from .services.weeks import check_seats, check_week

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class FacilitatorField(ModelMultipleIdsField):
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
        widget=FastSelect,
    )

    class Meta:
        model = Venue
        fields = ["name", "city", "country", "address", "time_zone", "practical_information",
                  "active"]  # fmt: skip
        widgets = {"address": forms.Textarea(attrs={"rows": 4}), "country": FastSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The practical information in each other language of the portal, after the
        # English one (each confirmation is written in its recipient's language).
        translations = self.instance.practical_information_translations or {}
        fields = list(self.fields.items())
        at = [name for name, _field in fields].index("practical_information") + 1
        extra = {
            f"practical_information_{code}": forms.CharField(
                label=format_lazy(_("Practical information in {language}"), language=name),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4, "lang": code}),
                initial=translations.get(code, ""),
                help_text=_("Leave empty to send the English text."),
            )  # fmt: skip
            for code, name in settings.LANGUAGES
            if code != settings.LANGUAGE_CODE
        }
        self.fields = dict([*fields[:at], *extra.items(), *fields[at:]])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.instance.practical_information_translations = {
            code: text
            for code, _name in settings.LANGUAGES
            if (text := data.get(f"practical_information_{code}", "").strip())
        }
        return data


class WeekForm(ServiceCheckedForm):
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
    t1_capacity = forms.IntegerField(
        label=_("Training 1 seats"), min_value=1, max_value=MAX_SESSION_SEATS, initial=30
    )
    t1_facilitators = FacilitatorField(label=_("Training 1 facilitators"))
    t2 = forms.BooleanField(label=_("Hold Training 2"), required=False, initial=True)
    t2_capacity = forms.IntegerField(
        label=_("Training 2 seats"), min_value=1, max_value=MAX_SESSION_SEATS, initial=30
    )
    t2_facilitators = FacilitatorField(label=_("Training 2 facilitators"))
    partner = forms.BooleanField(label=_("Hold Partner training"), required=False, initial=True)
    partner_capacity = forms.IntegerField(
        label=_("Partner training seats"), min_value=1, max_value=MAX_SESSION_SEATS, initial=40
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
    travel_details_due = forms.DateField(
        label=_("Travel details due"), required=False, widget=DATE,
        help_text=_("The day by which everyone travelling should have sent their travel "
                    "details (can be set later on the week's page)."),
    )  # fmt: skip
    # Not sent: shared, the usual arrangement.
    rooms = forms.TypedChoiceField(
        label=_("Rooms"), choices=RoomArrangement.choices, initial=RoomArrangement.SHARED,
        required=False, empty_value=RoomArrangement.SHARED,
    )  # fmt: skip
    notes = forms.CharField(
        label=_("Internal notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_problems(self, data: dict) -> dict:
        problems = dict(check_week(venue=data.get("venue"), starts_on=data.get("starts_on")))
        problems.update(check_week_travel(
            starts_on=data.get("starts_on"), travel_details_due=data.get("travel_details_due"),
            rooms=data.get("rooms"),
        ))  # fmt: skip
        for prefix, kind in (("t1", "t1"), ("t2", "t2"), ("partner", "partner")):
            seats = data.get(f"{prefix}_capacity")
            if data.get(prefix) and seats is not None:
                try:
                    check_seats(seats, kind)
                except ValidationError as exc:
                    problems[f"{prefix}_capacity"] = exc.messages
        return problems


class SessionForm(forms.Form):
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=MAX_SESSION_SEATS)
    facilitators = FacilitatorField()


class ParallelGroupForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Seats in the second group"), min_value=1, max_value=MAX_SESSION_SEATS, initial=40
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
    capacity = forms.IntegerField(
        label=_("Seats"), min_value=1, max_value=MAX_SESSION_SEATS, initial=30
    )
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
    partnerships = ModelMultipleIdsField(
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


class NominateForm(forms.Form):
    """Pick one or several people from a precomputed list of (person, label). A choice
    that is no longer offered (gone stale since the page was shown) is answered with the
    rule that keeps the person out, from ``explain(person_id)``."""

    people = forms.TypedMultipleChoiceField(
        label=_("People to nominate"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args,
        people: list[tuple[int, str]],
        explain: Callable[[str], ValidationError | None] | None = None,
        confirm_label: str | None = None,
        confirm_initial: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = people
        self.explain = explain
        if confirm_label is not None:
            self.fields["confirm"] = forms.BooleanField(
                label=confirm_label, required=False, initial=confirm_initial,
                help_text=_("Otherwise the people are nominated and confirmed later."),
            )  # fmt: skip

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.explain is not None and self.has_error("people", code="invalid_choice"):
            offered = {str(value) for value, _label in self.fields["people"].choices}
            reasons = [
                reason
                for value in self.data.getlist("people")
                if value not in offered and (reason := self.explain(value)) is not None
            ]
            if reasons:
                self.errors["people"] = self.error_class(
                    [message for reason in reasons for message in reason.messages]
                )
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        if self.errors.get("people"):
            # Each checkbox is marked invalid: point it at the message that says why.
            self.fields["people"].widget.attrs["aria-describedby"] = (
                f"{self['people'].auto_id}_error"
            )

    def chosen_people(self) -> list[Person]:
        ids = self.cleaned_data["people"]
        found = Person.objects.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]


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


class TravelDetailsForm(ServiceCheckedForm):
    """The travel form of one enrolment: for the person (from their link), their
    coordinator and staff alike. The rules are ``services.travel``'s."""

    GROUPS = (
        (_("Arrival"), ("arrival_date", "arrival_time", "arrival_by", "arrival_airport")),
        (
            _("Departure"),
            ("departure_date", "departure_time", "departure_by", "departure_airport"),
        ),  # fmt: skip
        (_("Your needs"), ("dietary_needs", "accessibility_needs")),
        (_("Emergency contact"), ("emergency_contact_name", "emergency_contact_phone")),
        (
            _("Only if you need a visa"),
            (
                "needs_visa",
                "passport_name",
                "passport_number",
                "passport_nationality",
                "passport_expiry",
            ),
        ),  # fmt: skip
    )

    arrival_date = forms.DateField(label=_("Arrival date"), widget=DATE)
    arrival_time = forms.TimeField(label=_("Arrival time (local)"), required=False, widget=TIME)
    arrival_by = forms.CharField(label=_("Flight number or other transport"), max_length=100,
                                 required=False)  # fmt: skip
    arrival_airport = forms.CharField(label=_("Arriving at (airport or station)"),
                                      max_length=100, required=False)  # fmt: skip
    departure_date = forms.DateField(label=_("Departure date"), widget=DATE)
    departure_time = forms.TimeField(label=_("Departure time (local)"), required=False,
                                     widget=TIME)  # fmt: skip
    departure_by = forms.CharField(label=_("Flight number or other transport"), max_length=100,
                                   required=False)  # fmt: skip
    departure_airport = forms.CharField(label=_("Leaving from (airport or station)"),
                                        max_length=100, required=False)  # fmt: skip
    dietary_needs = forms.CharField(label=_("Dietary needs"), max_length=1000, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"), max_length=1000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    emergency_contact_name = forms.CharField(label=_("Name"), max_length=200)
    emergency_contact_phone = forms.CharField(
        label=_("Phone"), max_length=40, widget=forms.TextInput(attrs={"type": "tel"}),
        help_text=_("With the country code, e.g. +254712345678."),
    )  # fmt: skip
    needs_visa = forms.BooleanField(label=_("I need a visa for the trip"), required=False)
    passport_name = forms.CharField(label=_("Name as in the passport"), max_length=200,
                                    required=False)  # fmt: skip
    passport_number = forms.CharField(label=_("Passport number"), max_length=40, required=False)
    passport_nationality = forms.ChoiceField(
        label=_("Nationality"), required=False, widget=FastSelect
    )
    passport_expiry = forms.DateField(label=_("Passport valid until"), required=False,
                                      widget=DATE)  # fmt: skip

    def __init__(self, *args: Any, enrolment: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment
        self.fields["passport_nationality"].choices = CountryChoices()
        travel = getattr(enrolment, "travel", None)
        self.saved_number = travel.passport_number if travel is not None else ""
        if travel is not None and not self.is_bound:
            self.initial.update({field: getattr(travel, field) for field in FORM_FIELDS})
        if self.saved_number:
            # Never sent back to the browser whole: shown masked, kept when left empty.
            self.initial["passport_number"] = ""
            self.fields["passport_number"].help_text = format_lazy(
                _("Saved: {number}. Leave empty to keep it."), number=travel.masked_passport_number
            )

    def clean_passport_number(self) -> str:
        return self.cleaned_data["passport_number"].strip() or self.saved_number

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    def service_problems(self, data: dict) -> dict:
        return check_travel_details(enrolment=self.enrolment, data=data)


class WeekTravelForm(forms.Form):
    travel_details_due = forms.DateField(
        label=_("Travel details due"), required=False, widget=DATE,
        help_text=_("Coordinators see who is still missing travel details, and overdue ones "
                    "are highlighted after this day."),
    )  # fmt: skip
    rooms = forms.ChoiceField(label=_("Rooms"), choices=RoomArrangement.choices)
