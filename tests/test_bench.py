"""The benchmark's data generator (bench/): a tiny scale on each backend makes valid data.

Valid NHS numbers, foreign keys that point somewhere, pots whose ledger sums to what they have
left, an audit trail that ``verify_chain`` accepts, exact benchmark team sizes, and a caseload
query whose statement count does not depend on the caseload's size.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import delete, event, func, select, text

from bench.fixture import resolve
from bench.floor import Floor
from bench.generate import Generated, generate
from bench.load import PLUGIN_COLUMNS
from bench.scales import ACTORS, Scale, TeamSizes
from bench.scenarios import CASELOAD, HEALTH_SERIES
from bench.tracking import TRACKED_DAYS
from core.audit import verify_chain
from core.db import Database
from core.models import (
    Base,
    BudgetRequest,
    CareRelationship,
    FundingPot,
    FundingPotEntry,
    Person,
)
from core.nhs_number import is_valid_nhs_number
from core.observations.models import Observation
from core.unit_of_work import UnitOfWork
from tests.support.graphql import GraphQLClient

TINY = Scale("tiny", people=300, staff=60, audit_per_person=3, drafts=10, access_log_events=25,
             teams=TeamSizes(small=5, large=20, mutation=5), tracked_people=3)


async def _empty(database: Database) -> None:
    async with database.engine.begin() as connection:
        present = await connection.run_sync(
            lambda sync: set(sync.dialect.get_table_names(sync)))
        for table in PLUGIN_COLUMNS:
            if table in present:
                await connection.execute(text(f"DELETE FROM {table}"))
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))


@pytest.fixture(scope="module")
async def generated(database_url: str) -> AsyncIterator[tuple[Database, Generated]]:
    """The tiny scale, loaded into this run's database (emptied before and after)."""
    database = Database(database_url)
    await _empty(database)
    found = await generate(TINY, database_url, log=False, recreate=False)
    yield database, found
    await _empty(database)
    await database.dispose()


@contextmanager
def _counting(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", seen)


async def test_people_have_valid_distinct_nhs_numbers(
    generated: tuple[Database, Generated],
) -> None:
    database, _ = generated
    async with database.reading() as session:
        numbers = list(await session.scalars(select(Person.nhs_number)))
    assert len(numbers) == TINY.people
    assert len(set(numbers)) == len(numbers)
    assert all(number and is_valid_nhs_number(number) for number in numbers)


async def test_every_foreign_key_points_at_a_row(generated: tuple[Database, Generated]) -> None:
    database, _ = generated
    async with database.reading() as session:
        for table in Base.metadata.sorted_tables:
            for key in table.foreign_keys:
                child, parent = key.parent, key.column
                dangling = await session.scalar(
                    select(func.count()).select_from(table.outerjoin(
                        parent.table, child == parent))
                    .where(child.is_not(None), parent.is_(None)))
                assert dangling == 0, f"{table.name}.{child.name} -> {parent.table.name}"


async def test_audit_trail_verifies(generated: tuple[Database, Generated]) -> None:
    database, found = generated
    async with database.reading() as session:
        report = await verify_chain(session)
    assert report.ok, report
    assert report.events == found.rows["audit_event"] >= TINY.access_log_events


async def test_pots_are_never_overspent_and_their_ledger_adds_up(
    generated: tuple[Database, Generated],
) -> None:
    database, _ = generated
    async with database.reading() as session:
        ledger = dict((await session.execute(
            select(FundingPotEntry.pot_id, func.sum(FundingPotEntry.available_delta_pence))
            .group_by(FundingPotEntry.pot_id))).all())
        pots = list(await session.scalars(select(FundingPot)))
        # What requests say was paid is what the ledger says was paid.
        paid_by_requests = await session.scalar(select(func.sum(BudgetRequest.paid_pence)))
    assert pots
    for pot in pots:
        assert pot.available_pence >= 0
        assert ledger[pot.id] == pot.available_pence
    assert paid_by_requests == sum(pot.paid_pence for pot in pots) > 0


async def test_benchmark_teams_have_their_exact_sizes(
    generated: tuple[Database, Generated],
) -> None:
    database, found = generated
    fixture = await resolve(database)
    async with database.reading() as session:
        for key, size in (("coordinator_small", 5), ("coordinator_large", 20),
                          ("coordinator_mutation", 5)):
            active = await session.scalar(
                select(func.count()).select_from(CareRelationship)
                .where(CareRelationship.team_id == fixture.team(key),
                       CareRelationship.ends_at.is_(None)))
            assert active == size, key
    assert len(fixture.drafts) == TINY.drafts
    assert found.population.bench_person == fixture.person


async def test_caseload_query_runs_the_same_statements_for_5_people_or_20(
    generated: tuple[Database, Generated],
) -> None:
    database, _ = generated
    client = GraphQLClient(UnitOfWork(database))
    counts = {}
    for username, size in (("bench-cc-50", 5), ("bench-cc-500", 20)):
        with _counting(database) as statements:
            result = await client.execute(CASELOAD, {"first": size, "after": None},
                                          as_user=username)
        assert not result.errors, result.errors
        assert len(result.data["people"]["edges"]) == size
        reads = [s for s in statements if "audit_event" not in s and "audit_chain" not in s]
        counts[size] = len(reads)
    assert counts[5] == counts[20], counts


async def test_the_series_scenario_answers_what_its_floor_answers(
    generated: tuple[Database, Generated],
) -> None:
    """The benchmark person's year of weight and 90 days of mood, through the API and by
    hand-written SQL: the same numbers (so the ratio compares like with like)."""
    database, found = generated
    async with database.reading() as session:
        tracked = await session.scalar(select(func.count()).select_from(Observation))
    assert tracked == TINY.tracked_people * 2 * TRACKED_DAYS
    api = await GraphQLClient(UnitOfWork(database)).execute(HEALTH_SERIES, {},
                                                            as_user=ACTORS["person"])
    floor = Floor(database.url.render_as_string(hide_password=False))
    try:
        by_hand = await floor.run("health_series", {"person": found.population.bench_person})
    finally:
        await floor.close()
    assert not api.errors, api.errors
    assert json.loads(by_hand.body)["data"] == json.loads(json.dumps(api.data))
    weeks = api.data["me"]["weight"]["points"]
    assert len(weeks) == 53 and sum(week["count"] for week in weeks) == TRACKED_DAYS
