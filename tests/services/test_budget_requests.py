"""Budget requests: the state machine, sign-off, and the funding pot they draw on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import update

from core.db import Database
from core.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound
from core.events import (
    BudgetRequestApproved,
    BudgetRequestRejected,
    BudgetRequestSubmitted,
    BudgetRequestWithdrawn,
    DomainEvent,
)
from core.models import (
    ApprovalDecision,
    AuditEvent,
    BudgetApproval,
    BudgetItem,
    BudgetRequest,
    BudgetRequestStatus,
    BudgetRequestTransition,
    FundingPot,
    FundingPotEntry,
    LedgerEntryKind,
    PaymentRoute,
)
from core.money import Money
from core.policy import AccessPolicy
from core.services import accounts, budget_requests, goals, organisations
from core.services.budget_requests import ItemInput
from tests.support import policies
from tests.support.event_log import EventLog
from tests.support.refusals import raises, refused
from tests.support.stored import assert_pot_balanced, stored, stored_rows
from tests.support.world import World

UNKNOWN = 999_999
S = BudgetRequestStatus
K = LedgerEntryKind


def _owner(world: World, budget_id: int) -> str:
    return {world.budget: "ngozi", world.notional_budget: "belu"}[budget_id]


async def _second_approver(world: World) -> str:
    """Priya, a PHB lead clinician in the CMHT: another member of staff who may sign off."""
    system = policies.system()
    priya = await organisations.add_staff_member(world.uow, system, given_name="Priya",
                                                 family_name="Shah")
    await organisations.add_membership(world.uow, system, staff_member_id=priya.id,
                                       team_id=world.cmht, roles=["elft.phb_lead_clinician"])
    await accounts.create_account(world.uow, system, username="priya",
                                  staff_member_id=priya.id)
    return "priya"


async def _create(world: World, *, budget: int | None = None, amount: str = "120",
                  by: str | None = None) -> int:
    budget_id = budget or world.budget
    request = await budget_requests.create_request(
        world.uow, await world.policy(by or _owner(world, budget_id)), budget_id=budget_id,
        purpose="Getting fit again", items=[ItemInput("Swimming lessons", amount)])
    return request.id


async def _needs_sign_offs(db: Database, request_id: int, count: int) -> None:
    """As a plugin's sign-off rules would decide at submission (e.g. over £250: two)."""
    async with db.write_session() as session, session.begin():
        steps = [{"name": f"sign_off_{n}", "title": f"Sign-off {n}", "roles": None}
                 for n in range(1, count + 1)]
        await session.execute(update(BudgetRequest).where(BudgetRequest.id == request_id)
                              .values(approvals_required=count, approval_steps=steps))


async def _submit(world: World, request_id: int, by: str) -> None:
    await budget_requests.submit_request(world.uow, await world.policy(by), request_id)


async def _approve(world: World, request_id: int, by: str = "james") -> None:
    await budget_requests.approve_request(world.uow, await world.policy(by), request_id)


async def _request(world: World, status: BudgetRequestStatus, *, budget: int | None = None,
                   amount: str = "120") -> int:
    """A request brought to ``status`` the way people would: through the services."""
    budget_id = budget or (world.notional_budget if status is S.DELIVERED else world.budget)
    owner = _owner(world, budget_id)
    request_id = await _create(world, budget=budget_id, amount=amount)
    if status is S.DRAFT:
        return request_id
    if status is S.WITHDRAWN:
        await budget_requests.withdraw_request(world.uow, await world.policy(owner), request_id)
        return request_id
    await _submit(world, request_id, owner)
    if status is S.SUBMITTED:
        return request_id
    if status is S.REJECTED:
        await budget_requests.reject_request(world.uow, await world.policy("james"),
                                             request_id, reason="Not this time")
        return request_id
    if status is S.AWAITING_APPROVAL:
        await _needs_sign_offs(world.uow.db, request_id, 2)
    await _approve(world, request_id)
    if status in (S.AWAITING_APPROVAL, S.APPROVED):
        return request_id
    if budget_id == world.budget:  # paid by the pot's holder (the system may, as any holder)
        await budget_requests.mark_paid(world.uow, await world.policy("system"), request_id)
    else:
        await budget_requests.mark_delivered(world.uow, await world.policy("james"), request_id)
    if status is S.REVIEWED:
        await budget_requests.mark_reviewed(world.uow, await world.policy(owner), request_id,
                                            note="The lessons helped")
    return request_id


