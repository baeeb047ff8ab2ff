"""A request holds at most one database connection at a time.

A staff read writes its audit events when the request ends, and a mutation writes in its own
transaction: if the request still held its read connection while it waited for the write one,
a pool of N connections would deadlock under N concurrent requests (found by the benchmarks).
With a pool of exactly one connection, every kind of request must still complete.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from core.db import Database
from core.unit_of_work import UnitOfWork
from tests.support.graphql import GraphQLClient, gid
from tests.support.world import PLUGINS, World


@pytest.fixture
async def one_connection(database_url: str, world: World) -> AsyncIterator[UnitOfWork]:
    database = Database(database_url, pool_size=1, max_overflow=0, pool_timeout=5)
    yield UnitOfWork(database, plugins=PLUGINS)
    await database.dispose()


async def test_reads_and_writes_complete_with_a_single_connection(
    one_connection: UnitOfWork, world: World
) -> None:
    client = GraphQLClient(one_connection)
    read = await client.execute(
        "query Caseload { people(first: 5) { edges { node { displayName } } } }",
        as_user="amara")
    assert read.errors == []
    assert len(read.data["people"]["edges"]) == 2  # Ngozi and Belu: audited at the end

    created = await client.execute(
        """mutation Goal($input: CreateGoalInput!) { createGoal(input: $input) {
             goal { title person { displayName } } userErrors { code } } }""",
        {"input": {"personId": gid("Person", world.ngozi), "title": "Walk daily"}},
        as_user="amara")
    assert created.payload("createGoal")["userErrors"] == []
    assert created.data["createGoal"]["goal"]["title"] == "Walk daily"


async def test_concurrent_requests_queue_for_the_connection_instead_of_deadlocking(
    one_connection: UnitOfWork, world: World
) -> None:
    client = GraphQLClient(one_connection)
    query = "query Caseload { people(first: 5) { edges { node { displayName } } } }"
    results = await asyncio.wait_for(asyncio.gather(
        *(client.execute(query, as_user="amara") for _ in range(4))), timeout=60)
    assert all(result.errors == [] for result in results)
