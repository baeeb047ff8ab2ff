"""The Advocacy Project's own migrations build exactly the tables its models describe, on both
backends, in their own Alembic branch that depends on core's (not on ELFT's) — and core's models
never see them."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from core.db import Database
from core.migrate import alembic_config
from core.models import Base
from plugins import advocacy_project
from plugins.advocacy_project.models import AdvocacyBase
from tests.support.world import PLUGINS

AP_TABLES = frozenset(AdvocacyBase.metadata.tables)


def _plugin_objects(name: str | None, type_: str, _parent: Any) -> bool:
    return type_ != "table" or name in AP_TABLES


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": _plugin_objects})
    return list(compare_metadata(context, AdvocacyBase.metadata))


async def test_the_migrated_tables_match_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(_differences)
            tables = set(await connection.run_sync(
                lambda sync: inspect(sync).get_table_names()))
    finally:
        await database.dispose()
    assert differences == [], "\n".join(map(repr, differences))
    assert AP_TABLES <= tables


def test_the_plugins_tables_are_not_cores() -> None:
    assert not AP_TABLES & set(Base.metadata.tables)
    assert all(name.startswith("advocacy_project_") for name in AP_TABLES)


def test_its_branch_starts_from_a_core_revision() -> None:
    [directory] = advocacy_project.migration_directories()
    assert directory in PLUGINS.migration_directories()
    script = ScriptDirectory.from_config(alembic_config("sqlite://", [directory]))
    core = ScriptDirectory.from_config(alembic_config("sqlite://"))
    ap_revisions = [r for r in script.walk_revisions() if "advocacy_project" in r.branch_labels]
    [base] = [r for r in ap_revisions if r.down_revision is None]
    assert base.revision == "advocacy_project_0001"
    dependencies = base.dependencies
    assert isinstance(dependencies, str) and core.get_revision(dependencies) is not None
