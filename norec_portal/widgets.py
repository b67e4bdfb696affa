"""Form widgets for long choice lists, and a form renderer that writes plain inputs.

Django renders each ``<option>`` through its own template and builds a dictionary of
context for it, which costs about 30 µs an option: 6–9 ms a page for the list of 250
countries, more than the rest of a list page (bench/RESULTS.md). These widgets write the
same HTML straight from the choices, with the same escaping, selection rules and select
attributes (including the accessibility attributes the bound field adds): about 0.2 ms
for the same list.

Every ``<input>`` and ``<textarea>`` goes through three templates (the type's, ``input.html``
and ``attrs.html``): about 0.2 ms a field, a third of a form page's rendering.
:class:`FormRenderer` writes the same bytes for those templates directly, as long as they
are Django's own, unchanged (checked once per template name, against the sources below);
any other template, or an overridden or changed one, is rendered as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeData, SafeString, mark_safe


def _text(value: Any) -> str:
    """What ``{{ value }}`` prints in a template: safe strings as they are, the rest escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


class FastSelect(forms.Select):
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


# --- Inputs written without their templates ---------------------------------------------

WIDGET_TEMPLATES = Path(forms.__file__).parent / "templates"

#: The sources the fast path writes the output of (Django 5.2); a template that reads
#: otherwise is rendered by the template engine.
INPUT_SOURCE = (
    '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %} '
    "value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
    '{% include "django/forms/widgets/attrs.html" %}>\n'
)
ATTRS_SOURCE = (
    "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
    "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
    "{% endfor %}"
)
TEXTAREA_SOURCE = (
    '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
    "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n"
)
INCLUDES_INPUT = '{% include "django/forms/widgets/input.html" %}\n'


def _formatted(value: Any) -> str:
    """What ``{{ value|stringformat:'s' }}`` prints: the value as ``%s``, escaped unless
    it was a safe string."""
    text = "%s" % (value,)  # noqa: UP031 - exactly what the filter does
    return text if isinstance(value, SafeData) else escape(text)


def _attrs_html(attrs: dict[str, Any]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        )
    return "".join(parts)


def _input_html(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    attrs = _attrs_html(widget["attrs"])
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}{attrs}>'


def _textarea_html(widget: dict[str, Any]) -> str:
    value = widget["value"]
    text = _text(localize(value)) if value else ""
    attrs = _attrs_html(widget["attrs"])
    return f'<textarea name="{_text(widget["name"])}"{attrs}>\n{text}</textarea>'


class FormRenderer(DjangoTemplates):
    """Django's default renderer, with ``<input>`` and ``<textarea>`` written directly."""

    def __init__(self) -> None:
        super().__init__()
        self._writers: dict[str, Callable[[dict[str, Any]], str] | None] = {}

    def _own_source(self, template_name: str) -> str | None:
        """The source of the template this renderer would load, if it is Django's own."""
        try:
            origin = self.get_template(template_name).origin
        except Exception:  # noqa: BLE001 - an unknown name is rendered (and fails) as usual
            return None
        own = WIDGET_TEMPLATES / template_name
        if Path(origin.name) != own:
            return None
        return own.read_text(encoding="utf-8")

    def writer(self, template_name: str) -> Callable[[dict[str, Any]], str] | None:
        """The function that writes ``template_name``, or None to render it as usual."""
        if template_name not in self._writers:
            self._writers[template_name] = self._find_writer(template_name)
        return self._writers[template_name]

    def _find_writer(self, template_name: str) -> Callable[[dict[str, Any]], str] | None:
        if not template_name.startswith("django/forms/widgets/"):
            return None
        if self._own_source("django/forms/widgets/attrs.html") != ATTRS_SOURCE:
            return None
        source = self._own_source(template_name)
        if source == TEXTAREA_SOURCE:
            return _textarea_html
        if source == INCLUDES_INPUT:
            source = self._own_source("django/forms/widgets/input.html")
        return _input_html if source == INPUT_SOURCE else None

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        write = self.writer(template_name)
        if write is None or set(context) != {"widget"}:
            return super().render(template_name, context, request=request)
        return write(context["widget"])
