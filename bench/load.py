"""Recreate the benchmark database, migrate it, and bulk-load rows into it.

Rows are plain tuples in the column order of ``COLUMNS`` with Python values (aware UTC
datetimes, dates, lists for JSON). SQLite gets them through Core's executemany
(``exec_driver_sql``, one connection, one transaction); PostgreSQL through ``COPY`` (asyncpg
``copy_records_to_table``).
Foreign keys are not checked while loading (the generator makes them right by construction;
the benchmark test checks them), and both backends are ``ANALYZE``d at the end, as a production
database would be.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import JSON, Boolean, Date, MetaData, Table, create_engine
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url

from core.migrate import upgrade
from core.models import Base
from core.models.base import UTCDateTime
from core.plugins import Plugins

__all__ = ["COLUMNS", "Rows", "open_writer", "recreate_database"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation": ("id", "name", "kind", "legal_basis", "ods_code", "created_at"),
    "team": ("id", "organisation_id", "name", "created_at"),
    "staff_member": ("id", "given_name", "family_name", "job_title", "email", "created_at"),
    "membership": ("id", "staff_member_id", "team_id", "roles", "created_at"),
    "user_account": ("id", "username", "person_id", "staff_member_id", "display_name",
                     "password_hash", "created_at"),
    "person": ("id", "nhs_number", "given_name", "family_name", "preferred_name",
               "date_of_birth", "email", "phone", "address", "postcode", "created_at"),
    "care_relationship": ("id", "team_id", "person_id", "basis", "starts_at", "ends_at",
                          "created_at"),
    "consent": ("id", "person_id", "grantee_organisation_id", "grantee_team_id",
                "grantee_client_id", "categories", "purpose", "valid_from", "valid_until",
                "recorded_how", "revoked_at", "revoked_by_person_id", "revoked_by_staff_id",
                "created_at", "by_person_id", "by_staff_id"),
    "restriction": ("id", "person_id", "team_id", "organisation_id", "categories", "reason",
                    "lifted_at", "created_at", "by_person_id", "by_staff_id"),
    "representative": ("id", "person_id", "account_id", "name", "basis", "access",
                       "categories", "invitation_code_hash", "invitation_expires_at",
                       "accepted_at", "revoked_at", "created_at", "by_person_id",
                       "by_staff_id"),
    "break_glass_access": ("id", "staff_member_id", "team_id", "person_id", "reason",
                           "expires_at", "created_at"),
    "recovery_goal": ("id", "person_id", "title", "what_matters_to_me", "status",
                      "target_date", "updated_at", "completed_at", "created_at",
                      "by_person_id", "by_staff_id"),
    "goal_step": ("id", "goal_id", "description", "position", "done_at", "created_at",
                  "by_person_id", "by_staff_id"),
    "progress_note": ("id", "goal_id", "text", "progress_percent", "created_at",
                      "by_person_id", "by_staff_id"),
    "goal_status_change": ("id", "goal_id", "from_status", "to_status", "changed_at",
                           "reason", "by_person_id", "by_staff_id"),
    "funding_pot": ("id", "name", "holder_organisation_id", "allocated_pence",
                    "committed_pence", "paid_pence", "created_at"),
    "funding_pot_entry": ("id", "pot_id", "kind", "amount_pence", "available_delta_pence",
                          "request_id", "recorded_at", "note"),
    "budget": ("id", "person_id", "funding_pot_id", "payment_route", "period_start",
               "period_end", "created_at"),
    "budget_request": ("id", "budget_id", "person_id", "status", "purpose", "total_pence",
                       "paid_pence", "approval_steps", "approvals_required", "submitted_at",
                       "decided_at", "created_at", "by_person_id", "by_staff_id"),
    "budget_item": ("id", "request_id", "description", "amount_pence", "goal_id",
                    "created_at"),
    "budget_approval": ("id", "request_id", "staff_member_id", "team_id", "decision", "step",
                        "note", "decided_at"),
    "budget_request_transition": ("id", "request_id", "from_status", "to_status",
                                  "changed_at", "reason", "by_person_id", "by_staff_id"),
    "observation": ("id", "person_id", "kind", "category", "effective_at", "effective_date",
                    "value", "unit", "status", "source", "recorded_at"),
    "audit_event": ("id", "occurred_at", "actor_kind", "actor_person_id", "actor_staff_id",
                    "actor_team_id", "actor_account_id", "actor_organisation_id", "client_id",
                    "person_id", "categories", "operation", "outcome", "purpose",
                    "actor_roles", "refused_categories", "break_glass", "rule", "prev_hash",
                    "hash"),
}

# Plugin tables the generator fills when the enabled plugins created them.
PLUGIN_COLUMNS: dict[str, tuple[str, ...]] = {
    "elft_eligibility_assessment": (
        "id", "person_id", "assessed_by_staff_id", "assessed_at", "receiving_elft_treatment",
        "mental_health_cluster", "ready_to_move_towards_discharge", "section_117_aftercare",
        "eligible", "note", "created_at"),
}


def _plugin_metadata() -> list[MetaData]:
    found = []
    try:
        from plugins.elft.models import ElftBase
    except ImportError:  # an older ELFT plugin without tables of its own
        return found
    found.append(ElftBase.metadata)
    return found


def _table(name: str) -> Table:
    for metadata in [Base.metadata, *_plugin_metadata()]:
        if name in metadata.tables:
            return metadata.tables[name]
    raise KeyError(name)


Encoder = Callable[[Any], Any]
_BATCH = 50_000
# The head row names the last event loaded (the migration creates it; an emptied database may
# have lost it).
_NO_HEAD = "DELETE FROM audit_chain_head"
_HEAD = "INSERT INTO audit_chain_head (id, last_event_id, last_hash, event_count) " \
        "VALUES (1, $1, $2, $3)"


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME storage format, in UTC (what UTCDateTime stores).
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _encoders(table: str, postgres: bool) -> list[tuple[int, Encoder]]:
    """(position, encoder) for the columns whose Python value the driver cannot take as is."""
    columns = _table(table).columns
    found: list[tuple[int, Encoder]] = []
    for position, name in enumerate({**COLUMNS, **PLUGIN_COLUMNS}[table]):
        kind = columns[name].type
        if isinstance(kind, JSON):
            found.append((position, _json))
        elif postgres:
            continue
        elif isinstance(kind, UTCDateTime):
            found.append((position, _sqlite_datetime))
        elif isinstance(kind, Date):
            found.append((position, lambda v: None if v is None else v.isoformat()))
        elif isinstance(kind, Boolean):
            found.append((position, lambda v: None if v is None else int(v)))
    return found


def _encode(rows: Sequence[tuple[Any, ...]], encoders: list[tuple[int, Encoder]]
            ) -> list[tuple[Any, ...]]:
    if not encoders:
        return list(rows)
    out = []
    for row in rows:
        values = list(row)
        for position, encode in encoders:
            values[position] = encode(values[position])
        out.append(tuple(values))
    return out


class _SQLiteWriter:
    def __init__(self, url: str) -> None:
        path = make_url(url).database
        self.engine = create_engine(f"sqlite:///{path}")
        self.connection = self.engine.connect()
        self.connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        self.connection.exec_driver_sql("PRAGMA synchronous=OFF")
        self.connection.exec_driver_sql("PRAGMA cache_size=-200000")
        quote = sqlite.dialect().identifier_preparer.quote
        self.tables = {row[0] for row in self.connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        self.columns = {**COLUMNS, **{t: c for t, c in PLUGIN_COLUMNS.items()
                                      if t in self.tables}}
        self._sql = {
            table: f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) "
                   f"VALUES ({', '.join('?' for _ in columns)})"
            for table, columns in self.columns.items()
        }
        self._encoders = {table: _encoders(table, postgres=False) for table in self.columns}

    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        self.connection.exec_driver_sql(self._sql[table], _encode(rows, self._encoders[table]))

    async def set_chain_head(self, last_event_id: int, last_hash: str, count: int) -> None:
        self.connection.exec_driver_sql(_NO_HEAD)
        self.connection.exec_driver_sql(_HEAD.replace("$1", "?").replace("$2", "?")
                                        .replace("$3", "?"), (last_event_id, last_hash, count))

    async def finish(self) -> None:
        self.connection.commit()
        self.connection.exec_driver_sql("ANALYZE")
        self.connection.commit()
        self.connection.close()
        self.engine.dispose()


class _PostgresWriter:
    def __init__(self, connection: asyncpg.Connection, tables: set[str]) -> None:
        self.connection = connection
        self.tables = tables
        self.columns = {**COLUMNS, **{t: c for t, c in PLUGIN_COLUMNS.items() if t in tables}}
        self._encoders = {table: _encoders(table, postgres=True) for table in self.columns}

    @classmethod
    async def open(cls, url: str) -> _PostgresWriter:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        # Bulk load: no foreign-key triggers row by row (the data is checked by the tests).
        await connection.execute("SET session_replication_role = replica")
        tables = {row[0] for row in await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        return cls(connection, tables)

    async def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        await self.connection.copy_records_to_table(
            table, records=_encode(rows, self._encoders[table]),
            columns=list(self.columns[table]))

    async def set_chain_head(self, last_event_id: int, last_hash: str, count: int) -> None:
        await self.connection.execute(_NO_HEAD)
        await self.connection.execute(_HEAD, last_event_id, last_hash, count)

    async def finish(self) -> None:
        # Explicit ids do not move the sequences: continue each after the rows loaded.
        for table in self.columns:
            await self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")
        await self.connection.execute("SET session_replication_role = origin")
        await self.connection.execute("ANALYZE")
        await self.connection.close()


Writer = _SQLiteWriter | _PostgresWriter


async def open_writer(url: str) -> Writer:
    if make_url(url).get_backend_name() == "sqlite":
        return _SQLiteWriter(url)
    return await _PostgresWriter.open(url)


class Rows:
    """Buffers rows per table and hands them to the writer in batches; numbers new rows."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.buffers: dict[str, list[tuple[Any, ...]]] = {table: [] for table in writer.columns}
        self.last_id: dict[str, int] = dict.fromkeys(writer.columns, 0)
        self.counts: dict[str, int] = dict.fromkeys(writer.columns, 0)

    def has(self, table: str) -> bool:
        return table in self.buffers

    def next_id(self, table: str) -> int:
        self.last_id[table] += 1
        return self.last_id[table]

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.buffers[table].append(row)

    async def flush(self, *, full: bool = False) -> None:
        for table, rows in self.buffers.items():
            if rows and (full or len(rows) >= _BATCH):
                await self.writer.write(table, rows)
                self.counts[table] += len(rows)
                self.buffers[table] = []


async def recreate_database(url: str, plugins: Plugins) -> None:
    """Drop and recreate the benchmark database, then migrate it to the latest schema (core's
    and the enabled plugins')."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        name = parsed.database
        if not name or name in ("test", "postgres", "template0", "template1"):
            raise SystemExit(f"refusing to recreate database {name!r}: use a benchmark database")
        admin_dsn = parsed.set(drivername="postgresql", database="postgres").render_as_string(
            hide_password=False)
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    with_plugins = "plugins" in inspect.signature(upgrade).parameters
    await asyncio.to_thread(upgrade, url, **({"plugins": plugins} if with_plugins else {}))