async def _statuses(db: Database, request_id: int) -> list[tuple[Any, Any, Any]]:
    rows = await stored_rows(db, BudgetRequestTransition,
                             BudgetRequestTransition.request_id == request_id)
    return [(row.from_status, row.to_status, row.reason) for row in rows]


async def _pot_totals(db: Database, pot_id: int) -> tuple[int, int, int]:
    """Available, committed and paid, after checking the ledger explains them."""
    pot = await assert_pot_balanced(db, pot_id)
    return pot.available_pence, pot.committed_pence, pot.paid_pence


def _pounds(pence: int) -> str:
    return f"{pence // 100}.{pence % 100:02d}"


# --- create_request ------------------------------------------------------------------------------


async def test_a_person_drafts_a_request_for_items_serving_a_goal(
    world: World, db: Database, events: EventLog
) -> None:
    goal = await goals.create_goal(world.uow, await world.policy("ngozi"),
                                   person_id=world.ngozi, title="Swim")
    pot_before = await _pot_totals(db, world.pot)
    created = await budget_requests.create_request(
        world.uow, await world.policy("ngozi"), budget_id=world.budget,
        purpose=" Getting fit again ",
        items=[ItemInput(" Swimming lessons ", "£120.50", goal.id), ItemInput("Goggles", "15")])
    request = await stored(db, BudgetRequest, created.id)
    assert (request.status, request.person_id, request.budget_id) == (
        S.DRAFT, world.ngozi, world.budget)
    assert (request.purpose, request.total_pence) == ("Getting fit again", 13_550)
    assert (request.by_person_id, request.by_staff_id) == (world.ngozi, None)
    assert (request.submitted_at, request.decided_at, request.approvals_required) == (
        None, None, None)
    items = await stored_rows(db, BudgetItem, BudgetItem.request_id == created.id)
    assert [(i.description, i.amount_pence, i.goal_id) for i in items] == [
        ("Swimming lessons", 12_050, goal.id), ("Goggles", 1_500, None)]
    assert await _statuses(db, created.id) == [(None, S.DRAFT, None)]
    assert await _pot_totals(db, world.pot) == pot_before  # a draft reserves nothing
    assert events.events == []
    assert await stored_rows(db, AuditEvent,
                             AuditEvent.operation == "create_budget_request") == []


async def test_a_care_coordinator_drafts_a_request_and_it_is_audited(
    world: World, db: Database
) -> None:
    created = await budget_requests.create_request(
        world.uow, await world.policy("amara"), budget_id=world.notional_budget,
        purpose="Fitbit", items=[ItemInput("Fitbit", "99.99")])
    request = await stored(db, BudgetRequest, created.id)
    assert (request.person_id, request.by_staff_id, request.total_pence) == (
        world.belu, world.amara, 9_999)
    [audit] = await stored_rows(db, AuditEvent,
                                AuditEvent.operation == "create_budget_request")
    assert (audit.person_id, audit.actor_staff_id, audit.categories) == (
        world.belu, world.amara, ["budget"])


async def test_create_request_refuses_bad_input(world: World, unchanged: Any) -> None:
    ngozi = await world.policy("ngozi")
    good = ItemInput("Goggles", "15")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"purpose": "  "}, "REQUIRED", "purpose"),
        ({"purpose": "x" * 2001}, "TOO_LONG", "purpose"),
        ({"items": []}, "NO_ITEMS", "items"),
        ({"items": [good, ItemInput(" ", "15")]}, "REQUIRED", "items.1.description"),
        ({"items": [ItemInput("x" * 501, "15")]}, "TOO_LONG", "items.0.description"),
    ]
    for amount, code in [("0", "AMOUNT_NOT_POSITIVE"), ("-5", "AMOUNT_NOT_POSITIVE"),
                         ("12.345", "FRACTIONAL_PENNY"), ("abc", "INVALID_AMOUNT"),
                         ("", "INVALID_AMOUNT"), ("1000000.01", "AMOUNT_TOO_LARGE")]:
        cases.append(({"items": [good, ItemInput("Lessons", amount)]}, code, "items.1.amount"))
    async with unchanged():
        for arguments, code, field in cases:
            error = await raises(InvalidInput, budget_requests.create_request(
                world.uow, ngozi, **{"budget_id": world.budget, "purpose": "Fitness",
                                     "items": [good], **arguments}))
            assert (error.code, error.field) == (code, field), arguments


