"""Personal Health Budgets: pots, budgets, requests, items and approvals."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import models
from core.categories import DataCategory as C

from ..context import Context
from ..guards import data
from ..pagination import connection, window
from ._node import ModelNode
from .common import Money
from .organisations import StaffMember

if TYPE_CHECKING:
    from .goals import RecoveryGoal
    from .people import Person

__all__ = [
    "Budget",
    "BudgetApproval",
    "BudgetItem",
    "BudgetRequest",
    "BudgetRequestStatus",
    "FundingPot",
    "PaymentRoute",
]

_Person = Annotated["Person", strawberry.lazy("schema.types.people")]
_Goal = Annotated["RecoveryGoal", strawberry.lazy("schema.types.goals")]

PaymentRoute = strawberry.enum(models.PaymentRoute, name="PaymentRoute")
BudgetRequestStatus = strawberry.enum(models.BudgetRequestStatus, name="BudgetRequestStatus")
ApprovalDecision = strawberry.enum(models.ApprovalDecision, name="ApprovalDecision")


@strawberry.type(description="A pre-allocated fund that approved requests draw on.")
class FundingPot(ModelNode, relay.Node):
    __model__ = models.FundingPot
    loader_name = "funding_pot"

    id: relay.NodeID[int]
    name: str

    @strawberry.field(description="Allocation plus top-ups.")
    def allocated(self: Any) -> Money:
        return Money(pence=self.allocated_pence)

    @strawberry.field(description="Reserved by approved requests not yet paid or delivered.")
    def committed(self: Any) -> Money:
        return Money(pence=self.committed_pence)

    @strawberry.field
    def paid(self: Any) -> Money:
        return Money(pence=self.paid_pence)

    @strawberry.field(description="What is left to approve: allocated - committed - paid.")
    def available(self: Any) -> Money:
        return Money(pence=self.available_pence)


@strawberry.type(description="A person's Personal Health Budget for a period.")
class Budget(ModelNode, relay.Node):
    __model__ = models.Budget
    __person_data__ = True
    loader_name = "budget"

    id: relay.NodeID[int]
    payment_route: PaymentRoute | None = data(C.BUDGET)
    period_start: dt.date | None = data(C.BUDGET)
    period_end: dt.date | None = data(C.BUDGET)

    @data(C.BUDGET)
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.BUDGET)
    async def funding_pot(self: Any, info: Info[Context, None]) -> FundingPot | None:
        return await info.context.loaders.funding_pot.load(self.funding_pot_id)

    @data(C.BUDGET, description="Requests against this budget, oldest first.")
    async def requests(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[BudgetRequest] | None:
        size, after_id = window(first, after)
        found = await info.context.loaders.requests_of_budget.load((self.id, size, after_id))
        return connection(found, after_id)


@strawberry.type
class BudgetItem:
    description: str

    @strawberry.field
    def amount(self: Any) -> Money:
        return Money(pence=self.amount_pence)

    @strawberry.field(description="The recovery goal this purchase serves.")
    async def goal(self: Any, info: Info[Context, None]) -> _Goal | None:
        if self.goal_id is None:
            return None
        return await info.context.loaders.goal.load(self.goal_id)


@strawberry.type(description="One sign-off or refusal.")
class BudgetApproval:
    decision: ApprovalDecision
    note: str | None
    decided_at: dt.datetime

    @strawberry.field
    async def staff_member(self: Any, info: Info[Context, None]) -> StaffMember | None:
        return await info.context.loaders.staff_member.load(self.staff_member_id)


@strawberry.type(description="A request to spend part of a budget, through sign-off.")
class BudgetRequest(ModelNode, relay.Node):
    __model__ = models.BudgetRequest
    __person_data__ = True
    loader_name = "budget_request"

    id: relay.NodeID[int]
    status: BudgetRequestStatus | None = data(C.BUDGET)
    purpose: str | None = data(C.BUDGET)
    approvals_required: int | None = data(
        C.BUDGET, description="Distinct sign-offs needed; fixed when submitted."
    )
    created_at: dt.datetime | None = data(C.BUDGET)
    submitted_at: dt.datetime | None = data(C.BUDGET)
    decided_at: dt.datetime | None = data(C.BUDGET)

    @data(C.BUDGET)
    def total(self: Any) -> Money | None:
        return Money(pence=self.total_pence)

    @data(C.BUDGET, description="Paid so far: a direct payment may be paid in instalments.")
    def paid(self: Any) -> Money | None:
        return Money(pence=self.paid_pence)

    @data(C.BUDGET, description="Paid, then repaid to the funding pot.")
    def repaid(self: Any) -> Money | None:
        return Money(pence=self.repaid_pence)

    @data(C.BUDGET)
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.BUDGET)
    async def budget(self: Any, info: Info[Context, None]) -> Budget | None:
        return await info.context.loaders.budget.load(self.budget_id)

    @data(C.BUDGET)
    async def items(self: Any, info: Info[Context, None]) -> list[BudgetItem] | None:
        return await info.context.loaders.request_items.load(self.id)

    @data(C.BUDGET)
    async def approvals(self: Any, info: Info[Context, None]) -> list[BudgetApproval] | None:
        return await info.context.loaders.request_approvals.load(self.id)
