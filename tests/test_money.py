"""Money: amounts typed in pounds become exact integer pence, or a coded error (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.money import MAX_PENCE, Money, parse_pounds

pence_amounts = st.integers(min_value=1, max_value=MAX_PENCE)


def _pounds_text(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("180", 18_000),
        ("180.5", 18_050),
        ("180.50", 18_050),
        ("0.01", 1),
        (".5", 50),
        ("£1,250.00", 125_000),
        ("  £12.30 ", 1_230),
        ("12.340", 1_234),  # a trailing zero is not a fraction of a penny
        ("1000000", MAX_PENCE),
    ],
)
def test_parses_pounds_into_pence(typed: str, pence: int) -> None:
    assert parse_pounds(typed) == pence
    assert isinstance(parse_pounds(typed), int)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0", "AMOUNT_NOT_POSITIVE"),
        ("0.00", "AMOUNT_NOT_POSITIVE"),
        ("-0", "AMOUNT_NOT_POSITIVE"),
        ("-5", "AMOUNT_NOT_POSITIVE"),
        ("-0.01", "AMOUNT_NOT_POSITIVE"),
        ("12.345", "FRACTIONAL_PENNY"),
        ("0.001", "FRACTIONAL_PENNY"),
        ("-0.005", "FRACTIONAL_PENNY"),
        ("abc", "INVALID_AMOUNT"),
        ("", "INVALID_AMOUNT"),
        ("   ", "INVALID_AMOUNT"),
        ("£", "INVALID_AMOUNT"),
        ("12,50.3.1", "INVALID_AMOUNT"),
        ("1 000", "INVALID_AMOUNT"),
        ("NaN", "INVALID_AMOUNT"),
        ("Infinity", "INVALID_AMOUNT"),
        ("-Infinity", "INVALID_AMOUNT"),
        ("1000000.01", "AMOUNT_TOO_LARGE"),
        ("£2,000,000", "AMOUNT_TOO_LARGE"),
        # Long or far-out numbers must not be rounded, nor overflow the decimal context.
        ("1.0000000000000000000000000000001", "FRACTIONAL_PENNY"),
        ("1e999999", "AMOUNT_TOO_LARGE"),
        ("1e-999999", "FRACTIONAL_PENNY"),
    ],
)
def test_refuses_what_is_not_a_positive_amount_of_whole_pence(typed: str, code: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_pounds(typed)
    assert (error.value.code, error.value.field) == (code, "amount")
    assert error.value.message


def test_the_error_names_the_field_it_was_given() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_pounds("12.345", field="items.2.amount")
    assert (error.value.code, error.value.field) == ("FRACTIONAL_PENNY", "items.2.amount")


def test_the_too_large_message_shows_the_limit_in_pounds() -> None:
    with pytest.raises(InvalidInput) as error:
        parse_pounds("1000000.01")
    assert "£1,000,000.00" in error.value.message


@given(pence_amounts)
def test_every_whole_penny_amount_round_trips(pence: int) -> None:
    assert parse_pounds(_pounds_text(pence)) == pence


@given(pence_amounts)
def test_what_money_prints_parses_back(pence: int) -> None:
    assert parse_pounds(str(Money(pence))) == pence


@given(pence_amounts, st.integers(min_value=0, max_value=40), st.integers(1, 9))
def test_any_fraction_of_a_penny_is_refused(pence: int, zeros: int, digit: int) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_pounds(f"{_pounds_text(pence)}{'0' * zeros}{digit}")
    assert error.value.code == "FRACTIONAL_PENNY"


@given(st.integers(min_value=MAX_PENCE + 1, max_value=10**15))
def test_amounts_over_the_limit_are_refused(pence: int) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_pounds(_pounds_text(pence))
    assert error.value.code == "AMOUNT_TOO_LARGE"


@pytest.mark.parametrize(
    ("pence", "shown"),
    [
        (0, "£0.00"),
        (5, "£0.05"),
        (18_050, "£180.50"),
        (125_000, "£1,250.00"),
        (MAX_PENCE, "£1,000,000.00"),
        (-150, "-£1.50"),
    ],
)
def test_money_prints_as_pounds_and_pence(pence: int, shown: str) -> None:
    assert str(Money(pence)) == shown
