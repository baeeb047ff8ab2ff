"""Money is integer pence. Amounts typed by people are parsed here, once, exactly."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .errors import InvalidInput

__all__ = ["Money", "parse_pounds"]

# A single PHB item above this is a typing mistake, not a purchase (£1,000,000).
MAX_PENCE = 100_000_000
_MAX_POUNDS = Decimal(MAX_PENCE).scaleb(-2)


@dataclass(frozen=True, slots=True)
class Money:
    pence: int

    def __str__(self) -> str:
        sign = "-" if self.pence < 0 else ""
        pounds, pence = divmod(abs(self.pence), 100)
        return f"{sign}£{pounds:,}.{pence:02d}"


def _has_fraction_of_a_penny(value: Decimal) -> bool:
    """Read the digits below a penny off the number as typed. Arithmetic would not do: in the
    default context ``value * 100`` rounds a long number to 28 digits (hiding the fraction)
    and overflows on one like "1e999999"."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite number
    return exponent < -2 and any(digits[max(0, len(digits) + exponent + 2):])


def parse_pounds(text: str, *, field: str = "amount") -> int:
    """Parse an amount in pounds ("180", "180.5", "£1,250.00") into positive integer pence."""
    cleaned = text.strip().removeprefix("£").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(
            f"{text!r} is not an amount of money: write it in pounds, like 180 or 180.50.",
            code="INVALID_AMOUNT",
            field=field,
        ) from None
    if not value.is_finite():
        raise InvalidInput("The amount must be a number of pounds.", code="INVALID_AMOUNT",
                           field=field)
    if _has_fraction_of_a_penny(value):
        raise InvalidInput(
            "The amount has a fraction of a penny: use at most two decimal places.",
            code="FRACTIONAL_PENNY",
            field=field,
        )
    if value <= 0:
        raise InvalidInput(
            "The amount must be more than £0.00.", code="AMOUNT_NOT_POSITIVE", field=field
        )
    if value > _MAX_POUNDS:
        raise InvalidInput(
            f"The amount is more than {Money(MAX_PENCE)}: check it was typed correctly.",
            code="AMOUNT_TOO_LARGE",
            field=field,
        )
    # Now at most two decimal places and a few digits: scaling to pence is exact.
    return int(value.scaleb(2))
