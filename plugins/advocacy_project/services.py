"""Direct payments, from approval to payment, monitoring and repayment.

Only The Advocacy Project's own tables are written here, and the funding pot's ledger through
core's public funding functions (``lock_pot``, ``move_money``) in the same transaction: a payment
moves money from committed to paid, a repayment brings it back to the pot. The budget request's
own status is core's (``mark_paid`` needs the sign-off permission): a PHB advisor has budget
read/create/update, so payments are recorded here, against the approved request.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import record_access
from core.categories import DataCategory
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import (
    Budget,
    BudgetItem,
    BudgetRequest,
    BudgetRequestStatus,
    Consent,
    FundingPot,
    LedgerEntryKind,
    PaymentRoute,
)
from core.policy import AccessPolicy, Action
from core.services.funding import lock_pot, move_money
from core.unit_of_work import Transaction, UnitOfWork

from .models import Payment, PaymentCase, Receipt, RepaymentNotice, Review
from .settings import AdvocacySettings

__all__ = [
    "Flag",
    "Instalment",
    "Timeline",
    "cases",
    "decide_reconsideration",
    "flags_in",
    "issue_repayment_notice",
    "monitoring_flags",
    "open_case",
    "payments_of",
    "receipts_of",
    "record_payment",
    "record_receipt",
    "record_repayment",
    "record_review",
    "repayment_notices_of",
    "request_reconsideration",
    "reviews_of",
    "schedule_payments",
    "stop_payments",
    "timeline",
    "timeline_in",
]

CATEGORY = DataCategory.BUDGET
PAYEES = ("person", "nominee")
DEFAULTS = AdvocacySettings()


@dataclass(frozen=True, slots=True)
class Instalment:
    amount_pence: int
    due_on: dt.date


@dataclass(frozen=True, slots=True)
class Flag:
    code: str  # SPEND_NOT_IN_PLAN | UNSPENT_BUILDING_UP | REVIEW_OVERDUE
    message: str


@dataclass(frozen=True, slots=True)
class Timeline:
    days_by_request: dict[int, int]  # request id -> days from authorisation to first payment
    distribution: dict[int, int]  # days -> how many requests
    median_days: float | None


# --- the case opens on approval (system) ----------------------------------------------------


async def open_case(uow: UnitOfWork, request_id: int) -> PaymentCase | None:
    """Open a payment case for an approved direct-payment request (once)."""
    async with uow.begin() as tx:
        session = tx.session
        existing = await session.scalar(
            select(PaymentCase).where(PaymentCase.request_id == request_id))
        if existing is not None:
            return existing
        request = await session.get(BudgetRequest, request_id)
        if request is None or request.status is not BudgetRequestStatus.APPROVED:
            return None
        budget = await session.get_one(Budget, request.budget_id)
        if budget.payment_route is not PaymentRoute.DIRECT_PAYMENT:
            return None
        pot = await session.get_one(FundingPot, budget.funding_pot_id)
        case = PaymentCase(person_id=request.person_id, budget_id=budget.id,
                           request_id=request.id, organisation_id=pot.holder_organisation_id,
                           approved_pence=request.total_pence,
                           approved_at=request.decided_at or dt.datetime.now(dt.UTC),
                           status="open")
        session.add(case)
        await session.flush()
        return case


# --- reading ---------------------------------------------------------------------------------


async def _case(tx: Transaction, policy: AccessPolicy, case_id: int,
                action: Action) -> PaymentCase:
    case = await tx.session.get(PaymentCase, case_id)
    if case is None:
        raise NotFound("payment case", field="caseId")
    await policy.require(tx.session, action, case.person_id, [CATEGORY],
                         what="payment case", field="caseId")
    return case


async def _audit(tx: Transaction, policy: AccessPolicy, person_id: int, operation: str) -> None:
    await record_access(tx.session, policy, person_id=person_id,
                        operation=f"advocacy_project.{operation}", categories=[CATEGORY])


async def cases(session: AsyncSession, policy: AccessPolicy,
                person_id: int | None = None) -> list[PaymentCase]:
    """The payment cases the principal may read (budget), oldest first."""
    query = select(PaymentCase).where(policy.person_filter(PaymentCase.person_id))
    if person_id is not None:
        query = query.where(PaymentCase.person_id == person_id)
    rows = await session.scalars(query.order_by(PaymentCase.id))
    return await policy.readable(session, rows, CATEGORY)


async def _of_case(session: AsyncSession, policy: AccessPolicy, model: type, case_id: int,
                   ) -> list:  # type: ignore[type-arg]
    case = await session.get(PaymentCase, case_id)
    if case is None or not await policy.readable(session, [case], CATEGORY):
        return []
    return list(await session.scalars(
        select(model).where(model.case_id == case_id).order_by(model.id)))  # type: ignore[attr-defined]


async def payments_of(session: AsyncSession, policy: AccessPolicy,
                      case_id: int) -> list[Payment]:
    return await _of_case(session, policy, Payment, case_id)


async def reviews_of(session: AsyncSession, policy: AccessPolicy,
                     case_id: int) -> list[Review]:
    return await _of_case(session, policy, Review, case_id)


async def repayment_notices_of(session: AsyncSession, policy: AccessPolicy,
                               case_id: int) -> list[RepaymentNotice]:
    return await _of_case(session, policy, RepaymentNotice, case_id)


async def receipts_of(session: AsyncSession, policy: AccessPolicy,
                      case_id: int) -> list[Receipt]:
    payments = await payments_of(session, policy, case_id)
    if not payments:
        return []
    return list(await session.scalars(
        select(Receipt).where(Receipt.payment_id.in_([p.id for p in payments]))
        .order_by(Receipt.id)))


# --- payments --------------------------------------------------------------------------------


async def _request_still_approved(tx: Transaction, case: PaymentCase) -> None:
    request = await tx.session.get_one(BudgetRequest, case.request_id)
    if request.status is not BudgetRequestStatus.APPROVED:
        raise InvalidTransition(
            f"This request is {request.status.value.replace('_', ' ')}, not approved: it "
            "cannot be paid.", code="REQUEST_NOT_APPROVED", field="caseId")


def _still_open(case: PaymentCase) -> None:
    if case.status != "open":
        raise InvalidTransition("Payments on this case were stopped.",
                                code="PAYMENTS_STOPPED", field="caseId")


async def _committed_pence(session: AsyncSession, case_id: int) -> int:
    rows = await session.scalars(select(Payment).where(Payment.case_id == case_id,
                                                       Payment.status != "cancelled"))
    return sum(row.amount_pence for row in rows)


async def schedule_payments(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    case_id: int,
    instalments: Sequence[Instalment],
    payee: str,
    account_reference: str,
    payee_name: str | None = None,
) -> list[Payment]:
    """Schedule a one-off payment (one instalment) or instalments, to the person or their
    nominee, against a separate account reference. Nothing is paid yet."""
    reference = (account_reference or "").strip()
    if not reference or len(reference) > 100:
        raise InvalidInput("Give the account reference (at most 100 characters).",
                           code="ACCOUNT_REFERENCE_REQUIRED", field="accountReference")
    if payee not in PAYEES:
        raise InvalidInput("Pay the person or their nominee.", code="INVALID_PAYEE",
                           field="payee")
    name = (payee_name or "").strip() or None
    if payee == "nominee" and name is None:
        raise InvalidInput("Name the nominee.", code="NOMINEE_NAME_REQUIRED",
                           field="payeeName")
    if not instalments:
        raise InvalidInput("Schedule at least one payment.", code="NO_INSTALMENTS",
                           field="instalments")
    if any(i.amount_pence <= 0 for i in instalments):
        raise InvalidInput("Each payment is more than £0.", code="INVALID_AMOUNT",
                           field="instalments")
    async with uow.begin() as tx:
        case = await _case(tx, policy, case_id, Action.UPDATE)
        _still_open(case)
        await _request_still_approved(tx, case)
        approved_on = case.approved_at.date()
        if any(i.due_on < approved_on for i in instalments):
            raise InvalidInput("A payment cannot be dated before the request's approval.",
                               code="BEFORE_APPROVAL", field="instalments")
        already = await _committed_pence(tx.session, case.id)
        if already + sum(i.amount_pence for i in instalments) > case.approved_pence:
            raise InvalidInput("That is more than was approved for this request.",
                               code="MORE_THAN_APPROVED", field="instalments")
        payments = [Payment(case_id=case.id, person_id=case.person_id,
                            amount_pence=i.amount_pence, due_on=i.due_on, payee=payee,
                            payee_name=name, account_reference=reference, status="scheduled",
                            by_staff_id=policy.principal.staff_member_id)
                    for i in instalments]
        tx.session.add_all(payments)
        await tx.session.flush()
        await _audit(tx, policy, case.person_id, "schedule_payments")
    return payments


async def record_payment(uow: UnitOfWork, policy: AccessPolicy, payment_id: int, *,
                         paid_at: dt.datetime | None = None,
                         settings: AdvocacySettings = DEFAULTS) -> Payment:
    """A scheduled payment was made: the pot's money moves from committed to paid, and the
    first payment schedules the first review."""
    async with uow.begin() as tx:
        payment = await tx.session.get(Payment, payment_id)
        if payment is None:
            raise NotFound("payment", field="paymentId")
        case = await _case(tx, policy, payment.case_id, Action.UPDATE)
        if payment.status == "paid":
            raise InvalidTransition("This payment was already made.", code="ALREADY_PAID",
                                    field="paymentId")
        if payment.status != "scheduled":
            raise InvalidTransition("This payment was cancelled.", code="PAYMENT_CANCELLED",
                                    field="paymentId")
        _still_open(case)
        await _request_still_approved(tx, case)
        when = paid_at or policy.now
        if when < case.approved_at:
            raise InvalidInput("A payment cannot be dated before the request's approval.",
                               code="BEFORE_APPROVAL", field="paidAt")
        first = await tx.session.scalar(select(Payment.id).where(
            Payment.case_id == case.id, Payment.status == "paid").limit(1)) is None
        budget = await tx.session.get_one(Budget, case.budget_id)
        pot = await lock_pot(tx.session, budget.funding_pot_id)
        move_money(tx.session, pot, LedgerEntryKind.PAYMENT, payment.amount_pence,
                   request_id=case.request_id, at=when,
                   note=f"Direct payment {payment.id} ({payment.account_reference})")
        payment.status = "paid"
        payment.paid_at = when
        if first:
            tx.session.add(Review(
                case_id=case.id, person_id=case.person_id,
                due_on=when.date() + dt.timedelta(days=settings.first_review_within_days)))
        await _audit(tx, policy, case.person_id, "record_payment")
    return payment


async def stop_payments(uow: UnitOfWork, *, person_id: int, organisation_id: int | None,
                        reason: str, at: dt.datetime) -> int:
    """Stop the person's open cases held by this organisation: scheduled payments are
    cancelled (their money stays committed to the approved request). Returns how many."""
    async with uow.begin() as tx:
        query = select(PaymentCase).where(PaymentCase.person_id == person_id,
                                          PaymentCase.status == "open")
        if organisation_id is not None:
            query = query.where(PaymentCase.organisation_id == organisation_id)
        stopped = list(await tx.session.scalars(query))
        for case in stopped:
            case.status = "stopped"
            case.stopped_at = at
            case.stop_reason = reason
            for payment in await tx.session.scalars(select(Payment).where(
                    Payment.case_id == case.id, Payment.status == "scheduled")):
                payment.status = "cancelled"
    return len(stopped)


async def on_consent_revoked(uow: UnitOfWork, consent_id: int) -> int:
    async with uow.db.reading() as session:
        consent = await session.get(Consent, consent_id)
        if consent is None or CATEGORY not in consent.categories:
            return 0
        if consent.grantee_organisation_id is None:
            return 0
        person_id, organisation_id = consent.person_id, consent.grantee_organisation_id
        at = consent.revoked_at or dt.datetime.now(dt.UTC)
    return await stop_payments(uow, person_id=person_id, organisation_id=organisation_id,
                               reason="The person withdrew their consent.", at=at)


# --- monitoring ------------------------------------------------------------------------------


async def record_receipt(uow: UnitOfWork, policy: AccessPolicy, *, payment_id: int,
                         person_id: int, description: str, amount_pence: int,
                         spent_on: dt.date) -> Receipt:
    """A receipt or other evidence against a payment made to this person."""
    text = (description or "").strip()
    if not text:
        raise InvalidInput("Say what the money was spent on.", code="DESCRIPTION_REQUIRED",
                           field="description")
    if amount_pence <= 0:
        raise InvalidInput("A receipt is for more than £0.", code="INVALID_AMOUNT",
                           field="amount")
    async with uow.begin() as tx:
        payment = await tx.session.get(Payment, payment_id)
        if payment is None:
            raise NotFound("payment", field="paymentId")
        await policy.require(tx.session, Action.UPDATE, person_id, [CATEGORY],
                             what="person", field="personId")
        if payment.person_id != person_id:
            raise InvalidInput("This payment was made to someone else.",
                               code="NOT_THIS_PERSONS_PAYMENT", field="paymentId")
        await _case(tx, policy, payment.case_id, Action.UPDATE)
        if payment.status != "paid":
            raise InvalidTransition("A receipt is for a payment that was made.",
                                    code="PAYMENT_NOT_MADE", field="paymentId")
        receipt = Receipt(payment_id=payment.id, person_id=person_id, description=text,
                          amount_pence=amount_pence, spent_on=spent_on)
        tx.session.add(receipt)
        await tx.session.flush()
        await _audit(tx, policy, person_id, "record_receipt")
    return receipt


def _words(text: str) -> set[str]:
    return {w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split()
            if len(w) > 2}


async def monitoring_flags(uow: UnitOfWork, policy: AccessPolicy, case_id: int, *,
                           today: dt.date | None = None,
                           settings: AdvocacySettings = DEFAULTS) -> list[Flag]:
    """Spend that does not match the plan (the request's items), unspent money building up,
    and overdue reviews."""
    async with uow.db.reading() as session:
        return await flags_in(session, policy, case_id, today=today, settings=settings)


async def flags_in(session: AsyncSession, policy: AccessPolicy, case_id: int, *,
                   today: dt.date | None = None,
                   settings: AdvocacySettings = DEFAULTS) -> list[Flag]:
    day = today or policy.now.date()
    case = await session.get(PaymentCase, case_id)
    if case is None or not await policy.readable(session, [case], CATEGORY):
        raise NotFound("payment case", field="caseId")
    items = list(await session.scalars(
        select(BudgetItem).where(BudgetItem.request_id == case.request_id)))
    planned = set().union(*(_words(item.description) for item in items))
    payments = [p for p in await payments_of(session, policy, case_id) if p.status == "paid"]
    receipts = await receipts_of(session, policy, case_id)
    reviews = await reviews_of(session, policy, case_id)
    flags = [Flag("SPEND_NOT_IN_PLAN", f"“{r.description}” is not in the plan.")
             for r in receipts if not _words(r.description) & planned]
    paid = sum(p.amount_pence for p in payments)
    evidenced = sum(r.amount_pence for r in receipts)
    if payments and paid > evidenced:
        oldest = min(p.paid_at for p in payments if p.paid_at is not None)
        if (day - oldest.date()).days >= settings.unspent_after_days:
            flags.append(Flag("UNSPENT_BUILDING_UP",
                              f"{paid - evidenced} pence paid has no receipt after "
                              f"{settings.unspent_after_days} days."))
    flags += [Flag("REVIEW_OVERDUE", f"The review due on {r.due_on} is overdue.")
              for r in reviews if r.done_at is None and r.due_on < day]
    return flags


async def record_review(uow: UnitOfWork, policy: AccessPolicy, review_id: int, *, note: str,
                        settings: AdvocacySettings = DEFAULTS) -> Review:
    """Record a review; the next is due at most ``review_every_days`` later."""
    text = (note or "").strip()
    if not text:
        raise InvalidInput("Write a review note.", code="NOTE_REQUIRED", field="note")
    async with uow.begin() as tx:
        review = await tx.session.get(Review, review_id)
        if review is None:
            raise NotFound("review", field="reviewId")
        await _case(tx, policy, review.case_id, Action.UPDATE)
        if review.done_at is not None:
            raise InvalidTransition("This review was already recorded.",
                                    code="ALREADY_REVIEWED", field="reviewId")
        review.done_at = policy.now
        review.note = text
        tx.session.add(Review(case_id=review.case_id, person_id=review.person_id,
                              due_on=policy.now.date()
                              + dt.timedelta(days=settings.review_every_days)))
        await _audit(tx, policy, review.person_id, "record_review")
    return review


# --- repayment (regulation 15) ---------------------------------------------------------------


async def _notice(tx: Transaction, policy: AccessPolicy, notice_id: int,
                  action: Action) -> RepaymentNotice:
    notice = await tx.session.get(RepaymentNotice, notice_id)
    if notice is None:
        raise NotFound("repayment notice", field="noticeId")
    await _case(tx, policy, notice.case_id, action)
    return notice


async def issue_repayment_notice(uow: UnitOfWork, policy: AccessPolicy, *, case_id: int,
                                 reason: str, amount_pence: int, deadline: dt.date,
                                 payer: str) -> RepaymentNotice:
    """A written notice: the reason, the amount, the deadline and who must pay."""
    text, who = (reason or "").strip(), (payer or "").strip()
    if not text:
        raise InvalidInput("Give the reason in writing.", code="REASON_REQUIRED",
                           field="reason")
    if not who:
        raise InvalidInput("Say who must pay.", code="PAYER_REQUIRED", field="payer")
    if amount_pence <= 0:
        raise InvalidInput("The amount is more than £0.", code="INVALID_AMOUNT",
                           field="amount")
    if deadline <= policy.now.date():
        raise InvalidInput("The deadline is after today.", code="DEADLINE_PASSED",
                           field="deadline")
    async with uow.begin() as tx:
        case = await _case(tx, policy, case_id, Action.UPDATE)
        paid = sum(p.amount_pence for p in await tx.session.scalars(
            select(Payment).where(Payment.case_id == case.id, Payment.status == "paid")))
        claimed = sum(n.amount_pence for n in await tx.session.scalars(
            select(RepaymentNotice).where(RepaymentNotice.case_id == case.id,
                                          RepaymentNotice.status != "withdrawn")))
        if claimed + amount_pence > paid:
            raise InvalidInput("That is more than was paid and not already reclaimed.",
                               code="MORE_THAN_PAID", field="amount")
        notice = RepaymentNotice(case_id=case.id, person_id=case.person_id, reason=text,
                                 amount_pence=amount_pence, deadline=deadline, payer=who,
                                 status="issued")
        tx.session.add(notice)
        await tx.session.flush()
        await _audit(tx, policy, case.person_id, "issue_repayment_notice")
    return notice


async def request_reconsideration(uow: UnitOfWork, policy: AccessPolicy, notice_id: int, *,
                                  reason: str) -> RepaymentNotice:
    """The person (or someone for them) asks for the notice to be reconsidered."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("Say why it should be reconsidered.", code="REASON_REQUIRED",
                           field="reason")
    async with uow.begin() as tx:
        notice = await _notice(tx, policy, notice_id, Action.UPDATE)
        if notice.status != "issued":
            raise InvalidTransition("Only an issued notice can be reconsidered.",
                                    code="NOT_RECONSIDERABLE", field="noticeId")
        notice.status = "reconsideration_requested"
        notice.reconsideration_reason = text
        notice.reconsideration_requested_at = policy.now
        await _audit(tx, policy, notice.person_id, "request_reconsideration")
    return notice


