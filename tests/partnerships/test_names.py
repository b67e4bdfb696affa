"""One name key for the whole portal: forms, both imports and the duplicate matcher fold
names alike."""

from __future__ import annotations

import datetime as dt

import pytest

from partnerships.names import name_key, person_key
from partnerships.services import find_duplicate_person
from tests.factories import PersonFactory

BORN = dt.date(1990, 4, 12)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Åse   Müller ", "ase muller"),
        ("JOSÉ\tMARÍA", "José María"),
        ("Nguyễn", "nguyen"),
        ("Straße", "STRASSE"),
        ("Ｗａｎｊｉｒｕ", "wanjiru"),  # full-width letters
        ("Øyvind", "Oyvind"),  # typed on a keyboard without ø
        ("Ngũgĩ wa-Thiong'o", "ngugi wa thiong o"),  # punctuation is a space
        ("Юсуф", "Yusuf"),  # other scripts transliterated
    ],
)
def test_spacing_case_and_accents_are_folded(typed, stored):
    assert name_key(typed) == name_key(stored)


@pytest.mark.parametrize(("one", "other"), [("Ann", "Anne"), ("Li", "Lì Na"), ("Åse", "Åsa")])
def test_different_letters_stay_different(one, other):
    assert name_key(one) != name_key(other)


def test_person_key_needs_both_names_and_the_date_of_birth():
    assert person_key({"first_name": "Åse", "last_name": "Berg", "date_of_birth": BORN}) == (
        "ase", "berg", BORN,
    )  # fmt: skip
    assert person_key({"first_name": "Åse", "last_name": "Berg"}) is None
    assert person_key({"first_name": "", "last_name": "Berg", "date_of_birth": BORN}) is None


@pytest.mark.django_db
def test_a_duplicate_is_found_whatever_the_accents_and_case():
    person = PersonFactory(first_name="José", last_name="Müller", date_of_birth=BORN)
    found = find_duplicate_person(first_name=" jose ", last_name="MULLER", date_of_birth=BORN)
    assert found == person


@pytest.mark.django_db
def test_a_namesake_born_another_day_is_not_a_duplicate():
    PersonFactory(first_name="José", last_name="Müller", date_of_birth=BORN)
    other_day = BORN + dt.timedelta(days=1)
    found = find_duplicate_person(first_name="Jose", last_name="Muller", date_of_birth=other_day)
    assert found is None
