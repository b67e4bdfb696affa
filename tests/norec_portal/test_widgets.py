from __future__ import annotations

from django import forms
from django.test.html import parse_html
from django_countries import countries

from norec_portal.widgets import FastSelect, FastSelectMultiple

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


def test_the_portal_renders_forms_with_djangos_own_renderer():
    from django.forms.renderers import DjangoTemplates, get_default_renderer

    assert type(get_default_renderer()) is DjangoTemplates


def test_an_optional_select_reads_its_choices_once_and_a_required_one_stays_required(db):
    """Languages are sorted by their names in the reader's language, so each look at the
    choices reads them all: an optional select must not look twice."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from network.forms import LanguageChoiceField
    from network.models import Language

    Language.objects.create(code="x1", name="Kiswahili")

    def fields(widget=None):
        extra = {"widget": widget} if widget else {}
        return {
            "optional": LanguageChoiceField(
                queryset=Language.objects.all(), required=False, empty_label="All", **extra
            ),  # fmt: skip
            "chosen": LanguageChoiceField(queryset=Language.objects.all(), **extra),
        }

    fast = type("Fast", (forms.Form,), fields(FastSelect))()
    slow = type("Slow", (forms.Form,), fields())()
    with CaptureQueriesContext(connection) as reads:
        html = str(fast["optional"])
    assert len(reads) == 1
    assert dom(html) == dom(slow["optional"])
    # Required, with a blank first choice: the attribute is still there, as Django puts it.
    assert " required" in str(fast["chosen"])
    assert dom(fast["chosen"]) == dom(slow["chosen"])
