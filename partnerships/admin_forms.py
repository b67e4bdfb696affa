"""The admin's forms for people and participants: each checks what the service it saves
through checks, so a refusal is a message on the form, never an error page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Participant, Person


class PersonForm(forms.ModelForm):
    """A person's details, checked as every other way in checks them
    (``services.check_person``); ``PersonAdmin.save_model`` saves through the service."""

    class Meta:
        model = Person
        fields = list(services.PERSON_FIELDS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors:
            try:
                services.check_person(
                    {name: data.get(name) for name in services.PERSON_FIELDS},
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as exc:
                for field, messages_ in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages_)
        return data

    def person_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in services.PERSON_FIELDS}


class ParticipantForm(forms.ModelForm):
    """The exchange of a participant registered through a partnership, checked by the
    rule the service applies (``services.check_exchange``)."""

    class Meta:
        model = Participant
        fields = list(services.PLAN_FIELDS)

    def plan(self) -> services.ExchangePlan:
        data = self.cleaned_data
        return services.ExchangePlan(**{name: data.get(name) for name in services.PLAN_FIELDS})

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        missing = [
            name for name in services.PLAN_FIELDS[:-1]
            if data.get(name) is None and name not in self.errors
        ]  # fmt: skip
        for name in missing:
            self.add_error(name, _("An exchange through a partnership needs this."))
        if missing or self.errors:
            return data
        errors = services.check_exchange(
            sending=self.instance.sending_organisation, plan=self.plan()
        )
        for field, message in errors.items():
            self.add_error(field or None, message)
        return data
