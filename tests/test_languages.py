"""What the portal names in each language beyond its own sentences: the month
abbreviations of dates, and the languages people work in (from CLDR, through Babel)."""

from __future__ import annotations

import datetime as dt

import pytest
from babel import Locale
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from network.forms import DirectoryFilterForm, ProfileForm
from network.models import Language
from tests.network.factories import make_member


@pytest.mark.parametrize("month", range(1, 13))
def test_french_month_abbreviations_are_the_locales_own(month):
    day = dt.date(2026, month, 1)
    with translation.override("fr"):
        shown = date_format(day, "M Y")
    cldr = Locale.parse("fr").months["format"]["abbreviated"][month]
    assert shown == f"{cldr[:1].upper()}{cldr[1:]} 2026"


def test_june_and_july_differ_in_french():
    with translation.override("fr"):
        june, july, august = (date_format(dt.date(2026, m, 1), "j M Y") for m in (6, 7, 8))
    assert (june, july, august) == ("1 Juin 2026", "1 Juil. 2026", "1 Août 2026")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "chinese", "sign", "swahili"),
    [
        ("en", "Chinese", "Sign language", "Swahili"),
        ("fr", "Chinois", "Langue des signes", "Swahili"),
        ("pt", "Chinês", "Língua gestual", "Suaíli"),
        ("es", "Chino", None, "Suajili"),
    ],
)
def test_work_languages_are_named_in_the_readers_language(language, chinese, sign, swahili):
    with translation.override(language):
        names = {lang.code: str(lang) for lang in Language.objects.all()}
    assert len(names) == 60
    assert names["zh"] == chinese and names["sw"] == swahili
    if sign:
        assert names["sgn"] == sign


@pytest.mark.django_db
def test_language_choices_are_in_the_readers_alphabetical_order():
    with translation.override("fr"):
        labels = [label for _value, label in ProfileForm().fields["languages"].choices]
        filters = [label for _value, label in DirectoryFilterForm().fields["language"].choices]
    assert labels[:3] == ["Afrikaans", "Allemand", "Amharique"]
    assert "Chinois" in labels and "Chinese" not in labels
    assert filters[0] != "Afrikaans" and filters[1:4] == labels[:3]  # "All" first


@pytest.mark.django_db
def test_a_members_languages_on_their_profile_page_in_french(client):
    member = make_member(email="amina@example.org")
    member.languages.set(Language.objects.filter(code__in=["zh", "sgn"]))
    member.person.user.language = "fr"
    member.person.user.save(update_fields=["language"])
    client.force_login(member.person.user)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("network:member_home")).content.decode()
    assert "Chinois, Langue des signes" in page
