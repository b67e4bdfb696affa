"""Database ids from text a browser sent (query strings, form values, token payloads).

``str.isdigit()`` is not the test: it is true for "²" and other digits ``int()`` refuses,
and a number past 2**63 makes SQLite raise instead of finding nothing. An id is ASCII
digits, at least 1 and within a database integer (PostgreSQL ``bigint``).
"""

from __future__ import annotations

from typing import Any

MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """The id ``value`` names, or None when it names none."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
