"""Engines and sessions for the two supported backends: embedded SQLite and PostgreSQL.

SQLite needs two adjustments to behave like a server database for our use:

* WAL mode, so readers never block the writer and the writer never blocks readers;
* ``BEGIN IMMEDIATE`` for write transactions. SQLite ignores ``SELECT ... FOR UPDATE``; taking
  the write lock when the transaction starts is what serialises two approvals racing for the
  same funding pot. Read transactions use a plain ``BEGIN`` (deferred).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

__all__ = [
    "Database",
    "SerialSession",
    "normalise_database_url",
]

_WRITE_OPTION = "recovery_hub_write"


def normalise_database_url(url: str | URL) -> URL:
    """Return the async-driver form of a database URL.

    Operators write ``postgresql://...`` or ``sqlite:///...``; we run on asyncpg and aiosqlite.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    raise ValueError(
        f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
        "use sqlite:///path/to/file.db or postgresql://user@host/dbname"
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's own transaction handling defers it badly).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


class SerialSession(AsyncSession):
    """An ``AsyncSession`` that one request's concurrent resolvers can share.

    GraphQL resolves sibling fields concurrently and each DataLoader dispatches its batch as a
    task; a session (one connection) must not run two statements at once. Every operation that
    touches the connection waits its turn here. (``scalars`` goes through ``execute``.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = asyncio.Lock()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with self._turn:
            return await super().execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        async with self._turn:
            return await super().scalar(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        async with self._turn:
            return await super().get(*args, **kwargs)

    async def get_one(self, *args: Any, **kwargs: Any) -> Any:
        async with self._turn:
            return await super().get_one(*args, **kwargs)

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        async with self._turn:
            await super().flush(*args, **kwargs)

    async def commit(self) -> None:
        async with self._turn:
            await super().commit()

    async def rollback(self) -> None:
        async with self._turn:
            await super().rollback()


class Database:
    """One engine per process, with separate session factories for reads and writes."""

    def __init__(
        self,
        url: str | URL,
        *,
        echo: bool = False,
        pool_size: int = 10,
        max_overflow: int | None = None,
        pool_timeout: float = 30.0,
    ) -> None:
        """``max_overflow`` defaults to ``pool_size``. A request holds at most one connection
        at a time (schema.context.Context.release_connection), so the pool bounds how many
        requests a worker serves at once, never a deadlock."""
        self.url = normalise_database_url(url)
        kwargs: dict[str, Any] = {
            "echo": echo,
            "pool_size": pool_size,
            "max_overflow": pool_size if max_overflow is None else max_overflow,
            "pool_timeout": pool_timeout,
        }
        if self.is_postgres:
            kwargs["pool_pre_ping"] = True
        self.engine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        self._write_engine = self.engine.execution_options(**{_WRITE_OPTION: True})

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    @property
    def write_engine(self) -> AsyncEngine:
        """The engine whose transactions take SQLite's write lock at ``BEGIN``."""
        return self._write_engine

    def read_session(self) -> AsyncSession:
        """A session for reads: a deferred transaction, never holding the SQLite write lock."""
        return SerialSession(self.engine, expire_on_commit=False, autoflush=False)

    def write_session(self) -> AsyncSession:
        """A session for one write use case: ``BEGIN IMMEDIATE`` on SQLite."""
        return SerialSession(self._write_engine, expire_on_commit=False, autoflush=True)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self.read_session() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
