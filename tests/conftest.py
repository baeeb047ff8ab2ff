"""Test fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from RECOVERY_HUB_TEST_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/test). Each run creates its own database on that server
and drops it at the end, so parallel runs never share tables. When the server is unreachable
the PostgreSQL tests are skipped, except with CI=true, where that fails the run.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import delete, event, select, text
from sqlalchemy.engine import make_url

from core.db import Database
from core.migrate import upgrade_async
from core.models import Base
from core.unit_of_work import UnitOfWork

from .support.plugin_tables import PLUGIN_TABLES
from .support.world import PLUGINS, World, build_world

# The fixtures plugin authors get (docs/plugins.md): recovery_hub_platform and its database.
pytest_plugins = ["recovery_hub.testing"]

DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_admin_url() -> str:
    return os.environ.get("RECOVERY_HUB_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)


async def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A freshly migrated database of each backend, for the whole run."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "recovery-hub.db"
        url = f"sqlite:///{path}"
        await upgrade_async(url, plugins=PLUGINS)
        yield url
        return

    admin_url = _postgres_admin_url()
    try:
        admin = await asyncpg.connect(await _asyncpg_dsn(admin_url), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL unreachable at {admin_url}: {error}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    name = f"recovery_hub_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade_async(url, plugins=PLUGINS)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def fresh_database_url(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database (not migrated) of the backend of ``database_url``, for one test
    that migrates it itself; PostgreSQL's is dropped afterwards."""
    if make_url(database_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    admin_url = _postgres_admin_url()
    admin = await asyncpg.connect(await _asyncpg_dsn(admin_url), timeout=5)
    name = f"recovery_hub_fresh_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def fresh_postgres_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database (not migrated), for tests of what only PostgreSQL
    serves (several server processes on one database); dropped afterwards."""
    admin_url = _postgres_admin_url()
    try:
        admin = await asyncpg.connect(await _asyncpg_dsn(admin_url), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL unreachable at {admin_url}: {error}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    name = f"recovery_hub_serve_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
def recovery_hub_database_url(fresh_database_url: str) -> str:
    """recovery_hub.testing's platforms, on both backends here."""
    return fresh_database_url


@pytest.fixture(scope="session")
async def shared_database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


Rows = dict[str, list[dict[str, Any]]]

# database URL -> the world built there first, and every row it consists of
_BUILT: dict[str, tuple[World, Rows]] = {}


async def _rows(database: Database) -> Rows:
    found: Rows = {}
    async with database.reading() as session:
        for table in Base.metadata.sorted_tables:
            result = await session.execute(select(table).order_by(*table.primary_key.columns))
            found[table.name] = [dict(row._mapping) for row in result]
    return found


async def _restore(database: Database, rows: Rows) -> None:
    async with database.engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if rows[table.name]:
                await connection.execute(table.insert(), rows[table.name])
        if database.is_postgres:
            # Inserting IDs does not move PostgreSQL's sequences: continue each after the rows
            # put back. (SQLite continues after the largest rowid by itself.)
            restarts = [
                f"setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"{max(row['id'] for row in found)})"
                for table in Base.metadata.sorted_tables
                if (found := rows[table.name]) and table.c.id.autoincrement is True
            ]
            await connection.execute(text(f"SELECT {', '.join(restarts)}"))


@pytest.fixture
async def db(shared_database: Database) -> AsyncIterator[Database]:
    """An empty, migrated database. Tables are emptied with DELETE before each test (they hold
    a few dozen rows: ~10 ms, where TRUNCATE costs ~0.3 s on PostgreSQL). Row IDs are not
    restarted, so no test may rely on a particular ID."""
    async with shared_database.engine.begin() as connection:
        for table in [*reversed(PLUGIN_TABLES), *reversed(Base.metadata.sorted_tables)]:
            await connection.execute(delete(table))
    yield shared_database


@pytest.fixture
def uow(db: Database) -> UnitOfWork:
    return UnitOfWork(db)


@pytest.fixture
async def world(uow: UnitOfWork) -> World:
    """A small borough: organisations, teams, staff, and people with and without care
    relationships (tests/support/world.py). Built through the services once per backend, then
    put back row for row (same IDs) before each later test."""
    key = uow.db.url.render_as_string(hide_password=False)
    if key not in _BUILT:
        built = await build_world(uow)
        _BUILT[key] = (built, await _rows(uow.db))
        return built
    built, rows = _BUILT[key]
    await _restore(uow.db, rows)
    return dataclasses.replace(built, uow=uow)


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(db: Database) -> Iterator[Any]:
    """``with count_statements() as counter:`` counts SQL statements sent to the database."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()

        def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                counter.statements.append(statement)

        event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
        try:
            yield counter
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)

    yield counting


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: compare before and after to prove nothing changed."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    async with db.reading() as session:
        for table in [*Base.metadata.sorted_tables, *PLUGIN_TABLES]:
            rows = await session.execute(select(table))
            result[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return result


@pytest.fixture
def unchanged(db: Database) -> Any:
    """``async with unchanged():`` fails the test if the block changed any row."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def check() -> AsyncIterator[None]:
        before = await snapshot(db)
        yield
        after = await snapshot(db)
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, f"tables changed: {changed}"

    return check
