"""Payments in part: the organisation that holds the funding pot pays an approved direct
payment in instalments, and takes back what is repaid, inside a plugin's transaction
(``pay_towards_request``, ``repay_towards_request``); withdrawing or marking paid a part-paid
request moves only what is not yet paid."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from core.db import Database
from core.errors import DomainError, Forbidden, InvalidInput, InvalidTransition, NotFound
from core.models import (
    BudgetRequest,
    BudgetRequestStatus,
    BudgetRequestTransition,
    CareBasis,
    FundingPotEntry,
    LedgerEntryKind,
    OrganisationKind,
)
from core.services import budget_requests, consents, organisations
from core.services.budget_requests import ItemInput
from plugins.advocacy_project import PHB_ADVISOR
from tests.support import policies
from tests.support.refusals import raises
from tests.support.stored import assert_pot_balanced, stored, stored_rows
from tests.support.world import World

from .conftest import add_staff

UNKNOWN = 999_999
S = BudgetRequestStatus
K = LedgerEntryKind
DAY = dt.timedelta(days=1)


async def _request(world: World, status: BudgetRequestStatus = S.APPROVED, *,
                   amount: str = "200", notional: bool = False) -> int:
    """A request (Ngozi's direct payment, or Belu's notional budget) brought to ``status``."""
    owner = "belu" if notional else "ngozi"
    request = await budget_requests.create_request(
        world.uow, await world.policy(owner),
        budget_id=world.notional_budget if notional else world.budget,
        purpose="Getting fit again", items=[ItemInput("Swimming lessons", amount)])
    if status is S.WITHDRAWN:
        await budget_requests.withdraw_request(world.uow, await world.policy(owner), request.id)
    if status in (S.DRAFT, S.WITHDRAWN):
        return request.id
    await budget_requests.submit_request(world.uow, await world.policy(owner), request.id)
    james = await world.policy("james")
    if status is S.REJECTED:
        await budget_requests.reject_request(world.uow, james, request.id, reason="No")
    elif status is not S.SUBMITTED:
        await budget_requests.approve_request(world.uow, james, request.id)
    if status is S.PAID:
        await budget_requests.mark_paid(world.uow, policies.system(), request.id)
    elif status is S.DELIVERED:
        await budget_requests.mark_delivered(world.uow, james, request.id)
    return request.id


async def _pay(world: World, username: str, request_id: int, amount_pence: int,
               **options: Any) -> BudgetRequest:
    """As a plugin's payment workflow pays: inside its own transaction."""
    policy = await world.policy(username)
    async with world.uow.begin() as tx:
        return await budget_requests.pay_towards_request(
            tx, policy, request_id, amount_pence, **{"at": policy.now, **options})


async def _repay(world: World, username: str, request_id: int, amount_pence: int,
                 **options: Any) -> BudgetRequest:
    policy = await world.policy(username)
    async with world.uow.begin() as tx:
        return await budget_requests.repay_towards_request(
            tx, policy, request_id, amount_pence, **{"at": policy.now, **options})


async def _pot(db: Database, world: World) -> tuple[int, int, int]:
    """Available, committed and paid, after checking the ledger explains them."""
    pot = await assert_pot_balanced(db, world.pot)
    return pot.available_pence, pot.committed_pence, pot.paid_pence


async def _money(db: Database, request_id: int) -> tuple[BudgetRequestStatus, int, int]:
    request = await stored(db, BudgetRequest, request_id)
    return request.status, request.paid_pence, request.repaid_pence


async def _ledger(db: Database, request_id: int) -> list[tuple[LedgerEntryKind, int, int]]:
    entries = await stored_rows(db, FundingPotEntry, FundingPotEntry.request_id == request_id)
    return [(e.kind, e.amount_pence, e.available_delta_pence) for e in entries]


