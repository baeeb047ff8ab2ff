"""Fields The Advocacy Project adds to core's types, each with its data category."""

from __future__ import annotations

from typing import Any

from strawberry import relay
from strawberry.types import Info

from core.categories import DataCategory as C
from core.hookspecs import FieldContribution
from schema.context import Context
from schema.guards import data
from schema.pagination import connection, window

from .loaders import loaders
from .types import AdvocacyProjectPaymentCase


@data(C.BUDGET, description="The Advocacy Project: direct-payment cases, oldest first.")
async def _payment_cases(root: Any, info: Info[Context, None], first: int | None = None,
                         after: str | None = None,
                         ) -> relay.Connection[AdvocacyProjectPaymentCase] | None:
    size, after_id = window(first, after)
    found = await loaders(info).cases_of_person.load((root.id, size, after_id))
    return connection(found, after_id)


@data(C.BUDGET, description="The Advocacy Project: its payment case, once approved as a "
      "direct payment.")
async def _payment_case(root: Any, info: Info[Context, None],
                        ) -> AdvocacyProjectPaymentCase | None:
    return await loaders(info).case_of_request.load(root.id)  # type: ignore[no-any-return]


FIELDS = [
    FieldContribution(on="Person", name="advocacyProjectPaymentCases", field=_payment_cases),
    FieldContribution(on="BudgetRequest", name="advocacyProjectPaymentCase",
                      field=_payment_case),
]
