"""How names are compared: the one key for people, organisations and partnerships.

Spreadsheets, forms and old records spell the same name with other spacing, case,
accents, punctuation or script ("  Åse  MÜLLER", "ase muller", "Ngũgĩ wa-Thiong'o",
"Юсуф"); :func:`name_key` folds those differences away so that every comparison of names
in the portal agrees: the coordinator import, the historical import, the duplicate matcher
(``network.matching``) and the duplicate check of a new person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from anyascii import anyascii


def name_key(text: object) -> str:
    """Lower-case ASCII letters and digits separated by single spaces: accents dropped,
    other scripts transliterated (anyascii), punctuation read as a space.
    ``name_key(" Åse  Müller ") == name_key("ase MULLER") == "ase muller"``;
    ``name_key("Ngũgĩ wa-Thiong'o") == "ngugi wa thiong o"``; ``name_key("Øyvind") ==
    "oyvind"``."""
    ascii_text = anyascii(str(text or "")).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in ascii_text).split())


def person_key(data: dict[str, Any]) -> tuple[str, str, dt.date] | None:
    """The key two records of one person share when neither has an email in common: first
    and last name by :func:`name_key`, and the date of birth (namesakes
    are common, so a name alone is never enough). ``None`` without all three."""
    first, last, born = data.get("first_name"), data.get("last_name"), data.get("date_of_birth")
    if not (first and last and born):
        return None
    return (name_key(first), name_key(last), born)
