"""NHS numbers: ten digits, the last a modulus-11 check digit (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.nhs_number import is_valid_nhs_number, normalise_nhs_number

# Published examples (NHS Digital's 943 476 5919) and the numbers the demo data uses.
VALID = ["9434765919", "4010232137", "9990000018", "9990000026"]

ten_digits = st.text(alphabet="0123456789", min_size=10, max_size=10)


def _weighted_sum_is_zero_mod_11(number: str) -> bool:
    """The rule as the NHS states it, written differently: weights 10..2 on the first nine
    digits, and the check digit makes the total (with weight 1) a multiple of 11."""
    return sum(int(d) * w for d, w in zip(number, range(10, 0, -1), strict=True)) % 11 == 0


@pytest.mark.parametrize("number", VALID)
def test_known_valid_numbers_are_valid(number: str) -> None:
    assert is_valid_nhs_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # check digit off by one
        "9434765910",
        "4934765919",  # first two digits swapped
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "",
        "943476591X",
        "943 476 5919",  # spaces are for normalise_nhs_number, not here
        "９４３４７６５９１９",  # full-width digits are digits to str.isdigit, not to the NHS
        "0000000060",  # 000000006 has no valid check digit (it would be 10)
    ],
)
def test_invalid_numbers_are_invalid(number: str) -> None:
    assert not is_valid_nhs_number(number)


def test_a_prefix_whose_check_digit_would_be_10_has_no_valid_number() -> None:
    assert [d for d in "0123456789" if is_valid_nhs_number(f"000000006{d}")] == []


@given(ten_digits)
def test_validity_matches_the_weighted_sum_rule(number: str) -> None:
    assert is_valid_nhs_number(number) == _weighted_sum_is_zero_mod_11(number)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_prefix_has_at_most_one_check_digit(prefix: str) -> None:
    assert len([d for d in "0123456789" if is_valid_nhs_number(prefix + d)]) <= 1


@given(st.sampled_from(VALID), st.integers(0, 9), st.integers(1, 9))
def test_a_single_mistyped_digit_is_caught(number: str, position: int, shift: int) -> None:
    wrong = str((int(number[position]) + shift) % 10)
    assert not is_valid_nhs_number(number[:position] + wrong + number[position + 1:])


@given(st.sampled_from(VALID), st.integers(0, 8))
def test_swapping_two_neighbouring_digits_is_caught(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2:]
    assert is_valid_nhs_number(swapped) == (a == b)


@pytest.mark.parametrize(
    "typed", ["9434765919", "943 476 5919", "943-476-5919", " 943 476 5919 ", "943-476 5919"]
)
def test_normalise_accepts_spaces_and_hyphens(typed: str) -> None:
    assert normalise_nhs_number(typed) == "9434765919"


@pytest.mark.parametrize("typed", ["943 476 5918", "943.476.5919", "", "NHS 9434765919"])
def test_normalise_refuses_invalid_numbers(typed: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalise_nhs_number(typed)
    assert (error.value.code, error.value.field) == ("INVALID_NHS_NUMBER", "nhsNumber")
    assert "NHS number" in error.value.message


def test_normalise_names_the_field_it_was_given() -> None:
    with pytest.raises(InvalidInput) as error:
        normalise_nhs_number("123", field="patient.nhsNumber")
    assert error.value.field == "patient.nhsNumber"
