"""The Advocacy Project's GraphQL types. Every field of a person's data names its category
(``data(...)``): the policy engine decides it, field by field. Cases, payments, receipts,
reviews and notices are Relay nodes (``node(id:)`` finds them, through the policy); the lists
that grow are cursor connections, loaded in batches (no statement per row)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.categories import DataCategory as C
from schema.context import Context
from schema.guards import data
from schema.pagination import connection, window
from schema.types import ModelNode
from schema.types.common import Money

from .. import models, views
from .loaders import loaders

if TYPE_CHECKING:
    from schema.types.budgets import BudgetRequest
    from schema.types.people import Person

__all__ = [
    "AdvocacyProjectFlag",
    "AdvocacyProjectPayment",
    "AdvocacyProjectPaymentCase",
    "AdvocacyProjectPipeline",
    "AdvocacyProjectPipelineEntry",
    "AdvocacyProjectReceipt",
    "AdvocacyProjectRepaymentNotice",
    "AdvocacyProjectReview",
    "AdvocacyProjectStage",
    "AdvocacyProjectTimeline",
    "TYPES",
]

_Person = Annotated["Person", strawberry.lazy("schema.types.people")]
_Request = Annotated["BudgetRequest", strawberry.lazy("schema.types.budgets")]

AdvocacyProjectCaseStatus = strawberry.enum(models.CaseStatus, name="AdvocacyProjectCaseStatus")
AdvocacyProjectPaymentStatus = strawberry.enum(models.PaymentStatus,
                                               name="AdvocacyProjectPaymentStatus")
AdvocacyProjectPayee = strawberry.enum(models.Payee, name="AdvocacyProjectPayee")
AdvocacyProjectNoticeStatus = strawberry.enum(models.NoticeStatus,
                                              name="AdvocacyProjectNoticeStatus")
AdvocacyProjectStage = strawberry.enum(views.Stage, name="AdvocacyProjectStage")


class _Node(ModelNode):
    """A Relay node of this plugin: loaded by id through the plugin's loaders."""

    @classmethod
    def loader(cls, info: Info[Context, None]) -> DataLoader[int, Any]:
        return getattr(loaders(info), cls.loader_name)  # type: ignore[no-any-return]


async def _page(loader: DataLoader[Any, Any], parent_id: int, first: int | None,
                after: str | None) -> relay.Connection[Any]:
    size, after_id = window(first, after)
    return connection(await loader.load((parent_id, size, after_id)), after_id)


@strawberry.type(name="AdvocacyProjectReceipt",
                 description="A receipt or other evidence of what a payment was spent on.")
class AdvocacyProjectReceipt(_Node, relay.Node):
    __model__ = models.Receipt
    __person_data__ = True
    loader_name = "receipt"

    id: relay.NodeID[int]
    description: str | None = data(C.BUDGET)
    spent_on: dt.date | None = data(C.BUDGET)
    created_at: dt.datetime | None = data(C.BUDGET, description="When it was recorded.")

    @data(C.BUDGET)
    def amount(self: Any) -> Money | None:
        return Money(pence=self.amount_pence)

    @data(C.BUDGET, description="Sent by the person (or their representative), not staff.")
    def sent_by_person(self: Any) -> bool | None:
        return self.by_person_id is not None

    @data(C.BUDGET)
    async def payment(self: Any, info: Info[Context, None]) -> AdvocacyProjectPayment | None:
        return await loaders(info).payment.load(self.payment_id)  # type: ignore[no-any-return]


@strawberry.type(name="AdvocacyProjectPayment",
                 description="A one-off direct payment or one instalment.")
class AdvocacyProjectPayment(_Node, relay.Node):
    __model__ = models.Payment
    __person_data__ = True
    loader_name = "payment"

    id: relay.NodeID[int]
    status: AdvocacyProjectPaymentStatus | None = data(C.BUDGET)  # type: ignore[valid-type]
    due_on: dt.date | None = data(C.BUDGET)
    paid_at: dt.datetime | None = data(C.BUDGET)
    payee: AdvocacyProjectPayee | None = data(C.BUDGET)  # type: ignore[valid-type]
    payee_name: str | None = data(C.BUDGET, description="The nominee's name, if paid to them.")
    account_reference: str | None = data(
        C.BUDGET, description="The separate account the payment goes into.")
    cancelled_at: dt.datetime | None = data(C.BUDGET)
    cancel_reason: str | None = data(C.BUDGET)

    @data(C.BUDGET)
    def amount(self: Any) -> Money | None:
        return Money(pence=self.amount_pence)

    @data(C.BUDGET)
    async def case(self: Any, info: Info[Context, None]) -> AdvocacyProjectPaymentCase | None:
        return await loaders(info).case.load(self.case_id)  # type: ignore[no-any-return]

    @data(C.BUDGET, description="Receipts against this payment, oldest first.")
    async def receipts(self: Any, info: Info[Context, None], first: int | None = None,
                       after: str | None = None,
                       ) -> relay.Connection[AdvocacyProjectReceipt] | None:
        return await _page(loaders(info).receipts_of_payment, self.id, first, after)