async def _transitions(db: Database, request_id: int) -> list[tuple[Any, Any, int | None]]:
    rows = await stored_rows(db, BudgetRequestTransition,
                             BudgetRequestTransition.request_id == request_id)
    return [(row.from_status, row.to_status, row.by_staff_id) for row in rows]


# --- paying in instalments -----------------------------------------------------------------


async def test_the_fund_holder_pays_in_instalments_and_the_request_is_paid_at_the_total(
    world: World, db: Database, ada: int
) -> None:
    request_id = await _request(world, amount="200")
    available, committed, paid = await _pot(db, world)
    history = await _transitions(db, request_id)
    first_day = policies.system().now - dt.timedelta(hours=2)

    returned = await _pay(world, "ada", request_id, 5_000, at=first_day, note="First week")
    assert (returned.status, returned.paid_pence) == (S.APPROVED, 5_000)
    assert await _money(db, request_id) == (S.APPROVED, 5_000, 0)
    assert await _pot(db, world) == (available, committed - 5_000, paid + 5_000)
    await _pay(world, "ada", request_id, 14_999)
    assert await _money(db, request_id) == (S.APPROVED, 19_999, 0)
    assert await _transitions(db, request_id) == history  # not paid until all of it is

    returned = await _pay(world, "ada", request_id, 1)
    assert (returned.status, returned.paid_pence) == (S.PAID, 20_000)
    assert await _money(db, request_id) == (S.PAID, 20_000, 0)
    assert await _pot(db, world) == (available, committed - 20_000, paid + 20_000)
    assert await _transitions(db, request_id) == [*history, (S.APPROVED, S.PAID, ada)]
    assert await _ledger(db, request_id) == [
        (K.RESERVATION, 20_000, -20_000), (K.PAYMENT, 5_000, 0), (K.PAYMENT, 14_999, 0),
        (K.PAYMENT, 1, 0)]
    [first, *_] = await stored_rows(db, FundingPotEntry, FundingPotEntry.request_id == request_id,
                                    FundingPotEntry.kind == K.PAYMENT)
    assert (first.recorded_at, first.note) == (first_day, "First week")


async def test_the_system_may_pay_as_the_fund_holder_does(world: World, db: Database) -> None:
    request_id = await _request(world, amount="100")
    await _pay(world, "system", request_id, 10_000)
    assert await _money(db, request_id) == (S.PAID, 10_000, 0)
    assert (await _transitions(db, request_id))[-1] == (S.APPROVED, S.PAID, None)


async def test_racing_instalments_never_pay_more_than_was_approved(
    world: World, db: Database, ada: int
) -> None:
    request_id = await _request(world, amount="200")
    available, committed, paid = await _pot(db, world)
    outcomes = await asyncio.gather(_pay(world, "ada", request_id, 15_000),
                                    _pay(world, "ada", request_id, 15_000),
                                    return_exceptions=True)
    refusals = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refusals) == 1 and isinstance(refusals[0], InvalidInput), outcomes
    assert refusals[0].code == "MORE_THAN_APPROVED"
    assert await _money(db, request_id) == (S.APPROVED, 15_000, 0)
    assert await _pot(db, world) == (available, committed - 15_000, paid + 15_000)


# --- refusals -------------------------------------------------------------------------------


async def test_only_an_approved_request_is_paid(
    world: World, ada: int, unchanged: Any
) -> None:
    requests = {status: await _request(world, status)
                for status in (S.DRAFT, S.SUBMITTED, S.REJECTED, S.WITHDRAWN, S.PAID)}
    async with unchanged():
        for status, request_id in requests.items():
            error = await raises(InvalidTransition, _pay(world, "ada", request_id, 100))
            assert (error.code, error.field) == ("REQUEST_NOT_APPROVED", "requestId"), status
            assert status.value in error.message


