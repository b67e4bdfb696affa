"""One reader of countries for every import: codes, official and common names, and the
names registers are written in (norec_portal.countries.parse_country)."""

from __future__ import annotations

import pytest

from norec_portal.countries import parse_country


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("KE", "KE"),
        ("ke", "KE"),
        ("KEN", "KE"),
        ("TZA", "TZ"),
        ("UGA", "UG"),
        ("VNM", "VN"),
        (" kenya ", "KE"),
        ("UGANDA", "UG"),
        ("Tanzania, United Republic of", "TZ"),
        ("Congo, The Democratic Republic of the", "CD"),
        ("Lao PDR", "LA"),
        ("DR Congo", "CD"),
        ("DRC", "CD"),
        ("Congo (DRC)", "CD"),
        ("Congo", "CG"),
        ("Tanzania (Zanzibar)", "TZ"),
        ("Korea, Republic of", "KR"),
        ("Côte d’Ivoire", "CI"),
        ("Viet Nam", "VN"),
        ("Kenia", "KE"),
        ("Norge", "NO"),
        ("Tansania", "TZ"),
        ("Etiopia", "ET"),
        ("Moçambique", "MZ"),
        ("Mocambique", "MZ"),
        ("Mosambik", "MZ"),
        ("Madagaskar", "MG"),
        ("Tanzanie", "TZ"),
        ("Trinidad & Tobago", "TT"),
    ],
)
def test_a_country_is_read_as_registers_write_it(text, code):
    assert parse_country(text) == code


@pytest.mark.parametrize("text", ["", "Atlantis", "N/A", "none", "Kenya Kenya", "1987"])
def test_what_is_not_a_country_is_not_read_as_one(text):
    assert parse_country(text) == ""


def test_both_imports_read_countries_with_the_one_reader():
    from network.imports import rows as historical
    from partnerships.imports import rows as participants

    assert participants.parse_country is historical.parse_country is parse_country