async def decide_reconsideration(uow: UnitOfWork, policy: AccessPolicy, notice_id: int, *,
                                 upheld: bool, note: str) -> RepaymentNotice:
    """The decision on a reconsideration: the notice is upheld, or withdrawn."""
    text = (note or "").strip()
    if not text:
        raise InvalidInput("Give the decision's reasons.", code="NOTE_REQUIRED", field="note")
    async with uow.begin() as tx:
        notice = await _notice(tx, policy, notice_id, Action.UPDATE)
        if notice.status != "reconsideration_requested":
            raise InvalidTransition("No reconsideration was asked for.",
                                    code="NO_RECONSIDERATION", field="noticeId")
        notice.status = "upheld" if upheld else "withdrawn"
        notice.decision_note = text
        notice.decided_at = policy.now
        await _audit(tx, policy, notice.person_id, "decide_reconsideration")
    return notice


async def record_repayment(uow: UnitOfWork, policy: AccessPolicy,
                           notice_id: int) -> RepaymentNotice:
    """The money was repaid: it comes back to the pot."""
    async with uow.begin() as tx:
        notice = await _notice(tx, policy, notice_id, Action.UPDATE)
        if notice.status not in ("issued", "upheld"):
            raise InvalidTransition(f"This notice is {notice.status.replace('_', ' ')}.",
                                    code="NOT_REPAYABLE", field="noticeId")
        case = await tx.session.get_one(PaymentCase, notice.case_id)
        budget = await tx.session.get_one(Budget, case.budget_id)
        pot = await lock_pot(tx.session, budget.funding_pot_id)
        move_money(tx.session, pot, LedgerEntryKind.REPAYMENT, notice.amount_pence,
                   request_id=case.request_id, at=policy.now,
                   note=f"Repayment notice {notice.id}")
        notice.status = "repaid"
        notice.repaid_at = policy.now
        await _audit(tx, policy, notice.person_id, "record_repayment")
    return notice


# --- timeline --------------------------------------------------------------------------------


async def timeline(uow: UnitOfWork, policy: AccessPolicy) -> Timeline:
    """Days from authorisation to the first payment, per request the principal may read, and
    as a distribution."""
    async with uow.db.reading() as session:
        return await timeline_in(session, policy)


async def timeline_in(session: AsyncSession, policy: AccessPolicy) -> Timeline:
    readable = await cases(session, policy)
    ids = [case.id for case in readable]
    first_paid: dict[int, dt.datetime] = {}
    if ids:
        for payment in await session.scalars(select(Payment).where(
                Payment.case_id.in_(ids), Payment.status == "paid")):
            assert payment.paid_at is not None
            seen = first_paid.get(payment.case_id)
            if seen is None or payment.paid_at < seen:
                first_paid[payment.case_id] = payment.paid_at
    days = {case.request_id: (first_paid[case.id] - case.approved_at).days
            for case in readable if case.id in first_paid}
    return Timeline(days_by_request=days, distribution=dict(sorted(Counter(days.values()).items())),
                    median_days=statistics.median(days.values()) if days else None)
