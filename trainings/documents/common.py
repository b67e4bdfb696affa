"""What every training document shares: the issue date, Norec's address, file names."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from norec_portal.zones import NORWAY


def common_context() -> dict:
    return {
        "issued_on": timezone.localdate(),
        "norec_email": settings.TRAINING_NOREC_EMAIL,
        "norway_zone": str(NORWAY),
    }


def filename(*parts: object, extension: str = "pdf") -> str:
    return "-".join(slugify(str(p)) for p in parts if str(p)) + f".{extension}"
