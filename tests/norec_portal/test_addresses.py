"""The one email check shared by imports and forms (norec_portal.addresses)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from norec_portal.addresses import (
    INVALID,
    REASON_ACCENTS,
    REASON_DOMAIN,
    REASON_NO_AT,
    REASON_SPACES,
    SUSPICIOUS,
    VALID,
    check_address,
    check_addresses,
    split_addresses,
)


def test_a_plain_address_is_valid_and_lower_cased():
    check = check_address("  Amina.Otieno@Example.ORG ")
    assert check.status == VALID
    assert check.address == "amina.otieno@example.org"
    assert check.usable == "amina.otieno@example.org"
    assert check.suggestion == ""


@pytest.mark.parametrize("text", ["none", "N/A", "-", "", "  ", "unknown", "<none>", "0"])
def test_placeholders_are_no_address(text):
    assert check_address(text) is None
    assert check_addresses(text) == []


def test_accented_letters_before_the_at_are_suspicious_with_the_plain_spelling():
    check = check_address("lucía.phiri6@hotmail.com")
    assert check.status == SUSPICIOUS
    assert check.suggestion == "lucia.phiri6@hotmail.com"
    assert check.reason == REASON_ACCENTS
    assert check.usable == ""  # nobody is written to until someone accepts it


def test_a_stray_space_is_one_address_with_a_suggestion_not_two_bad_ones():
    checks = check_addresses("ananya.banda @mail.org")
    assert len(checks) == 1
    assert checks[0].status == INVALID
    assert checks[0].suggestion == "ananya.banda@mail.org"
    assert checks[0].reason == REASON_SPACES
    assert checks[0].raw == "ananya.banda @mail.org"


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("joseph.otieno@gmial.com", "joseph.otieno@gmail.com"),
        ("joseph.otieno@hotmial.com", "joseph.otieno@hotmail.com"),
        ("joseph.otieno@yaho.com", "joseph.otieno@yahoo.com"),
        ("joseph.otieno@gmail.co", "joseph.otieno@gmail.com"),
    ],
)
def test_a_misspelt_provider_is_suspicious_with_the_provider_suggested(typed, suggested):
    check = check_address(typed)
    assert check.status == SUSPICIOUS
    assert check.suggestion == suggested
    assert check.reason == REASON_DOMAIN


def test_an_organisation_domain_is_not_taken_for_a_typo():
    assert check_address("kofi@mailbox.org").status == VALID
    assert check_address("kofi@norad.no").status == VALID


def test_a_missing_at_before_a_known_provider_is_suggested():
    check = check_address("ananya.bandagmail.com")
    assert check.status == INVALID
    assert check.suggestion == "ananya.banda@gmail.com"
    assert check.reason == REASON_NO_AT


def test_at_written_as_a_word_and_doubled_at_are_repaired():
    assert check_address("grace (at) mail.org").suggestion == "grace@mail.org"
    assert check_address("grace@@mail.org").suggestion == "grace@mail.org"


def test_hopeless_text_is_invalid_without_a_suggestion():
    check = check_address("call the office")
    assert check.status == INVALID
    assert check.suggestion == ""
    assert check.reason


def test_several_addresses_in_one_cell():
    assert split_addresses("a@x.org; b@y.org, c@z.org") == ["a@x.org", "b@y.org", "c@z.org"]
    assert split_addresses("a@x.org / b@y.org") == ["a@x.org", "b@y.org"]
    assert split_addresses("a@x.org b@y.org") == ["a@x.org", "b@y.org"]
    checks = check_addresses("A@x.org; a@x.org; none")
    assert [c.address for c in checks] == ["a@x.org"]


def test_an_overlong_address_is_invalid():
    check = check_address("a" * 300 + "@example.org")
    assert check.status == INVALID
    assert check.suggestion == ""


@given(st.text(max_size=400))
def test_any_text_gets_an_answer_and_never_an_error(text):
    for check in check_addresses(text):
        assert check.status in {VALID, SUSPICIOUS, INVALID}
        if check.status == VALID:
            assert check.address and not check.suggestion
        if check.suggestion:
            assert check_address(check.suggestion).status == VALID


@pytest.mark.parametrize(
    "typed",
    [
        "james\u200b.kiprop@gmail.com",  # zero-width space, copied from a web page
        "james.kiprop\u200c@gmail.com",
        "\u200djames.kiprop@gmail.com",
        "\ufeffjames.kiprop@gmail.com",  # a byte-order mark left at the start of a cell
        "\u00a0james.kiprop@gmail.com\u00a0",  # no-break spaces around it
    ],
)
def test_invisible_characters_are_tidied_away(typed):
    check = check_address(typed)
    assert check.status == VALID
    assert check.address == "james.kiprop@gmail.com"


def test_a_no_break_space_inside_an_address_is_named_as_a_space():
    check = check_address("james\u00a0.kiprop@gmail.com")
    assert check.status == INVALID
    assert check.suggestion == "james.kiprop@gmail.com"
    assert check.reason == REASON_SPACES


@pytest.mark.parametrize(
    "typed",
    [
        "Achieng Atieno <achieng.atieno9@example.org>",
        '"Atieno, Achieng" <Achieng.Atieno9@example.org>',
        "<achieng.atieno9@example.org>",
        "mailto:achieng.atieno9@example.org",
        "achieng.atieno9@example.org.",
    ],
)
def test_the_address_is_read_out_of_what_mail_programs_put_around_it(typed):
    check = check_address(typed)
    assert check.status == VALID
    assert check.address == "achieng.atieno9@example.org"
    assert check.raw == typed