async def test_amounts_are_positive_and_no_more_than_is_left_to_pay(
    world: World, ada: int, unchanged: Any
) -> None:
    request_id = await _request(world, amount="200")
    async with unchanged():
        for amount, code in [(0, "AMOUNT_NOT_POSITIVE"), (-1, "AMOUNT_NOT_POSITIVE"),
                             (20_001, "MORE_THAN_APPROVED")]:
            error = await raises(InvalidInput, _pay(world, "ada", request_id, amount,
                                                    field="payment.amount"))
            assert (error.code, error.field) == (code, "payment.amount"), amount
    await _pay(world, "ada", request_id, 12_000)
    async with unchanged():
        error = await raises(InvalidInput, _pay(world, "ada", request_id, 8_001))
        assert (error.code, error.field) == ("MORE_THAN_APPROVED", "requestId")
        assert "£80.00" in error.message  # what is still to pay


async def test_a_notional_budget_is_not_paid_in_instalments(
    world: World, ada: int, unchanged: Any
) -> None:
    approved = await _request(world, notional=True)
    delivered = await _request(world, S.DELIVERED, notional=True)
    async with unchanged():
        for call in [_pay(world, "ada", approved, 100), _repay(world, "ada", delivered, 100)]:
            error = await raises(InvalidTransition, call)
            assert (error.code, error.field) == ("WRONG_PAYMENT_ROUTE", "requestId")


async def test_only_the_organisation_holding_the_pot_pays_from_it(
    world: World, ada: int, unchanged: Any
) -> None:
    """Amara and James (the trust) may change Ngozi's budget, and Ngozi her own record; none
    of them holds the pot. Otto, an advisor of another organisation with a case and Ngozi's
    consent, does not either."""
    other = await organisations.create_organisation(
        world.uow, policies.system(), name="Other advocacy",
        kind=OrganisationKind.VOLUNTARY_ORGANISATION)
    other_team = await organisations.create_team(world.uow, policies.system(),
                                                 organisation_id=other.id, name="Payments")
    await add_staff(world, "otto", other_team.id, [PHB_ADVISOR])
    await organisations.start_care_relationship(
        world.uow, policies.system(), team_id=other_team.id, person_id=world.ngozi,
        basis=CareBasis.DIRECT_PAYMENT_CASE, starts_at=policies.system().now - DAY)
    await consents.grant_consent(world.uow, await world.policy("ngozi"), person_id=world.ngozi,
                                 grantee_organisation_id=other.id, categories=["budget"],
                                 purpose="Advice")
    request_id = await _request(world)
    await _pay(world, "ada", request_id, 5_000)
    async with unchanged():
        for username in ["amara", "james", "ngozi", "otto"]:
            for call in [_pay(world, username, request_id, 100),
                         _repay(world, username, request_id, 100)]:
                error = await raises(Forbidden, call)
                assert (error.code, error.field) == ("NOT_FUND_HOLDER", "requestId"), username
                assert error.message == ("Only the organisation that holds the funding pot "
                                         "pays from it.")


async def test_whoever_may_not_change_the_budget_is_refused_as_require_does(
    world: World, ada: int, unchanged: Any
) -> None:
    """The charity's sessions coordinator may read Ngozi's budget, not change it: FORBIDDEN.
    Staff with no care relationship, another person, and an unknown request: NOT_FOUND."""
    await add_staff(world, "coach", world.charity_team, ["core_arts.sessions_coordinator"])
    request_id = await _request(world)
    await _pay(world, "ada", request_id, 5_000)
    cases: list[tuple[str, int, type[DomainError], str]] = [
        ("coach", request_id, Forbidden, "FORBIDDEN"),
        ("stranger", request_id, NotFound, "NOT_FOUND"),
        ("belu", request_id, NotFound, "NOT_FOUND"),
        ("ada", UNKNOWN, NotFound, "NOT_FOUND"),
        ("system", UNKNOWN, NotFound, "NOT_FOUND"),
    ]
    async with unchanged():
        for username, target, kind, code in cases:
            for call in [_pay(world, username, target, 100, field="caseId"),
                         _repay(world, username, target, 100, field="caseId")]:
                error = await raises(kind, call)
                assert (error.code, error.field) == (code, "caseId"), (username, target)


