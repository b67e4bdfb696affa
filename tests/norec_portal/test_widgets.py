from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.html import parse_html
from django.utils.safestring import mark_safe
from django_countries import countries
from hypothesis import given
from hypothesis import settings as settings_for_hypothesis
from hypothesis import strategies as st

from norec_portal.widgets import FastSelect, FastSelectMultiple, FormRenderer

CHOICES = [("", "All"), ("Africa", [("KE", "Kenya"), ("UG", "Uganda")]), *list(countries)]


def dom(html: object):
    """The HTML as a tree: attribute order and whitespace between tags do not matter."""
    return parse_html(str(html))


class DjangoForm(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, required=True, help_text="Pick one")
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)


class FastForm(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, required=True, help_text="Pick one", widget=FastSelect)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False, widget=FastSelectMultiple)


def test_fast_selects_render_exactly_like_django():
    for data in ({"one": "KE", "many": ["NO", "UG"]}, {"one": "", "many": []}, None):
        slow, fast = DjangoForm(data), FastForm(data)
        slow.is_valid()
        fast.is_valid()
        for name in ("one", "many"):
            assert dom(fast[name]) == dom(slow[name])


def test_fast_select_escapes_labels_and_values():
    widget = FastSelect(choices=[('"><script>', "<b>bold</b>")])
    html = str(widget.render("x", '"><script>'))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and " selected" in html


def test_fast_selects_select_like_django_with_repeated_values_and_odd_group_names():
    choices = [(None, "None"), ('Group "1" & <2>', [("a", "A"), ("b", "B")]), ("a", "A again")]
    for field in (forms.ChoiceField, forms.MultipleChoiceField):
        fast_widget = FastSelectMultiple if field is forms.MultipleChoiceField else FastSelect
        value = ["a"] if field is forms.MultipleChoiceField else "a"
        slow = field(choices=choices).widget.render("x", value)
        fast = field(choices=choices, widget=fast_widget).widget.render("x", value)
        assert dom(fast) == dom(slow)


def test_fast_select_renders_model_choices_like_django(db):
    from network.models import Language

    Language.objects.create(code="x1", name="Kiswahili & <Swahili>")
    Language.objects.create(code="x2", name="Amharic (test)")
    chosen = Language.objects.get(code="x2")
    queryset = Language.objects.order_by("name")
    slow = forms.ModelChoiceField(queryset=queryset, empty_label="All")
    fast = forms.ModelChoiceField(queryset=queryset, empty_label="All", widget=FastSelect)
    for value in (None, chosen.pk, str(chosen.pk)):
        slow_html = slow.widget.render("language", value)
        assert dom(fast.widget.render("language", value)) == dom(slow_html)


# --- The form renderer's inputs ---------------------------------------------------------

INPUT_WIDGETS = [
    forms.TextInput, forms.EmailInput, forms.NumberInput, forms.PasswordInput, forms.URLInput,
    forms.HiddenInput, forms.DateInput, forms.TimeInput, forms.DateTimeInput, forms.Textarea,
    forms.CheckboxInput, forms.SearchInput, forms.ColorInput, forms.TelInput,
]  # fmt: skip
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
attr_value = st.one_of(
    text, st.booleans(), st.integers(-5, 10_000), st.builds(mark_safe, text), st.none()
)


@settings_for_hypothesis(max_examples=300, deadline=None)
@given(
    widget_class=st.sampled_from(INPUT_WIDGETS),
    name=text,
    value=st.one_of(st.none(), text, st.integers(), st.builds(mark_safe, text), st.booleans()),
    attrs=st.dictionaries(st.sampled_from(["id", "class", "maxlength", "data-x", "placeholder",
                                           "required", "aria-describedby", 'x"y']),
                          attr_value, max_size=5),
)  # fmt: skip
def test_inputs_written_directly_are_the_bytes_django_renders(widget_class, name, value, attrs):
    widget = widget_class(attrs=attrs)
    slow = widget.render(name, value, renderer=DjangoTemplates())
    fast = widget.render(name, value, renderer=FormRenderer())
    assert fast == slow


def test_the_renderer_writes_plain_inputs_and_renders_everything_else():
    renderer = FormRenderer()
    for name in ("text", "email", "number", "password", "hidden", "checkbox", "date", "url"):
        assert renderer.writer(f"django/forms/widgets/{name}.html") is not None, name
    assert renderer.writer("django/forms/widgets/textarea.html") is not None
    for name in ("select.html", "radio.html", "clearable_file_input.html", "multiwidget.html"):
        assert renderer.writer(f"django/forms/widgets/{name}") is None, name
    assert renderer.writer("django/forms/div.html") is None


def test_an_overridden_widget_template_is_rendered_by_the_template_engine(tmp_path):
    override = tmp_path / "django" / "forms" / "widgets"
    override.mkdir(parents=True)
    (override / "text.html").write_text('<input class="mine" name="{{ widget.name }}">')

    class Overridden(FormRenderer):
        @property
        def engine(self):
            return self.backend({"APP_DIRS": False, "NAME": "overridden", "OPTIONS": {},
                                 "DIRS": [tmp_path, DjangoTemplates().engine.dirs[0]]})  # fmt: skip

    renderer = Overridden()
    assert renderer.writer("django/forms/widgets/text.html") is None
    assert str(forms.TextInput().render("x", "1", renderer=renderer)) == (
        '<input class="mine" name="x">'
    )
    assert renderer.writer("django/forms/widgets/email.html") is not None


def test_the_portal_renders_forms_with_its_renderer():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