async def test_create_request_refuses_unknown_and_foreign_budgets_and_goals(
    world: World, unchanged: Any
) -> None:
    belus_goal = await goals.create_goal(world.uow, await world.policy("belu"),
                                         person_id=world.belu, title="Sew")
    async with unchanged():
        for username, budget_id in [("ngozi", world.notional_budget), ("stranger", world.budget),
                                    ("ngozi", UNKNOWN), ("system", UNKNOWN)]:
            error = await raises(NotFound, budget_requests.create_request(
                world.uow, await world.policy(username), budget_id=budget_id, purpose="Mine",
                items=[ItemInput("Goggles", "15")]))
            assert (error.code, error.field) == ("NOT_FOUND", "budgetId"), (username, budget_id)
    async with unchanged():
        for goal_id in [belus_goal.id, UNKNOWN]:
            error = await raises(NotFound, budget_requests.create_request(
                world.uow, await world.policy("ngozi"), budget_id=world.budget, purpose="Mine",
                items=[ItemInput("Goggles", "15"), ItemInput("Sewing machine", "90", goal_id)]))
            assert (error.code, error.field) == ("NOT_FOUND", "items.1.goalId")


# --- the way through -----------------------------------------------------------------------------


async def test_a_direct_payment_from_draft_to_review(
    world: World, db: Database, ada: int, events: EventLog
) -> None:
    available, committed, paid = await _pot_totals(db, world.pot)
    request_id = await _create(world, amount="180")

    ngozi = await world.policy("ngozi")
    await budget_requests.submit_request(world.uow, ngozi, request_id)
    request = await stored(db, BudgetRequest, request_id)
    assert (request.status, request.approvals_required, request.submitted_at) == (
        S.SUBMITTED, 1, ngozi.now)
    assert await _pot_totals(db, world.pot) == (available, committed, paid)
    assert events.events == [BudgetRequestSubmitted(person_id=world.ngozi,
                                                    request_id=request_id)]

    james = await world.policy("james")
    await budget_requests.approve_request(world.uow, james, request_id, note=" Good plan ")
    request = await stored(db, BudgetRequest, request_id)
    assert (request.status, request.decided_at) == (S.APPROVED, james.now)
    assert await _pot_totals(db, world.pot) == (available - 18_000, committed + 18_000, paid)
    [approval] = await stored_rows(db, BudgetApproval, BudgetApproval.request_id == request_id)
    assert (approval.staff_member_id, approval.team_id, approval.decision, approval.note) == (
        world.james, world.cmht, ApprovalDecision.APPROVED, "Good plan")
    assert events.events[1:] == [BudgetRequestApproved(
        person_id=world.ngozi, request_id=request_id, total_pence=18_000,
        payment_route=PaymentRoute.DIRECT_PAYMENT.value)]

    # Paid by Ada, an advisor of the charity that holds the pot.
    await budget_requests.mark_paid(world.uow, await world.policy("ada"), request_id)
    assert (await stored(db, BudgetRequest, request_id)).status is S.PAID
    assert await _pot_totals(db, world.pot) == (available - 18_000, committed, paid + 18_000)

    await budget_requests.mark_reviewed(world.uow, ngozi, request_id, note=" Swimming twice ")
    assert (await stored(db, BudgetRequest, request_id)).status is S.REVIEWED
    assert await _pot_totals(db, world.pot) == (available - 18_000, committed, paid + 18_000)
    assert len(events.events) == 2  # paying and reviewing raise no events (yet)

    assert await _statuses(db, request_id) == [
        (None, S.DRAFT, None), (S.DRAFT, S.SUBMITTED, None), (S.SUBMITTED, S.APPROVED, None),
        (S.APPROVED, S.PAID, None), (S.PAID, S.REVIEWED, "Swimming twice")]
    ledger = await stored_rows(db, FundingPotEntry, FundingPotEntry.request_id == request_id)
    assert [(e.kind, e.amount_pence, e.available_delta_pence) for e in ledger] == [
        (K.RESERVATION, 18_000, -18_000), (K.PAYMENT, 18_000, 0)]
    audits = await stored_rows(db, AuditEvent, AuditEvent.person_id == world.ngozi,
                               AuditEvent.actor_staff_id.is_not(None))
    assert [(a.operation, a.actor_staff_id) for a in audits] == [
        ("approve_budget_request", world.james), ("mark_budget_request_paid", ada)]


