"""A worker killed with SIGKILL in the middle of concurrent approvals, on PostgreSQL: every
approval the API acknowledged is in the database, the pot is never overspent, its ledger
balances, and the audit trail verifies."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from auth.dev_tokens import issue_dev_token
from core.audit import verify_chain
from core.db import Database
from core.migrate import upgrade_async
from core.models import BudgetRequest, BudgetRequestStatus, FundingPot
from core.unit_of_work import UnitOfWork
from tests.elft.support import build_elft_world, ledger_balanced
from tests.support.graphql import gid
from tests.support.server import running_server
from tests.support.world import PLUGINS, build_world

SECRET = "a-development-secret-for-the-fault-test-0123456789"
APPROVE = """mutation($id: ID!) { approveBudgetRequest(input: {requestId: $id}) {
  budgetRequest { status } userErrors { code } } }"""
REQUESTS = 40  # £100 each, from a pot of £3,000: thirty can be approved


async def _world(url: str) -> tuple[list[int], int]:
    """Ngozi's submitted requests (ELFT's rules: £100 needs one sign-off) and the pot."""
    db = Database(url)
    try:
        world = await build_world(UnitOfWork(db, plugins=PLUGINS), pot_pence=300_000)
        elft = await build_elft_world(world)
        requests = [await elft.request("100") for _ in range(REQUESTS)]
        return requests, world.pot
    finally:
        await db.dispose()


async def test_a_worker_killed_mid_load_loses_no_acknowledged_approval(
        fresh_postgres_url: str, tmp_path: Path) -> None:
    await upgrade_async(fresh_postgres_url, plugins=PLUGINS)
    requests, pot_id = await _world(fresh_postgres_url)
    token = issue_dev_token(SECRET, "james")  # the team lead signs off
    acknowledged: list[int] = []
    killed: list[int] = []
    async with running_server(tmp_path, fresh_postgres_url, "--workers", "2", "--dev",
                              env={"RECOVERY_HUB_SECRET_KEY": SECRET}) as server:
        workers = [line["process"] for line in server.log_lines()
                   if line["event"].startswith("Booting worker")]
        assert len(workers) == 2
        queue: asyncio.Queue[int] = asyncio.Queue()
        for request_id in requests:
            queue.put_nowait(request_id)

        async def approver(client: httpx.AsyncClient) -> None:
            while not queue.empty():
                request_id = queue.get_nowait()
                try:
                    answer = await client.post("/graphql", json={
                        "query": APPROVE, "variables": {"id": gid("BudgetRequest", request_id)}},
                        headers={"Authorization": f"Bearer {token}"})
                except httpx.TransportError:
                    continue  # the worker died under it: not acknowledged
                if answer.status_code != 200:
                    continue
                payload = answer.json()["data"]["approveBudgetRequest"]
                if payload["budgetRequest"] and payload["budgetRequest"]["status"] == "APPROVED":
                    acknowledged.append(request_id)
                if len(acknowledged) == 8 and not killed:
                    killed.append(workers[0])
                    os.kill(workers[0], signal.SIGKILL)  # mid-load, without warning

        limits = httpx.Limits(max_keepalive_connections=0)  # new connections: both workers
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
            await asyncio.gather(*(approver(client) for _ in range(8)))
        assert killed, "the load ended before a worker was killed"
        # gunicorn forked a new worker in its place; the platform still answers.
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/readyz")).json() == {"status": "ready"}
    db = Database(fresh_postgres_url)
    try:
        async with db.reading() as session:
            statuses = dict((await session.execute(select(BudgetRequest.id, BudgetRequest.status)
                                                   .where(BudgetRequest.id.in_(requests)))).all())
            pot = await session.get_one(FundingPot, pot_id)
            report = await verify_chain(session)
        approved = [r for r in requests if statuses[r] is BudgetRequestStatus.APPROVED]
        assert set(acknowledged) <= set(approved)  # nothing acknowledged was lost
        assert len(approved) <= 30  # £3,000 at £100 each: never more
        balanced: Any = await ledger_balanced(db, pot_id)
        assert balanced.available_pence == pot.available_pence >= 0
        assert pot.committed_pence == 10_000 * len(approved)
        assert report.ok, report
        print(f"{len(acknowledged)} approvals acknowledged, {len(approved)} approved, "
              f"£{pot.available_pence / 100:.2f} left")
    finally:
        await db.dispose()
