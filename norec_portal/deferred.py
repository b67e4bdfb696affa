"""Texts stored now and translated when they are read.

A message saved with a record (the remarks of an uploaded spreadsheet's rows) is read
later, often by someone else, in another language. It is stored as its English source
(the catalogue's msgid) and its parameters, and translated at display time with
:func:`render`, so each reader sees it in their own language.

In a module whose messages are stored, ``from norec_portal.deferred import text as _``
keeps the ``_("…")`` calls that ``makemessages`` reads; ``%`` and ``+`` combine them as
they combine strings, and ``str()`` translates into the active language.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

# A stored part: a plain string (already in some language), or [msgid, params].
Part = str | list[Any]


def _plain(value: Any) -> Any:
    """A parameter as JSON can keep it (a name, a number; anything else as text)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    return str(value)


class Deferred(str):
    """A text made of translatable parts, translated each time it is turned into ``str``.

    It is a string (the text in the language active when it was made), so code that
    reads messages as strings keeps working; :func:`dump` keeps its parts instead."""

    parts: list[Part]

    def __new__(cls, parts: list[Part]) -> Deferred:
        made = super().__new__(cls, render({"parts": parts}))
        made.parts = parts
        return made

    def __mod__(self, params: dict[str, Any]) -> Deferred:  # type: ignore[override]
        [part] = self.parts
        msgid = part[0] if isinstance(part, list) else part
        return Deferred([[msgid, {key: _plain(value) for key, value in params.items()}]])

    def __add__(self, other: object) -> Deferred:  # type: ignore[override]
        return Deferred([*self.parts, *_parts(other)])

    def __radd__(self, other: object) -> Deferred:
        return Deferred([*_parts(other), *self.parts])

    def __str__(self) -> str:
        return render({"parts": self.parts})


def text(msgid: str) -> Deferred:
    """``_("…")`` for a message that is stored: translated when shown, not now."""
    return Deferred([[msgid, {}]])


def _source(message: Promise) -> str:
    """The English source of a lazily translated text (its msgid)."""
    with translation.override(None):
        return str(message)


def _parts(message: object, params: dict[str, Any] | None = None) -> list[Part]:
    if isinstance(message, Deferred):
        return list(message.parts)
    if isinstance(message, Promise):
        return [[_source(message), {k: _plain(v) for k, v in (params or {}).items()}]]
    if params:
        return [str(message) % params]
    return [str(message)]


def dump(message: object) -> dict[str, Any]:
    """``message`` as JSON to store: a :class:`Deferred`, a lazy text (stored as its
    source) or a string already translated (kept as it is)."""
    return {"parts": _parts(message)}


def dump_error(error: ValidationError) -> dict[str, Any]:
    """One error of a ``ValidationError`` with its parameters, kept untranslated where
    its message was lazy."""
    return {"parts": _parts(error.message, error.params)}


def render(stored: dict[str, Any]) -> str:
    """A stored text in the active language."""
    out = []
    for part in stored.get("parts", []):
        if isinstance(part, list):
            msgid, params = part
            translated = gettext(msgid)
            out.append(translated % params if params else translated)
        else:
            out.append(part)
    return "".join(out)