async def test_a_notional_budget_is_delivered_and_a_direct_payment_paid(
    world: World, db: Database, unchanged: Any
) -> None:
    notional = await _request(world, S.APPROVED, budget=world.notional_budget, amount="60")
    direct = await _request(world, S.APPROVED, amount="70")
    james = await world.policy("james")
    async with unchanged():
        for spend, who, request_id in [(budget_requests.mark_paid, "system", notional),
                                       (budget_requests.mark_delivered, "james", direct)]:
            error = await raises(InvalidTransition, spend(world.uow, await world.policy(who),
                                                          request_id))
            assert (error.code, error.field) == ("WRONG_PAYMENT_ROUTE", "requestId")
    available, committed, paid = await _pot_totals(db, world.pot)
    await budget_requests.mark_delivered(world.uow, james, notional)
    assert (await stored(db, BudgetRequest, notional)).status is S.DELIVERED
    assert await _pot_totals(db, world.pot) == (available, committed - 6_000, paid + 6_000)
    await budget_requests.mark_reviewed(world.uow, await world.policy("amara"), notional,
                                        note="Fitbit in use")
    assert (await stored(db, BudgetRequest, notional)).status is S.REVIEWED


async def test_a_request_needing_two_sign_offs_waits_for_the_second(
    world: World, db: Database, unchanged: Any, events: EventLog
) -> None:
    priya = await world.policy(await _second_approver(world))
    request_id = await _request(world, S.SUBMITTED, amount="400")
    await _needs_sign_offs(db, request_id, 2)
    before = await _pot_totals(db, world.pot)
    events.clear()

    await _approve(world, request_id, "james")
    request = await stored(db, BudgetRequest, request_id)
    assert (request.status, request.decided_at) == (S.AWAITING_APPROVAL, None)
    assert await _pot_totals(db, world.pot) == before
    assert events.events == []

    james = await world.policy("james")
    error = await refused(unchanged, Conflict,
                          budget_requests.approve_request(world.uow, james, request_id))
    assert (error.code, error.field) == ("ALREADY_DECIDED", "requestId")
    error = await refused(unchanged, Conflict, budget_requests.reject_request(
        world.uow, james, request_id, reason="Changed my mind"))
    assert (error.code, error.field) == ("ALREADY_DECIDED", "requestId")

    await budget_requests.approve_request(world.uow, priya, request_id)
    assert (await stored(db, BudgetRequest, request_id)).status is S.APPROVED
    assert await _pot_totals(db, world.pot) == (before[0] - 40_000, before[1] + 40_000,
                                                before[2])
    approvals = await stored_rows(db, BudgetApproval, BudgetApproval.request_id == request_id)
    assert [a.staff_member_id for a in approvals] == [world.james,
                                                      priya.principal.staff_member_id]
    assert [type(e) for e in events.events] == [BudgetRequestApproved]
    assert [t[:2] for t in await _statuses(db, request_id)][-2:] == [
        (S.SUBMITTED, S.AWAITING_APPROVAL), (S.AWAITING_APPROVAL, S.APPROVED)]


