"""Property: whatever is approved, paid (in whatever instalments) and repaid, the pot's ledger
sums to its available balance, committed and paid move exactly as the payments say, and the
pot is never overspent. Hypothesis is synchronous: it runs in a worker thread with its own
event loop and connection pool (like tests/elft/test_state_machine.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.db import Database
from core.errors import DomainError
from core.models import FundingPot
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import budget_requests
from core.services.accounts import principal_for_username
from core.services.budget_requests import ItemInput
from core.unit_of_work import UnitOfWork
from plugins.advocacy_project import services as ap
from plugins.advocacy_project.models import PaymentCase
from tests.elft.support import ElftWorld, ledger_balanced
from tests.support.world import PLUGINS, RULES

from .support import build_advocacy_world

T = TypeVar("T")

STORY = st.lists(st.tuples(
    st.integers(1, 100),  # the request, in whole pounds (one sign-off)
    st.lists(st.integers(1, 12_000), min_size=1, max_size=3),  # instalments, in pence
    st.integers(0, 3),  # how many of them to pay
    st.integers(0, 12_000),  # a repayment asked for, in pence
), min_size=1, max_size=3)


def _run(url: str, principals: dict[str, Principal], pot_id: int, goal: int,
         budget: int) -> None:
    loop = asyncio.new_event_loop()
    database = Database(url)
    uow = UnitOfWork(database, plugins=PLUGINS)

    def run(call: Awaitable[T]) -> T:
        return loop.run_until_complete(call)  # type: ignore[arg-type]

    def policy(who: str) -> AccessPolicy:
        return AccessPolicy(principals[who], RULES)

    async def pot() -> FundingPot:
        return await ledger_balanced(database, pot_id)

    @settings(max_examples=8, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(STORY)
    def story(steps: list[tuple[int, list[int], int, int]]) -> None:
        start = run(pot())
        approved = paid = repaid = 0
        for pounds, instalments, pay, repay in steps:
            request = run(budget_requests.create_request(
                uow, policy("amara"), budget_id=budget, purpose="Property",
                items=[ItemInput("Swimming lessons", str(pounds), goal)]))
            run(budget_requests.submit_request(uow, policy("amara"), request.id))
            run(budget_requests.approve_request(uow, policy("james"), request.id))
            approved += pounds * 100
            case = run(_case(database, request.id))
            try:
                payments = run(ap.schedule_payments(
                    uow, policy("ada"), case_id=case, payee="person", account_reference="P",
                    instalments=[ap.Instalment(p, dt.date.today()) for p in instalments]))
            except DomainError as refused:
                assert refused.code == "MORE_THAN_APPROVED"
                assert sum(instalments) > pounds * 100
                payments = []
            for payment in payments[:pay]:
                run(ap.record_payment(uow, policy("ada"), payment.id))
                paid += payment.amount_pence
            if repay:
                try:
                    notice = run(ap.issue_repayment_notice(
                        uow, policy("ada"), case_id=case, reason="Unspent", payer="Ngozi",
                        amount_pence=repay, deadline=dt.date.today() + dt.timedelta(days=28)))
                except DomainError as refused:
                    assert refused.code == "MORE_THAN_PAID"
                else:
                    run(ap.record_repayment(uow, policy("ada"), notice.id))
                    repaid += repay
            now = run(pot())
            assert now.committed_pence == start.committed_pence + approved - paid
            assert now.paid_pence == start.paid_pence + paid - repaid
            assert now.allocated_pence == start.allocated_pence

    try:
        story()
    finally:
        loop.run_until_complete(database.dispose())
        loop.close()


async def _case(database: Database, request_id: int) -> int:
    async with database.reading() as session:
        case = await session.scalar(select(PaymentCase.id).where(
            PaymentCase.request_id == request_id))
    assert case is not None
    return case


async def test_the_ledger_stays_balanced(elft: ElftWorld) -> None:
    await build_advocacy_world(elft)
    principals: dict[str, Any] = {}
    async with elft.db.reading() as session:
        for name in ("amara", "james", "ada"):
            principals[name] = await principal_for_username(session, name)
    url = elft.db.url.render_as_string(hide_password=False)
    await asyncio.to_thread(_run, url, principals, elft.world.pot, elft.weight_goal,
                            elft.world.budget)
