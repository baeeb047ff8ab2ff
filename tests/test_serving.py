"""The real ``recovery-hub serve``: several workers on PostgreSQL come up while the host is
busy and share the load; SIGTERM lets a request in flight finish; addresses behind a trusted
proxy are the clients'."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from core.migrate import upgrade_async
from tests.support.server import running_server
from tests.support.world import PLUGINS

ANONYMOUS = {"query": "{ viewer { kind } }"}


@contextmanager
def busy_core() -> Iterator[None]:
    """Another process spinning on a core (as on a hospital's host) while the test runs."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


async def _wait_for_line(server_log: Path, text: str, within: float = 60) -> None:
    async with asyncio.timeout(within):
        while text not in server_log.read_text():
            await asyncio.sleep(0.05)


async def test_two_workers_on_postgres_share_the_load_and_finish_requests_on_sigterm(
        fresh_postgres_url: str, tmp_path: Path) -> None:
    await upgrade_async(fresh_postgres_url, plugins=PLUGINS)
    with busy_core():
        started = time.monotonic()
        async with running_server(tmp_path, fresh_postgres_url, "--workers", "2") as server:
            first_answer = time.monotonic() - started
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
                served_by: set[int] = set()
                for _ in range(10):  # until both workers answered: at most ten rounds of 50
                    ids = [uuid.uuid4().hex for _ in range(50)]
                    answers = await asyncio.gather(*(client.post(
                        "/graphql", json=ANONYMOUS, headers={"X-Request-ID": request_id})
                        for request_id in ids))
                    assert [a.status_code for a in answers] == [200] * 50
                    assert {a.text for a in answers} == {'{"data":{"viewer":null}}'}
                    lines = {line.get("request_id"): line for line in server.log_lines()
                             if line["logger"] == "uvicorn.access"}
                    served_by |= {lines[request_id]["process"] for request_id in ids}
                    if len(served_by) == 2:
                        break
                assert len(served_by) == 2, "one worker answered everything"

                # A request in flight when SIGTERM comes is finished: /readyz waits for a
                # table the test holds locked, until the server is shutting down.
                admin = await asyncpg.connect(make_url(fresh_postgres_url).set(
                    drivername="postgresql").render_as_string(hide_password=False))
                try:
                    locking = admin.transaction()
                    await locking.start()
                    await admin.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
                    in_flight = asyncio.create_task(client.get("/readyz"))
                    async with asyncio.timeout(60):  # until the request waits for the lock
                        while not await admin.fetchval(
                                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                                "'Lock' AND query LIKE 'SELECT version_num%'"):
                            # A transaction sees one snapshot of the statistics: a new one.
                            await admin.execute("SELECT pg_stat_clear_snapshot()")
                            await asyncio.sleep(0.05)
                    server.process.send_signal(signal.SIGTERM)
                    await _wait_for_line(server.log_path, "Shutting down")
                    await locking.rollback()
                    finished = await in_flight
                finally:
                    await admin.close()
            assert await asyncio.wait_for(server.process.wait(), 60) == 0
    assert (finished.status_code, finished.json()) == (200, {"status": "ready"})
    print(f"two workers on PostgreSQL answered {first_answer:.1f} s after start")


async def test_behind_a_trusted_proxy_each_client_has_its_own_address(
        fresh_postgres_url: str, tmp_path: Path) -> None:
    await upgrade_async(fresh_postgres_url, plugins=PLUGINS)
    limit = {"RECOVERY_HUB_RATE_LIMIT_PER_ADDRESS": "2/minute"}
    trusting = {**limit, "RECOVERY_HUB_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    async def three_from(server_url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=server_url) as client:
            return [(await client.post("/graphql", json=ANONYMOUS, headers={
                "X-Forwarded-For": address})).status_code
                for address in ("203.0.113.1", "203.0.113.1", "203.0.113.2",
                                "203.0.113.1")]

    async with running_server(tmp_path / "a", fresh_postgres_url, env=trusting) as proxied, \
            running_server(tmp_path / "b", fresh_postgres_url, env=limit) as direct:
        behind_proxy, not_trusted = await asyncio.gather(three_from(proxied.url),
                                                         three_from(direct.url))
    # Trusted: 203.0.113.2 has its own count. Not trusted: everyone is 127.0.0.1.
    assert behind_proxy == [200, 200, 200, 429]
    assert not_trusted == [200, 200, 429, 429]
    assert os.environ.get("RECOVERY_HUB_FORWARDED_ALLOW_IPS") is None