async def test_rejecting_a_submitted_or_half_approved_request(
    world: World, db: Database, unchanged: Any, events: EventLog
) -> None:
    priya = await world.policy(await _second_approver(world))
    submitted = await _request(world, S.SUBMITTED)
    waiting = await _request(world, S.AWAITING_APPROVAL)
    before = await _pot_totals(db, world.pot)
    events.clear()
    error = await refused(unchanged, InvalidInput, budget_requests.reject_request(
        world.uow, priya, submitted, reason="  "))
    assert (error.code, error.field) == ("REQUIRED", "reason")

    for request_id in [submitted, waiting]:
        await budget_requests.reject_request(world.uow, priya, request_id,
                                             reason=" Not eligible ")
        request = await stored(db, BudgetRequest, request_id)
        assert (request.status, request.decided_at) == (S.REJECTED, priya.now)
        assert (await _statuses(db, request_id))[-1][1:] == (S.REJECTED, "Not eligible")
        last = (await stored_rows(db, BudgetApproval,
                                  BudgetApproval.request_id == request_id))[-1]
        assert (last.staff_member_id, last.decision, last.note) == (
            priya.principal.staff_member_id, ApprovalDecision.REJECTED, "Not eligible")
    assert events.events == [BudgetRequestRejected(person_id=world.ngozi, request_id=r)
                             for r in (submitted, waiting)]
    assert await _pot_totals(db, world.pot) == before


async def test_withdrawing_from_each_state_that_allows_it(
    world: World, db: Database, events: EventLog
) -> None:
    before = await _pot_totals(db, world.pot)
    requests = {status: await _request(world, status, amount="250")
                for status in (S.DRAFT, S.SUBMITTED, S.AWAITING_APPROVAL, S.APPROVED)}
    assert (await _pot_totals(db, world.pot))[0] == before[0] - 25_000
    events.clear()
    for status, request_id in requests.items():
        await budget_requests.withdraw_request(world.uow, await world.policy("ngozi"),
                                               request_id, reason=" Found a free class ")
        assert (await stored(db, BudgetRequest, request_id)).status is S.WITHDRAWN
        assert (await _statuses(db, request_id))[-1] == (status, S.WITHDRAWN,
                                                         "Found a free class")
        await assert_pot_balanced(db, world.pot)
    # Withdrawing the approved request gave its reservation back.
    assert await _pot_totals(db, world.pot) == before
    ledger = await stored_rows(db, FundingPotEntry,
                               FundingPotEntry.request_id == requests[S.APPROVED])
    assert [(e.kind, e.available_delta_pence) for e in ledger] == [
        (K.RESERVATION, -25_000), (K.RELEASE, 25_000)]
    assert events.events == [BudgetRequestWithdrawn(person_id=world.ngozi, request_id=r)
                             for r in requests.values()]


# What each operation may start from (and who tries it); from anywhere else it is refused.
OPERATIONS: dict[str, tuple[set[BudgetRequestStatus], str]] = {
    "submit": ({S.DRAFT}, "amara"),
    "approve": ({S.SUBMITTED, S.AWAITING_APPROVAL}, "james"),
    "reject": ({S.SUBMITTED, S.AWAITING_APPROVAL}, "james"),
    "withdraw": ({S.DRAFT, S.SUBMITTED, S.AWAITING_APPROVAL, S.APPROVED}, "amara"),
    "spend": ({S.APPROVED}, "system"),  # paying: the pot's holder; the system may
    "review": ({S.PAID, S.DELIVERED}, "amara"),
}


def _operation(world: World, name: str, request_id: int, policy: AccessPolicy,
               budget_id: int) -> Awaitable[Any]:
    uow = world.uow
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "submit": lambda: budget_requests.submit_request(uow, policy, request_id),
        "approve": lambda: budget_requests.approve_request(uow, policy, request_id),
        "reject": lambda: budget_requests.reject_request(uow, policy, request_id,
                                                         reason="No"),
        "withdraw": lambda: budget_requests.withdraw_request(uow, policy, request_id),
        "spend": lambda: (budget_requests.mark_paid if budget_id == world.budget
                          else budget_requests.mark_delivered)(uow, policy, request_id),
        "review": lambda: budget_requests.mark_reviewed(uow, policy, request_id, note="Ok"),
    }
    return calls[name]()


