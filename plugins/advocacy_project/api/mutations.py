"""The Advocacy Project's mutations: one ``input``, a payload with the changed object and
``userErrors``. Amounts are typed in pounds ("180", "180.50"), like core's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from core.money import parse_pounds
from schema.context import Context
from schema.errors import UserError, attempt
from schema.ids import decode_id

from .. import cases, monitoring, payments, repayment
from ..settings import AdvocacySettings
from .types import (
    AdvocacyProjectPayee,
    AdvocacyProjectPayment,
    AdvocacyProjectPaymentCase,
    AdvocacyProjectReceipt,
    AdvocacyProjectRepaymentNotice,
    AdvocacyProjectReview,
)

__all__ = ["AdvocacyProjectMutations"]

_CASE, _PAYMENT = "AdvocacyProjectPaymentCase", "AdvocacyProjectPayment"
_REVIEW, _NOTICE = "AdvocacyProjectReview", "AdvocacyProjectRepaymentNotice"


# --- inputs ----------------------------------------------------------------------------------


@strawberry.input(name="AdvocacyProjectInstalmentInput")
class AdvocacyProjectInstalmentInput:
    amount: str = strawberry.field(description="In pounds, as typed: 180 or 180.50.")
    due_on: dt.date


@strawberry.input(name="AdvocacyProjectOpenCaseInput")
class AdvocacyProjectOpenCaseInput:
    request_id: strawberry.ID


@strawberry.input(name="AdvocacyProjectSchedulePaymentsInput")
class AdvocacyProjectSchedulePaymentsInput:
    case_id: strawberry.ID
    instalments: list[AdvocacyProjectInstalmentInput] = strawberry.field(
        description="One for a one-off payment.")
    payee: AdvocacyProjectPayee  # type: ignore[valid-type]
    account_reference: str = strawberry.field(
        description="The separate account the direct payment goes into.")
    nominee_id: strawberry.ID | None = strawberry.field(
        default=None, description="The nominee (a Representative), when paying them.")


@strawberry.input(name="AdvocacyProjectRecordPaymentInput")
class AdvocacyProjectRecordPaymentInput:
    payment_id: strawberry.ID
    paid_at: dt.datetime | None = strawberry.field(
        default=None, description="When it was made, with its time zone; by default now.")


@strawberry.input(name="AdvocacyProjectCancelPaymentInput")
class AdvocacyProjectCancelPaymentInput:
    payment_id: strawberry.ID
    reason: str


@strawberry.input(name="AdvocacyProjectRecordReceiptInput")
class AdvocacyProjectRecordReceiptInput:
    payment_id: strawberry.ID
    person_id: strawberry.ID = strawberry.field(description="Whose payment it is.")
    description: str = strawberry.field(description="What the money was spent on.")
    amount: str = strawberry.field(description="In pounds, as typed.")
    spent_on: dt.date


@strawberry.input(name="AdvocacyProjectRecordReviewInput")
class AdvocacyProjectRecordReviewInput:
    review_id: strawberry.ID
    note: str


@strawberry.input(name="AdvocacyProjectStopPaymentsInput")
class AdvocacyProjectStopPaymentsInput:
    case_id: strawberry.ID
    reason: str = strawberry.field(description="In writing, as the person will read it.")


@strawberry.input(name="AdvocacyProjectIssueRepaymentNoticeInput")
class AdvocacyProjectIssueRepaymentNoticeInput:
    case_id: strawberry.ID
    reason: str
    amount: str = strawberry.field(description="In pounds, as typed.")
    deadline: dt.date
    payer: AdvocacyProjectPayee  # type: ignore[valid-type]
    nominee_id: strawberry.ID | None = strawberry.field(
        default=None, description="The nominee (a Representative), when they repay.")


@strawberry.input(name="AdvocacyProjectRequestReconsiderationInput")
class AdvocacyProjectRequestReconsiderationInput:
    notice_id: strawberry.ID
    reason: str


@strawberry.input(name="AdvocacyProjectDecideReconsiderationInput")
class AdvocacyProjectDecideReconsiderationInput:
    notice_id: strawberry.ID
    upheld: bool
    note: str = strawberry.field(description="The reasons for the decision.")
    new_deadline: dt.date | None = strawberry.field(
        default=None, description="When upheld: a new deadline to repay by.")


@strawberry.input(name="AdvocacyProjectRecordRepaymentInput")
class AdvocacyProjectRecordRepaymentInput:
    notice_id: strawberry.ID


# --- payloads --------------------------------------------------------------------------------


@strawberry.type(name="AdvocacyProjectPaymentsPayload")
class AdvocacyProjectPaymentsPayload:
    payments: list[AdvocacyProjectPayment] | None
    user_errors: list[UserError]


@strawberry.type(name="AdvocacyProjectPaymentPayload")
class AdvocacyProjectPaymentPayload:
    payment: AdvocacyProjectPayment | None
    user_errors: list[UserError]


@strawberry.type(name="AdvocacyProjectPaymentCasePayload")
class AdvocacyProjectPaymentCasePayload:
    case: AdvocacyProjectPaymentCase | None
    user_errors: list[UserError]


@strawberry.type(name="AdvocacyProjectReceiptPayload")
class AdvocacyProjectReceiptPayload:
    receipt: AdvocacyProjectReceipt | None
    user_errors: list[UserError]


@strawberry.type(name="AdvocacyProjectReviewPayload")
class AdvocacyProjectReviewPayload:
    review: AdvocacyProjectReview | None
    user_errors: list[UserError]


@strawberry.type(name="AdvocacyProjectRepaymentNoticePayload")
class AdvocacyProjectRepaymentNoticePayload:
    notice: AdvocacyProjectRepaymentNotice | None
    user_errors: list[UserError]


P = TypeVar("P")


async def _payload(info: Info[Context, None], payload: type[P], field: str,
                   action: Callable[[Context], Awaitable[Any]]) -> P:
    """Run one use case: the payload with its result, or with the user errors it raised (and
    nothing changed). ``action`` decodes IDs and amounts too: a bad one is a user error."""
    context = info.context
    found, errors = await attempt(context, lambda: action(context))
    return payload(**{field: found, "user_errors": errors})


def _settings(context: Context) -> AdvocacySettings:
    settings: AdvocacySettings = context.uow.plugins.config.settings("advocacy_project")
    return settings


def _nominee(value: strawberry.ID | None) -> int | None:
    return None if value is None else decode_id(value, "Representative", field="nomineeId")


@strawberry.type
class AdvocacyProjectMutations:
    @strawberry.mutation(description="Open the payment case of an approved direct-payment "
                         "request, if approval did not (it opens by itself on approval).")
    async def advocacy_project_open_case(
        self, info: Info[Context, None], input: AdvocacyProjectOpenCaseInput
    ) -> AdvocacyProjectPaymentCasePayload:
        async def run(ctx: Context) -> Any:
            return await cases.open_case(
                ctx.uow, decode_id(input.request_id, "BudgetRequest", field="requestId"),
                ctx.policy)

        return await _payload(info, AdvocacyProjectPaymentCasePayload, "case", run)

    @strawberry.mutation(description="Schedule a one-off payment or instalments, to the person "
                         "or their nominee, against a separate account.")
    async def advocacy_project_schedule_payments(
        self, info: Info[Context, None], input: AdvocacyProjectSchedulePaymentsInput
    ) -> AdvocacyProjectPaymentsPayload:
        async def run(ctx: Context) -> Any:
            instalments = [payments.Instalment(
                parse_pounds(i.amount, field=f"instalments.{n}.amount"), i.due_on)
                for n, i in enumerate(input.instalments)]
            return await payments.schedule_payments(
                ctx.uow, ctx.policy, case_id=decode_id(input.case_id, _CASE, field="caseId"),
                instalments=instalments, payee=input.payee,
                account_reference=input.account_reference,
                nominee_id=_nominee(input.nominee_id))

        return await _payload(info, AdvocacyProjectPaymentsPayload, "payments", run)

    @strawberry.mutation(description="A scheduled payment was made: the pot's money moves "
                         "from committed to paid.")
    async def advocacy_project_record_payment(
        self, info: Info[Context, None], input: AdvocacyProjectRecordPaymentInput
    ) -> AdvocacyProjectPaymentPayload:
        async def run(ctx: Context) -> Any:
            return await payments.record_payment(
                ctx.uow, ctx.policy, decode_id(input.payment_id, _PAYMENT, field="paymentId"),
                paid_at=input.paid_at, settings=_settings(ctx))

        return await _payload(info, AdvocacyProjectPaymentPayload, "payment", run)

    @strawberry.mutation(description="A scheduled payment will not be made.")
    async def advocacy_project_cancel_payment(
        self, info: Info[Context, None], input: AdvocacyProjectCancelPaymentInput
    ) -> AdvocacyProjectPaymentPayload:
        async def run(ctx: Context) -> Any:
            return await payments.cancel_payment(
                ctx.uow, ctx.policy, decode_id(input.payment_id, _PAYMENT, field="paymentId"),
                reason=input.reason)

        return await _payload(info, AdvocacyProjectPaymentPayload, "payment", run)

    @strawberry.mutation(description="A receipt or other evidence against a payment: sent by "
                         "the person, or recorded by staff.")
    async def advocacy_project_record_receipt(
        self, info: Info[Context, None], input: AdvocacyProjectRecordReceiptInput
    ) -> AdvocacyProjectReceiptPayload:
        async def run(ctx: Context) -> Any:
            return await monitoring.record_receipt(
                ctx.uow, ctx.policy,
                payment_id=decode_id(input.payment_id, _PAYMENT, field="paymentId"),
                person_id=decode_id(input.person_id, "Person", field="personId"),
                description=input.description, amount_pence=parse_pounds(input.amount),
                spent_on=input.spent_on)

        return await _payload(info, AdvocacyProjectReceiptPayload, "receipt", run)

    @strawberry.mutation(description="Record a review; the next is scheduled.")
    async def advocacy_project_record_review(
        self, info: Info[Context, None], input: AdvocacyProjectRecordReviewInput
    ) -> AdvocacyProjectReviewPayload:
        async def run(ctx: Context) -> Any:
            return await monitoring.record_review(
                ctx.uow, ctx.policy, decode_id(input.review_id, _REVIEW, field="reviewId"),
                note=input.note, settings=_settings(ctx))

        return await _payload(info, AdvocacyProjectReviewPayload, "review", run)

    @strawberry.mutation(description="Stop a case's payments (regulation 17), with the reason "
                         "in writing; scheduled payments are cancelled.")
    async def advocacy_project_stop_payments(
        self, info: Info[Context, None], input: AdvocacyProjectStopPaymentsInput
    ) -> AdvocacyProjectPaymentCasePayload:
        async def run(ctx: Context) -> Any:
            return await cases.stop_payments(
                ctx.uow, ctx.policy, decode_id(input.case_id, _CASE, field="caseId"),
                reason=input.reason)

        return await _payload(info, AdvocacyProjectPaymentCasePayload, "case", run)

    @strawberry.mutation(description="A written repayment notice (regulation 15): the reason, "
                         "the amount, the deadline and who must pay.")
    async def advocacy_project_issue_repayment_notice(
        self, info: Info[Context, None], input: AdvocacyProjectIssueRepaymentNoticeInput
    ) -> AdvocacyProjectRepaymentNoticePayload:
        async def run(ctx: Context) -> Any:
            return await repayment.issue_repayment_notice(
                ctx.uow, ctx.policy, case_id=decode_id(input.case_id, _CASE, field="caseId"),
                reason=input.reason, amount_pence=parse_pounds(input.amount),
                deadline=input.deadline, payer=input.payer,
                nominee_id=_nominee(input.nominee_id))

        return await _payload(info, AdvocacyProjectRepaymentNoticePayload, "notice", run)

    @strawberry.mutation(description="Ask for a repayment notice to be reconsidered.")
    async def advocacy_project_request_reconsideration(
        self, info: Info[Context, None], input: AdvocacyProjectRequestReconsiderationInput
    ) -> AdvocacyProjectRepaymentNoticePayload:
        async def run(ctx: Context) -> Any:
            return await repayment.request_reconsideration(
                ctx.uow, ctx.policy, decode_id(input.notice_id, _NOTICE, field="noticeId"),
                reason=input.reason)

        return await _payload(info, AdvocacyProjectRepaymentNoticePayload, "notice", run)

    @strawberry.mutation(description="Decide a reconsideration: the repayment upheld, or the "
                         "notice withdrawn.")
    async def advocacy_project_decide_reconsideration(
        self, info: Info[Context, None], input: AdvocacyProjectDecideReconsiderationInput
    ) -> AdvocacyProjectRepaymentNoticePayload:
        async def run(ctx: Context) -> Any:
            return await repayment.decide_reconsideration(
                ctx.uow, ctx.policy, decode_id(input.notice_id, _NOTICE, field="noticeId"),
                upheld=input.upheld, note=input.note, new_deadline=input.new_deadline)

        return await _payload(info, AdvocacyProjectRepaymentNoticePayload, "notice", run)

    @strawberry.mutation(description="The notice's amount was repaid: it comes back to the "
                         "pot.")
    async def advocacy_project_record_repayment(
        self, info: Info[Context, None], input: AdvocacyProjectRecordRepaymentInput
    ) -> AdvocacyProjectRepaymentNoticePayload:
        async def run(ctx: Context) -> Any:
            return await repayment.record_repayment(
                ctx.uow, ctx.policy, decode_id(input.notice_id, _NOTICE, field="noticeId"))

        return await _payload(info, AdvocacyProjectRepaymentNoticePayload, "notice", run)
