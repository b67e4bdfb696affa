"""The wording members agree to, with its version.

A change of wording is a new version: keep the old entry's meaning in mind and bump the
version string, so each recorded answer points at the text the member actually saw.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import ConsentKind


@dataclass(frozen=True)
class Wording:
    version: str
    label: Promise
    text: Promise


WORDINGS: dict[str, Wording] = {
    ConsentKind.DIRECTORY: Wording(
        version="2025-06",
        label=_("Show me in the member directory"),
        text=_(
            "Other members of Norec Network and Norec staff may see my name, country, "
            "current organisation and position, languages, fields of expertise, LinkedIn "
            "profile and availability as a resource person. My email address and phone "
            "number are never shown to other members."
        ),
    ),
    ConsentKind.NEWSLETTER: Wording(
        version="2025-06",
        label=_("Send me the Norec Network newsletter"),
        text=_(
            "Norec may email me the network newsletter, about once a month, at the address "
            "in my profile. I can stop it at any time from my profile or from the link in "
            "every newsletter."
        ),
    ),
}


def wording(kind: str) -> Wording:
    return WORDINGS[kind]