async def test_no_operation_is_allowed_from_a_state_it_does_not_start_from(
    world: World, unchanged: Any, events: EventLog
) -> None:
    requests = {status: await _request(world, status) for status in S}
    events.clear()
    async with unchanged():
        for name, (allowed, username) in OPERATIONS.items():
            policy = await world.policy(username)
            for status, request_id in requests.items():
                if status in allowed:
                    continue
                budget_id = world.notional_budget if status is S.DELIVERED else world.budget
                error = await raises(InvalidTransition,
                                     _operation(world, name, request_id, policy, budget_id))
                assert (error.code, error.field) == ("INVALID_TRANSITION", "requestId"), (
                    name, status)
    assert events.events == []


# --- who may do what ----------------------------------------------------------------------------


async def test_nobody_signs_off_their_own_request(world: World, unchanged: Any) -> None:
    request_id = await _create(world, budget=world.notional_budget, by="james")
    await _submit(world, request_id, "james")
    james = await world.policy("james")
    async with unchanged():
        for decide in [budget_requests.approve_request(world.uow, james, request_id),
                       budget_requests.reject_request(world.uow, james, request_id, reason="No")]:
            error = await raises(Forbidden, decide)
            assert (error.code, error.field) == ("SELF_APPROVAL", "requestId")
    await _approve(world, request_id, await _second_approver(world))


async def test_only_staff_whose_role_may_sign_off_decide_or_pay(
    world: World, unchanged: Any
) -> None:
    submitted = await _request(world, S.SUBMITTED)
    approved = await _request(world, S.APPROVED)
    ngozi, amara = await world.policy("ngozi"), await world.policy("amara")
    james = await world.policy("james")
    async with unchanged():
        for call in [budget_requests.approve_request(world.uow, ngozi, submitted),
                     budget_requests.reject_request(world.uow, ngozi, submitted, reason="No"),
                     # A care coordinator raises requests; signing off is for the team lead.
                     budget_requests.approve_request(world.uow, amara, submitted),
                     budget_requests.approve_request(world.uow, policies.system(), submitted)]:
            error = await raises(Forbidden, call)
            assert error.code == "FORBIDDEN"
        # Only the organisation holding the pot pays from it: not the person, not the trust.
        for policy in (ngozi, amara, james):
            error = await raises(Forbidden, budget_requests.mark_paid(world.uow, policy,
                                                                      approved))
            assert (error.code, error.field) == ("NOT_FUND_HOLDER", "requestId")


async def test_requests_you_cannot_see_are_not_found(world: World, unchanged: Any) -> None:
    requests = {status: await _request(world, status)
                for status in (S.DRAFT, S.SUBMITTED, S.APPROVED, S.PAID)}
    starts_from = {"submit": S.DRAFT, "approve": S.SUBMITTED, "reject": S.SUBMITTED,
                   "withdraw": S.DRAFT, "spend": S.APPROVED, "review": S.PAID}
    async with unchanged():
        for username in ["stranger", "belu"]:
            policy = await world.policy(username)
            for name, status in starts_from.items():
                for request_id in [requests[status], UNKNOWN]:
                    error = await raises(NotFound, _operation(
                        world, name, request_id, policy, world.budget))
                    assert (error.code, error.field) == ("NOT_FOUND", "requestId"), (
                        username, name, request_id)


async def test_notes_and_reasons_are_checked(world: World, unchanged: Any) -> None:
    submitted = await _request(world, S.SUBMITTED)
    paid = await _request(world, S.PAID)
    async with unchanged():
        for call, code, field in [
            (budget_requests.approve_request(world.uow, await world.policy("james"), submitted,
                                             note="x" * 2001), "TOO_LONG", "note"),
            (budget_requests.withdraw_request(world.uow, await world.policy("ngozi"), submitted,
                                              reason="x" * 2001), "TOO_LONG", "reason"),
            (budget_requests.mark_reviewed(world.uow, await world.policy("ngozi"), paid,
                                           note=" "), "REQUIRED", "note"),
        ]:
            error = await raises(InvalidInput, call)
            assert (error.code, error.field) == (code, field)


# --- the funding pot -----------------------------------------------------------------------------


