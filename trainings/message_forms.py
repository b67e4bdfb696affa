"""The form staff write a message to a session (or a week) with."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from norec_portal.forms import ServiceCheckedForm

from .services import check_message


class SessionMessageForm(ServiceCheckedForm):
    subject = forms.CharField(label=_("Subject"), strip=True)
    body = forms.CharField(
        label=_("Message"),
        strip=False,  # leading spaces of a line may be meant; the service trims the ends
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "Plain text: paragraphs are kept as you write them. Each person is greeted by "
            "name and told why they get it, in their own language; your text goes as written."
        ),
    )
    include_waitlist = forms.BooleanField(label=_("Also to the people on the waitlist"),
                                          required=False)  # fmt: skip
    include_coordinators = forms.BooleanField(
        label=_("Also to their organisations' coordinators"), required=False
    )
    # One per compose form: submitting the same form twice sends the message once.
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", str(uuid.uuid4()))

    def clean_token(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.cleaned_data.get("token") or "")
        except ValueError:
            return None  # a damaged token: the view starts a new one

    def service_problems(self, data: dict[str, Any]) -> dict[str | None, Any]:
        problems = check_message(subject=data.get("subject", ""), body=data.get("body", ""))
        return {field: problem for field, problem in problems.items() if field in data}
