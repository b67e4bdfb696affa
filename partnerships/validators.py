from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_phone(value: str, region: str | None = None) -> str:
    """Return the number in E.164 (``+254712345678``) or raise ``ValidationError``.

    Numbers without a leading ``+`` are read in ``region`` (a country code) if given.
    """
    value = (value or "").strip()
    if not value:
        return ""
    # "00" then the country code is how numbers are written to dial abroad from Norway and
    # most of the world; no national number starts with "00", so it always means "+".
    text = "+" + value.lstrip()[2:] if value.startswith("00") else value
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(value)s” is not a valid phone number. Write it with the country code, "
              "e.g. +254 712 345678."),
            code="invalid_phone", params={"value": value[:40]},
        )  # fmt: skip
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    if value and normalize_phone(value) != value:
        raise ValidationError(
            _("Store phone numbers in international format, e.g. +254712345678."),
            code="phone_not_e164",
        )
