"""The Advocacy Project's mutations: one ``input``, a payload and ``userErrors``."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from schema.context import Context
from schema.errors import UserError, attempt
from schema.ids import decode_id

from .. import services
from .types import (
    AdvocacyProjectPayment,
    AdvocacyProjectReceipt,
    AdvocacyProjectRepaymentNotice,
    AdvocacyProjectReview,
)

__all__ = ["AdvocacyProjectMutations"]


@strawberry.input(name="AdvocacyProjectInstalmentInput")
class AdvocacyProjectInstalmentInput:
    amount_pence: int
    due_on: dt.date


@strawberry.input(name="AdvocacyProjectSchedulePaymentsInput")
class AdvocacyProjectSchedulePaymentsInput:
    case_id: strawberry.ID
    instalments: list[AdvocacyProjectInstalmentInput] = strawberry.field(
        description="One for a one-off payment.")
    payee: str = strawberry.field(description="person or nominee.")
    account_reference: str
    payee_name: str | None = None


@strawberry.type(name="AdvocacyProjectPaymentsPayload")
class AdvocacyProjectPaymentsPayload:
    payments: list[AdvocacyProjectPayment] | None
    user_errors: list[UserError]


@strawberry.input(name="AdvocacyProjectRecordPaymentInput")
class AdvocacyProjectRecordPaymentInput:
    payment_id: strawberry.ID
    paid_at: dt.datetime | None = None


@strawberry.type(name="AdvocacyProjectPaymentPayload")
class AdvocacyProjectPaymentPayload:
    payment: AdvocacyProjectPayment | None
    user_errors: list[UserError]


@strawberry.input(name="AdvocacyProjectRecordReceiptInput")
class AdvocacyProjectRecordReceiptInput:
    payment_id: strawberry.ID
    person_id: strawberry.ID
    description: str
    amount_pence: int
    spent_on: dt.date


@strawberry.type(name="AdvocacyProjectReceiptPayload")
class AdvocacyProjectReceiptPayload:
    receipt: AdvocacyProjectReceipt | None
    user_errors: list[UserError]


@strawberry.input(name="AdvocacyProjectRecordReviewInput")
class AdvocacyProjectRecordReviewInput:
    review_id: strawberry.ID
    note: str


@strawberry.type(name="AdvocacyProjectReviewPayload")
class AdvocacyProjectReviewPayload:
    review: AdvocacyProjectReview | None
    user_errors: list[UserError]


@strawberry.input(name="AdvocacyProjectIssueRepaymentNoticeInput")
class AdvocacyProjectIssueRepaymentNoticeInput:
    case_id: strawberry.ID
    reason: str
    amount_pence: int
    deadline: dt.date
    payer: str = strawberry.field(description="Who must pay: the person or their nominee.")


@strawberry.input(name="AdvocacyProjectReconsiderationInput")
class AdvocacyProjectReconsiderationInput:
    notice_id: strawberry.ID
    reason: str


@strawberry.input(name="AdvocacyProjectDecideReconsiderationInput")
class AdvocacyProjectDecideReconsiderationInput:
    notice_id: strawberry.ID
    upheld: bool
    note: str


@strawberry.input(name="AdvocacyProjectRecordRepaymentInput")
class AdvocacyProjectRecordRepaymentInput:
    notice_id: strawberry.ID


@strawberry.type(name="AdvocacyProjectRepaymentNoticePayload")
class AdvocacyProjectRepaymentNoticePayload:
    notice: AdvocacyProjectRepaymentNotice | None
    user_errors: list[UserError]


def _notice_id(value: strawberry.ID) -> int:
    return decode_id(value, "AdvocacyProjectRepaymentNotice", field="noticeId")


@strawberry.type
class AdvocacyProjectMutations:
    @strawberry.mutation(description="Schedule a one-off payment or instalments, to the person "
                         "or their nominee.")
    async def advocacy_project_schedule_payments(
        self, info: Info[Context, None], input: AdvocacyProjectSchedulePaymentsInput
    ) -> AdvocacyProjectPaymentsPayload:
        ctx = info.context
        found, errors = await attempt(ctx, lambda: services.schedule_payments(
            ctx.uow, ctx.policy,
            case_id=decode_id(input.case_id, "AdvocacyProjectPaymentCase", field="caseId"),
            instalments=[services.Instalment(i.amount_pence, i.due_on)
                         for i in input.instalments],
            payee=input.payee, account_reference=input.account_reference,
            payee_name=input.payee_name))
        return AdvocacyProjectPaymentsPayload(payments=found,  # type: ignore[arg-type]
                                              user_errors=errors)

    @strawberry.mutation(description="A scheduled payment was made: the pot's money moves "
                         "from committed to paid.")
    async def advocacy_project_record_payment(
        self, info: Info[Context, None], input: AdvocacyProjectRecordPaymentInput
    ) -> AdvocacyProjectPaymentPayload:
        ctx = info.context
        found, errors = await attempt(ctx, lambda: services.record_payment(
            ctx.uow, ctx.policy,
            decode_id(input.payment_id, "AdvocacyProjectPayment", field="paymentId"),
            paid_at=input.paid_at,
            settings=ctx.uow.plugins.config.settings("advocacy_project")))
        return AdvocacyProjectPaymentPayload(payment=found,  # type: ignore[arg-type]
                                             user_errors=errors)

    @strawberry.mutation(description="A receipt or other evidence against a payment.")
    async def advocacy_project_record_receipt(
        self, info: Info[Context, None], input: AdvocacyProjectRecordReceiptInput
    ) -> AdvocacyProjectReceiptPayload:
        ctx = info.context
        found, errors = await attempt(ctx, lambda: services.record_receipt(
            ctx.uow, ctx.policy,
            payment_id=decode_id(input.payment_id, "AdvocacyProjectPayment",
                                 field="paymentId"),
            person_id=decode_id(input.person_id, "Person", field="personId"),
            description=input.description, amount_pence=input.amount_pence,
            spent_on=input.spent_on))
        return AdvocacyProjectReceiptPayload(receipt=found,  # type: ignore[arg-type]
                                             user_errors=errors)

    @strawberry.mutation(description="Record a review; the next is scheduled.")
    async def advocacy_project_record_review(
        self, info: Info[Context, None], input: AdvocacyProjectRecordReviewInput
    ) -> AdvocacyProjectReviewPayload:
        ctx = info.context
        found, errors = await attempt(ctx, lambda: services.record_review(
            ctx.uow, ctx.policy,
            decode_id(input.review_id, "AdvocacyProjectReview", field="reviewId"),
            note=input.note, settings=ctx.uow.plugins.config.settings("advocacy_project")))
        return AdvocacyProjectReviewPayload(review=found,  # type: ignore[arg-type]
                                            user_errors=errors)

    @strawberry.mutation(description="A written repayment notice: reason, amount, deadline "
                         "and who must pay.")
    async def advocacy_project_issue_repayment_notice(
        self, info: Info[Context, None], input: AdvocacyProjectIssueRepaymentNoticeInput
    ) -> AdvocacyProjectRepaymentNoticePayload:
        ctx = info.context
        found, errors = await attempt(ctx, lambda: services.issue_repayment_notice(
            ctx.uow, ctx.policy,
            case_id=decode_id(input.case_id, "AdvocacyProjectPaymentCase", field="caseId"),
            reason=input.reason, amount_pence=input.amount_pence, deadline=input.deadline,
            payer=input.payer))
        return AdvocacyProjectRepaymentNoticePayload(notice=found,  # type: ignore[arg-type]
                                                     user_errors=errors)

    @strawberry.mutation(description="Ask for a repayment notice to be reconsidered.")
    async def advocacy_project_request_reconsideration(
        self, info: Info[Context, None], input: AdvocacyProjectReconsiderationInput
    ) -> AdvocacyProjectRepaymentNoticePayload:
        ctx = info.context
        found, errors = await attempt(ctx, lambda: services.request_reconsideration(
            ctx.uow, ctx.policy, _notice_id(input.notice_id), reason=input.reason))
        return AdvocacyProjectRepaymentNoticePayload(notice=found,  # type: ignore[arg-type]
                                                     user_errors=errors)

    @strawberry.mutation(description="Decide a reconsideration: the notice upheld or "
                         "withdrawn.")
    async def advocacy_project_decide_reconsideration(
        self, info: Info[Context, None], input: AdvocacyProjectDecideReconsiderationInput
    ) -> AdvocacyProjectRepaymentNoticePayload:
        ctx = info.context
        found, errors = await attempt(ctx, lambda: services.decide_reconsideration(
            ctx.uow, ctx.policy, _notice_id(input.notice_id), upheld=input.upheld,
            note=input.note))
        return AdvocacyProjectRepaymentNoticePayload(notice=found,  # type: ignore[arg-type]
                                                     user_errors=errors)

    @strawberry.mutation(description="The money was repaid: it comes back to the pot.")
    async def advocacy_project_record_repayment(
        self, info: Info[Context, None], input: AdvocacyProjectRecordRepaymentInput
    ) -> AdvocacyProjectRepaymentNoticePayload:
        ctx = info.context
        found, errors = await attempt(ctx, lambda: services.record_repayment(
            ctx.uow, ctx.policy, _notice_id(input.notice_id)))
        return AdvocacyProjectRepaymentNoticePayload(notice=found,  # type: ignore[arg-type]
                                                     user_errors=errors)
