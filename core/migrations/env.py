"""Alembic environment: runs migrations on the async engine of either backend."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from core.db import Database
from core.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await database.dispose()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "core.migrate sets sqlalchemy.url"
    existing: Any = config.attributes.get("connection")
    if existing is not None:
        _run(existing)
        return
    asyncio.run(_run_async(url))


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported: run them online.")
run_migrations_online()
