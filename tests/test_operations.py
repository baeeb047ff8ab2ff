"""What an operator watches: /healthz, /readyz, /metrics; and rate limits per address and per
client (429 with Retry-After), shared between workers through Redis."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from auth.dev_tokens import issue_dev_token
from core.jobs.queue import insert_job
from core.migrate import upgrade_async
from recovery_hub.app import create_app
from recovery_hub.settings import Settings
from tests.support.world import PLUGINS, World
from tests.test_http import SECRET, serve

ME = {"query": "query Me { me { givenName } }", "operationName": "Me"}


def _settings(database_url: str, **changes: Any) -> Settings:
    return Settings(database_url=database_url, development=True, secret_key=SECRET,
                    request_timeout_seconds=120.0).replace(**changes)


def _auth(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(SECRET, username)}"}


def _sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in metrics.splitlines():
        match = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if match and match[1] == name:
            found = ",".join(sorted((match[2] or "").split(","))) if match[2] else ""
            if found == wanted:
                return float(match[3])
    return 0.0


async def test_health_and_readiness(database_url: str, world: World) -> None:
    async with serve(create_app(_settings(database_url))) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})


async def test_not_ready_until_migrated_and_while_the_database_is_away(
        fresh_database_url: str, tmp_path: Path) -> None:
    async with serve(create_app(_settings(fresh_database_url))) as client:
        unmigrated = await client.get("/readyz")
        await upgrade_async(fresh_database_url, plugins=PLUGINS)
        migrated = await client.get("/readyz")
    assert unmigrated.status_code == 503
    [problem] = unmigrated.json()["problems"]
    assert problem.startswith("the database ") and "recovery-hub db upgrade" in problem or (
        "does not answer" in problem)
    assert migrated.json() == {"status": "ready"}
    away = _settings("postgresql://nobody@127.0.0.1:9/none", pool_timeout_seconds=2)
    async with serve(create_app(away)) as client:
        unreachable = await client.get("/readyz")
        alive = await client.get("/healthz")
    assert unreachable.status_code == 503
    assert unreachable.json()["problems"][0].startswith("the database does not answer")
    assert alive.status_code == 200  # alive, not ready: do not restart it, do not send it work


async def test_metrics_count_requests_pool_audit_and_jobs(database_url: str,
                                                          world: World) -> None:
    async with world.uow.begin() as tx:
        await insert_job(tx.session, "core.rescue_jobs", {}, key=None, max_attempts=1)
    app = create_app(_settings(database_url, jobs="worker"))  # no worker: the job waits
    async with serve(app) as client, app.router.lifespan_context(app):
        before = (await client.get("/metrics")).text
        await client.post("/graphql", json=ME, headers=_auth("ngozi"))
        await client.post("/graphql", json={"query": "query Them($id: ID!) { person(id: $id) "
                                            "{ displayName } }", "operationName": "Them",
                                            "variables": {"id": "UGVyc29uOjE="}},
                          headers=_auth("amara"))  # an audited read
        await client.post("/graphql", content=b"{", headers={"Content-Type": "application/json"})
        after = await client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    metrics = after.text
    ok = {"route": "/graphql", "operation": "Me", "outcome": "ok"}
    assert _sample(metrics, "recovery_hub_requests_total", **ok) == _sample(
        before, "recovery_hub_requests_total", **ok) + 1
    refused = {"route": "/graphql", "operation": "anonymous", "outcome": "refused"}
    assert _sample(metrics, "recovery_hub_requests_total", **refused) >= 1
    assert _sample(metrics, "recovery_hub_request_duration_seconds_count", route="/graphql",
                   operation="Me") >= 1
    assert _sample(metrics, "recovery_hub_audit_write_seconds_count") > _sample(
        before, "recovery_hub_audit_write_seconds_count")
    assert _sample(metrics, "recovery_hub_db_connections", state="capacity") >= 20
    assert "recovery_hub_db_connections{state=\"in_use\"}" in metrics
    assert _sample(metrics, "recovery_hub_jobs", status="queued") == 1


async def test_rate_limits_per_client_and_per_address(database_url: str, world: World) -> None:
    settings = _settings(database_url, rate_limit_per_client="3/minute",
                         rate_limit_per_address="5/minute")
    async with serve(create_app(settings)) as client:
        ngozi = [await client.post("/graphql", json=ME, headers=_auth("ngozi"))
                 for _ in range(4)]
        belu = await client.post("/graphql", json=ME, headers=_auth("belu"))
        # Ngozi's four and Belu's one came from this address: the sixth is over its limit.
        anyone = await client.post("/graphql", json=ME)
    assert [r.status_code for r in ngozi] == [200, 200, 200, 429]
    assert belu.status_code == 200
    for refused in (ngozi[3], anyone):
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        [error] = refused.json()["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["message"].startswith("Too many requests: try again in ")


async def test_the_token_endpoint_has_its_own_limit(database_url: str, world: World) -> None:
    settings = _settings(database_url, rate_limit_token_per_address="2/minute")
    async with serve(create_app(settings)) as client:
        tries = [await client.post("/oauth/token", data={"grant_type": "client_credentials",
                                                         "client_id": "nobody"})
                 for _ in range(3)]
        graphql = await client.post("/graphql", json=ME)
    assert [r.status_code for r in tries][:2] != [429, 429]
    assert tries[2].status_code == 429 and "retry-after" in tries[2].headers
    assert graphql.status_code == 200


async def test_workers_share_their_counts_through_redis(database_url: str,
                                                        world: World) -> None:
    """Two apps (two worker processes' worth) against one Redis: one limit between them."""
    redis_url = "redis://127.0.0.1:6379/0"
    settings = _settings(database_url, rate_limit_per_client="3/minute", redis_url=redis_url)
    first, second = create_app(settings), create_app(settings)
    namespace = f"test-{uuid.uuid4().hex}"  # this test's counts only
    for app in (first, second):
        app.state.platform.rate_limits.namespace = namespace
    async with serve(first) as one, serve(second) as two:
        answers = [await (one if n % 2 else two).post("/graphql", json=ME,
                                                      headers=_auth("ngozi"))
                   for n in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]


def test_a_rate_that_does_not_parse_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOVERY_HUB_RATE_LIMIT_PER_CLIENT", "lots")
    from recovery_hub.settings import SettingsError

    with pytest.raises(SettingsError, match="RECOVERY_HUB_RATE_LIMIT_PER_CLIENT='lots': 'lots' "
                                            "is not a rate such as '300/minute'"):
        Settings.from_env()


async def test_readiness_needs_the_plugins_migrations_too(database_url: str,
                                                          world: World) -> None:
    async with serve(create_app(_settings(database_url))) as client:
        async with world.uow.db.engine.begin() as connection:
            saved = list(await connection.scalars(text("SELECT version_num FROM "
                                                       "alembic_version")))
            await connection.execute(text("DELETE FROM alembic_version WHERE version_num "
                                          "LIKE 'elft%'"))
        try:
            behind = await client.get("/readyz")
        finally:
            async with world.uow.db.engine.begin() as connection:
                await connection.execute(text("DELETE FROM alembic_version"))
                for version in saved:
                    await connection.execute(text("INSERT INTO alembic_version VALUES (:v)"),
                                             {"v": version})
    assert behind.status_code == 503
    assert "elft_0001" in behind.json()["problems"][0]
