"""NHS numbers: ten digits, the last a modulus-11 check digit."""

from __future__ import annotations

from .errors import InvalidInput

__all__ = ["is_valid_nhs_number", "normalise_nhs_number"]


def _check_digit(first_nine: str) -> int:
    weights = range(10, 1, -1)
    total = sum(int(d) * w for d, w in zip(first_nine, weights, strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else check  # 10 means "no valid number has these nine digits"


def is_valid_nhs_number(value: str) -> bool:
    return (
        len(value) == 10
        and value.isascii()
        and value.isdigit()
        and _check_digit(value[:9]) == int(value[9])
    )


def normalise_nhs_number(text: str, *, field: str = "nhsNumber") -> str:
    """Accept "943 476 5919" or "943-476-5919"; return the ten digits or raise."""
    digits = text.replace(" ", "").replace("-", "")
    if not is_valid_nhs_number(digits):
        raise InvalidInput(
            "That is not a valid NHS number: it has 10 digits and the last one is a check "
            "digit. Check it against an NHS letter or the NHS App.",
            code="INVALID_NHS_NUMBER",
            field=field,
        )
    return digits
