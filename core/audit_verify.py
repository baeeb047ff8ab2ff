"""Verifying the audit trail without trusting what it checks.

Whoever tampers with the trail can write anything into its rows: bytes that are not UTF-8,
JSON that does not parse, text where a number belongs, NULLs, a deleted chain head. The check
must then name the event, not crash. So rows are read *raw* — every column as bytes (SQLite)
or text (PostgreSQL), never through the ORM's converters — and each value is parsed here; a
value that does not parse is a changed event like any other. Only then is the hash chain
walked (``core.audit.event_hash``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, Text, cast, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AuditChainHead, AuditEvent

__all__ = ["ChainReport", "Unreadable", "raw_select", "read_event", "verify_chain"]

_INTEGER = re.compile(r"^-?[0-9]+$")
# SQLAlchemy's own parser of the timestamps it stores in SQLite.
_SQLITE_DATETIME: Any = sqlite_dialect.DATETIME().result_processor(  # type: ignore[no-untyped-call]
    sqlite_dialect.dialect(), None)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    bad_event_id: int | None = None
    problem: str | None = None

    def message(self) -> str:
        if self.ok:
            return f"The audit trail is intact: {self.events} events."
        which = f"event {self.bad_event_id}" if self.bad_event_id is not None else (
            f"the event at position {self.events}" if self.events else "the trail")
        return f"The audit trail has been tampered with: {which} {self.problem}."


class Unreadable(Exception):
    """A stored value that cannot be what its column holds."""

    def __init__(self, column: str) -> None:
        super().__init__(column)
        self.column = column


def _text(raw: Any) -> str:
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw).decode("utf-8")  # UnicodeDecodeError: unreadable
    if isinstance(raw, str):
        return raw
    raise TypeError(type(raw).__name__)


def _integer(raw: Any) -> int:
    text = _text(raw)
    if not _INTEGER.match(text):
        raise ValueError(text)
    return int(text)


def _boolean(raw: Any) -> bool:
    return {"0": False, "1": True, "false": False, "true": True}[_text(raw)]


def _moment(raw: Any) -> dt.datetime:
    text = _text(raw)
    if "+" in text[10:] or text.endswith("Z"):  # PostgreSQL: with its offset
        value = dt.datetime.fromisoformat(text)
        if value.tzinfo is None:
            raise ValueError(text)
        return value.astimezone(dt.UTC)
    parsed = _SQLITE_DATETIME(text)  # the form SQLAlchemy stores in SQLite
    if not isinstance(parsed, dt.datetime):
        raise ValueError(text)
    return parsed.replace(tzinfo=dt.UTC)


def _words(raw: Any) -> list[str]:
    value = json.loads(_text(raw))
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("not a list of words")
    return value


_READERS: dict[str, Callable[[Any], Any]] = {
    "id": _integer, "occurred_at": _moment, "actor_kind": _text,
    "actor_person_id": _integer, "actor_staff_id": _integer, "actor_team_id": _integer,
    "actor_account_id": _integer, "actor_organisation_id": _integer, "client_id": _text,
    "person_id": _integer, "categories": _words, "operation": _text, "outcome": _text,
    "purpose": _text, "actor_roles": _words, "refused_categories": _words,
    "break_glass": _boolean, "rule": _text, "prev_hash": _text, "hash": _text,
    # the chain's head
    "last_event_id": _integer, "last_hash": _text, "event_count": _integer,
}


def _read(table: Any, row: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in table.columns:
        raw = row._mapping[column.key]
        if raw is None:
            if not column.nullable:
                raise Unreadable(column.key)
            values[column.key] = None
            continue
        try:
            values[column.key] = _READERS[column.key](raw)
        except (ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError):
            raise Unreadable(column.key) from None
    return values


def read_event(row: Any) -> AuditEvent:
    """An event from a raw row (``Unreadable`` naming the first column that is not what it
    should be)."""
    return AuditEvent(**_read(AuditEvent.__table__, row))


def raw_select(dialect: str, table: Any) -> Any:
    """Every column as it is stored: bytes on SQLite (whatever was written there), text on
    PostgreSQL (its types already refuse what is not a number, a time or JSON)."""
    as_stored = LargeBinary if dialect == "sqlite" else Text
    return select(*(cast(column, as_stored).label(column.key) for column in table.columns))


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Walk the chain in order; the first event that does not fit is reported.

    The head is read first: events appended while the walk runs (the app keeps working) come
    after it and must still chain on, but are not "missing from the end".
    """
    from .audit import event_hash

    dialect = session.get_bind().dialect.name
    heads = raw_select(dialect, AuditChainHead.__table__)
    head_row = (await session.execute(heads.where(AuditChainHead.__table__.c.id == 1))).first()
    head: dict[str, Any] | None = None
    if head_row is not None:
        try:
            head = _read(AuditChainHead.__table__, head_row)
        except Unreadable as unreadable:
            return ChainReport(False, 0, None, f"ends at a record whose {unreadable.column} "
                               "was changed")
    end_id = head["last_event_id"] if head is not None else None
    reached_end = head is None or not head["event_count"]
    previous = ""
    count = 0
    last_id: int | None = None
    rows = await session.stream(raw_select(dialect, AuditEvent.__table__)
                                .order_by(AuditEvent.__table__.c.id))
    async for row in rows:
        count += 1
        try:
            event = read_event(row)
        except Unreadable as unreadable:
            try:
                where: int | None = _integer(row._mapping["id"])
            except (ValueError, TypeError, UnicodeDecodeError):
                where = None
            return ChainReport(False, count, where,
                               f"was changed: its {unreadable.column} cannot be read")
        if event.prev_hash != previous:
            return ChainReport(False, count, event.id,
                               "does not follow the event before it (one was deleted or moved)")
        if event_hash(event) != event.hash:
            return ChainReport(False, count, event.id, "its content was changed")
        previous = event.hash
        last_id = event.id
        if head is not None and event.id == end_id:
            if head["last_hash"] != event.hash or head["event_count"] != count:
                return ChainReport(False, count, event.id,
                                   "does not match the end of the trail recorded in its head")
            reached_end = True
    if head is None and count:
        return ChainReport(False, count, last_id,
                           "ends the trail, but the record of where the trail ends was deleted")
    if not reached_end:
        return ChainReport(False, count, end_id,
                           "events are missing from the end of the trail")
    return ChainReport(True, count)
