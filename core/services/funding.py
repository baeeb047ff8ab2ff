"""Funding pots and budgets. Every movement of money is a ledger entry.

``available = allocated - committed - paid``; the ledger's ``available_delta_pence`` entries sum
to it. An approval takes the pot's row lock (``FOR UPDATE`` on PostgreSQL; on SQLite the write
transaction already holds the database's write lock from ``BEGIN IMMEDIATE``), so two approvals
can never both spend the last pound.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..categories import DataCategory
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import (
    Budget,
    FundingPot,
    FundingPotEntry,
    LedgerEntryKind,
    Organisation,
    PaymentRoute,
    Person,
)
from ..money import Money
from ..policy import AccessPolicy, Action
from ..principal import PrincipalKind
from ..unit_of_work import UnitOfWork
from ._common import required_text

__all__ = [
    "budgets_by_ids",
    "budgets_for_people",
    "create_budget",
    "create_funding_pot",
    "lock_pot",
    "move_money",
    "pots_by_ids",
    "top_up_pot",
]


async def lock_pot(session: AsyncSession, pot_id: int) -> FundingPot:
    pot = await session.scalar(
        select(FundingPot).where(FundingPot.id == pot_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if pot is None:
        raise NotFound("funding pot", field="fundingPotId")
    return pot


def move_money(
    session: AsyncSession,
    pot: FundingPot,
    kind: LedgerEntryKind,
    amount_pence: int,
    *,
    request_id: int | None = None,
    at: dt.datetime,
    note: str | None = None,
) -> None:
    """Apply one movement to a locked pot and write it to the ledger."""
    if kind in (LedgerEntryKind.ALLOCATION, LedgerEntryKind.TOP_UP):
        pot.allocated_pence += amount_pence
        delta = amount_pence
    elif kind is LedgerEntryKind.RESERVATION:
        if amount_pence > pot.available_pence:
            raise Conflict(
                f"The funding pot has {Money(pot.available_pence)} left, less than the "
                f"{Money(amount_pence)} this needs.",
                code="POT_EXHAUSTED",
                field="requestId" if request_id is not None else None,
            )
        pot.committed_pence += amount_pence
        delta = -amount_pence
    elif kind is LedgerEntryKind.RELEASE:
        pot.committed_pence -= amount_pence
        delta = amount_pence
    elif kind is LedgerEntryKind.PAYMENT:
        # Money reserved at approval is now spent: available does not change.
        pot.committed_pence -= amount_pence
        pot.paid_pence += amount_pence
        delta = 0
    else:  # REPAYMENT: unspent money comes back to the pot
        pot.paid_pence -= amount_pence
        delta = amount_pence
    session.add(FundingPotEntry(pot_id=pot.id, kind=kind, amount_pence=amount_pence,
                                available_delta_pence=delta, request_id=request_id,
                                recorded_at=at, note=note))


async def create_funding_pot(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    name: str,
    holder_organisation_id: int,
    allocation_pence: int,
) -> FundingPot:
    if policy.principal.kind is not PrincipalKind.SYSTEM:
        raise Forbidden("Only an operator can create a funding pot.")
    if allocation_pence < 0:
        raise InvalidInput("The allocation cannot be negative.", code="AMOUNT_NOT_POSITIVE",
                           field="allocation")
    pot = FundingPot(name=required_text(name, field="name", what="a name", max_length=200),
                     holder_organisation_id=holder_organisation_id, allocated_pence=0,
                     committed_pence=0, paid_pence=0)
    async with uow.begin() as tx:
        if await tx.session.get(Organisation, holder_organisation_id) is None:
            raise NotFound("organisation", field="holderOrganisationId")
        tx.session.add(pot)
        await tx.session.flush()
        move_money(tx.session, pot, LedgerEntryKind.ALLOCATION, allocation_pence, at=policy.now)
    return pot


async def top_up_pot(
    uow: UnitOfWork, policy: AccessPolicy, pot_id: int, *, amount_pence: int, note: str | None
) -> FundingPot:
    if policy.principal.kind is not PrincipalKind.SYSTEM:
        raise Forbidden("Only an operator can top up a funding pot.")
    if amount_pence <= 0:
        raise InvalidInput("A top-up must be more than £0.00.", code="AMOUNT_NOT_POSITIVE",
                           field="amount")
    async with uow.begin() as tx:
        pot = await lock_pot(tx.session, pot_id)
        move_money(tx.session, pot, LedgerEntryKind.TOP_UP, amount_pence, at=policy.now,
                   note=note)
    return pot


async def create_budget(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    funding_pot_id: int,
    payment_route: PaymentRoute,
    period_start: dt.date,
    period_end: dt.date,
) -> Budget:
    """Open a Personal Health Budget for a person. Staff in their care team, or the system."""
    if policy.principal.kind not in (PrincipalKind.STAFF, PrincipalKind.SYSTEM):
        raise Forbidden("A budget is set up by the person's care team.")
    if period_end <= period_start:
        raise InvalidInput("The budget period must end after it starts.",
                           code="INVALID_PERIOD", field="periodEnd")
    budget = Budget(person_id=person_id, funding_pot_id=funding_pot_id,
                    payment_route=payment_route, period_start=period_start,
                    period_end=period_end)
    async with uow.begin() as tx:
        if policy.principal.kind is PrincipalKind.SYSTEM:
            if await tx.session.get(Person, person_id) is None:
                raise NotFound("person", field="personId")
        await policy.require(tx.session, Action.CREATE, person_id, ["budget"],
                             field="personId")
        if await tx.session.get(FundingPot, funding_pot_id) is None:
            raise NotFound("funding pot", field="fundingPotId")
        tx.session.add(budget)
    return budget


async def budgets_by_ids(
    session: AsyncSession, policy: AccessPolicy, ids: Sequence[int]
) -> dict[int, Budget]:
    rows = await session.scalars(
        select(Budget).where(Budget.id.in_(set(ids)), policy.person_filter(Budget.person_id))
    )
    return {row.id: row for row in await policy.readable(session, rows, DataCategory.BUDGET)}


async def budgets_for_people(
    session: AsyncSession, policy: AccessPolicy, person_ids: Sequence[int]
) -> dict[int, list[Budget]]:
    rows = await session.scalars(
        select(Budget)
        .where(Budget.person_id.in_(set(person_ids)), policy.person_filter(Budget.person_id))
        .order_by(Budget.person_id, Budget.period_start.desc(), Budget.id.desc())
    )
    grouped: dict[int, list[Budget]] = {pid: [] for pid in person_ids}
    for budget in await policy.readable(session, rows, DataCategory.BUDGET):
        grouped[budget.person_id].append(budget)
    return grouped


async def pots_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, FundingPot]:
    """Pots hold no person's data: their totals are visible to any signed-in principal."""
    rows = await session.scalars(select(FundingPot).where(FundingPot.id.in_(set(ids))))
    return {row.id: row for row in rows}
