"""Country choices for forms, named and sorted in the reader's language.

django-countries translates and sorts its 250 names on every iteration, and Django
normalises a callable's choices again each time a form or widget walks them (twice per
rendered select). The list for each language is built once per process here: the names
themselves never change while the portal runs, so nothing can go stale.
"""

from __future__ import annotations

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
