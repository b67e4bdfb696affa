"""Phone numbers are stored in E.164, however people write them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from partnerships.validators import normalize_phone


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [
        ("+254 712 345678", None, "+254712345678"),
        ("0712 345 678", "KE", "+254712345678"),
        # "00" is how a number abroad is dialled from Norway; Kenya and Tanzania dial "000",
        # so their rules alone would refuse it.
        ("00254 712 345678", "KE", "+254712345678"),
        ("00255 754 123456", "TZ", "+255754123456"),
        ("0047 912 34 567", None, "+4791234567"),
        ("0047 912 34 567", "NO", "+4791234567"),
    ],
)
def test_numbers_are_read_as_people_write_them(typed, region, stored):
    assert normalize_phone(typed, region) == stored


@pytest.mark.parametrize("typed", ["00", "0000", "00254", "12", "call me"])
def test_what_is_not_a_number_is_refused(typed):
    with pytest.raises(ValidationError):
        normalize_phone(typed, "KE")
