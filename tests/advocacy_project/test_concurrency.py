"""Advisors racing on one case: a payment is made once, the instalments never add up to more
than was approved, a notice is repaid once and notices never reclaim more than was paid.

Every change to a case first locks the case's row (``cases.case_for_update``: ``SELECT ... FOR
UPDATE``), and reads what it checks after the lock. The race is PostgreSQL's: on SQLite every
write transaction starts with ``BEGIN IMMEDIATE``, which serialises the writers before they
read anything (these run there too, and must hold just the same).

Each racer is its own use case on its own connection, started together with
``asyncio.gather``; the amounts are chosen so that core's own checks (the pot's lock in
``pay_towards_request``) would not hide a lost race: without the case's lock, several would
succeed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from core.models import BudgetRequest, BudgetRequestStatus, FundingPot, FundingPotEntry
from core.models import LedgerEntryKind as K
from plugins.advocacy_project import payments, repayment
from plugins.advocacy_project.models import (
    NoticeStatus,
    Payee,
    Payment,
    PaymentCase,
    PaymentStatus,
    RepaymentNotice,
    Review,
)
from plugins.advocacy_project.payments import Instalment
from tests.elft.support import ElftWorld, ledger_balanced
from tests.support.stored import stored, stored_rows

from .support import AdvocacyWorld, build_advocacy_world

RACERS = 10
TODAY = dt.datetime.now(dt.UTC).date()
DEADLINE = TODAY + dt.timedelta(days=28)


@pytest.fixture
async def ap_world(elft: ElftWorld) -> AdvocacyWorld:
    return await build_advocacy_world(elft)


async def _race(w: AdvocacyWorld, use_case: Any, *args: Any,
                **kwargs: Any) -> tuple[list[Any], list[BaseException]]:
    """``RACERS`` advisors (Ada and Abe, taking turns) run the same use case at once. Returns
    what succeeded and what was refused."""
    advisors = [await w.policy("ada" if i % 2 else "abe") for i in range(RACERS)]
    calls: Sequence[Awaitable[Any]] = [use_case(w.elft.uow, policy, *args, **kwargs)
                                       for policy in advisors]
    outcomes = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 60)
    return ([o for o in outcomes if not isinstance(o, BaseException)],
            [o for o in outcomes if isinstance(o, BaseException)])


def _codes(refused: list[BaseException]) -> set[str | None]:
    return {o.code if isinstance(o, DomainError) else repr(o) for o in refused}


async def _ledger(w: AdvocacyWorld, request_id: int) -> list[tuple[K, int]]:
    return [(e.kind, e.amount_pence) for e in await stored_rows(
        w.elft.db, FundingPotEntry, FundingPotEntry.request_id == request_id)]


async def _pot(w: AdvocacyWorld) -> FundingPot:
    return await ledger_balanced(w.elft.db, w.elft.world.pot)


async def _paid_case(w: AdvocacyWorld) -> PaymentCase:
    """Ngozi's £200 paid in full, in one payment."""
    case = await w.approved_case("200", "Gym membership")
    [payment] = await payments.schedule_payments(
        w.elft.uow, await w.policy("ada"), case_id=case.id, payee=Payee.PERSON,
        account_reference="DP-RACE", instalments=[Instalment(20_000, TODAY)])
    await payments.record_payment(w.elft.uow, await w.policy("ada"), payment.id)
    return case


async def test_a_payment_raced_by_ten_advisors_is_made_once(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    case = await w.approved_case("200", "Gym membership")
    # £10 of £200: core would let ten of them through, one after the other.
    [payment] = await payments.schedule_payments(
        w.elft.uow, await w.policy("ada"), case_id=case.id, payee=Payee.PERSON,
        account_reference="DP-RACE", instalments=[Instalment(1_000, TODAY)])
    before = await _pot(w)

    made, refused = await _race(w, payments.record_payment, payment.id)

    assert len(made) == 1, (made, refused)
    assert _codes(refused) == {"ALREADY_PAID"}, refused
    after = await _pot(w)
    assert (after.committed_pence, after.paid_pence) == (before.committed_pence - 1_000,
                                                         before.paid_pence + 1_000)
    assert await _ledger(w, case.request_id) == [(K.RESERVATION, 20_000), (K.PAYMENT, 1_000)]
    request = await stored(w.elft.db, BudgetRequest, case.request_id)
    assert (request.status, request.paid_pence) == (BudgetRequestStatus.APPROVED, 1_000)
    stored_payment = await stored(w.elft.db, Payment, payment.id)
    assert stored_payment.status is PaymentStatus.PAID
    assert len(await stored_rows(w.elft.db, Review, Review.case_id == case.id)) == 1


async def test_racing_schedules_never_add_up_to_more_than_was_approved(
        ap_world: AdvocacyWorld) -> None:
    w = ap_world
    case = await w.approved_case("200", "Gym membership")
    # Ten advisors each schedule £30 of the £200: six fit, the other four do not.
    made, refused = await _race(
        w, payments.schedule_payments, case_id=case.id, payee=Payee.PERSON,
        account_reference="DP-RACE", instalments=[Instalment(3_000, TODAY)])

    assert (len(made), len(refused)) == (6, 4), (made, refused)
    assert _codes(refused) == {"MORE_THAN_APPROVED"}, refused
    async with w.elft.db.reading() as session:
        scheduled = await session.scalar(
            select(func.sum(Payment.amount_pence)).where(Payment.case_id == case.id))
    assert scheduled == 18_000 <= case.approved_pence


async def test_a_notice_raced_by_ten_advisors_is_repaid_once(ap_world: AdvocacyWorld) -> None:
    w = ap_world
    case = await _paid_case(w)
    notice = await repayment.issue_repayment_notice(
        w.elft.uow, await w.policy("ada"), case_id=case.id, reason="£50 was not spent.",
        amount_pence=5_000, deadline=DEADLINE, payer=Payee.PERSON)
    before = await _pot(w)

    made, refused = await _race(w, repayment.record_repayment, notice.id)

    assert len(made) == 1, (made, refused)
    assert _codes(refused) == {"NOT_REPAYABLE"}, refused
    after = await _pot(w)
    assert (after.committed_pence, after.paid_pence) == (before.committed_pence,
                                                         before.paid_pence - 5_000)
    assert await _ledger(w, case.request_id) == [
        (K.RESERVATION, 20_000), (K.PAYMENT, 20_000), (K.REPAYMENT, 5_000)]
    request = await stored(w.elft.db, BudgetRequest, case.request_id)
    assert (request.paid_pence, request.repaid_pence) == (20_000, 5_000)
    assert (await stored(w.elft.db, RepaymentNotice, notice.id)).status is NoticeStatus.REPAID


async def test_racing_notices_never_reclaim_more_than_was_paid(
        ap_world: AdvocacyWorld) -> None:
    w = ap_world
    case = await _paid_case(w)
    # Ten notices of £30 each against the £200 paid: six fit, the other four do not.
    made, refused = await _race(
        w, repayment.issue_repayment_notice, case_id=case.id, reason="Not spent.",
        amount_pence=3_000, deadline=DEADLINE, payer=Payee.PERSON)

    assert (len(made), len(refused)) == (6, 4), (made, refused)
    assert _codes(refused) == {"MORE_THAN_PAID"}, refused
    notices = await stored_rows(w.elft.db, RepaymentNotice, RepaymentNotice.case_id == case.id)
    assert sum(n.amount_pence for n in notices) == 18_000 <= 20_000
