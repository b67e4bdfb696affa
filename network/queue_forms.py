"""Forms of the staff queues: invitation waves, invitation requests, the historical import
and the duplicate queue. Input validation only; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from norec_portal.countries import CountryChoices
from norec_portal.forms import ServiceCheckedForm
from norec_portal.widgets import FastSelectMultiple
from partnerships.models import Person

from .models import InvitationWave
from .services.waves import check_wave


class WaveForm(ServiceCheckedForm):
    name = forms.CharField(label=_("Name"), max_length=150,
                           help_text=_("For example “East Africa, spring”."))  # fmt: skip
    countries = forms.MultipleChoiceField(
        label=_("Countries"), choices=CountryChoices(blank=None),
        widget=FastSelectMultiple,
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )  # fmt: skip
    daily_cap = forms.IntegerField(
        label=_("Invitations per day"), min_value=1, max_value=5000, initial=100,
        help_text=InvitationWave._meta.get_field("daily_cap").help_text,
    )  # fmt: skip
    starts_on = forms.DateField(label=_("First day"),
                                widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    reminder_after_days = forms.IntegerField(
        label=_("Reminder after (days)"), min_value=0, max_value=365, initial=14,
        help_text=_("One reminder to those who have not joined; 0 sends none."),
    )  # fmt: skip
    expires_after_days = forms.IntegerField(
        label=_("Invitation valid for (days)"), min_value=1, max_value=365, initial=60
    )

    CHECKED = ("countries", "daily_cap", "starts_on", "reminder_after_days",
               "expires_after_days")  # fmt: skip

    def service_problems(self, data: dict[str, Any]) -> dict[str | None, Any]:
        return dict(check_wave(**{name: data.get(name) for name in self.CHECKED}))


class ResendForm(forms.Form):
    email = forms.EmailField(
        label=_("Send to"), max_length=254,
        help_text=_("Correct the address if it was wrong; the person's record takes it too."),
    )  # fmt: skip


class ApproveRequestForm(forms.Form):
    person = forms.TypedChoiceField(label=_("This request is"), coerce=int, required=False,
                                    empty_value=None, widget=forms.RadioSelect)  # fmt: skip
    other_person = forms.IntegerField(
        label=_("Or the record number (#) of another former participant"), required=False,
        min_value=1,
    )  # fmt: skip

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = data.get("other_person") or data.get("person")
        if not chosen:
            raise ValidationError(_("Choose the record this request belongs to."))
        person = Person.objects.filter(pk=chosen).first()
        if person is None:
            raise ValidationError(_("There is no record number %(pk)d.") % {"pk": chosen})
        data["chosen"] = person
        return data


class RejectRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the person)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (CSV or .xlsx)"),
        help_text=_("Columns: Name (or First name and Last name), Country, Exchange year, "
                    "Organisations, Programme, Email(s), Phone, and optionally Id."),
    )  # fmt: skip


class MergeForm(forms.Form):
    """Which record stays, and, for each field where the two differ, whose value it keeps
    (each choice shows both records' values)."""

    keep = forms.TypedChoiceField(label=_("Keep this record"), coerce=int,
                                  widget=forms.RadioSelect)  # fmt: skip
    confirm = forms.BooleanField(
        label=_("I have checked: these two records are the same person."), required=True
    )

    def __init__(
        self,
        *args: Any,
        choices: list[tuple[int, str]],
        people: tuple[Person, Person] | None = None,
        fields: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = choices
        self.people = people
        self.differing: list[str] = []
        if people is None:
            return
        a, b = people
        for name in fields:
            field = Person._meta.get_field(name)
            shown = [_shown(person, name) for person in (a, b)]
            if getattr(a, name) == getattr(b, name):
                continue
            self.differing.append(name)
            self.fields[f"use_{name}"] = forms.ChoiceField(
                label=capfirst(field.verbose_name),
                choices=[("a", shown[0] or "—"), ("b", shown[1] or "—")],
                widget=forms.RadioSelect,
                initial="a" if shown[0] else "b",
                required=False,
            )  # fmt: skip
        # The confirmation comes last, after every choice.
        self.order_fields(["keep", *[f"use_{n}" for n in self.differing], "confirm"])

    def take_from_other(self, keep: Person) -> list[str] | None:
        """The fields whose value the kept record takes from the other one, as chosen;
        ``None`` when no choice was sent, so the merge service applies its own default."""
        if self.people is None or not any(f"use_{n}" in self.data for n in self.differing):
            return None
        other_side = "b" if keep.pk == self.people[0].pk else "a"
        return [n for n in self.differing if self.cleaned_data.get(f"use_{n}") == other_side]


def _shown(person: Person, name: str) -> str:
    display = getattr(person, f"get_{name}_display", None)
    value = display() if callable(display) else getattr(person, name)
    return "" if value in (None, "") else str(getattr(value, "name", value))
