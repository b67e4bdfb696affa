"""How names are compared: the one key for people, organisations and partnerships.

Spreadsheets, forms and old records spell the same name with other spacing, case or
accents ("  Åse  MÜLLER", "ase muller"); :func:`name_key` folds those differences away so
that every comparison of names in the app agrees.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any


def name_key(text: object) -> str:
    """``text`` with runs of whitespace made one space, trimmed, diacritics removed and case
    folded: ``name_key(" Åse  Müller ") == name_key("ase MULLER") == "ase muller"``.

    Letters that are not a base letter plus an accent (ø, æ, ł) stay as they are."""
    decomposed = unicodedata.normalize("NFKD", " ".join(str(text).split()))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def person_key(data: dict[str, Any]) -> tuple[str, str, dt.date] | None:
    """The key two records of one person share when neither has an email in common: first
    and last name by :func:`name_key`, and the date of birth (namesakes
    are common, so a name alone is never enough). ``None`` without all three."""
    first, last, born = data.get("first_name"), data.get("last_name"), data.get("date_of_birth")
    if not (first and last and born):
        return None
    return (name_key(first), name_key(last), born)
