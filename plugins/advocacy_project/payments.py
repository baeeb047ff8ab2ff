"""Paying a direct payment: scheduled (one-off or in instalments) to the person or their
nominee, against a separate account, then recorded as made.

Recording a payment moves the money in core (``pay_towards_request``, in the same
transaction): the pot's committed money becomes paid, and the budget request becomes ``paid``
once all of it is. The first payment schedules the first review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from core.errors import InvalidInput, InvalidTransition, NotFound
from core.inputs import aware, required_text
from core.models import (
    Budget,
    BudgetRequest,
    BudgetRequestStatus,
    Representative,
    RepresentativeBasis,
)
from core.policy import AccessPolicy
from core.services.budget_requests import pay_towards_request
from core.unit_of_work import Transaction, UnitOfWork

from .cases import audit, case_for_update, require_open
from .models import Payee, Payment, PaymentCase, PaymentStatus, Review
from .settings import AdvocacySettings

__all__ = ["Instalment", "cancel_payment", "record_payment", "schedule_payments"]

DEFAULTS = AdvocacySettings()
# Weekly for two years is the most a schedule needs; more is a mistake in the input.
MAX_INSTALMENTS = 104


@dataclass(frozen=True, slots=True)
class Instalment:
    amount_pence: int
    due_on: dt.date


async def nominee_of(tx: Transaction, person_id: int, nominee_id: int | None, *,
                     field: str = "nomineeId") -> Representative:
    """The person's active nominee (a representative who receives direct payments for
    them), or a coded refusal."""
    nominee = None if nominee_id is None else await tx.session.get(Representative, nominee_id)
    if (nominee is None or nominee.person_id != person_id or nominee.revoked_at is not None
            or nominee.basis is not RepresentativeBasis.NOMINEE):
        raise InvalidInput("Choose one of the person's nominees for direct payments.",
                           code="NOT_A_NOMINEE", field=field)
    return nominee


async def _payee(tx: Transaction, case: PaymentCase, payee: Payee | str,
                 nominee_id: int | None) -> tuple[Payee, Representative | None]:
    try:
        chosen = Payee(payee)
    except ValueError:
        raise InvalidInput("Pay the person or their nominee.", code="INVALID_PAYEE",
                           field="payee") from None
    if chosen is Payee.PERSON:
        return chosen, None
    return chosen, await nominee_of(tx, case.person_id, nominee_id)


def _check_instalments(instalments: Sequence[Instalment]) -> None:
    if not instalments:
        raise InvalidInput("Schedule at least one payment.", code="NO_INSTALMENTS",
                           field="instalments")
    if len(instalments) > MAX_INSTALMENTS:
        raise InvalidInput(f"Schedule at most {MAX_INSTALMENTS} instalments at a time.",
                           code="TOO_MANY_INSTALMENTS", field="instalments")
    if any(i.amount_pence <= 0 for i in instalments):
        raise InvalidInput("Each payment is more than £0.00.", code="AMOUNT_NOT_POSITIVE",
                           field="instalments")


async def schedule_payments(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    case_id: int,
    instalments: Sequence[Instalment],
    payee: Payee | str,
    account_reference: str,
    nominee_id: int | None = None,
) -> list[Payment]:
    """Schedule a one-off payment (one instalment) or instalments, to the person or their
    nominee, against a separate account reference. Nothing is paid yet."""
    reference = required_text(account_reference, field="accountReference",
                              what="the account reference", max_length=100)
    _check_instalments(instalments)
    async with uow.begin() as tx:
        case = await case_for_update(tx, policy, case_id)
        require_open(case)
        request = await tx.session.get_one(BudgetRequest, case.request_id)
        if request.status is not BudgetRequestStatus.APPROVED:
            raise InvalidTransition(
                f"This request is {request.status.value.replace('_', ' ')}, not approved: it "
                "cannot be paid.", code="REQUEST_NOT_APPROVED", field="caseId")
        chosen, nominee = await _payee(tx, case, payee, nominee_id)
        budget = await tx.session.get_one(Budget, case.budget_id)
        if any(i.due_on < case.approved_at.date() for i in instalments):
            raise InvalidInput("A payment cannot be due before the request was approved "
                               f"({case.approved_at.date():%d %B %Y}).",
                               code="BEFORE_APPROVAL", field="instalments")
        if any(i.due_on > budget.period_end for i in instalments):
            raise InvalidInput("A payment cannot be due after the budget ends "
                               f"({budget.period_end:%d %B %Y}).",
                               code="AFTER_BUDGET_PERIOD", field="instalments")
        already = await tx.session.scalar(
            select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(
                Payment.case_id == case.id, Payment.status != PaymentStatus.CANCELLED))
        if (already or 0) + sum(i.amount_pence for i in instalments) > case.approved_pence:
            raise InvalidInput("That is more than was approved for this request, with the "
                               "payments already scheduled or made.",
                               code="MORE_THAN_APPROVED", field="instalments")
        payments = [Payment(case_id=case.id, person_id=case.person_id,
                            amount_pence=i.amount_pence, due_on=i.due_on, payee=chosen,
                            nominee_id=nominee.id if nominee else None,
                            payee_name=nominee.name if nominee else None,
                            account_reference=reference, status=PaymentStatus.SCHEDULED,
                            by_staff_id=policy.principal.staff_member_id)
                    for i in instalments]
        tx.session.add_all(payments)
        await tx.session.flush()
        await audit(tx, policy, case.person_id, "schedule_payments")
    return payments


async def _payment_for_update(tx: Transaction, policy: AccessPolicy,
                              payment_id: int) -> tuple[Payment, PaymentCase]:
    case_id = await tx.session.scalar(select(Payment.case_id).where(Payment.id == payment_id))
    case = await case_for_update(tx, policy, case_id, what="payment", field="paymentId")
    # Read after the case's lock: a payment recorded meanwhile is seen as paid.
    payment = await tx.session.get(Payment, payment_id, populate_existing=True)
    if payment is None:
        raise NotFound("payment", field="paymentId")
    return payment, case


async def record_payment(uow: UnitOfWork, policy: AccessPolicy, payment_id: int, *,
                         paid_at: dt.datetime | None = None,
                         settings: AdvocacySettings = DEFAULTS) -> Payment:
    """A scheduled payment was made (now, or at ``paid_at``): the pot's money moves from
    committed to paid, and the first payment schedules the first review."""
    when = aware(paid_at, field="paidAt") or policy.now
    async with uow.begin() as tx:
        payment, case = await _payment_for_update(tx, policy, payment_id)
        if payment.status is PaymentStatus.PAID:
            raise InvalidTransition("This payment was already made.", code="ALREADY_PAID",
                                    field="paymentId")
        if payment.status is PaymentStatus.CANCELLED:
            raise InvalidTransition("This payment was cancelled.", code="PAYMENT_CANCELLED",
                                    field="paymentId")
        require_open(case, field="paymentId")
        if when < case.approved_at:
            raise InvalidInput("A payment cannot be dated before the request's approval.",
                               code="BEFORE_APPROVAL", field="paidAt")
        if when > policy.now:
            raise InvalidInput("Record a payment once it is made, not before.",
                               code="IN_THE_FUTURE", field="paidAt")
        first = await tx.session.scalar(select(Payment.id).where(
            Payment.case_id == case.id, Payment.status == PaymentStatus.PAID).limit(1)) is None
        await pay_towards_request(
            tx, policy, case.request_id, payment.amount_pence, at=when, field="paymentId",
            note=f"Direct payment {payment.id} ({payment.account_reference})")
        payment.status = PaymentStatus.PAID
        payment.paid_at = when
        payment.paid_by_staff_id = policy.principal.staff_member_id
        if first:
            tx.session.add(Review(
                case_id=case.id, person_id=case.person_id,
                due_on=when.date() + dt.timedelta(days=settings.first_review_within_days)))
        await audit(tx, policy, case.person_id, "record_payment")
    return payment


async def cancel_payment(uow: UnitOfWork, policy: AccessPolicy, payment_id: int, *,
                         reason: str) -> Payment:
    """A scheduled payment will not be made; its amount can be scheduled again."""
    text = required_text(reason, field="reason", what="the reason for cancelling",
                         max_length=2000)
    async with uow.begin() as tx:
        payment, case = await _payment_for_update(tx, policy, payment_id)
        if payment.status is not PaymentStatus.SCHEDULED:
            raise InvalidTransition(f"This payment is {payment.status.value}: only a scheduled "
                                    "payment can be cancelled.", code="NOT_SCHEDULED",
                                    field="paymentId")
        payment.status = PaymentStatus.CANCELLED
        payment.cancelled_at = policy.now
        payment.cancel_reason = text
        await audit(tx, policy, case.person_id, "cancel_payment")
    return payment
