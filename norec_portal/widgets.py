"""Form widgets for long choice lists.

Django renders each ``<option>`` through its own template, which costs about 30 µs an
option: 6–9 ms a page for the list of 250 countries, more than the rest of a list page
(bench/RESULTS.md). These widgets build the same HTML in Python, with the same escaping and
attributes (including the accessibility attributes the bound field adds).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _options(optgroups: list[tuple[Any, list[dict[str, Any]], int]]) -> SafeString:
    parts: list[str] = []
    for group_name, options, _index in optgroups:
        rendered = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(o["value"]), flatatt(o["attrs"]), o["label"]) for o in options),
        )
        if group_name:
            rendered = format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered)
        parts.append(rendered)
    return mark_safe("".join(parts))  # noqa: S308 - every part is built with format_html


class FastSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            _options(widget["optgroups"]),
        )


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    pass
