"""Monitoring that money is used as planned, without turning the person's life into
paperwork: receipts (sent by the person or recorded by the advisor), flags the advisor should
look at, and reviews (within 3 months of the first payment, then at least every 12).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, InvalidTransition, NotFound
from core.inputs import required_text
from core.models import BudgetItem, BudgetRequest
from core.money import Money
from core.policy import AccessPolicy, Action
from core.unit_of_work import UnitOfWork

from .cases import CATEGORY, audit, case_for_update, readable_by_ids
from .models import CaseStatus, Payment, PaymentCase, PaymentStatus, Receipt, Review
from .settings import AdvocacySettings

__all__ = ["Flag", "FlagCode", "flags_of_cases", "record_receipt", "record_review"]

DEFAULTS = AdvocacySettings()


class FlagCode:
    SPEND_NOT_IN_PLAN = "SPEND_NOT_IN_PLAN"  # a receipt matches none of the request's items
    UNSPENT_BUILDING_UP = "UNSPENT_BUILDING_UP"  # paid money without receipts, for too long
    PAYMENT_OVERDUE = "PAYMENT_OVERDUE"  # a scheduled payment is past its due date
    REVIEW_OVERDUE = "REVIEW_OVERDUE"


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    message: str


# --- receipts --------------------------------------------------------------------------------


async def record_receipt(uow: UnitOfWork, policy: AccessPolicy, *, payment_id: int,
                         person_id: int, description: str, amount_pence: int,
                         spent_on: dt.date) -> Receipt:
    """A receipt or other evidence against a payment made to this person: sent by the
    person (or a representative who manages their budget), or recorded by staff."""
    text = required_text(description, field="description",
                         what="what the money was spent on", max_length=500)
    if amount_pence <= 0:
        raise InvalidInput("A receipt is for more than £0.00.", code="AMOUNT_NOT_POSITIVE",
                           field="amount")
    if spent_on > policy.now.date():
        raise InvalidInput("A receipt is for something already bought.", code="IN_THE_FUTURE",
                           field="spentOn")
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.UPDATE, person_id, [CATEGORY],
                             field="personId")
        payment = await tx.session.get(Payment, payment_id)
        if payment is None:
            raise NotFound("payment", field="paymentId")
        if payment.person_id != person_id:
            # Saying so only to someone who may see the payment's person at all.
            seen = await policy.decide(tx.session, Action.READ, payment.person_id, [CATEGORY])
            if not seen.allowed:
                raise NotFound("payment", field="paymentId")
            raise InvalidInput("This payment was made to someone else.",
                               code="NOT_THIS_PERSONS_PAYMENT", field="paymentId")
        if payment.status is not PaymentStatus.PAID:
            raise InvalidTransition("A receipt is for a payment that was made.",
                                    code="PAYMENT_NOT_MADE", field="paymentId")
        receipt = Receipt(payment_id=payment.id, case_id=payment.case_id, person_id=person_id,
                          description=text, amount_pence=amount_pence, spent_on=spent_on,
                          by_person_id=policy.principal.person_id,
                          by_staff_id=policy.principal.staff_member_id)
        tx.session.add(receipt)
        await tx.session.flush()
        await audit(tx, policy, person_id, "record_receipt")
    return receipt


# --- flags -----------------------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return {w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split()
            if len(w) > 2}


def _flags(case: PaymentCase, planned: set[str], repaid_pence: int, payments: list[Payment],
           receipts: list[Receipt], open_reviews: list[Review], today: dt.date,
           settings: AdvocacySettings) -> list[Flag]:
    flags = [Flag(FlagCode.SPEND_NOT_IN_PLAN, f"“{r.description}” is not in the plan.")
             for r in receipts if not _words(r.description) & planned]
    paid = [p for p in payments if p.status is PaymentStatus.PAID and p.paid_at is not None]
    # Money repaid to the pot needs no receipt.
    unevidenced = (sum(p.amount_pence for p in paid) - repaid_pence
                   - sum(r.amount_pence for r in receipts))
    if paid and unevidenced > 0:
        oldest = min(p.paid_at for p in paid if p.paid_at is not None)
        if (today - oldest.date()).days >= settings.unspent_after_days:
            flags.append(Flag(FlagCode.UNSPENT_BUILDING_UP,
                              f"{Money(unevidenced)} paid has no receipt after "
                              f"{settings.unspent_after_days} days."))
    if case.status is CaseStatus.OPEN:
        flags += [Flag(FlagCode.PAYMENT_OVERDUE, f"The payment due on {p.due_on} is not made.")
                  for p in payments
                  if p.status is PaymentStatus.SCHEDULED and p.due_on < today]
    flags += [Flag(FlagCode.REVIEW_OVERDUE, f"The review due on {r.due_on} is overdue.")
              for r in open_reviews if r.due_on < today]
    return flags


async def flags_of_cases(session: AsyncSession, policy: AccessPolicy, case_ids: Sequence[int],
                         *, today: dt.date | None = None,
                         settings: AdvocacySettings = DEFAULTS) -> dict[int, list[Flag]]:
    """What monitoring noticed, per readable case: spend not in the plan, unspent money
    building up, overdue payments and reviews. Six statements for any number of cases."""
    day = today or policy.now.date()
    cases = await readable_by_ids(session, policy, PaymentCase, case_ids)
    if not cases:
        return {}
    ids = list(cases)
    request_ids = {case.request_id for case in cases.values()}
    planned: dict[int, set[str]] = defaultdict(set)
    for request_id, description in await session.execute(
            select(BudgetItem.request_id, BudgetItem.description).where(
                BudgetItem.request_id.in_(request_ids))):
        planned[request_id] |= _words(description)
    repaid = dict((await session.execute(select(BudgetRequest.id, BudgetRequest.repaid_pence)
                                         .where(BudgetRequest.id.in_(request_ids)))).all())
    payments: dict[int, list[Payment]] = defaultdict(list)
    for payment in await session.scalars(select(Payment).where(Payment.case_id.in_(ids))):
        payments[payment.case_id].append(payment)
    receipts: dict[int, list[Receipt]] = defaultdict(list)
    for receipt in await session.scalars(select(Receipt).where(Receipt.case_id.in_(ids))):
        receipts[receipt.case_id].append(receipt)
    reviews: dict[int, list[Review]] = defaultdict(list)
    for review in await session.scalars(select(Review).where(Review.case_id.in_(ids),
                                                             Review.done_at.is_(None))):
        reviews[review.case_id].append(review)
    return {case.id: _flags(case, planned[case.request_id], repaid[case.request_id],
                            payments[case.id], receipts[case.id], reviews[case.id], day,
                            settings)
            for case in cases.values()}


# --- reviews ---------------------------------------------------------------------------------


async def record_review(uow: UnitOfWork, policy: AccessPolicy, review_id: int, *, note: str,
                        settings: AdvocacySettings = DEFAULTS) -> Review:
    """Record a review; while the case is open, the next is due at most
    ``review_every_days`` later."""
    text = required_text(note, field="note", what="a review note", max_length=5000)
    async with uow.begin() as tx:
        case_id = await tx.session.scalar(select(Review.case_id).where(Review.id == review_id))
        case = await case_for_update(tx, policy, case_id, what="review", field="reviewId")
        review = await tx.session.get_one(Review, review_id, populate_existing=True)
        if review.done_at is not None:
            raise InvalidTransition("This review was already recorded.",
                                    code="ALREADY_REVIEWED", field="reviewId")
        review.done_at = policy.now
        review.note = text
        review.by_staff_id = policy.principal.staff_member_id
        if case.status is CaseStatus.OPEN:
            tx.session.add(Review(case_id=review.case_id, person_id=review.person_id,
                                  due_on=policy.now.date()
                                  + dt.timedelta(days=settings.review_every_days)))
        await audit(tx, policy, review.person_id, "record_review")
    return review
