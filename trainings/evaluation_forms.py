"""Forms of the evaluation: the questionnaire, the farewell slide's address form and the
staff filters. Input only; the rules are in ``services.evaluation``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .evaluation import COMMENT_MAX_LENGTH, questions_for

CHOOSE_ONE = _("Choose one of the five answers.")


class EvaluationForm(forms.Form):
    """One radio group (a fieldset, the question its legend) per rated question, then
    the free-text comment."""

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions_for(kind):
            self.fields[question.key] = forms.TypedChoiceField(
                label=question.text,
                choices=question.choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": CHOOSE_ONE, "invalid_choice": CHOOSE_ONE},
            )
        self.fields["comment"] = forms.CharField(
            label=_("Anything else you would like to tell us?"),
            required=False,
            max_length=COMMENT_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=_("Please do not write names: your answers are anonymous."),
        )

    def full_clean(self) -> None:
        super().full_clean()
        # Each radio button of a question left unanswered points at the message saying so
        # (the partial gives the error the id "<field id>_error").
        for name in self.errors:
            if name in self.fields and isinstance(self.fields[name].widget, forms.RadioSelect):
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"

    def answers(self) -> dict[str, object]:
        return {k: v for k, v in self.cleaned_data.items() if k != "comment"}


class SlideEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("The email address you registered with"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def chosen_year(self) -> int:
        if self.is_valid() and self.cleaned_data["year"]:
            return self.cleaned_data["year"]
        return timezone.localdate().year


class ExportForm(YearForm):
    session = forms.IntegerField(
        label=_("Session number"), min_value=1, required=False,
        help_text=_("Leave empty for every session of the year."),
    )  # fmt: skip