# --- withdrawing and marking paid a part-paid request ------------------------------------


async def test_withdrawing_a_part_paid_request_releases_only_the_unpaid_part(
    world: World, db: Database, ada: int, unchanged: Any
) -> None:
    before_approval = await _pot(db, world)
    request_id = await _request(world, amount="200")
    await _pay(world, "ada", request_id, 6_000)
    available, committed, paid = await _pot(db, world)

    await budget_requests.withdraw_request(world.uow, await world.policy("ngozi"), request_id,
                                           reason="Moved away")
    assert await _money(db, request_id) == (S.WITHDRAWN, 6_000, 0)
    assert await _pot(db, world) == (available + 14_000, committed - 14_000, paid)
    assert (await _ledger(db, request_id))[-1] == (K.RELEASE, 14_000, 14_000)
    async with unchanged():
        error = await raises(InvalidTransition, _pay(world, "ada", request_id, 100))
        assert error.code == "REQUEST_NOT_APPROVED"

    # What was paid and not spent can still come back: then the pot is as it was.
    await _repay(world, "ada", request_id, 6_000)
    assert await _money(db, request_id) == (S.WITHDRAWN, 6_000, 6_000)
    assert await _pot(db, world) == before_approval


async def test_marking_paid_after_a_part_payment_pays_only_the_remainder(
    world: World, db: Database, ada: int
) -> None:
    request_id = await _request(world, amount="200")
    available, committed, paid = await _pot(db, world)
    await _pay(world, "ada", request_id, 5_000)

    await budget_requests.mark_paid(world.uow, await world.policy("ada"), request_id)
    assert await _money(db, request_id) == (S.PAID, 20_000, 0)
    assert await _pot(db, world) == (available, committed - 20_000, paid + 20_000)
    assert await _ledger(db, request_id) == [
        (K.RESERVATION, 20_000, -20_000), (K.PAYMENT, 5_000, 0), (K.PAYMENT, 15_000, 0)]
    assert [t[:2] for t in await _transitions(db, request_id)].count((S.APPROVED, S.PAID)) == 1


@pytest.mark.parametrize("operation", ["withdraw", "mark_paid"])
async def test_withdrawing_or_marking_paid_sees_an_instalment_paid_while_it_waited(
    world: World, db: Database, ada: int, operation: str
) -> None:
    """Each reads the request, then waits for the pot's lock while an instalment is paid; it
    must then move only what is still unpaid, not what it read before (PostgreSQL: before
    the fix, withdrawing released all 200 and marking paid paid all 200 again)."""
    await _request(world, amount="100")  # another request's reservation stays in the pot
    request_id = await _request(world, amount="200")
    available, committed, paid = await _pot(db, world)
    advisor = await world.policy("ada")
    waiting_call = (
        budget_requests.withdraw_request(world.uow, await world.policy("ngozi"), request_id)
        if operation == "withdraw"
        else budget_requests.mark_paid(world.uow, await world.policy("ada"), request_id))
    async with world.uow.begin() as tx:
        await budget_requests.pay_towards_request(tx, advisor, request_id, 6_000,
                                                  at=advisor.now)
        await tx.session.flush()
        waiting = asyncio.create_task(waiting_call)
        await asyncio.sleep(0.2)  # it reads the request, then waits for the lock
    await waiting
    if operation == "withdraw":
        assert await _money(db, request_id) == (S.WITHDRAWN, 6_000, 0)
        assert await _pot(db, world) == (available + 14_000, committed - 20_000, paid + 6_000)
        assert (await _ledger(db, request_id))[-1] == (K.RELEASE, 14_000, 14_000)
    else:
        assert await _money(db, request_id) == (S.PAID, 20_000, 0)
        assert await _pot(db, world) == (available, committed - 20_000, paid + 20_000)
        assert (await _ledger(db, request_id))[-1] == (K.PAYMENT, 14_000, 0)