@strawberry.type(name="AdvocacyProjectReview",
                 description="A direct-payment review: within 3 months of the first payment, "
                 "then at least every 12 months.")
class AdvocacyProjectReview(_Node, relay.Node):
    __model__ = models.Review
    __person_data__ = True
    loader_name = "review"

    id: relay.NodeID[int]
    due_on: dt.date | None = data(C.BUDGET)
    done_at: dt.datetime | None = data(C.BUDGET)
    note: str | None = data(C.BUDGET)

    @data(C.BUDGET, description="Not held by its due date.")
    def overdue(self: Any, info: Info[Context, None]) -> bool | None:
        return self.done_at is None and self.due_on < info.context.policy.now.date()


@strawberry.type(name="AdvocacyProjectRepaymentNotice",
                 description="A written repayment notice (regulation 15), and its "
                 "reconsideration.")
class AdvocacyProjectRepaymentNotice(_Node, relay.Node):
    __model__ = models.RepaymentNotice
    __person_data__ = True
    loader_name = "notice"

    id: relay.NodeID[int]
    status: AdvocacyProjectNoticeStatus | None = data(C.BUDGET)  # type: ignore[valid-type]
    reason: str | None = data(C.BUDGET)
    deadline: dt.date | None = data(C.BUDGET)
    payer: AdvocacyProjectPayee | None = data(  # type: ignore[valid-type]
        C.BUDGET, description="Who must repay: the person or their nominee.")
    payer_name: str | None = data(C.BUDGET, description="The nominee's name, if they repay.")
    created_at: dt.datetime | None = data(C.BUDGET, description="When it was issued.")
    reconsideration_reason: str | None = data(C.BUDGET)
    reconsideration_requested_at: dt.datetime | None = data(C.BUDGET)
    decision_note: str | None = data(C.BUDGET)
    decided_at: dt.datetime | None = data(C.BUDGET)
    repaid_at: dt.datetime | None = data(C.BUDGET)

    @data(C.BUDGET)
    def amount(self: Any) -> Money | None:
        return Money(pence=self.amount_pence)


@strawberry.type(name="AdvocacyProjectFlag", description="Something monitoring noticed.")
class AdvocacyProjectFlag:
    code: str = strawberry.field(description="SPEND_NOT_IN_PLAN, UNSPENT_BUILDING_UP, "
                                 "PAYMENT_OVERDUE or REVIEW_OVERDUE.")
    message: str


@strawberry.type(name="AdvocacyProjectPaymentCase",
                 description="An approved direct-payment request, from approval to payment "
                 "and its monitoring.")
class AdvocacyProjectPaymentCase(_Node, relay.Node):
    __model__ = models.PaymentCase
    __person_data__ = True
    loader_name = "case"

    id: relay.NodeID[int]
    status: AdvocacyProjectCaseStatus | None = data(C.BUDGET)  # type: ignore[valid-type]
    approved_at: dt.datetime | None = data(C.BUDGET, description="When it was authorised.")
    stopped_at: dt.datetime | None = data(C.BUDGET)
    stop_reason: str | None = data(C.BUDGET)

    @data(C.BUDGET, description="The amount authorised.")
    def approved(self: Any) -> Money | None:
        return Money(pence=self.approved_pence)

    @data(C.BUDGET)
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.BUDGET)
    async def request(self: Any, info: Info[Context, None]) -> _Request | None:
        return await info.context.loaders.budget_request.load(self.request_id)

    @data(C.BUDGET, description="Payments and instalments, in the order scheduled.")
    async def payments(self: Any, info: Info[Context, None], first: int | None = None,
                       after: str | None = None,
                       ) -> relay.Connection[AdvocacyProjectPayment] | None:
        return await _page(loaders(info).payments_of_case, self.id, first, after)

    @data(C.BUDGET)
    async def receipts(self: Any, info: Info[Context, None], first: int | None = None,
                       after: str | None = None,
                       ) -> relay.Connection[AdvocacyProjectReceipt] | None:
        return await _page(loaders(info).receipts_of_case, self.id, first, after)

    @data(C.BUDGET)
    async def reviews(self: Any, info: Info[Context, None], first: int | None = None,
                      after: str | None = None,
                      ) -> relay.Connection[AdvocacyProjectReview] | None:
        return await _page(loaders(info).reviews_of_case, self.id, first, after)

    @data(C.BUDGET)
    async def repayment_notices(self: Any, info: Info[Context, None],
                                first: int | None = None, after: str | None = None,
                                ) -> relay.Connection[AdvocacyProjectRepaymentNotice] | None:
        return await _page(loaders(info).notices_of_case, self.id, first, after)

    @data(C.BUDGET, description="Spend not in the plan, unspent money building up, overdue "
          "payments and reviews.")
    async def flags(self: Any, info: Info[Context, None]) -> list[AdvocacyProjectFlag] | None:
        found = await loaders(info).flags.load(self.id) or []
        return [AdvocacyProjectFlag(code=f.code, message=f.message) for f in found]

    @data(C.BUDGET)
    async def first_paid_at(self: Any, info: Info[Context, None]) -> dt.datetime | None:
        return await loaders(info).first_payment.load(self.id)  # type: ignore[no-any-return]

    @data(C.BUDGET, description="Whole days from authorisation to the first payment.")
    async def days_to_first_payment(self: Any, info: Info[Context, None]) -> int | None:
        paid_at = await loaders(info).first_payment.load(self.id)
        return None if paid_at is None else views.days_between(self.approved_at, paid_at)


