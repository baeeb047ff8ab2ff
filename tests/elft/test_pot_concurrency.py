"""The funding pot is never overspent, however many approvals race for its last pounds.

On PostgreSQL the final sign-off locks the pot's row (``SELECT ... FOR UPDATE``); on SQLite the
write transaction starts with ``BEGIN IMMEDIATE``. Twenty approvals, each on its own connection,
race for a pot that holds seven of them: exactly seven succeed and the ledger balances.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from core.errors import Conflict
from core.models import (
    BudgetRequest,
    BudgetRequestStatus,
    FundingPotEntry,
    LedgerEntryKind,
    PaymentRoute,
)
from core.services import budget_requests, funding
from tests.support import policies
from tests.support.stored import stored_rows

from .support import ElftWorld, ledger_balanced

S = BudgetRequestStatus
RACERS = 20
ROOM_FOR = 7
AMOUNT_PENCE = 12_000  # £120: one clinician's sign-off


async def _small_pot(elft: ElftWorld) -> tuple[int, int]:
    """A pot holding exactly seven requests, and a budget of Ngozi's drawing on it."""
    system = policies.system()
    pot = await funding.create_funding_pot(elft.uow, system, name="Seven requests",
                                           holder_organisation_id=elft.world.charity,
                                           allocation_pence=ROOM_FOR * AMOUNT_PENCE)
    today = system.now.date()
    budget = await funding.create_budget(
        elft.uow, system, person_id=elft.world.ngozi, funding_pot_id=pot.id,
        payment_route=PaymentRoute.DIRECT_PAYMENT, period_start=today,
        period_end=today + dt.timedelta(days=365))
    return pot.id, budget.id


async def test_twenty_approvals_race_for_a_pot_that_holds_seven(elft: ElftWorld) -> None:
    pot_id, budget_id = await _small_pot(elft)
    requests = [await elft.request("120", by="ngozi", budget=budget_id) for _ in range(RACERS)]
    approvers = ["james", "tariq", "rosa"]
    policies_ = [await elft.policy(approvers[i % len(approvers)]) for i in range(RACERS)]

    outcomes = await asyncio.gather(*(
        budget_requests.approve_request(elft.uow, policy, request_id)
        for policy, request_id in zip(policies_, requests, strict=True)
    ), return_exceptions=True)

    approved = [o for o in outcomes if isinstance(o, BudgetRequest)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(approved) == ROOM_FOR, outcomes
    assert all(isinstance(o, Conflict) and o.code == "POT_EXHAUSTED" for o in refused), refused
    pot = await ledger_balanced(elft.db, pot_id)
    assert (pot.available_pence, pot.committed_pence, pot.paid_pence) == (
        0, ROOM_FOR * AMOUNT_PENCE, 0)
    entries = await stored_rows(elft.db, FundingPotEntry, FundingPotEntry.pot_id == pot_id)
    assert [e.kind for e in entries] == [LedgerEntryKind.ALLOCATION] + (
        [LedgerEntryKind.RESERVATION] * ROOM_FOR)
    statuses = [r.status for r in await stored_rows(elft.db, BudgetRequest,
                                                    BudgetRequest.budget_id == budget_id)]
    assert statuses.count(S.APPROVED) == ROOM_FOR
    assert statuses.count(S.SUBMITTED) == RACERS - ROOM_FOR

    # Withdrawing an approved request gives its money back: exactly one more fits.
    winner = next(o.id for o in approved)
    await budget_requests.withdraw_request(elft.uow, await elft.policy("ngozi"), winner)
    waiting = [r for r in requests if r not in {o.id for o in approved}]
    james = [await elft.policy("james") for _ in range(3)]
    again = await asyncio.gather(*(
        budget_requests.approve_request(elft.uow, policy, request_id)
        for policy, request_id in zip(james, waiting[:3], strict=True)), return_exceptions=True)
    assert sum(isinstance(o, BudgetRequest) for o in again) == 1, again
    pot = await ledger_balanced(elft.db, pot_id)
    assert (pot.available_pence, pot.committed_pence) == (0, ROOM_FOR * AMOUNT_PENCE)
