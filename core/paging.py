"""Keyset pagination, including one page per parent in a single statement.

A caseload of 500 people each with a page of goals is one query, not 500: rows are numbered
per parent with ``ROW_NUMBER() OVER (PARTITION BY parent ORDER BY id)`` (SQLite 3.25+ and
PostgreSQL), and we keep ``first + 1`` of each to know whether there is a next page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

__all__ = ["Page", "page", "pages_per_parent"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool


async def page(
    session: AsyncSession,
    statement: Select[Any],
    id_column: ColumnElement[int],
    *,
    first: int,
    after: int | None,
    newest_first: bool = False,
) -> Page[Any]:
    """One page of a statement in ``id_column`` order (or reverse), after the given id."""
    if after is not None:
        statement = statement.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = list(await session.scalars(statement.order_by(order).limit(first + 1)))
    return Page(rows[:first], len(rows) > first)


async def pages_per_parent(
    session: AsyncSession,
    model: type[T],
    statement: Select[Any],
    parent_column: ColumnElement[int],
    id_column: ColumnElement[int],
    parent_ids: Sequence[int],
    *,
    first: int,
    after: int | None,
) -> dict[int, Page[T]]:
    """The first ``first`` rows after ``after`` for each parent, in one statement."""
    row_number = func.row_number().over(partition_by=parent_column, order_by=id_column)
    inner = statement.where(parent_column.in_(set(parent_ids))).add_columns(
        row_number.label("row_number")
    )
    if after is not None:
        inner = inner.where(id_column > after)
    numbered = inner.subquery()
    entity = aliased(model, numbered)
    rows = await session.execute(
        select(entity, numbered.c[parent_column.key])
        .where(numbered.c.row_number <= first + 1)
        .order_by(numbered.c[parent_column.key], numbered.c[id_column.key])
    )
    collected: dict[int, list[T]] = {pid: [] for pid in parent_ids}
    for row, parent_id in rows:
        collected[parent_id].append(row)
    return {pid: Page(items[:first], len(items) > first) for pid, items in collected.items()}
