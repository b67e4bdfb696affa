"""The optional French, Spanish and Portuguese versions in the newsletter and activity
forms: a heading and a body field per language. Input only; ``services.versions`` checks
that a version is whole."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import VERSION_CODES, VERSION_LANGUAGES
from .services.versions import Version


class VersionFieldsMixin(forms.Form):
    """A heading and a body field for each language besides English (``heading_fr``,
    ``body_fr``…), all optional: the service checks that a version is whole."""

    heading_label: Any = _("Subject")
    body_label: Any = _("Text")
    body_rows = 8

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, language in VERSION_LANGUAGES:
            self.fields[f"heading_{code}"] = forms.CharField(
                label=format_lazy("{} ({})", self.heading_label, language),
                required=False, max_length=200,
            )  # fmt: skip
            self.fields[f"body_{code}"] = forms.CharField(
                label=format_lazy("{} ({})", self.body_label, language),
                required=False, max_length=50_000,
                widget=forms.Textarea(attrs={"rows": self.body_rows}),
                help_text=_("Optional. Members who read this language get this version; "
                            "the others get the English text."),
            )  # fmt: skip

    def versions(self) -> tuple[Version, ...]:
        data = self.cleaned_data
        return tuple(
            Version(code, data.get(f"heading_{code}", ""), data.get(f"body_{code}", ""))
            for code in VERSION_CODES
        )

    @staticmethod
    def version_initial(versions: tuple[Version, ...]) -> dict[str, str]:
        initial: dict[str, str] = {}
        for version in versions:
            initial[f"heading_{version.language}"] = version.heading
            initial[f"body_{version.language}"] = version.body
        return initial
