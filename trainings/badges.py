"""What a name badge's QR code holds: the enrolment, signed.

The code is short enough for a small QR code and means nothing without the portal's secret:
``B1:<enrolment id>:<signature>``. A badge printed before an enrolment was cancelled still
reads; whether the person may be checked in is the check-in service's question.
"""

from __future__ import annotations

import re

from django.core import signing

from .models import Enrolment

PREFIX = "B1"
# A phone camera or a scanner may hand over the code inside other text (a URL, spaces).
_CODE = re.compile(rf"{PREFIX}:(\d{{1,12}}):([A-Za-z0-9_-]{{20,}})")


def _signer() -> signing.Signer:
    return signing.Signer(salt="trainings.badge")


def badge_code(enrolment: Enrolment | int) -> str:
    pk = enrolment if isinstance(enrolment, int) else enrolment.pk
    return f"{PREFIX}:{_signer().sign(str(pk))}"


def read_badge_code(text: str) -> int | None:
    """The enrolment id a scanned text names, or None for anything else (a forged or
    damaged code included)."""
    match = _CODE.search(text or "")
    if match is None:
        return None
    try:
        return int(_signer().unsign(f"{match.group(1)}:{match.group(2)}"))
    except signing.BadSignature:
        return None
