"""Funding pots, their ledger, and people's Personal Health Budgets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable
from typing import Any

from core.db import Database
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import Budget, FundingPot, FundingPotEntry, LedgerEntryKind, PaymentRoute
from core.policy import AccessPolicy
from core.services import funding
from tests.support import policies
from tests.support.refusals import raises, refused
from tests.support.stored import assert_pot_balanced, stored, stored_rows
from tests.support.world import World

UNKNOWN = 999_999
K = LedgerEntryKind


async def _ledger(db: Database, pot_id: int) -> list[tuple[Any, ...]]:
    rows = await stored_rows(db, FundingPotEntry, FundingPotEntry.pot_id == pot_id)
    return [(e.kind, e.amount_pence, e.available_delta_pence, e.note) for e in rows]


# --- pots ----------------------------------------------------------------------------------------


async def test_a_pot_opens_with_its_allocation_in_the_ledger(
    world: World, db: Database
) -> None:
    created = await funding.create_funding_pot(world.uow, policies.system(),
                                               name=" PHB pilot ",
                                               holder_organisation_id=world.charity,
                                               allocation_pence=2_000_000)
    pot = await assert_pot_balanced(db, created.id)
    assert (pot.name, pot.holder_organisation_id) == ("PHB pilot", world.charity)
    assert (pot.allocated_pence, pot.committed_pence, pot.paid_pence, pot.available_pence) == (
        2_000_000, 0, 0, 2_000_000)
    assert await _ledger(db, created.id) == [(K.ALLOCATION, 2_000_000, 2_000_000, None)]


async def test_create_funding_pot_refuses(world: World, unchanged: Any) -> None:
    system = policies.system()
    async with unchanged():
        for username in ["amara", "ngozi"]:
            error = await raises(Forbidden, funding.create_funding_pot(
                world.uow, await world.policy(username), name="Mine",
                holder_organisation_id=world.charity, allocation_pence=100))
            assert error.code == "FORBIDDEN"
    error = await refused(unchanged, InvalidInput, funding.create_funding_pot(
        world.uow, system, name="Pot", holder_organisation_id=world.charity,
        allocation_pence=-1))
    assert (error.code, error.field) == ("AMOUNT_NOT_POSITIVE", "allocation")
    error = await refused(unchanged, InvalidInput, funding.create_funding_pot(
        world.uow, system, name=" ", holder_organisation_id=world.charity,
        allocation_pence=100))
    assert (error.code, error.field) == ("REQUIRED", "name")
    error = await refused(unchanged, NotFound, funding.create_funding_pot(
        world.uow, system, name="Pot", holder_organisation_id=UNKNOWN, allocation_pence=100))
    assert (error.code, error.field) == ("NOT_FOUND", "holderOrganisationId")


async def test_top_ups_add_to_what_is_available(world: World, db: Database) -> None:
    before = await stored(db, FundingPot, world.pot)
    await funding.top_up_pot(world.uow, policies.system(), world.pot, amount_pence=25_000,
                             note="Winter pressures money")
    await funding.top_up_pot(world.uow, policies.system(), world.pot, amount_pence=1, note=None)
    pot = await assert_pot_balanced(db, world.pot)
    assert pot.allocated_pence == before.allocated_pence + 25_001
    assert pot.available_pence == before.available_pence + 25_001
    assert (await _ledger(db, world.pot))[-2:] == [
        (K.TOP_UP, 25_000, 25_000, "Winter pressures money"), (K.TOP_UP, 1, 1, None)]


async def test_top_up_refuses(world: World, unchanged: Any) -> None:
    error = await refused(unchanged, Forbidden, funding.top_up_pot(
        world.uow, await world.policy("james"), world.pot, amount_pence=100, note=None))
    assert error.code == "FORBIDDEN"
    async with unchanged():
        for amount in [0, -500]:
            error = await raises(InvalidInput, funding.top_up_pot(
                world.uow, policies.system(), world.pot, amount_pence=amount, note=None))
            assert (error.code, error.field) == ("AMOUNT_NOT_POSITIVE", "amount")
    error = await refused(unchanged, NotFound, funding.top_up_pot(
        world.uow, policies.system(), UNKNOWN, amount_pence=100, note=None))
    assert (error.code, error.field) == ("NOT_FOUND", "fundingPotId")


async def test_every_movement_keeps_the_ledger_equal_to_the_balance(
    world: World, db: Database, unchanged: Any
) -> None:
    start = (await stored(db, FundingPot, world.pot)).available_pence
    now = policies.system().now
    steps = [(K.RESERVATION, 30_000, -30_000), (K.RELEASE, 10_000, 10_000),
             (K.PAYMENT, 20_000, 0), (K.REPAYMENT, 5_000, 5_000), (K.TOP_UP, 1_000, 1_000)]
    expected = start
    for kind, amount, delta in steps:
        async with world.uow.begin() as tx:
            pot = await funding.lock_pot(tx.session, world.pot)
            funding.move_money(tx.session, pot, kind, amount, at=now, note=kind.value)
        expected += delta
        pot = await assert_pot_balanced(db, world.pot)
        assert pot.available_pence == expected, kind
    assert (pot.committed_pence, pot.paid_pence) == (0, 15_000)
    assert (await _ledger(db, world.pot))[-5:] == [
        (kind, amount, delta, kind.value) for kind, amount, delta in steps]

    async def reserve_more_than_is_left() -> None:
        async with world.uow.begin() as tx:
            pot = await funding.lock_pot(tx.session, world.pot)
            funding.move_money(tx.session, pot, K.RESERVATION, expected + 1, at=now)

    error = await refused(unchanged, Conflict, reserve_more_than_is_left())
    assert error.code == "POT_EXHAUSTED"

    async def lock_unknown() -> None:
        async with world.uow.begin() as tx:
            await funding.lock_pot(tx.session, UNKNOWN)

    error = await refused(unchanged, NotFound, lock_unknown())
    assert (error.code, error.field) == ("NOT_FOUND", "fundingPotId")


async def test_pots_are_directory_data(world: World) -> None:
    async with world.uow.db.reading() as session:
        found = await funding.pots_by_ids(session, [world.pot, UNKNOWN])
    assert {k: v.name for k, v in found.items()} == {world.pot: "Test pot"}


# --- budgets -------------------------------------------------------------------------------------


async def test_a_budget_is_opened_by_the_system_or_the_care_team(
    world: World, db: Database
) -> None:
    today = dt.date.today()
    by_system = await funding.create_budget(
        world.uow, policies.system(), person_id=world.zed, funding_pot_id=world.pot,
        payment_route=PaymentRoute.THIRD_PARTY, period_start=today,
        period_end=today + dt.timedelta(days=1))
    by_staff = await funding.create_budget(
        world.uow, await world.policy("amara"), person_id=world.belu, funding_pot_id=world.pot,
        payment_route=PaymentRoute.DIRECT_PAYMENT, period_start=today,
        period_end=today + dt.timedelta(days=365))
    budget = await stored(db, Budget, by_system.id)
    assert (budget.person_id, budget.funding_pot_id, budget.payment_route) == (
        world.zed, world.pot, PaymentRoute.THIRD_PARTY)
    assert (budget.period_start, budget.period_end) == (today, today + dt.timedelta(days=1))
    assert (await stored(db, Budget, by_staff.id)).person_id == world.belu


async def test_create_budget_refuses(world: World, unchanged: Any) -> None:
    today = dt.date.today()

    def budget(policy: AccessPolicy, **changes: Any) -> Awaitable[Budget]:
        arguments: dict[str, Any] = {
            "person_id": world.belu, "funding_pot_id": world.pot,
            "payment_route": PaymentRoute.NOTIONAL, "period_start": today,
            "period_end": today + dt.timedelta(days=30), **changes}
        return funding.create_budget(world.uow, policy, **arguments)

    async with unchanged():
        for username in ["belu", "ngozi"]:
            error = await raises(Forbidden, budget(await world.policy(username)))
            assert error.code == "FORBIDDEN"
    amara = await world.policy("amara")
    async with unchanged():
        for end in [today, today - dt.timedelta(days=1)]:
            error = await raises(InvalidInput, budget(amara, period_end=end))
            assert (error.code, error.field) == ("INVALID_PERIOD", "periodEnd")
    async with unchanged():
        for policy, person_id in [(await world.policy("stranger"), world.belu), (amara, world.zed),
                                  (policies.system(), UNKNOWN)]:
            error = await raises(NotFound, budget(policy, person_id=person_id))
            assert (error.code, error.field) == ("NOT_FOUND", "personId")
    error = await refused(unchanged, NotFound, budget(amara, funding_pot_id=UNKNOWN))
    assert (error.code, error.field) == ("NOT_FOUND", "fundingPotId")


async def test_budgets_are_read_through_the_policy(world: World) -> None:
    today = dt.date.today()
    older = await funding.create_budget(
        world.uow, policies.system(), person_id=world.ngozi, funding_pot_id=world.pot,
        payment_route=PaymentRoute.NOTIONAL, period_start=today - dt.timedelta(days=400),
        period_end=today - dt.timedelta(days=35))
    zeds = await funding.create_budget(
        world.uow, policies.system(), person_id=world.zed, funding_pot_id=world.pot,
        payment_route=PaymentRoute.NOTIONAL, period_start=today,
        period_end=today + dt.timedelta(days=30))
    everyone = [world.ngozi, world.belu, world.zed]
    budget_ids = [world.budget, world.notional_budget, older.id, zeds.id, UNKNOWN]

    async def read(username: str) -> tuple[set[int], dict[int, list[int]]]:
        policy = await world.policy(username)
        async with world.uow.db.reading() as session:
            by_id = await funding.budgets_by_ids(session, policy, budget_ids)
            per_person = await funding.budgets_for_people(session, policy, everyone)
        return set(by_id), {pid: [b.id for b in found] for pid, found in per_person.items()}

    assert await read("ngozi") == (
        {world.budget, older.id},
        {world.ngozi: [world.budget, older.id], world.belu: [], world.zed: []})
    assert await read("amara") == (
        {world.budget, older.id, world.notional_budget},
        {world.ngozi: [world.budget, older.id], world.belu: [world.notional_budget],
         world.zed: []})
    assert await read("stranger") == (set(), dict.fromkeys(everyone, []))
