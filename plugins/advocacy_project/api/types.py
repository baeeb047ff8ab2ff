"""The Advocacy Project's GraphQL types. Every field of a person's data names its category
(``data(...)``): the policy engine decides it, field by field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from core.categories import DataCategory as C
from schema.context import Context
from schema.guards import data
from schema.ids import encode_id
from schema.types.common import Money

from .. import services

__all__ = [
    "AdvocacyProjectFlag",
    "AdvocacyProjectPayment",
    "AdvocacyProjectPaymentCase",
    "AdvocacyProjectReceipt",
    "AdvocacyProjectRepaymentNotice",
    "AdvocacyProjectReview",
    "AdvocacyProjectTimeline",
    "TYPES",
]


def _money(pence: int | None) -> Money | None:
    return None if pence is None else Money(pence=pence)


@strawberry.type(name="AdvocacyProjectPayment",
                 description="A one-off direct payment or one instalment.")
class AdvocacyProjectPayment:
    __person_data__ = True

    @strawberry.field
    def id(self: Any) -> strawberry.ID:
        return strawberry.ID(encode_id("AdvocacyProjectPayment", self.id))

    status: str | None = data(C.BUDGET, description="scheduled, paid or cancelled.")
    due_on: dt.date | None = data(C.BUDGET)
    paid_at: dt.datetime | None = data(C.BUDGET)
    payee: str | None = data(C.BUDGET, description="person or nominee.")
    payee_name: str | None = data(C.BUDGET)
    account_reference: str | None = data(C.BUDGET)

    @data(C.BUDGET)
    def amount(self: Any) -> Money | None:
        return _money(self.amount_pence)


@strawberry.type(name="AdvocacyProjectReceipt",
                 description="A receipt or other evidence against a payment.")
class AdvocacyProjectReceipt:
    __person_data__ = True

    @strawberry.field
    def id(self: Any) -> strawberry.ID:
        return strawberry.ID(encode_id("AdvocacyProjectReceipt", self.id))

    description: str | None = data(C.BUDGET)
    spent_on: dt.date | None = data(C.BUDGET)

    @data(C.BUDGET)
    def amount(self: Any) -> Money | None:
        return _money(self.amount_pence)


@strawberry.type(name="AdvocacyProjectReview",
                 description="Within 3 months of the first payment, then at least yearly.")
class AdvocacyProjectReview:
    __person_data__ = True

    @strawberry.field
    def id(self: Any) -> strawberry.ID:
        return strawberry.ID(encode_id("AdvocacyProjectReview", self.id))

    due_on: dt.date | None = data(C.BUDGET)
    done_at: dt.datetime | None = data(C.BUDGET)
    note: str | None = data(C.BUDGET)


@strawberry.type(name="AdvocacyProjectRepaymentNotice",
                 description="A written repayment notice, and its reconsideration.")
class AdvocacyProjectRepaymentNotice:
    __person_data__ = True

    @strawberry.field
    def id(self: Any) -> strawberry.ID:
        return strawberry.ID(encode_id("AdvocacyProjectRepaymentNotice", self.id))

    reason: str | None = data(C.BUDGET)
    deadline: dt.date | None = data(C.BUDGET)
    payer: str | None = data(C.BUDGET, description="Who must pay.")
    status: str | None = data(C.BUDGET)
    reconsideration_reason: str | None = data(C.BUDGET)
    decision_note: str | None = data(C.BUDGET)

    @data(C.BUDGET)
    def amount(self: Any) -> Money | None:
        return _money(self.amount_pence)


@strawberry.type(name="AdvocacyProjectFlag", description="Something monitoring noticed.")
class AdvocacyProjectFlag:
    code: str = strawberry.field(
        description="SPEND_NOT_IN_PLAN, UNSPENT_BUILDING_UP or REVIEW_OVERDUE.")
    message: str


@strawberry.type(name="AdvocacyProjectTimelineEntry")
class AdvocacyProjectTimelineEntry:
    days: int
    requests: int


@strawberry.type(name="AdvocacyProjectTimeline",
                 description="Days from authorisation to the first payment.")
class AdvocacyProjectTimeline:
    median_days: float | None
    distribution: list[AdvocacyProjectTimelineEntry]
    request_ids: list[strawberry.ID]
    days: list[int] = strawberry.field(description="Per request, in the order of requestIds.")


@strawberry.type(name="AdvocacyProjectPaymentCase",
                 description="An approved direct-payment request, from approval to payment.")
class AdvocacyProjectPaymentCase:
    __person_data__ = True

    @strawberry.field
    def id(self: Any) -> strawberry.ID:
        return strawberry.ID(encode_id("AdvocacyProjectPaymentCase", self.id))

    status: str | None = data(C.BUDGET, description="open or stopped.")
    approved_at: dt.datetime | None = data(C.BUDGET)
    stop_reason: str | None = data(C.BUDGET)

    @data(C.BUDGET)
    def request_id(self: Any) -> strawberry.ID | None:
        return strawberry.ID(encode_id("BudgetRequest", self.request_id))

    @data(C.BUDGET)
    def person_id(self: Any) -> strawberry.ID | None:
        return strawberry.ID(encode_id("Person", self.person_id))

    @data(C.BUDGET)
    def approved(self: Any) -> Money | None:
        return _money(self.approved_pence)

    @data(C.BUDGET)
    async def payments(self: Any, info: Info[Context, None],
                       ) -> list[AdvocacyProjectPayment] | None:
        ctx = info.context
        return await services.payments_of(ctx.session, ctx.policy, self.id)  # type: ignore[return-value]

    @data(C.BUDGET)
    async def receipts(self: Any, info: Info[Context, None],
                       ) -> list[AdvocacyProjectReceipt] | None:
        ctx = info.context
        return await services.receipts_of(ctx.session, ctx.policy, self.id)  # type: ignore[return-value]

    @data(C.BUDGET)
    async def reviews(self: Any, info: Info[Context, None],
                      ) -> list[AdvocacyProjectReview] | None:
        ctx = info.context
        return await services.reviews_of(ctx.session, ctx.policy, self.id)  # type: ignore[return-value]

    @data(C.BUDGET)
    async def repayment_notices(self: Any, info: Info[Context, None],
                                ) -> list[AdvocacyProjectRepaymentNotice] | None:
        ctx = info.context
        return await services.repayment_notices_of(  # type: ignore[return-value]
            ctx.session, ctx.policy, self.id)


TYPES = (AdvocacyProjectPaymentCase, AdvocacyProjectPayment, AdvocacyProjectReceipt,
         AdvocacyProjectReview, AdvocacyProjectRepaymentNotice, AdvocacyProjectFlag,
         AdvocacyProjectTimeline, AdvocacyProjectTimelineEntry)
