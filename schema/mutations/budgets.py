"""Budget request mutations: create, submit, approve, reject, withdraw."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.services import budget_requests
from core.services.budget_requests import ItemInput

from ..context import Context
from ..errors import UserError, attempt
from ..ids import decode_id
from ..types.budgets import BudgetRequest

__all__ = ["BudgetMutations"]


@strawberry.input
class BudgetItemInput:
    description: str
    amount: str = strawberry.field(
        description='In pounds, as typed: "180" or "180.50". At most two decimal places.'
    )
    goal_id: strawberry.ID | None = strawberry.field(
        default=None, description="The recovery goal this item serves."
    )


@strawberry.input
class CreateBudgetRequestInput:
    budget_id: strawberry.ID
    purpose: str
    items: list[BudgetItemInput]


@strawberry.input
class BudgetRequestInput:
    request_id: strawberry.ID


@strawberry.input
class ApproveBudgetRequestInput:
    request_id: strawberry.ID
    note: str | None = None


@strawberry.input
class RejectBudgetRequestInput:
    request_id: strawberry.ID
    reason: str


@strawberry.input
class WithdrawBudgetRequestInput:
    request_id: strawberry.ID
    reason: str | None = None


@strawberry.type
class BudgetRequestPayload:
    budget_request: BudgetRequest | None
    user_errors: list[UserError]


def _request_id(value: strawberry.ID) -> int:
    return decode_id(value, "BudgetRequest", field="requestId")


def _items(items: list[BudgetItemInput]) -> list[ItemInput]:
    return [
        ItemInput(
            description=item.description,
            amount=item.amount,
            goal_id=(
                decode_id(item.goal_id, "RecoveryGoal", field=f"items.{i}.goalId")
                if item.goal_id is not None
                else None
            ),
        )
        for i, item in enumerate(items)
    ]


@strawberry.type
class BudgetMutations:
    @strawberry.mutation(description="Draft a request to spend part of a budget.")
    async def create_budget_request(
        self, info: Info[Context, None], input: CreateBudgetRequestInput
    ) -> BudgetRequestPayload:
        ctx = info.context
        request, errors = await attempt(ctx, lambda: budget_requests.create_request(
            ctx.uow, ctx.policy, budget_id=decode_id(input.budget_id, "Budget",
                                                     field="budgetId"),
            purpose=input.purpose, items=_items(input.items),
        ))
        return BudgetRequestPayload(budget_request=request, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Send a draft request for sign-off.")
    async def submit_budget_request(
        self, info: Info[Context, None], input: BudgetRequestInput
    ) -> BudgetRequestPayload:
        ctx = info.context
        request, errors = await attempt(ctx, lambda: budget_requests.submit_request(
            ctx.uow, ctx.policy, _request_id(input.request_id)))
        return BudgetRequestPayload(budget_request=request, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="Sign off. The last sign-off needed approves it and reserves the money."
    )
    async def approve_budget_request(
        self, info: Info[Context, None], input: ApproveBudgetRequestInput
    ) -> BudgetRequestPayload:
        ctx = info.context
        request, errors = await attempt(ctx, lambda: budget_requests.approve_request(
            ctx.uow, ctx.policy, _request_id(input.request_id), note=input.note))
        return BudgetRequestPayload(budget_request=request, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Refuse a request, giving the reason.")
    async def reject_budget_request(
        self, info: Info[Context, None], input: RejectBudgetRequestInput
    ) -> BudgetRequestPayload:
        ctx = info.context
        request, errors = await attempt(ctx, lambda: budget_requests.reject_request(
            ctx.uow, ctx.policy, _request_id(input.request_id), reason=input.reason))
        return BudgetRequestPayload(budget_request=request, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Withdraw a request; an approved one gives its money back.")
    async def withdraw_budget_request(
        self, info: Info[Context, None], input: WithdrawBudgetRequestInput
    ) -> BudgetRequestPayload:
        ctx = info.context
        request, errors = await attempt(ctx, lambda: budget_requests.withdraw_request(
            ctx.uow, ctx.policy, _request_id(input.request_id), reason=input.reason))
        return BudgetRequestPayload(budget_request=request, user_errors=errors)  # type: ignore[arg-type]
