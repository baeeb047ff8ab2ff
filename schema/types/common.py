"""Small value types shared by the API."""

from __future__ import annotations

import strawberry

from core.money import Money as MoneyValue

__all__ = ["Money"]


@strawberry.type(description="An amount of money in pounds sterling, exact to the penny.")
class Money:
    pence: int = strawberry.field(description="The amount in pence: exact, use for sums.")

    @strawberry.field(description='Formatted for people, e.g. "£1,250.00".')
    def formatted(self) -> str:
        return str(MoneyValue(self.pence))

    @strawberry.field(description='The currency: always "GBP".')
    def currency(self) -> str:
        return "GBP"
