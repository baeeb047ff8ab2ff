"""The Advocacy Project's own migrations build exactly the tables its models describe, on both
backends, in their own Alembic branch that depends on core's (not on ELFT's) — and core's models
never see them; rows written before a revision survive it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, Table, inspect
from sqlalchemy.engine import Connection

from core.db import Database
from core.migrate import alembic_config, upgrade_async
from core.models import Base
from core.models.base import UTCDateTime
from plugins import advocacy_project
from plugins.advocacy_project.models import (
    AdvocacyBase,
    CaseStatus,
    Payee,
    PaymentCase,
    Receipt,
    RepaymentNotice,
)
from tests.support.world import PLUGINS

AP_TABLES = frozenset(AdvocacyBase.metadata.tables)
_NOW = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)


def table_of(name: str, row: dict[str, Any]) -> Table:
    """A table as it was at an earlier revision: just the columns a row gives (times in UTC
    the way the models store them)."""
    return Table(name, MetaData(), *(
        Column(column, UTCDateTime) if isinstance(value, dt.datetime) else Column(column)
        for column, value in row.items()))


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


_ROWS_AT_0001 = [
    ("organisation", {"id": 1, "name": "TAP", "kind": "voluntary_organisation",
                      "legal_basis": "consent", "created_at": _NOW}),
    ("person", {"id": 1, "given_name": "Ngozi", "family_name": "Example", "created_at": _NOW}),
    ("funding_pot", {"id": 1, "name": "Pilot", "holder_organisation_id": 1,
                     "allocated_pence": 100_000, "committed_pence": 0, "paid_pence": 20_000,
                     "created_at": _NOW}),
    ("budget", {"id": 1, "person_id": 1, "funding_pot_id": 1, "payment_route": "direct_payment",
                "period_start": _NOW.date(), "period_end": _NOW.date(), "created_at": _NOW}),
    ("budget_request", {"id": 1, "budget_id": 1, "person_id": 1, "status": "approved",
                        "purpose": "Gym", "total_pence": 20_000, "created_at": _NOW}),
    ("advocacy_project_payment_case", {
        "id": 1, "person_id": 1, "budget_id": 1, "request_id": 1, "organisation_id": 1,
        "approved_pence": 20_000, "approved_at": _NOW, "status": "open", "created_at": _NOW}),
    ("advocacy_project_payment", {
        "id": 1, "case_id": 1, "person_id": 1, "amount_pence": 20_000, "due_on": _NOW.date(),
        "payee": "person", "account_reference": "DP-1", "status": "paid", "paid_at": _NOW,
        "created_at": _NOW}),
    ("advocacy_project_receipt", {
        "id": 1, "payment_id": 1, "person_id": 1, "description": "Gym", "amount_pence": 5_000,
        "spent_on": _NOW.date(), "created_at": _NOW}),
    ("advocacy_project_repayment_notice", {
        "id": 1, "case_id": 1, "person_id": 1, "reason": "Unspent", "amount_pence": 1_000,
        "deadline": _NOW.date(), "payer": "Chidi (nominee)", "status": "issued",
        "created_at": _NOW}),
]


async def test_rows_written_before_0002_are_kept(fresh_database_url: str) -> None:
    """Receipts learn their case from their payment; a notice's free-text payer becomes the
    payer's name (the person pays, until someone says otherwise)."""
    await upgrade_async(fresh_database_url, "advocacy_project_0001", plugins=PLUGINS)
    database = Database(fresh_database_url)
    try:
        async with database.engine.begin() as connection:
            for table, row in _ROWS_AT_0001:
                await connection.execute(table_of(table, row).insert(), [row])
        await upgrade_async(fresh_database_url, plugins=PLUGINS)
        async with database.reading() as session:
            receipt = await session.get_one(Receipt, 1)
            notice = await session.get_one(RepaymentNotice, 1)
            case = await session.get_one(PaymentCase, 1)
    finally:
        await database.dispose()
    assert receipt.case_id == 1
    assert (notice.payer, notice.payer_name) == (Payee.PERSON, "Chidi (nominee)")
    assert (case.status, case.organisation_id) == (CaseStatus.OPEN, 1)
