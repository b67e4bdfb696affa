"""Input validation for the network pages. Rules live in the services; these forms only
turn the request into clean values (and say clearly what is wrong with them).

A little over 500 lines, kept whole: the forms are short classes sharing the text and
email cleaners at the top, and each page finds its form here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from norec_portal.countries import CountryChoices
from norec_portal.forms import ModelMultipleIdsField, ServiceCheckedForm
from norec_portal.languages import sort_key
from norec_portal.models import User
from norec_portal.widgets import FastSelect, FastSelectMultiple
from norec_portal.zones import country_zone

from .consent import wording
from .models import (
    Activity,
    Audience,
    ConsentKind,
    ExpertiseTag,
    Language,
    Member,
)
from .services.activities import ActivityData, check_activity, time_zones
from .services.members import MAX_EXPERTISE_TAGS, Consents, Profile
from .services.newsletters import Draft
from .version_fields import VersionFieldsMixin


class _ByName(forms.models.ModelChoiceIterator):
    """Choices in the alphabetical order of their names in the reader's language (the
    blank choice first)."""

    def __iter__(self):
        choices = list(super().__iter__())
        blank = [choice for choice in choices if choice[0] == ""]
        named = [choice for choice in choices if choice[0] != ""]
        return iter(blank + sorted(named, key=lambda choice: sort_key(choice[1])))


class LanguageChoiceField(forms.ModelChoiceField):
    iterator = _ByName


class LanguagesChoiceField(ModelMultipleIdsField):
    iterator = _ByName


def _text(
    label: Any, *, required: bool = True, max_length: int = 200, **attrs: str
) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.TextInput(attrs=attrs))  # fmt: skip


def _consent_field(kind: str) -> forms.BooleanField:
    text = wording(kind)
    return forms.BooleanField(label=text.label, help_text=text.text, required=False)


class ConsentFieldsMixin(forms.Form):
    directory_consent = _consent_field(ConsentKind.DIRECTORY)
    newsletter_consent = _consent_field(ConsentKind.NEWSLETTER)

    def consents(self) -> Consents:
        return Consents(
            directory=self.cleaned_data["directory_consent"],
            newsletter=self.cleaned_data["newsletter_consent"],
        )


class ConsentForm(ConsentFieldsMixin):
    pass


class JoinForm(ConsentFieldsMixin):
    first_name = _text(_("First name"), max_length=100, autocomplete="given-name")
    last_name = _text(_("Last name"), max_length=100, autocomplete="family-name")
    email = forms.EmailField(
        label=_("Email"), max_length=254,
        help_text=_("The address your invitation came to is confirmed already. Another "
                    "address is used once you confirm it from the email we send there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )  # fmt: skip
    password1 = forms.CharField(
        label=_("Choose a password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    password2 = forms.CharField(
        label=_("Repeat the password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    organisation = _text(_("Current organisation"), required=False, autocomplete="organization")
    position = _text(_("Position"), required=False, autocomplete="organization-title")
    country = forms.ChoiceField(label=_("Country where you live"), required=False,
                                choices=CountryChoices(), widget=FastSelect)  # fmt: skip
    field_order = ["first_name", "last_name", "email", "password1", "password2", "organisation",
                   "position", "country", "directory_consent", "newsletter_consent"]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The policy is AUTH_PASSWORD_VALIDATORS: its validators describe themselves, in
        # the language of the request.
        self.fields["password1"].help_text = str(
            password_validation.password_validators_help_text_html()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            candidate = User(
                email=data.get("email") or "",
                full_name=f"{data.get('first_name', '')} {data.get('last_name', '')}",
            )
            try:
                password_validation.validate_password(p1, user=candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ProfileForm(forms.Form):
    languages = LanguagesChoiceField(
        label=_("Languages you work in"), required=False, queryset=Language.objects.all(),
        help_text=_("Hold Ctrl (or ⌘) to choose several."), widget=FastSelectMultiple,
    )  # fmt: skip
    expertise = forms.CharField(
        label=_("Fields of expertise"), required=False, max_length=600,
        # Formatted when shown, in the reader's language (not once, at import).
        help_text=lazy(lambda: _("Separate them with commas, e.g. public health, water "
                                 "management (at most %(n)d).") % {"n": MAX_EXPERTISE_TAGS},
                       str)(),
    )  # fmt: skip
    linkedin_url = forms.URLField(
        label=_("LinkedIn profile"), required=False, max_length=300, assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://www.linkedin.com/in/…"}),
    )  # fmt: skip
    available_as_lecturer = forms.BooleanField(
        label=_("I am available as a lecturer on Norec courses"), required=False
    )
    available_as_interpreter = forms.BooleanField(
        label=_("I am available as an interpreter"), required=False
    )
    available_as_resource_person = forms.BooleanField(
        label=_("I am available as a resource person in my field"), required=False
    )
    time_zone = forms.ChoiceField(
        label=_("Your time zone"), required=False, widget=FastSelect,
        help_text=_("Activity times are also shown in it, on the portal and in emails."),
    )  # fmt: skip

    def __init__(self, *args: Any, country: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        proposed = country_zone(country)
        own = (
            format_lazy(_("The time of my country ({zone})"), zone=proposed.replace("_", " "))
            if proposed
            else _("The time of my country")
        )
        self.fields["time_zone"].choices = [
            ("", own),
            *[(z, z.replace("_", " ")) for z in time_zones()],
        ]

    @classmethod
    def initial_for(cls, member: Member) -> dict[str, Any]:
        return {
            "time_zone": member.time_zone,
            "languages": list(member.languages.all()),
            "expertise": ", ".join(t.name for t in member.expertise.all()),
            "linkedin_url": member.linkedin_url,
            "available_as_lecturer": member.available_as_lecturer,
            "available_as_interpreter": member.available_as_interpreter,
            "available_as_resource_person": member.available_as_resource_person,
        }

    def profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(
            languages=tuple(data["languages"]), expertise=data["expertise"],
            linkedin_url=data["linkedin_url"],
            available_as_lecturer=data["available_as_lecturer"],
            available_as_interpreter=data["available_as_interpreter"],
            available_as_resource_person=data["available_as_resource_person"],
            time_zone=data.get("time_zone", ""),
        )  # fmt: skip


class StartProfileForm(ConsentFieldsMixin, ProfileForm):
    first_name = _text(_("First name"), max_length=100, autocomplete="given-name")
    last_name = _text(_("Last name"), max_length=100, autocomplete="family-name")
    organisation = _text(_("Current organisation"), required=False, autocomplete="organization")
    position = _text(_("Position"), required=False, autocomplete="organization-title")
    country = forms.ChoiceField(label=_("Country where you live"), required=False,
                                choices=CountryChoices(), widget=FastSelect)  # fmt: skip
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=30,
        help_text=_("With the country code, e.g. +254 712 345678."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )  # fmt: skip
    field_order = ["first_name", "last_name", "organisation", "position", "country", "phone"]


class ContactDetailsForm(forms.Form):
    """Small on purpose: it is opened from an email, often on a phone, on a slow line."""

    first_name = _text(_("First name"), max_length=100, autocomplete="given-name")
    last_name = _text(_("Last name"), max_length=100, autocomplete="family-name")
    email = forms.EmailField(
        label=_("Email"), max_length=254,
        help_text=_("A new address is used once you confirm it from the email we send there."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )  # fmt: skip
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=30,
        help_text=_("With the country code, e.g. +254 712 345678."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )  # fmt: skip
    country = forms.ChoiceField(label=_("Country where you live"), required=False,
                                choices=CountryChoices(), widget=FastSelect)  # fmt: skip
    organisation = _text(_("Current organisation"), required=False, autocomplete="organization")
    position = _text(_("Position"), required=False, autocomplete="organization-title")

    def __init__(self, *args: Any, with_work: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_work:
            del self.fields["organisation"]
            del self.fields["position"]


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )  # fmt: skip


class InvitationRequestForm(forms.Form):
    first_name = _text(_("First name"), max_length=100, autocomplete="given-name")
    last_name = _text(_("Last name"), max_length=100, autocomplete="family-name")
    email = forms.EmailField(
        label=_("Email"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )  # fmt: skip
    country = forms.ChoiceField(
        label=_("Your country"), required=False, choices=CountryChoices(), widget=FastSelect
    )
    exchange_year = forms.IntegerField(
        label=_("Year of your exchange"), required=False, min_value=1963,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip
    organisation = _text(_("Your organisation at the time"), required=False)
    message = forms.CharField(
        label=_("Anything that helps us find you"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example another spelling of your name, or your host organisation."),
    )  # fmt: skip

    def clean_exchange_year(self) -> int | None:
        year = self.cleaned_data.get("exchange_year")
        if year and year > timezone.localdate().year:
            raise ValidationError(_("The year cannot be in the future."))
        return year


AVAILABILITY_CHOICES = [
    ("", _("Any")),
    ("any", _("Any kind of resource person")),
    ("lecturer", _("Lecturer")),
    ("interpreter", _("Interpreter")),
    ("resource_person", _("Resource person")),
]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or organisation"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))  # fmt: skip
    country = forms.ChoiceField(label=_("Country"), required=False,
                                choices=CountryChoices(blank=_("All")),
                                widget=FastSelect)  # fmt: skip
    expertise = forms.ModelChoiceField(
        label=_("Expertise"),
        required=False,
        queryset=ExpertiseTag.objects.all(),
        empty_label=_("All"),
        widget=FastSelect,
    )
    language = LanguageChoiceField(
        label=_("Language"),
        required=False,
        queryset=Language.objects.all(),
        empty_label=_("All"),
        widget=FastSelect,
    )
    availability = forms.ChoiceField(label=_("Available as"), required=False,
                                     choices=AVAILABILITY_CHOICES, widget=FastSelect)  # fmt: skip


# --- Newsletters and activities ------------------------------------------------------------


class NewsletterForm(VersionFieldsMixin, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "Markdown: **bold**, *italic*, [a link](https://…), lines starting with “- ” "
            "for a list, “## ” for a heading. Each member's copy starts with “Dear <first "
            "name>,” and ends with the unsubscribe links."
        ),
    )
    audience = forms.ChoiceField(
        label=_("Who receives it"), choices=Audience.choices, widget=forms.RadioSelect
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries"),
        required=False,
        choices=CountryChoices(blank=None),
        widget=FastSelectMultiple,
        help_text=_("Only for “Members in some countries”. Hold Ctrl (or ⌘) to choose several."),
    )

    def draft(self) -> Draft:
        data = self.cleaned_data
        return Draft(
            subject=data["subject"],
            body=data["body"],
            audience=data["audience"],
            countries=tuple(data["countries"]),
            versions=self.versions(),
        )


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In Norway's time zone."),
    )


class WallClockField(forms.DateTimeField):
    """A date and time as typed, without a zone: the activity's zone is another field."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        text = str(value).strip()
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - zone given apart
            except ValueError:
                continue
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def prepare_value(self, value: Any) -> Any:
        return value


