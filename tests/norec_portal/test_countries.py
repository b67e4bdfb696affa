from __future__ import annotations

from django import forms
from django.utils import translation

from norec_portal.countries import CountryChoices, country_choices
from norec_portal.widgets import FastSelect


def test_country_names_follow_the_active_language_and_its_order():
    with translation.override("en"):
        english = dict(country_choices(blank=None))
        names = [name for _code, name in CountryChoices(blank=None)]
    with translation.override("fr"):
        french = dict(country_choices(blank=None))
    assert english["DE"] == "Germany" and french["DE"] == "Allemagne"
    # Sorted by the name in the language shown, not by code.
    assert names[:3] == ["Afghanistan", "Åland Islands", "Albania"]
    assert len(english) == len(french) > 240


def test_blank_choice_comes_first_with_its_label_in_the_active_language():
    with translation.override("fr"):
        choices = list(CountryChoices(blank=translation.gettext_lazy("All")))
    # French order: South Africa (Afrique du Sud) comes right after Afghanistan.
    assert choices[:3] == [("", "Tous"), ("AF", "Afghanistan"), ("ZA", "Afrique du Sud")]
    assert list(CountryChoices(blank=None))[0][0] != ""


class CountryForm(forms.Form):
    country = forms.ChoiceField(choices=CountryChoices(), required=False, widget=FastSelect)


def test_a_form_validates_and_renders_country_codes_in_the_readers_language():
    assert CountryForm({"country": "KE"}).is_valid()
    assert not CountryForm({"country": "XX"}).is_valid()
    with translation.override("fr"):
        html = str(CountryForm({"country": "NO"})["country"])
    assert '<option value="NO" selected>Norvège</option>' in html