async def test_a_request_larger_than_the_pot_cannot_be_submitted(
    world: World, db: Database, unchanged: Any, events: EventLog
) -> None:
    available = (await _pot_totals(db, world.pot))[0]
    request_id = await _create(world, amount=_pounds(available + 1))
    error = await refused(unchanged, Conflict, budget_requests.submit_request(
        world.uow, await world.policy("ngozi"), request_id))
    assert (error.code, error.field) == ("POT_EXHAUSTED", "requestId")
    assert str(Money(available)) in error.message  # "... has only £5,000.00 left"
    assert events.events == []


async def test_the_pot_is_checked_again_when_the_money_is_reserved(
    world: World, db: Database, unchanged: Any, events: EventLog
) -> None:
    available = (await _pot_totals(db, world.pot))[0]
    share = available // 2 + 100  # each fits on its own, not both together
    first = await _request(world, S.SUBMITTED, amount=_pounds(share))
    second = await _request(world, S.SUBMITTED, amount=_pounds(share))
    await _approve(world, first)
    events.clear()
    error = await refused(unchanged, Conflict, budget_requests.approve_request(
        world.uow, await world.policy("james"), second))
    assert error.code == "POT_EXHAUSTED"
    assert events.events == []
    await budget_requests.withdraw_request(world.uow, await world.policy("ngozi"), first)
    await _approve(world, second)
    assert (await stored(db, BudgetRequest, second)).status is S.APPROVED
    assert await _pot_totals(db, world.pot) == (available - share, share, 0)


async def test_racing_approvals_never_overspend_the_pot(world: World, db: Database) -> None:
    available = (await _pot_totals(db, world.pot))[0]
    share = available // 2 + 100
    first = await _request(world, S.SUBMITTED, amount=_pounds(share))
    second = await _request(world, S.SUBMITTED, amount=_pounds(share))
    outcomes = await asyncio.gather(
        budget_requests.approve_request(world.uow, await world.policy("james"), first),
        budget_requests.approve_request(world.uow, await world.policy("james"), second),
        return_exceptions=True)
    refusals = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refusals) == 1 and isinstance(refusals[0], Conflict), outcomes
    assert refusals[0].code == "POT_EXHAUSTED"
    assert await _pot_totals(db, world.pot) == (available - share, share, 0)
    statuses = {(await stored(db, BudgetRequest, r)).status for r in (first, second)}
    assert statuses == {S.APPROVED, S.SUBMITTED}


async def test_events_go_out_after_the_approval_is_saved(
    world: World, db: Database
) -> None:
    request_id = await _request(world, S.SUBMITTED, amount="200")
    seen: list[tuple[DomainEvent, BudgetRequestStatus, int]] = []

    async def look_in_the_database(event: DomainEvent) -> None:
        assert isinstance(event, BudgetRequestApproved)
        request = await stored(db, BudgetRequest, event.request_id)
        pot = await stored(db, FundingPot, world.pot)
        seen.append((event, request.status, pot.committed_pence))

    world.uow.events.subscribe(look_in_the_database)
    await _approve(world, request_id)
    assert seen == [(BudgetRequestApproved(person_id=world.ngozi, request_id=request_id,
                                           total_pence=20_000, payment_route="direct_payment"),
                     S.APPROVED, 20_000)]


# --- batch readers -----------------------------------------------------------------------------


async def test_batch_readers_return_only_requests_the_reader_may_see(world: World) -> None:
    ngozis = await _request(world, S.APPROVED)
    belus = await _request(world, S.APPROVED, budget=world.notional_budget)
    ids = [ngozis, belus, UNKNOWN]

    async def read(username: str) -> tuple[set[int], ...]:
        policy = await world.policy(username)
        async with world.uow.db.reading() as session:
            found = await budget_requests.requests_by_ids(session, policy, ids)
            items = await budget_requests.items_for_requests(session, policy, ids)
            approvals = await budget_requests.approvals_for_requests(session, policy, ids)
        return (set(found), {k for k, v in items.items() if v},
                {k for k, v in approvals.items() if v})

    assert await read("ngozi") == ({ngozis},) * 3
    assert await read("belu") == ({belus},) * 3
    assert await read("amara") == ({ngozis, belus},) * 3
    assert await read("stranger") == (set(),) * 3
