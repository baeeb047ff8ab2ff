"""Fields ELFT adds to core's types, each with its data category."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from core.categories import DataCategory as C
from core.hookspecs import FieldContribution
from schema.context import Context
from schema.guards import data

from .loaders import loaders
from .types import ElftEligibilityAssessment, ElftSignOff, ElftSupportPlan, sign_off_of

__all__ = ["FIELDS"]


@data(C.BUDGET, description="ELFT: the latest PHB eligibility assessment.")
async def _eligibility(root: Any, info: Info[Context, None]) -> ElftEligibilityAssessment | None:
    return await loaders(info).latest_eligibility.load(root.id)  # type: ignore[no-any-return]


@data(C.RECOVERY_PLAN, description='ELFT: the PHB support plan, "Me and My Goals".')
async def _support_plan(root: Any, info: Info[Context, None]) -> ElftSupportPlan | None:
    return await loaders(info).current_plan.load(root.id)  # type: ignore[no-any-return]


@data(C.BUDGET, description="ELFT: the sign-off route and who has signed.")
async def _sign_off(root: Any, info: Info[Context, None]) -> ElftSignOff | None:
    if root.approval_steps is None:  # a draft: decided when it is submitted
        return None
    return await sign_off_of(root, info)


FIELDS = [
    FieldContribution(on="Person", name="elftEligibility", field=_eligibility),
    FieldContribution(on="Person", name="elftSupportPlan", field=_support_plan),
    FieldContribution(on="BudgetRequest", name="elftSignOff", field=_sign_off),
]
