"""Engines, sessions and column types on the two backends (core/db.py, core/models/base.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, event, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import StatementError

from core.db import Database, normalise_database_url
from core.models.base import UTCDateTime
from core.unit_of_work import UnitOfWork

# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:5432/test",
         "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
        ("postgresql+psycopg2://u:p@db/hub", "postgresql+asyncpg://u:***@db/hub"),
        ("postgresql+asyncpg://u@db/hub", "postgresql+asyncpg://u@db/hub"),
        ("sqlite:///var/recovery-hub.db", "sqlite+aiosqlite:///var/recovery-hub.db"),
        ("sqlite:////srv/hub/recovery-hub.db", "sqlite+aiosqlite:////srv/hub/recovery-hub.db"),
        ("sqlite+pysqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ],
)
def test_normalise_database_url(given: str, expected: str) -> None:
    assert str(normalise_database_url(given)) == expected
    assert str(normalise_database_url(make_url(given))) == expected


def test_normalise_keeps_the_password() -> None:
    url = normalise_database_url("postgresql://hub:s3cr%40t@db:5432/hub")
    assert isinstance(url, URL)
    assert url.password == "s3cr@t"
    assert url.render_as_string(hide_password=False) == (
        "postgresql+asyncpg://hub:s3cr%40t@db:5432/hub"
    )


@pytest.mark.parametrize(
    "given",
    ["mysql://hub:topsecret@db/hub", "mysql+aiomysql://hub:topsecret@db/hub",
     "mssql+pyodbc://hub:topsecret@db/hub", "oracle://hub:topsecret@db/hub"],
)
def test_normalise_refuses_other_databases(given: str) -> None:
    with pytest.raises(ValueError, match="unsupported database URL") as raised:
        normalise_database_url(given)
    assert "topsecret" not in str(raised.value)  # never echo a password


# --- SQLite: WAL and the write lock -------------------------------------------------------


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    yield database
    await database.dispose()


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def test_sqlite_file_database_uses_wal(sqlite_db: Database) -> None:
    async with sqlite_db.reading() as session:
        assert (await session.scalar(text("PRAGMA journal_mode"))) == "wal"
        assert (await session.scalar(text("PRAGMA foreign_keys"))) == 1
        assert (await session.scalar(text("PRAGMA busy_timeout"))) > 0


async def test_write_sessions_begin_immediate_and_read_sessions_deferred(
    sqlite_db: Database,
) -> None:
    with statements(sqlite_db) as write:
        async with sqlite_db.write_session() as session, session.begin():
            await session.execute(text("INSERT INTO note (body) VALUES ('w')"))
    assert write[0] == "BEGIN IMMEDIATE"

    with statements(sqlite_db) as unit_of_work:
        async with UnitOfWork(sqlite_db).begin() as tx:
            await tx.session.execute(text("INSERT INTO note (body) VALUES ('u')"))
    assert unit_of_work[0] == "BEGIN IMMEDIATE"

    with statements(sqlite_db) as read:
        async with sqlite_db.reading() as session:
            await session.execute(text("SELECT count(*) FROM note"))
    assert read[0] == "BEGIN"


async def test_a_second_writer_waits_for_the_first(sqlite_db: Database) -> None:
    order: list[str] = []

    async def second_writer() -> int:
        async with sqlite_db.write_session() as session, session.begin():
            # The transaction (BEGIN IMMEDIATE) starts with the first statement.
            seen = await session.scalar(text("SELECT count(*) FROM note"))
            order.append("second began")
            await session.execute(text("INSERT INTO note (body) VALUES ('second')"))
            return int(seen)

    async with sqlite_db.write_session() as first:
        await first.execute(text("INSERT INTO note (body) VALUES ('first')"))  # takes the lock
        order.append("first began")
        second = asyncio.create_task(second_writer())
        await asyncio.sleep(0.3)
        assert not second.done(), "BEGIN IMMEDIATE should wait for the write lock"
        # Readers are not blocked by the writer (WAL), and see only committed rows.
        async with sqlite_db.reading() as reader:
            assert await reader.scalar(text("SELECT count(*) FROM note")) == 0
        order.append("first commits")
        await first.commit()

    seen_by_second = await asyncio.wait_for(second, timeout=10)
    assert order == ["first began", "first commits", "second began"]
    assert seen_by_second == 1  # it started after the first committed
    async with sqlite_db.reading() as reader:
        assert await reader.scalar(text("SELECT count(*) FROM note")) == 2


# --- UTC datetimes on both backends -------------------------------------------------------


moments = Table(
    "utc_round_trip", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime),
    prefixes=["TEMPORARY"],
)


async def test_utc_datetimes_round_trip_timezone_aware(shared_database: Database) -> None:
    utc = dt.datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=dt.UTC)
    india = dt.datetime(2026, 7, 1, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    async with shared_database.engine.connect() as connection:
        await connection.run_sync(moments.create, checkfirst=False)
        await connection.execute(moments.insert(), [
            {"id": 1, "at": utc}, {"id": 2, "at": india}, {"id": 3, "at": None},
        ])
        rows = dict((await connection.execute(select(moments.c.id, moments.c.at))).all())
        # Stored as UTC, so SQL compares and orders instants correctly on both backends.
        later = (await connection.execute(
            select(moments.c.id).where(moments.c.at > utc).order_by(moments.c.at)
        )).scalars().all()
        await connection.rollback()

    assert rows[1] == utc and rows[1].tzinfo == dt.UTC and rows[1].microsecond == 123456
    assert rows[2] == india  # the same instant ...
    assert rows[2].tzinfo == dt.UTC and rows[2].hour == 10  # ... given back in UTC
    assert rows[3] is None
    assert later == [2]


async def test_a_naive_datetime_is_refused(shared_database: Database) -> None:
    async with shared_database.engine.connect() as connection:
        await connection.run_sync(moments.create, checkfirst=False)
        with pytest.raises(StatementError, match="naive datetime"):
            await connection.execute(moments.insert(), {"id": 1, "at": dt.datetime(2026, 1, 1)})
        await connection.rollback()
