"""``audit verify`` cannot be broken by what it checks: random values written into random
columns of random events (any bytes or type on SQLite; any value of the column's type on
PostgreSQL) are named — the event, never a traceback — unless the value means exactly what was
there. And the command says so, exit status 1."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from core.audit import append_events, event_hash, verify_chain
from core.audit_verify import ChainReport, Unreadable, raw_select, read_event
from core.db import Database
from core.models import (
    DEFAULT_LEGAL_BASIS,
    AuditChainHead,
    AuditEvent,
    Organisation,
    OrganisationKind,
)
from core.unit_of_work import UnitOfWork
from tests.support.cli import Cli

TABLE = AuditEvent.__table__
HEAD = AuditChainHead.__table__
COLUMNS = [column.key for column in TABLE.columns]
EVENTS = 6
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=20)
_JSON = st.recursive(st.none() | st.booleans() | st.integers(-10, 10) | _TEXT,
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=6)
_ANY_SQLITE_VALUE = (st.none() | st.binary(max_size=24) | _TEXT | st.integers(-2**40, 2**40)
                     | st.floats(allow_nan=False) | _JSON.map(json.dumps))
Trail = tuple[list[dict[str, Any]], dict[str, Any]]
_TRAILS: dict[str, Trail] = {}


def _typed_value(column: str) -> st.SearchStrategy[Any]:
    """A value PostgreSQL accepts in the column (its types refuse anything else)."""
    kind = dt.datetime if column == "occurred_at" else TABLE.c[column].type.python_type
    if column in ("categories", "actor_roles", "refused_categories"):
        values: st.SearchStrategy[Any] = _JSON.map(json.dumps)
    elif kind is int:
        values = st.integers(-2**31, 2**31 - 1)
    elif kind is bool:
        values = st.booleans()
    elif kind is dt.datetime:
        values = st.datetimes(min_value=dt.datetime(2000, 1, 1),
                              max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC))
    else:
        length = getattr(TABLE.c[column].type, "length", None) or 20
        values = _TEXT.map(lambda value: value[:length])
    return values if column == "id" or not TABLE.c[column].nullable else st.none() | values


async def _write_trail(url: str) -> Trail:
    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(delete(TABLE))
            await connection.execute(delete(HEAD))
        async with UnitOfWork(db).begin() as tx:
            await append_events(tx.session, [AuditEvent(
                actor_kind="staff", actor_staff_id=n, actor_team_id=2, person_id=10 + n,
                categories=["recovery_plan", "budget"][: n % 3], operation="read_person",
                outcome="allowed", rule="direct_care", purpose="a review" if n % 2 else None,
                actor_roles=["elft.care_coordinator"], refused_categories=[],
                break_glass=n == 3) for n in range(EVENTS)])
        async with db.reading() as session:
            rows = [dict(row._mapping) for row in await session.execute(
                select(TABLE).order_by(TABLE.c.id))]
            head = dict((await session.execute(select(HEAD))).one()._mapping)
        return rows, head
    finally:
        await db.dispose()


async def _edited(url: str, trail: Trail, statement: Any, parameters: dict[str, Any],
                  ) -> tuple[ChainReport, Any] | None:
    """Put the trail back, make the edit, verify; ``None`` if the database refused the edit.
    Also the edited row, read raw (as verification reads it)."""
    rows, head = trail
    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(delete(TABLE))
            await connection.execute(delete(HEAD))
            await connection.execute(insert(TABLE), rows)
            await connection.execute(insert(HEAD), [head])
        try:
            async with db.engine.begin() as connection:
                await connection.execute(statement, parameters)
        except DBAPIError:
            return None  # e.g. a duplicate key, or text in SQLite's INTEGER PRIMARY KEY
        async with db.reading() as session:
            report = await verify_chain(session)
            raw = (await session.execute(raw_select(db.engine.dialect.name, TABLE)
                                         .where(TABLE.c.id == parameters.get("id", -1)))).first()
        return report, raw
    finally:
        await db.dispose()


def _meaning(row: Any) -> tuple[str, str] | None:
    """What verification computes from a row: its content's hash, and the hash it stores."""
    try:
        event = read_event(row)
    except Unreadable:
        return None
    return event_hash(event), event.hash


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_in_any_column_of_any_event_is_named_never_a_crash(
        database_url: str, data: st.DataObject) -> None:
    postgres = database_url.startswith("postgresql")
    if database_url not in _TRAILS:
        _TRAILS[database_url] = asyncio.run(_write_trail(database_url))
    rows, _head = trail = _TRAILS[database_url]
    index = data.draw(st.integers(0, EVENTS - 1), label="event")
    column = data.draw(st.sampled_from(COLUMNS), label="column")
    value = data.draw(_typed_value(column) if postgres else _ANY_SQLITE_VALUE, label="value")
    target = rows[index]["id"]
    if postgres:
        statement: Any = update(TABLE).where(TABLE.c.id == target).values({column: value})
    else:  # any bytes, any type: SQLite stores what it is given
        statement = text(f'UPDATE audit_event SET "{column}" = :value WHERE id = :target')
    parameters = {"value": value, "target": target, "id": target}
    if column == "id":
        parameters["id"] = value
    outcome = asyncio.run(_edited(database_url, trail, statement, parameters))
    if outcome is None:
        return
    report, raw = outcome
    assert report.message()  # it can always be said
    original = _meaning(next(iter(asyncio.run(_raw_rows(database_url, trail, target)))))
    unchanged = raw is not None and _meaning(raw) == original
    if column == "id":  # moved: the first event out of place is named, or nothing changed
        assert not report.ok or unchanged, report
    elif unchanged:
        assert report.ok, report
    else:
        assert (report.ok, report.bad_event_id) == (False, target), report


