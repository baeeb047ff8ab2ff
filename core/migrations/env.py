"""Alembic environment: runs migrations on the async engine of either backend."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import Database
from core.models import Base
from core.observations.models import is_observation_partition

config = context.config
target_metadata = Base.metadata


def _modelled(name: str | None, type_: str, _parent: Any) -> bool:
    """What autogenerate compares: not APScheduler's tables (migration 0006 made them; the
    library owns their shape), nor the observation table's partitions (PostgreSQL)."""
    from core.jobs.runner import APSCHEDULER_TABLES

    return not (type_ == "table" and (name in APSCHEDULER_TABLES
                                      or is_observation_partition(name)))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
        include_name=_modelled,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _sqlite_foreign_keys(connection: AsyncConnection, on: bool) -> None:
    # A PRAGMA that works only outside a transaction: sent on the driver's connection, past
    # SQLAlchemy's BEGIN.
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    await driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


async def _run_async(url: str) -> None:
    database = Database(url)
    sqlite = database.engine.dialect.name == "sqlite"
    try:
        async with database.engine.connect() as connection:
            # SQLite changes a table by copying it and dropping the old one, which a row
            # referring to it would refuse: check the references once, after the migrations.
            if sqlite:
                await _sqlite_foreign_keys(connection, on=False)
            await connection.run_sync(_run)
            await connection.commit()
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                await connection.commit()
                await _sqlite_foreign_keys(connection, on=True)
                if broken:
                    raise RuntimeError(f"the migrations broke foreign keys: {broken[:5]}")
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
