"""Names of the languages people work in, in the reader's language.

They come from the Unicode CLDR as Babel ships it, not from the portal's catalogues:
60 names × every portal language is data a kept library already has. English keeps the
names staff wrote (``Language.name``), and the few codes CLDR has no name for (``sgn``,
sign language) are translated through gettext like any text of the portal.
"""

from __future__ import annotations

from functools import lru_cache

from anyascii import anyascii
from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, to_locale

OWN_NAMES = {"sgn": gettext_lazy("Sign language")}
# The portal's Portuguese is European Portuguese (Mozambique, Angola): CLDR's "pt" is
# Brazil's.
CLDR_LOCALES = {"pt": "pt_PT"}


@lru_cache(maxsize=16)
def _cldr_names(language: str) -> dict[str, str]:
    try:
        locale = Locale.parse(CLDR_LOCALES.get(language, to_locale(language)))
    except (ValueError, UnknownLocaleError):
        return {}
    return dict(locale.languages)


def language_name(code: str, english: str) -> str:
    """The name of the language ``code`` in the active language; ``english`` (the name
    staff gave it) in English, or where CLDR has none."""
    if code in OWN_NAMES:
        return str(OWN_NAMES[code])
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language == "en":
        return english
    name = _cldr_names(language).get(code)
    return capfirst(name) if name else english


def sort_key(label: object) -> str:
    """Alphabetical order of names in any script and with any accents ("Éwé" near "Ewe")."""
    return anyascii(str(label)).casefold()