async def test_an_approval_waiting_on_a_withdrawal_sees_the_request_withdrawn(
    world: World, db: Database
) -> None:
    """Every change to a request locks it first and reads it after the lock: an approval that
    waited while the request was withdrawn does not approve it again (PostgreSQL: without the
    lock the approval reserved the money and set a withdrawn request back to approved)."""
    request_id = await _request(world, S.SUBMITTED, amount="200")
    available, committed, paid = await _pot(db, world)
    async with world.uow.begin() as tx:  # a withdrawal, in flight
        request = await tx.session.get_one(BudgetRequest, request_id)
        await tx.session.execute(select(BudgetRequest.id).where(
            BudgetRequest.id == request_id).with_for_update())
        request.status = S.WITHDRAWN
        await tx.session.flush()
        approving = asyncio.create_task(budget_requests.approve_request(
            world.uow, await world.policy("james"), request_id))
        await asyncio.sleep(0.2)  # it waits for the request
    with pytest.raises(InvalidTransition):
        await approving
    assert (await _money(db, request_id))[0] is S.WITHDRAWN
    assert await _pot(db, world) == (available, committed, paid)

# --- repaying --------------------------------------------------------------------------------


async def test_repayments_return_to_the_pot_up_to_what_was_paid_and_not_repaid(
    world: World, db: Database, ada: int, unchanged: Any
) -> None:
    request_id = await _request(world, amount="200")
    async with unchanged():  # nothing paid yet, so nothing to repay
        error = await raises(InvalidInput, _repay(world, "ada", request_id, 1))
        assert (error.code, error.field) == ("MORE_THAN_PAID", "requestId")
    await _pay(world, "ada", request_id, 8_000)
    available, committed, paid = await _pot(db, world)
    when = policies.system().now - dt.timedelta(minutes=5)

    returned = await _repay(world, "ada", request_id, 3_000, at=when, note="Unspent")
    assert (returned.paid_pence, returned.repaid_pence) == (8_000, 3_000)
    assert await _money(db, request_id) == (S.APPROVED, 8_000, 3_000)
    assert await _pot(db, world) == (available + 3_000, committed, paid - 3_000)
    [repayment] = await stored_rows(db, FundingPotEntry,
                                    FundingPotEntry.request_id == request_id,
                                    FundingPotEntry.kind == K.REPAYMENT)
    assert (repayment.amount_pence, repayment.available_delta_pence) == (3_000, 3_000)
    assert (repayment.recorded_at, repayment.note) == (when, "Unspent")

    async with unchanged():
        for amount, code in [(0, "AMOUNT_NOT_POSITIVE"), (-5, "AMOUNT_NOT_POSITIVE"),
                             (5_001, "MORE_THAN_PAID")]:
            error = await raises(InvalidInput, _repay(world, "ada", request_id, amount))
            assert (error.code, error.field) == (code, "requestId"), amount

    # Repaid money does not reopen what is left to pay: the rest is still 12,000.
    await _pay(world, "ada", request_id, 12_000)
    assert await _money(db, request_id) == (S.PAID, 20_000, 3_000)
    await _repay(world, "ada", request_id, 17_000)
    assert await _money(db, request_id) == (S.PAID, 20_000, 20_000)
    assert await _pot(db, world) == (available + 20_000, committed - 12_000, paid - 8_000)
    async with unchanged():
        error = await raises(InvalidInput, _repay(world, "ada", request_id, 1))
        assert error.code == "MORE_THAN_PAID"


async def test_a_request_paid_in_full_before_can_be_repaid(
    world: World, db: Database, ada: int
) -> None:
    request_id = await _request(world, S.PAID, amount="150")
    available, committed, paid = await _pot(db, world)
    await _repay(world, "ada", request_id, 15_000)
    assert await _money(db, request_id) == (S.PAID, 15_000, 15_000)
    assert await _pot(db, world) == (available + 15_000, committed, paid - 15_000)