async def _raw_rows(url: str, trail: Trail, target: int) -> list[Any]:
    """The untouched row, read raw."""
    db = Database(url)
    try:
        rows, head = trail
        async with db.engine.begin() as connection:
            await connection.execute(delete(TABLE))
            await connection.execute(delete(HEAD))
            await connection.execute(insert(TABLE), rows)
            await connection.execute(insert(HEAD), [head])
        async with db.reading() as session:
            return list(await session.execute(raw_select(db.engine.dialect.name, TABLE)
                                              .where(TABLE.c.id == target)))
    finally:
        await db.dispose()


def _changed_value(column: str, original: Any) -> Any:
    """A different value of the column's own type."""
    if column in ("categories", "actor_roles", "refused_categories"):
        return json.dumps([*original, "journal"])
    if isinstance(original, bool):
        return not original
    if isinstance(original, int) or original is None and TABLE.c[column].type.python_type is int:
        return (original or 0) + 1000
    if isinstance(original, dt.datetime):
        return original + dt.timedelta(seconds=1)
    return (original or "")[:-1] + "x" if original else "x"


@pytest.mark.parametrize("column", [c for c in COLUMNS if c != "id"])
async def test_an_edit_to_each_column_names_the_event(database_url: str, db: Database,
                                                      column: str) -> None:
    trail = await _write_trail(database_url)
    rows, _ = trail
    target = rows[2]["id"]
    value = _changed_value(column, rows[2][column])
    if column == "actor_organisation_id":  # a foreign key: an organisation that exists
        kind = OrganisationKind.MENTAL_HEALTH_TRUST
        async with UnitOfWork(db).begin() as tx:
            trust = Organisation(name="A trust", kind=kind, legal_basis=DEFAULT_LEGAL_BASIS[kind])
            tx.session.add(trust)
            await tx.session.flush()
            value = trust.id
    outcome = await _edited(database_url, trail, update(TABLE).where(TABLE.c.id == target)
                            .values({column: value}), {"id": target})
    assert outcome is not None
    report, _raw = outcome
    assert (report.ok, report.bad_event_id) == (False, target), report


async def test_the_command_names_nulls_bad_json_and_a_missing_head(
        database_url: str, db: Database, tmp_path: Path) -> None:
    trail = await _write_trail(database_url)
    rows, _ = trail
    second, third, last = rows[1]["id"], rows[2]["id"], rows[-1]["id"]
    cases: list[tuple[str, str]] = [
        (f"UPDATE audit_event SET purpose = NULL WHERE id = {second}",
         f"event {second} its content was changed"),
        ("DELETE FROM audit_chain_head",
         f"event {last} ends the trail, but the record of where the trail ends was deleted"),
    ]
    if not db.is_postgres:  # PostgreSQL's json and integer types refuse these
        cases += [
            (f"UPDATE audit_event SET categories = '[\"budget\"]]' WHERE id = {third}",
             f"event {third} was changed: its categories cannot be read"),
            (f"UPDATE audit_event SET purpose = x'fffe' WHERE id = {third}",
             f"event {third} was changed: its purpose cannot be read"),
            ("UPDATE audit_chain_head SET event_count = 'many'",
             "the trail ends at a record whose event_count was changed"),
        ]
    cli = Cli(tmp_path, database_url)
    for statement, message in cases:
        assert await _edited(database_url, trail, text(statement), {}) is not None
        ran = await cli.run("audit", "verify")
        assert ran.returncode == 1, ran
        assert ran.stderr.strip() == f"The audit trail has been tampered with: {message}."
        assert "Traceback" not in ran.stderr