class ActivityForm(VersionFieldsMixin, ServiceCheckedForm):
    heading_label = _("Title")
    body_label = _("Description")
    body_rows = 5

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    starts = WallClockField(label=_("Starts"))
    ends = WallClockField(label=_("Ends"))
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=lambda: [(z, z.replace("_", " ")) for z in time_zones()],
        widget=FastSelect,
        initial="Europe/Oslo",
        help_text=_("Of the place; for an online activity, of the organisers."),
    )
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=300,
        help_text=_("Venue and city, for a physical meeting."),
    )
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=CountryChoices(), widget=FastSelect
    )
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("For digital meetings, webinars and e-learning."),
    )
    capacity = forms.IntegerField(
        label=_("Seats"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("Leave empty for no limit; when the seats are taken, members join a waitlist."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown, as in the newsletter."),
    )

    def service_problems(self, data: dict[str, Any]) -> dict[str | None, Any]:
        return dict(
            check_activity(
                ActivityData(
                    title=data.get("title"), kind=data.get("kind"), starts=data.get("starts"),
                    ends=data.get("ends"), time_zone=data.get("time_zone"),
                    place=data.get("place") or "", online_url=data.get("online_url") or "",
                    capacity=data.get("capacity"),
                )
            )
        )  # fmt: skip

    def activity_data(self) -> ActivityData:
        data = self.cleaned_data
        return ActivityData(
            title=data["title"],
            kind=data["kind"],
            starts=data["starts"],
            ends=data["ends"],
            time_zone=data["time_zone"],
            description=data["description"],
            place=data["place"],
            country=data["country"],
            online_url=data["online_url"],
            capacity=data["capacity"],
            versions=self.versions(),
        )


NO_ANNOUNCEMENT = "none"


class PublishActivityForm(forms.Form):
    """Whom publishing announces the activity to (once)."""

    audience = forms.ChoiceField(
        label=_("Announce it to"),
        choices=[*Audience.choices, (NO_ANNOUNCEMENT, _("Nobody: publish without an email"))],
        initial=Audience.ALL,
        widget=forms.RadioSelect,
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries"),
        required=False,
        choices=CountryChoices(blank=None),
        widget=FastSelectMultiple,
        help_text=_("Only for “Members in some countries”. Hold Ctrl (or ⌘) to choose several."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("audience") == Audience.COUNTRIES and not data.get("countries"):
            self.add_error("countries", _("Choose at least one country."))
        return data

    def audience_choice(self) -> tuple[str | None, tuple[str, ...]]:
        audience = self.cleaned_data["audience"]
        if audience == NO_ANNOUNCEMENT:
            return None, ()
        return audience, tuple(self.cleaned_data["countries"])


class NewsletterPreferencesForm(forms.Form):
    newsletter = forms.BooleanField(
        label=wording(ConsentKind.NEWSLETTER).label,
        help_text=wording(ConsentKind.NEWSLETTER).text,
        required=False,
    )


class MemberTipForm(forms.Form):
    """A member tells Norec about a former participant who never got an invitation."""

    first_name = _text(_("First name"), max_length=100)
    last_name = _text(_("Last name"), max_length=100)
    country = forms.ChoiceField(
        label=_("Their country"), choices=CountryChoices(), widget=FastSelect
    )
    exchange_year = forms.IntegerField(
        label=_("Year of their exchange"), required=False, min_value=1963,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("If you know it, even roughly."),
    )  # fmt: skip
    email = forms.EmailField(
        label=_("Their email"), required=False, max_length=254,
        widget=forms.EmailInput(attrs={"inputmode": "email"}),
        help_text=_("Only if you know it. Norec checks it before writing to it."),
    )  # fmt: skip
    organisation = _text(_("Their organisation at the time"), required=False)
    message = forms.CharField(
        label=_("Anything that helps Norec find them"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def clean_exchange_year(self) -> int | None:
        year = self.cleaned_data.get("exchange_year")
        if year and year > timezone.localdate().year:
            raise ValidationError(_("The year cannot be in the future."))
        return year
