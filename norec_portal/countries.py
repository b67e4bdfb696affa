"""Country choices for forms, named and sorted in the reader's language.

django-countries translates and sorts its 250 names on every iteration, and Django
normalises a callable's choices again each time a form or widget walks them (twice per
rendered select). The list for each language is built once per process here: the names
themselves never change while the portal runs, so nothing can go stale.

:func:`parse_country` is the one reader of a country as a spreadsheet writes it (codes,
official and common names, names in other languages), for every import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language, override
from django_countries import countries


@lru_cache(maxsize=32)
def _named(language: str | None) -> tuple[tuple[str, str], ...]:
    with override(language):
        return tuple((country.code, str(country.name)) for country in countries)


class CountryChoices(BaseChoiceIterator):
    """Every country as ``(code, name)`` in the active language, after a blank choice
    labelled ``blank`` unless it is ``None``. Usable as a form field's ``choices``."""

    def __init__(self, blank: Any = "—") -> None:
        self.blank = blank

    def __iter__(self) -> Iterator[tuple[str, str]]:
        if self.blank is not None:
            yield ("", str(self.blank))
        yield from _named(get_language())


def country_names() -> dict[str, str]:
    """Each country's name by its code, in the active language (for the rows of a page)."""
    return _names_by_code(get_language())


@lru_cache(maxsize=32)
def _names_by_code(language: str | None) -> dict[str, str]:
    return dict(_named(language))


def country_choices(blank: Any = "—") -> list[tuple[str, str]]:
    """The same choices as a list, for views that look names up or list them."""
    return list(CountryChoices(blank))


# --- Reading a country as people write it ------------------------------------------------

# Languages whose country names registers are written in (those django-countries ships a
# translation for; Norwegian nynorsk and Swahili have none yet and fall back to English).
READ_LANGUAGES = (
    "en", "nb", "nn", "da", "sv", "fi", "de", "fr", "es", "pt-pt", "pt-br", "it", "nl", "sw",
    "pl", "tr",
)  # fmt: skip

# Forms registers use that neither ISO nor django-countries' translations give. The keys
# are normalised (see :func:`_normalise`).
COUNTRY_VARIANTS = {
    "drc": "CD",
    "dr congo": "CD",
    "d r congo": "CD",
    "dem rep congo": "CD",
    "democratic republic of congo": "CD",
    "congo drc": "CD",
    "congo kinshasa": "CD",
    "zaire": "CD",
    "congo brazzaville": "CG",
    "republic of congo": "CG",
    "lao pdr": "LA",
    "lao": "LA",
    "zanzibar": "TZ",
    "tanzania zanzibar": "TZ",
    "tanganyika": "TZ",
    "burma": "MM",
    "ivory coast": "CI",
    "swaziland": "SZ",
    "east timor": "TL",
    "cape verde": "CV",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "usa": "US",
    "united states": "US",
    "holland": "NL",
    "czech republic": "CZ",
    "macedonia": "MK",
    "palestine": "PS",
    "vietnam": "VN",
    "south sudan": "SS",
}


def _normalise(text: str) -> str:
    """Case, accents, punctuation and the word “the” ignored: “Congo, The Democratic
    Republic of the” → “congo democratic republic of”."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("&", " and "))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'")
    words = "".join(c if c.isalnum() else " " for c in text).split()
    return " ".join(w for w in words if w != "the")


def _forms(text: str, *, parts: bool = False) -> Iterator[str]:
    """The ways a name can be read: as written, with an ISO inversion undone (“Tanzania,
    United Republic of” → “United Republic of Tanzania”) and, with ``parts``, the words in
    brackets alone or without them (“Tanzania (Zanzibar)”, “Congo (DRC)”)."""
    yield text
    head, comma, tail = text.partition(",")
    if comma:
        yield f"{tail} {head}"
    bracketed = re.fullmatch(r"(.*?)\((.*)\)\s*", text)
    if bracketed:
        outside, inside = bracketed.groups()
        if parts:
            yield inside
        yield f"{inside} {outside}"
        yield f"{outside} {inside}"
        if parts:
            yield outside


@lru_cache(maxsize=1)
def _country_lookup() -> dict[str, str]:
    """Every name a country is known by (ISO and common names, old names, their
    translations) → its code. A translated name two countries share is left out."""
    lookup: dict[str, str] = {}
    translated: dict[str, set[str]] = {}
    for language in READ_LANGUAGES:
        with override(language):
            for code, name in countries.countries.items():
                names = [name, *countries.shadowed_names.get(code, ())]
                for form in (f for n in names for f in _forms(str(n))):
                    key = _normalise(form)
                    if language == "en":
                        lookup.setdefault(key, code)
                    else:
                        translated.setdefault(key, set()).add(code)
    lookup.update(COUNTRY_VARIANTS)
    for key, codes in translated.items():
        if key and key not in lookup and len(codes) == 1:
            lookup[key] = codes.pop()
    lookup.pop("", None)
    return lookup


def parse_country(text: str) -> str:
    """The two-letter code of a country as people write it, or "" when it is not one:
    ISO codes (KE, KEN), English, official and old names (“Tanzania, United Republic of”),
    the common forms (DRC, Lao PDR, “Tanzania (Zanzibar)”) and the names in the languages
    registers are kept in (Kenia, Norge, Moçambique); case, accents and punctuation do not
    matter. The one reader of countries for every import."""
    text = " ".join(str(text).split())
    if not text:
        return ""
    if text.isascii() and text.isalpha() and len(text) in (2, 3):
        code = countries.alpha2(text)
        if code:
            return code
    lookup = _country_lookup()
    for form in _forms(text, parts=True):
        code = lookup.get(_normalise(form))
        if code:
            return code
    return ""
