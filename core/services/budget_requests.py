"""Budget requests and their state machine.

    draft ─submit→ submitted ─approve→ awaiting_approval ─approve→ ... → approved
    draft, submitted, awaiting_approval, approved ─withdraw→ withdrawn
    submitted, awaiting_approval ─reject→ rejected
    approved ─mark_paid (the fund holder)→ paid (direct payment) | ─mark_delivered→ delivered
    approved ─pay_towards_request (in part, by the fund holder)…→ paid, once all is paid
    paid, delivered ─mark_reviewed→ reviewed

The final approval reserves the total from the funding pot; withdrawing an approved request
releases what is not yet paid; payment or delivery moves it from committed to paid, and a
repayment from paid back to the pot. How many distinct approvers a request needs is fixed when
it is submitted (one, unless a plugin's sign-off rules say more).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..approvals import ApprovalStep
from ..audit import record_access
from ..categories import DataCategory
from ..defaults import ONE_SIGN_OFF
from ..errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from ..events import (
    BudgetRequestApproved,
    BudgetRequestRejected,
    BudgetRequestSubmitted,
    BudgetRequestWithdrawn,
)
from ..models import (
    ApprovalDecision,
    Budget,
    BudgetApproval,
    BudgetItem,
    BudgetRequest,
    BudgetRequestStatus,
    BudgetRequestTransition,
    FundingPot,
    LedgerEntryKind,
    PaymentRoute,
    RecoveryGoal,
)
from ..money import Money, parse_pounds
from ..policy import AccessPolicy, Action
from ..unit_of_work import Transaction, UnitOfWork
from ._common import grouped_by, optional_text, recorded_by, required_text
from .funding import lock_pot, move_money

__all__ = [
    "ItemInput",
    "approvals_for_requests",
    "approve_request",
    "create_request",
    "items_for_requests",
    "mark_delivered",
    "mark_paid",
    "mark_reviewed",
    "pay_towards_request",
    "reject_request",
    "repay_towards_request",
    "requests_by_ids",
    "submit_request",
    "withdraw_request",
]

CATEGORY = DataCategory.BUDGET
S = BudgetRequestStatus
_OPEN_FOR_DECISION = (S.SUBMITTED, S.AWAITING_APPROVAL)


@dataclass(frozen=True, slots=True)
class ItemInput:
    description: str
    amount: str  # pounds, as typed: "180", "180.50"
    goal_id: int | None = None


async def _locked(tx: Transaction, request_id: int) -> BudgetRequest | None:
    """The request, locked for this transaction and read after the lock: every change to one
    request waits for the one before it and sees what it did (PostgreSQL; on SQLite a write
    transaction holds the database's write lock already)."""
    return await tx.session.scalar(
        select(BudgetRequest).where(BudgetRequest.id == request_id).with_for_update()
        .execution_options(populate_existing=True))


async def _request_for(
    tx: Transaction, policy: AccessPolicy, request_id: int, action: Action
) -> BudgetRequest:
    """The request, locked, if the principal may take this action on it."""
    request = await _locked(tx, request_id)
    if request is None:
        raise NotFound("budget request", field="requestId")
    await policy.require(tx.session, action, request.person_id, [CATEGORY],
                         what="budget request", field="requestId")
    return request


def _move(tx: Transaction, policy: AccessPolicy, request: BudgetRequest,
          allowed_from: Sequence[BudgetRequestStatus], to: BudgetRequestStatus,
          reason: str | None = None, at: dt.datetime | None = None) -> None:
    if request.status not in allowed_from:
        raise InvalidTransition(
            f"This request is {request.status.value.replace('_', ' ')}: it cannot become "
            f"{to.value.replace('_', ' ')}.",
            field="requestId",
        )
    tx.session.add(BudgetRequestTransition(request_id=request.id, from_status=request.status,
                                           to_status=to, changed_at=at or policy.now,
                                           reason=reason,
                                           **recorded_by(policy)))
    request.status = to


async def _audit(
    tx: Transaction, policy: AccessPolicy, request: BudgetRequest, operation: str
) -> None:
    await record_access(tx.session, policy, person_id=request.person_id, operation=operation,
                        categories=[CATEGORY])


async def create_request(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    budget_id: int,
    purpose: str,
    items: Sequence[ItemInput],
) -> BudgetRequest:
    """A draft request for one or more items, each linked to the goal it serves if known."""
    purpose_text = required_text(purpose, field="purpose",
                                 what="what the request is for", max_length=2000)
    if not items:
        raise InvalidInput("Add at least one item to the request.", code="NO_ITEMS",
                           field="items")
    parsed = [
        (
            required_text(item.description, field=f"items.{i}.description",
                          what="a description of the item", max_length=500),
            parse_pounds(item.amount, field=f"items.{i}.amount"),
            item.goal_id,
        )
        for i, item in enumerate(items)
    ]
    for i, (description, amount, _) in enumerate(parsed):
        problems = uow.plugins.item_problems(description, amount)
        if problems:  # e.g. a purchase a PHB may not fund
            raise InvalidInput(problems[0].message, code=problems[0].code,
                               field=f"items.{i}.description")
    async with uow.begin() as tx:
        budget = await tx.session.get(Budget, budget_id)
        if budget is None:
            raise NotFound("budget", field="budgetId")
        await policy.require(tx.session, Action.CREATE, budget.person_id, [CATEGORY],
                             what="budget", field="budgetId")
        for i, (_, _, goal_id) in enumerate(parsed):
            if goal_id is None:
                continue
            goal_person = await tx.session.scalar(
                select(RecoveryGoal.person_id).where(RecoveryGoal.id == goal_id)
            )
            if goal_person != budget.person_id:
                raise NotFound("goal for this person", field=f"items.{i}.goalId")
        request = BudgetRequest(budget_id=budget.id, person_id=budget.person_id,
                                status=S.DRAFT, purpose=purpose_text,
                                total_pence=sum(amount for _, amount, _ in parsed),
                                created_at=policy.now, **recorded_by(policy))
        tx.session.add(request)
        await tx.session.flush()
        for description, amount, goal_id in parsed:
            tx.session.add(BudgetItem(request_id=request.id, description=description,
                                      amount_pence=amount, goal_id=goal_id))
        tx.session.add(BudgetRequestTransition(request_id=request.id, from_status=None,
                                               to_status=S.DRAFT, changed_at=policy.now,
                                               **recorded_by(policy)))
        await _audit(tx, policy, request, "create_budget_request")
    return request


async def submit_request(
    uow: UnitOfWork, policy: AccessPolicy, request_id: int
) -> BudgetRequest:
    async with uow.begin() as tx:
        request = await _request_for(tx, policy, request_id, Action.UPDATE)
        _move(tx, policy, request, (S.DRAFT,), S.SUBMITTED)
        budget = await tx.session.get_one(Budget, request.budget_id)
        pot = await tx.session.get_one(FundingPot, budget.funding_pot_id)
        if request.total_pence > pot.available_pence:
            raise Conflict(
                f"This request is for {Money(request.total_pence)}, but the funding pot has "
                f"only {Money(pot.available_pence)} left.",
                code="POT_EXHAUSTED", field="requestId",
            )
        request.submitted_at = policy.now
        items = list(await tx.session.scalars(
            select(BudgetItem).where(BudgetItem.request_id == request.id).order_by(BudgetItem.id)
        ))
        problems = await uow.plugins.submission_problems(request, budget, items, tx.session)
        if problems:  # e.g. no current eligibility assessment
            raise InvalidInput(problems[0].message, code=problems[0].code, field="requestId")
        steps = uow.plugins.approval_steps(request, budget, items)
        request.approval_steps = [step.as_json() for step in steps]
        request.approvals_required = len(steps)
        await _audit(tx, policy, request, "submit_budget_request")
        tx.emit(BudgetRequestSubmitted(person_id=request.person_id, request_id=request.id))
    return request


async def _decide(
    tx: Transaction, policy: AccessPolicy, request: BudgetRequest,
    decision: ApprovalDecision, note: str | None,
) -> BudgetApproval:
    staff_id = policy.principal.staff_member_id
    if staff_id is None:
        raise Forbidden("Only staff can approve or reject a budget request.")
    if request.by_staff_id == staff_id:
        raise Forbidden("You made this request, so someone else must decide on it.",
                        code="SELF_APPROVAL", field="requestId")
    earlier = await tx.session.scalar(
        select(BudgetApproval.id).where(BudgetApproval.request_id == request.id,
                                        BudgetApproval.staff_member_id == staff_id)
    )
    if earlier is not None:
        raise Conflict("You have already decided on this request.", code="ALREADY_DECIDED",
                       field="requestId")
    team = policy.acting_team(request.person_id)
    assert team is not None  # policy.require(APPROVE) passed through one of their teams
    approval = BudgetApproval(request_id=request.id, staff_member_id=staff_id,
                              team_id=team.team_id, decision=decision, note=note,
                              decided_at=policy.now)
    tx.session.add(approval)
    return approval


def _open_step(request: BudgetRequest, filled: set[str], roles: frozenset[str]) -> ApprovalStep:
    """The first unfilled step this approver's roles may fill, or FORBIDDEN naming what is
    needed."""
    steps = [ApprovalStep.from_json(data) for data in request.approval_steps or []]
    steps = steps or list(ONE_SIGN_OFF)
    waiting = [step for step in steps if step.name not in filled]
    for step in waiting:
        if step.roles is None or step.roles & roles:
            return step
    needed = "; ".join(step.title for step in waiting)
    raise Forbidden(f"Your role cannot give the sign-off this request still needs: {needed}.",
                    code="WRONG_ROLE", field="requestId")


async def approve_request(
    uow: UnitOfWork, policy: AccessPolicy, request_id: int, *, note: str | None = None
) -> BudgetRequest:
    """Sign off. The last required sign-off approves the request and reserves the money."""
    note_text = optional_text(note, field="note", what="a note", max_length=2000)
    async with uow.begin() as tx:
        request = await _request_for(tx, policy, request_id, Action.APPROVE)
        if request.status not in _OPEN_FOR_DECISION:
            _move(tx, policy, request, _OPEN_FOR_DECISION, S.APPROVED)  # raises
        filled = set(await tx.session.scalars(
            select(BudgetApproval.step).where(BudgetApproval.request_id == request.id,
                                              BudgetApproval.decision == ApprovalDecision.APPROVED)
        ))
        team = policy.acting_team(request.person_id)
        step = _open_step(request, {s for s in filled if s}, team.roles if team else frozenset())
        approval = await _decide(tx, policy, request, ApprovalDecision.APPROVED, note_text)
        approval.step = step.name
        if len(filled) + 1 < (request.approvals_required or 1):
            if request.status is S.SUBMITTED:
                _move(tx, policy, request, (S.SUBMITTED,), S.AWAITING_APPROVAL)
        else:
            budget = await tx.session.get_one(Budget, request.budget_id)
            pot = await lock_pot(tx.session, budget.funding_pot_id)
            move_money(tx.session, pot, LedgerEntryKind.RESERVATION, request.total_pence,
                       request_id=request.id, at=policy.now)
            _move(tx, policy, request, _OPEN_FOR_DECISION, S.APPROVED)
            request.decided_at = policy.now
            tx.emit(BudgetRequestApproved(person_id=request.person_id, request_id=request.id,
                                          total_pence=request.total_pence,
                                          payment_route=budget.payment_route.value))
        await _audit(tx, policy, request, "approve_budget_request")
    return request


async def reject_request(
    uow: UnitOfWork, policy: AccessPolicy, request_id: int, *, reason: str
) -> BudgetRequest:
    reason_text = required_text(reason, field="reason", what="a reason for the decision",
                                max_length=2000)
    async with uow.begin() as tx:
        request = await _request_for(tx, policy, request_id, Action.APPROVE)
        _move(tx, policy, request, _OPEN_FOR_DECISION, S.REJECTED, reason_text)
        await _decide(tx, policy, request, ApprovalDecision.REJECTED, reason_text)
        request.decided_at = policy.now
        await _audit(tx, policy, request, "reject_budget_request")
        tx.emit(BudgetRequestRejected(person_id=request.person_id, request_id=request.id))
    return request


async def withdraw_request(
    uow: UnitOfWork, policy: AccessPolicy, request_id: int, *, reason: str | None = None
) -> BudgetRequest:
    """Withdraw; an approved request gives back to the pot what is not yet paid of it."""
    reason_text = optional_text(reason, field="reason", what="a reason", max_length=2000)
    async with uow.begin() as tx:
        request = await _request_for(tx, policy, request_id, Action.UPDATE)
        budget = await tx.session.get_one(Budget, request.budget_id)
        pot = await lock_pot(tx.session, budget.funding_pot_id)
        was_approved = request.status is S.APPROVED
        _move(tx, policy, request, (S.DRAFT, *_OPEN_FOR_DECISION, S.APPROVED), S.WITHDRAWN,
              reason_text)
        if was_approved:
            move_money(tx.session, pot, LedgerEntryKind.RELEASE,
                       request.total_pence - request.paid_pence, request_id=request.id,
                       at=policy.now)
        await _audit(tx, policy, request, "withdraw_budget_request")
        tx.emit(BudgetRequestWithdrawn(person_id=request.person_id, request_id=request.id))
    return request


_NOT_FUND_HOLDER = ("NOT_FUND_HOLDER",
                    "Only the organisation that holds the funding pot pays from it.")


async def _locked_for_money(
    tx: Transaction, policy: AccessPolicy, request_id: int, field: str
) -> tuple[BudgetRequest, FundingPot]:
    """The request and its pot, both locked, after checking the principal acts for the pot's
    holder."""
    request = await _locked(tx, request_id)
    if request is None:
        raise NotFound("budget request", field=field)
    budget = await tx.session.get_one(Budget, request.budget_id)
    holder = await tx.session.scalar(select(FundingPot.holder_organisation_id)
                                     .where(FundingPot.id == budget.funding_pot_id))
    assert holder is not None
    await policy.require_acting_for(tx.session, Action.UPDATE, request.person_id, CATEGORY,
                                    holder, what="budget request", field=field,
                                    refusal=_NOT_FUND_HOLDER)
    if budget.payment_route is not PaymentRoute.DIRECT_PAYMENT:
        raise InvalidTransition("Only a direct payment is paid; a notional or third-party "
                                "budget is marked delivered.",
                                code="WRONG_PAYMENT_ROUTE", field=field)
    return request, await lock_pot(tx.session, budget.funding_pot_id)


async def pay_towards_request(
    tx: Transaction, policy: AccessPolicy, request_id: int, amount_pence: int, *,
    at: dt.datetime, note: str | None = None, field: str = "requestId",
) -> BudgetRequest:
    """Pay part (or the rest) of an approved direct-payment request, inside the caller's
    transaction: the pot's money moves from committed to paid, and the request becomes
    ``paid`` when all of it is. For the organisation that holds the pot (a plugin's payment
    workflow); the caller writes the audit event for its use case. Errors name ``field``, the
    caller's input field."""
    request, pot = await _locked_for_money(tx, policy, request_id, field)
    if request.status is not S.APPROVED:
        raise InvalidTransition(
            f"This request is {request.status.value.replace('_', ' ')}, not approved: it "
            "cannot be paid.", code="REQUEST_NOT_APPROVED", field=field)
    if amount_pence <= 0:
        raise InvalidInput("A payment is more than £0.00.", code="AMOUNT_NOT_POSITIVE",
                           field=field)
    unpaid = request.total_pence - request.paid_pence
    if amount_pence > unpaid:
        raise InvalidInput(f"That is more than the {Money(unpaid)} of this request still to "
                           "pay.", code="MORE_THAN_APPROVED", field=field)
    move_money(tx.session, pot, LedgerEntryKind.PAYMENT, amount_pence, request_id=request.id,
               at=at, note=note)
    request.paid_pence += amount_pence
    if request.paid_pence == request.total_pence:  # paid when the last payment was made
        _move(tx, policy, request, (S.APPROVED,), S.PAID, at=at)
    return request


async def repay_towards_request(
    tx: Transaction, policy: AccessPolicy, request_id: int, amount_pence: int, *,
    at: dt.datetime, note: str | None = None, field: str = "requestId",
) -> BudgetRequest:
    """Money paid for a request came back (a repayment): it returns to the pot, inside the
    caller's transaction. For the organisation that holds the pot; the caller audits."""
    request, pot = await _locked_for_money(tx, policy, request_id, field)
    if amount_pence <= 0:
        raise InvalidInput("A repayment is more than £0.00.", code="AMOUNT_NOT_POSITIVE",
                           field=field)
    if amount_pence > request.paid_pence - request.repaid_pence:
        raise InvalidInput("That is more than was paid for this request and not already "
                           "repaid.", code="MORE_THAN_PAID", field=field)
    move_money(tx.session, pot, LedgerEntryKind.REPAYMENT, amount_pence, request_id=request.id,
               at=at, note=note)
    request.repaid_pence += amount_pence
    return request


async def mark_paid(uow: UnitOfWork, policy: AccessPolicy, request_id: int) -> BudgetRequest:
    """A direct payment was paid, all that is left of it at once: by the organisation that
    holds the funding pot, like every payment (``pay_towards_request``)."""
    async with uow.begin() as tx:
        request, pot = await _locked_for_money(tx, policy, request_id, "requestId")
        _move(tx, policy, request, (S.APPROVED,), S.PAID)
        move_money(tx.session, pot, LedgerEntryKind.PAYMENT,
                   request.total_pence - request.paid_pence, request_id=request.id,
                   at=policy.now)
        request.paid_pence = request.total_pence
        await _audit(tx, policy, request, "mark_budget_request_paid")
    return request


async def mark_delivered(
    uow: UnitOfWork, policy: AccessPolicy, request_id: int
) -> BudgetRequest:
    """A notional or third-party budget's purchase was delivered: signed off like the
    request, by someone who may approve it."""
    async with uow.begin() as tx:
        request = await _request_for(tx, policy, request_id, Action.APPROVE)
        budget = await tx.session.get_one(Budget, request.budget_id)
        if budget.payment_route is PaymentRoute.DIRECT_PAYMENT:
            raise InvalidTransition(
                "A direct payment is paid by the organisation that holds the fund, not "
                "marked delivered.", code="WRONG_PAYMENT_ROUTE", field="requestId")
        pot = await lock_pot(tx.session, budget.funding_pot_id)
        _move(tx, policy, request, (S.APPROVED,), S.DELIVERED)
        move_money(tx.session, pot, LedgerEntryKind.PAYMENT, request.total_pence,
                   request_id=request.id, at=policy.now)
        request.paid_pence = request.total_pence
        await _audit(tx, policy, request, "mark_budget_request_delivered")
    return request


async def mark_reviewed(
    uow: UnitOfWork, policy: AccessPolicy, request_id: int, *, note: str
) -> BudgetRequest:
    note_text = required_text(note, field="note", what="a review note", max_length=5000)
    async with uow.begin() as tx:
        request = await _request_for(tx, policy, request_id, Action.UPDATE)
        _move(tx, policy, request, (S.PAID, S.DELIVERED), S.REVIEWED, note_text)
        await _audit(tx, policy, request, "review_budget_request")
    return request


# --- batch readers for DataLoaders ---------------------------------------------------------


async def requests_by_ids(
    session: AsyncSession, policy: AccessPolicy, ids: Sequence[int]
) -> dict[int, BudgetRequest]:
    rows = await session.scalars(
        select(BudgetRequest).where(BudgetRequest.id.in_(set(ids)),
                                    policy.person_filter(BudgetRequest.person_id))
    )
    return {row.id: row for row in await policy.readable(session, rows, CATEGORY)}


async def _of_requests(
    session: AsyncSession, policy: AccessPolicy, model: Any, request_ids: Sequence[int]
) -> dict[int, list[Any]]:
    """Rows hanging off readable requests, grouped by request, in one statement."""
    return await grouped_by(session, select(model)
                            .join(BudgetRequest, BudgetRequest.id == model.request_id)
                            .where(model.request_id.in_(set(request_ids)),
                                   policy.person_filter(BudgetRequest.person_id))
                            .order_by(model.request_id, model.id),
                            lambda row: row.request_id)


async def items_for_requests(
    session: AsyncSession, policy: AccessPolicy, request_ids: Sequence[int]
) -> dict[int, list[BudgetItem]]:
    return await _of_requests(session, policy, BudgetItem, request_ids)


async def approvals_for_requests(
    session: AsyncSession, policy: AccessPolicy, request_ids: Sequence[int]
) -> dict[int, list[BudgetApproval]]:
    return await _of_requests(session, policy, BudgetApproval, request_ids)