@strawberry.type(name="AdvocacyProjectPipelineEntry",
                 description="A direct-payment request on its way from referral to payment.")
class AdvocacyProjectPipelineEntry:
    __person_data__ = True

    stage: AdvocacyProjectStage | None = data(C.BUDGET)  # type: ignore[valid-type]

    @data(C.BUDGET)
    def request(self: Any, info: Info[Context, None]) -> _Request | None:
        info.context.loaders.budget_request.prime(self.request.id, self.request)
        return self.request  # type: ignore[no-any-return]

    @data(C.BUDGET, description="Null until the request is approved.")
    def case(self: Any) -> AdvocacyProjectPaymentCase | None:
        return self.case  # type: ignore[no-any-return]

    @data(C.BUDGET)
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.BUDGET, description="Whole days since approval; null until approved.")
    def days_since_approval(self: Any, info: Info[Context, None]) -> int | None:
        # Set by the last sign-off (the pipeline holds no rejected requests).
        decided = self.request.decided_at
        if decided is None:
            return None
        return views.days_between(decided, info.context.policy.now)


@strawberry.type(name="AdvocacyProjectStageCount")
class AdvocacyProjectStageCount:
    stage: AdvocacyProjectStage  # type: ignore[valid-type]
    requests: int

    @strawberry.field
    def total(self: Any) -> Money:
        return Money(pence=self.total_pence)


@strawberry.type(name="AdvocacyProjectPipeline",
                 description="Direct-payment requests from referral to payment, for the people "
                 "who let you see their budget.")
class AdvocacyProjectPipeline:
    @strawberry.field(description="Every stage, with how many requests and how much money.")
    async def stages(self, info: Info[Context, None]) -> list[AdvocacyProjectStageCount]:
        ctx = info.context
        return await views.pipeline_stages(ctx.session, ctx.policy)  # type: ignore[return-value]

    @strawberry.field(description="The requests, oldest first; optionally at one stage.")
    async def entries(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None,
        stage: AdvocacyProjectStage | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[AdvocacyProjectPipelineEntry]:
        ctx = info.context
        size, after_id = window(first, after)
        found = await views.pipeline(ctx.session, ctx.policy, first=size, after=after_id,
                                     stage=stage)
        return connection(found, after_id)  # type: ignore[return-value]


@strawberry.type(name="AdvocacyProjectTimelineEntry")
class AdvocacyProjectTimelineEntry:
    days: int
    requests: int


@strawberry.type(name="AdvocacyProjectTimeline",
                 description="Days from authorisation to the first payment, for the requests "
                 "approved in a window that you may see.")
class AdvocacyProjectTimeline:
    approved_from: dt.date
    approved_to: dt.date
    distribution: list[AdvocacyProjectTimelineEntry]
    paid_requests: int
    median_days: float | None
    mean_days: float | None
    waiting: int = strawberry.field(description="Approved, open, and not paid yet.")
    longest_wait_days: int | None = strawberry.field(
        description="How long the longest of those has waited so far.")


TYPES = (AdvocacyProjectPaymentCase, AdvocacyProjectPayment, AdvocacyProjectReceipt,
         AdvocacyProjectReview, AdvocacyProjectRepaymentNotice, AdvocacyProjectFlag,
         AdvocacyProjectPipeline, AdvocacyProjectPipelineEntry, AdvocacyProjectStageCount,
         AdvocacyProjectTimeline, AdvocacyProjectTimelineEntry)
