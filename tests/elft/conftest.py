"""Fixtures for ELFT's tests: the partner plugins run, as in the app (on both backends).

The ELFT world is built through the services once per backend (and per variant), then put
back row for row — core's tables and the plugin's, same IDs — before each later test, like
tests/conftest.py does for the core world.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import delete, select, text

from core.db import Database
from core.models import Base
from core.unit_of_work import UnitOfWork
from tests.support.plugin_tables import PLUGIN_TABLES
from tests.support.world import PLUGINS, World

from .support import ElftClient, ElftWorld, build_elft_world

TABLES = [*Base.metadata.sorted_tables, *PLUGIN_TABLES]
Rows = dict[str, list[dict[str, Any]]]
_BUILT: dict[tuple[str, bool], tuple[ElftWorld, Rows]] = {}


async def _rows(db: Database) -> Rows:
    async with db.reading() as session:
        return {table.name: [dict(row._mapping) for row in await session.execute(
            select(table).order_by(*table.primary_key.columns))] for table in TABLES}


async def _put_back(db: Database, rows: Rows) -> None:
    async with db.engine.begin() as connection:
        for table in reversed(TABLES):
            await connection.execute(delete(table))
        for table in TABLES:
            if rows[table.name]:
                await connection.execute(table.insert(), rows[table.name])
        if db.is_postgres:  # continue each sequence after the rows put back
            restarts = [f"setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"{max(row['id'] for row in rows[table.name])})"
                        for table in TABLES
                        if rows[table.name] and table.c.id.autoincrement is True]
            await connection.execute(text(f"SELECT {', '.join(restarts)}"))


async def _elft_world(world: World, *, eligible: bool) -> ElftWorld:
    key = (world.uow.db.url.render_as_string(hide_password=False), eligible)
    if key in _BUILT:
        built, rows = _BUILT[key]
        await _put_back(world.uow.db, rows)
        return dataclasses.replace(built, world=world)
    built = await build_elft_world(world, eligible=eligible)
    _BUILT[key] = (built, await _rows(world.uow.db))
    return built


@pytest.fixture
def uow(db: Database) -> UnitOfWork:
    """Core's unit of work with the partner plugins' rules: ELFT's sign-off, item checks and
    eligibility check at submission."""
    return UnitOfWork(db, plugins=PLUGINS)


@pytest.fixture
async def elft(world: World) -> ElftWorld:
    """The test world, ELFT's staff and panel, Ngozi's goals and a current assessment."""
    return await _elft_world(world, eligible=True)


@pytest.fixture
async def elft_without_eligibility(world: World) -> ElftWorld:
    return await _elft_world(world, eligible=False)


@pytest.fixture
def client(world: World) -> ElftClient:
    return ElftClient(world.uow)
