"""Running scenarios in-process: ``schema.execute`` with a ``Context``, as a request would
(principal from the account, a read session, the production schema), result encoded to JSON.

The floor runs in the same process, on its own engine, in the same run.
"""

from __future__ import annotations

import json
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from core.services.accounts import principal_for_username
from recovery_hub.app import Platform
from recovery_hub.settings import Settings
from schema.context import Context

from . import unaudited
from .fixture import Fixture
from .floor import Floor
from .scales import PLUGINS_FILE
from .scenarios import APPROVE, SUBMIT, Scenario

__all__ = ["Flow", "InProcess", "Timing", "measure"]



class StatementCounter:
    """Counts statements sent to the database (not BEGIN/COMMIT/ROLLBACK)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            self.count += 1


@dataclass
class Flow:
    """One flow's requests (variables per page), its size and its statements."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)  # per request
    rows: int = 0
    bytes: int = 0


@dataclass
class Timing:
    latencies_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(run: Callable[[], Awaitable[Any]], *, seconds: float, at_least: int = 5,
                  at_most: int = 2_000, warmup: int = 2) -> Timing:
    """Run ``run`` sequentially for about ``seconds`` (after warming up); time each run."""
    for _ in range(warmup):
        await run()
    latencies = []
    deadline = time.perf_counter() + seconds
    while len(latencies) < at_most and (len(latencies) < at_least
                                         or time.perf_counter() < deadline):
        started = time.perf_counter()
        await run()
        latencies.append((time.perf_counter() - started) * 1000)
    return Timing(latencies)


async def peak_memory_kib(run: Callable[[], Awaitable[Any]]) -> int:
    """Peak Python memory allocated while running once (tracemalloc)."""
    tracemalloc.start()
    try:
        await run()
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def _connection(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for key in path:
        data = data[key]
    return data


class InProcess:
    def __init__(self, url: str, fixture: Fixture) -> None:
        unaudited.install()
        self.platform = Platform.build(Settings(database_url=url, plugins_file=PLUGINS_FILE))
        self.fixture = fixture
        self.schemas: dict[bool, strawberry.Schema] = {
            True: self.platform.schema,
            False: unaudited.without_read_audit(self.platform.rules, self.platform.plugins),
        }
        self.statements = StatementCounter(self.platform.db.engine)
        self.floor = Floor(url)
        self.floor_statements = StatementCounter(self.floor.db.engine)
        self._drafts: Iterator[int] = iter(fixture.drafts)

    async def close(self) -> None:
        await self.platform.db.dispose()
        await self.floor.close()

    def next_draft(self) -> int:
        try:
            return next(self._drafts)
        except StopIteration:
            raise SystemExit("out of draft budget requests: raise Scale.drafts") from None

    def take_drafts(self, count: int) -> list[int]:
        return [self.next_draft() for _ in range(count)]

    async def execute(self, username: str, query: str, variables: dict[str, Any],
                      *, audit: bool = True) -> tuple[dict[str, Any], int]:
        """One request, as ``_RequestScope`` and the GraphQL view run it. Returns the data
        and the size of the JSON response."""
        platform = self.platform
        token = unaudited.AUDIT_OFF.set(not audit)
        try:
            async with platform.db.read_session() as session:
                principal = await principal_for_username(session, username)
                assert principal is not None, username
                await session.commit()
                context = Context.build(platform.uow, session, principal, platform.rules)
                result = await self.schemas[audit].execute(
                    query, variable_values=variables, context_value=context)
        finally:
            unaudited.AUDIT_OFF.reset(token)
        if result.errors:
            raise RuntimeError(f"{username}: {[e.message for e in result.errors]}")
        body = json.dumps({"data": result.data})
        assert result.data is not None
        return result.data, len(body)

    async def flow(self, scenario: Scenario, *, audit: bool = True,
                   pages: int | None = None) -> Flow:
        """One flow through the API: every page (or the first ``pages``), or submit then
        approve."""
        found = Flow()
        if scenario.mutation:
            gid = strawberry.relay.to_base64("BudgetRequest", self.next_draft())
            lead = self.fixture.actors["lead_mutation"].username
            for username, query, name in ((scenario.actor, SUBMIT, "submitBudgetRequest"),
                                          (lead, APPROVE, "approveBudgetRequest")):
                before = self.statements.count
                data, size = await self.execute(username, query, {"id": gid}, audit=audit)
                assert not data[name]["userErrors"], data[name]["userErrors"]
                found.requests.append({"id": gid})
                found.statements.append(self.statements.count - before)
                found.bytes += size
            return found
        after: str | None = None
        for _ in range(pages or scenario.pages):
            variables: dict[str, Any] = {}
            if scenario.page_size:
                variables = {"first": scenario.page_size, "after": after}
            before = self.statements.count
            data, size = await self.execute(scenario.actor, scenario.query, variables,
                                            audit=audit)
            found.requests.append(variables)
            found.statements.append(self.statements.count - before)
            found.bytes += size
            if not scenario.connection:
                break
            page_info = _connection(data, scenario.connection)["pageInfo"]
            after = page_info["endCursor"]
            if not page_info["hasNextPage"]:
                break
        return found

    def floor_params(self, scenario: Scenario) -> dict[str, Any]:
        fixture = self.fixture
        if scenario.floor in ("dashboard", "health_series"):
            return {"person": fixture.person}
        if scenario.floor == "access_log":
            return {"person": fixture.person, "first": scenario.page_size}
        key = {"caseload_50": "coordinator_small"}.get(scenario.name, "coordinator_large")
        return {"team": fixture.team(key), "first": scenario.page_size}

    async def floor_flow(self, scenario: Scenario, pages: int | None = None) -> Flow:
        """The same flow at the floor: the same pages, hand-written SQL, JSON."""
        found = Flow()
        if scenario.mutation:
            rid = self.next_draft()
            actors = self.fixture.actors
            for name, actor in (("submit", actors["coordinator_mutation"]),
                                ("approve", actors["lead_mutation"])):
                before = self.floor_statements.count
                result = await self.floor.run(name, {"request": rid, "actor": actor})
                found.requests.append({"request": rid})
                found.statements.append(self.floor_statements.count - before)
                found.bytes += len(result.body)
                found.rows += result.rows
            return found
        params = self.floor_params(scenario)
        cursor: int | None = None
        for _ in range(pages or scenario.pages):
            page = dict(params)
            if scenario.page_size:
                page["before" if scenario.floor == "access_log" else "after"] = cursor
            before = self.floor_statements.count
            result = await self.floor.run(scenario.floor, page)
            found.requests.append(page)
            found.statements.append(self.floor_statements.count - before)
            found.rows += result.rows
            found.bytes += len(result.body)
            cursor = result.last_id
            if not result.has_next:
                break
        return found

