"""Select widgets for long choice lists (the 250 countries, every language).

Django renders each ``<option>`` through its own template; for a list this long that
costs more than the rest of a filter page. These widgets write the same HTML straight
from the choices, with the same escaping, selection rules and select attributes
(including the accessibility attributes the bound field adds).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _text(value: Any) -> str:
    """What ``{{ value }}`` prints in a template: safe strings as they are, the rest escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


class FastSelect(forms.Select):
    def use_required_attribute(self, initial: Any) -> bool:
        """Django looks at the first choice before it looks at whether the field is
        required at all: for a model field that reads the choices from the database once
        more on every render. The answer only counts for a required field, so ask that
        first."""
        return self.is_required and super().use_required_attribute(initial)

    def _option_html(self, selected_values: set[str]) -> str:
        """The ``<option>`` and ``<optgroup>`` elements, selected as ``Select.optgroups``
        selects them: every match for a multiple select, the first one otherwise."""
        multiple = self.allow_multiple_selected
        has_selected = False
        parts: list[str] = []
        for group_value, group_label in self.choices:
            if isinstance(group_label, (list, tuple)):
                options: Iterable[tuple[Any, Any]] = group_label
                parts.append(f'<optgroup label="{_text(group_value)}">')
            else:
                options = ((group_value, group_label),)
            for value, label in options:
                text = "" if value is None else str(value)
                selected = (multiple or not has_selected) and text in selected_values
                has_selected |= selected
                flag = " selected" if selected else ""
                parts.append(f'<option value="{escape(text)}"{flag}>{_text(label)}</option>')
            if options is group_label:
                parts.append("</optgroup>")
        return "".join(parts)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        options = self._option_html(set(self.format_value(value)))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(attrs),
            mark_safe(options),  # noqa: S308 - every value and label is escaped above
        )


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    pass
