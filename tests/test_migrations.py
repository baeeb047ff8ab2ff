"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, inspect, text
from sqlalchemy.engine import Connection

from core.db import Database
from core.jobs.runner import APSCHEDULER_TABLES
from core.migrate import alembic_config, upgrade_async
from core.models import Base
from core.observations.models import is_observation_partition
from tests.support.plugin_tables import PLUGIN_TABLES
from tests.support.world import PLUGINS

# The test databases also hold the shipped plugins' tables, from their own migrations; each
# plugin's tests compare those with its models.
_PLUGIN_TABLE_NAMES = frozenset(table.name for table in PLUGIN_TABLES)


def _core_objects(name: str | None, type_: str, _parent: Any) -> bool:
    # APScheduler's tables sit beside ours on SQLite (PostgreSQL: a schema of their own);
    # the observation table's partitions are PostgreSQL's, not the models'.
    return not (type_ == "table" and (name in _PLUGIN_TABLE_NAMES | APSCHEDULER_TABLES
                                      or is_observation_partition(name)))


def _differences(connection: Connection, metadata: MetaData = Base.metadata) -> list[Any]:
    """What ``alembic revision --autogenerate`` would put in a new migration (the options of
    core/migrations/env.py)."""
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": _core_objects})
    return list(compare_metadata(context, metadata))


def _current_heads(connection: Connection) -> tuple[str, ...]:
    return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def _index(index: dict[str, Any]) -> dict[str, Any]:
    """A reflected index, comparable: a partial index's condition as its SQL text."""
    options = {key: str(value) for key, value in (index.get("dialect_options") or {}).items()}
    return {**index, "dialect_options": options}


def _structure(connection: Connection) -> dict[str, Any]:
    """Tables, columns, indexes, keys and constraints, as the database reports them."""
    inspector = inspect(connection)
    structure: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        structure[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"])
                        for c in inspector.get_columns(table)],
            "pk": inspector.get_pk_constraint(table),
            "fks": sorted(inspector.get_foreign_keys(table), key=repr),
            "indexes": sorted(map(_index, inspector.get_indexes(table)), key=repr),
            "unique": sorted(inspector.get_unique_constraints(table), key=repr),
            "checks": sorted(inspector.get_check_constraints(table), key=repr),
        }
    return structure


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await database.dispose()
    assert differences == [], "\n".join(map(repr, differences))


async def test_the_comparison_would_notice_a_difference(database_url: str) -> None:
    """A model change without a migration is caught (so the test above is not vacuous)."""
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["person"].append_column(Column("favourite_colour", String(20)))
    changed.tables["user_account"].c["username"].type = String(50)

    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(_differences, changed)
    finally:
        await database.dispose()
    # Column changes come as a list of changes per column.
    flat = [change for d in differences for change in (d if isinstance(d, list) else [d])]
    assert sorted((change[0], change[3]) for change in flat
                  if change[0] == "modify_type") == [("modify_type", "username")]
    added = [change[3].name for change in flat if change[0] == "add_column"]
    assert added == ["favourite_colour"]


async def test_database_is_at_the_head_revision(database_url: str) -> None:
    script = ScriptDirectory.from_config(
        alembic_config(database_url, PLUGINS.migration_directories()))
    heads = tuple(sorted(script.get_heads()))
    # One head for core, and one for each plugin's branch (named by its label).
    branches = [tuple(sorted(script.get_revision(head).branch_labels)) for head in heads]
    assert len(set(branches)) == len(branches), f"the migrations have branched: {heads}"
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            current = await connection.run_sync(_current_heads)
    finally:
        await database.dispose()
    # A plugin's revision depends on core's: the database records only the plugin's head.
    applied = {revision.revision for revision in script.iterate_revisions(current, "base")}
    assert set(heads) <= applied, (heads, current)


async def test_upgrading_again_changes_nothing(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            before = await connection.run_sync(_structure)
            heads_before = await connection.run_sync(_current_heads)
        await upgrade_async(database_url, plugins=PLUGINS)
        async with database.engine.connect() as connection:
            after = await connection.run_sync(_structure)
            heads_after = await connection.run_sync(_current_heads)
    finally:
        await database.dispose()
    assert heads_after == heads_before
    assert after == before


# Requests as 0004 stored them, before payments in part: status -> total in pence.
_REQUESTS_BEFORE_0005 = {
    "draft": 1_000, "submitted": 2_000, "awaiting_approval": 3_000, "approved": 4_000,
    "rejected": 5_000, "withdrawn": 6_000, "paid": 7_000, "delivered": 8_000,
    "reviewed": 9_000,
}


async def test_0005_counts_requests_paid_before_it_as_paid_in_full(
    fresh_database_url: str,
) -> None:
    """Paid, delivered and reviewed requests were paid in full: paid_pence is their total;
    nothing else was paid, and nothing was repaid."""
    await upgrade_async(fresh_database_url, "0004")
    database = Database(fresh_database_url)
    try:
        async with database.engine.begin() as connection:
            for statement in [
                "INSERT INTO organisation (id, name, kind, legal_basis, created_at) "
                "VALUES (1, 'Fund holder', 'voluntary_organisation', 'consent', "
                "CURRENT_TIMESTAMP)",
                "INSERT INTO person (id, given_name, family_name, created_at) "
                "VALUES (1, 'Ngozi', 'Example', CURRENT_TIMESTAMP)",
                "INSERT INTO funding_pot (id, name, holder_organisation_id, allocated_pence, "
                "committed_pence, paid_pence, created_at) "
                "VALUES (1, 'Pot', 1, 100000, 4000, 24000, CURRENT_TIMESTAMP)",
                "INSERT INTO budget (id, person_id, funding_pot_id, payment_route, "
                "period_start, period_end, created_at) "
                "VALUES (1, 1, 1, 'direct_payment', '2026-01-01', '2026-12-31', "
                "CURRENT_TIMESTAMP)",
                *[f"INSERT INTO budget_request (id, budget_id, person_id, status, purpose, "
                  f"total_pence, created_at) VALUES ({n}, 1, 1, '{status}', 'Lessons', "
                  f"{total}, CURRENT_TIMESTAMP)"
                  for n, (status, total) in enumerate(_REQUESTS_BEFORE_0005.items(), 1)],
            ]:
                await connection.execute(text(statement))
        await database.dispose()

        await upgrade_async(fresh_database_url, plugins=PLUGINS)

        async with database.engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT status, total_pence, paid_pence, repaid_pence FROM budget_request "
                "ORDER BY id"))).all()
    finally:
        await database.dispose()
    paid_in_full = {"paid", "delivered", "reviewed"}
    assert [tuple(row) for row in rows] == [
        (status, total, total if status in paid_in_full else 0, 0)
        for status, total in _REQUESTS_BEFORE_0005.items()]
