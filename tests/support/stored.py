"""Reading back what a use case stored, in a fresh session, as a user would later see it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select

from core.db import Database
from core.models import FundingPot, FundingPotEntry

__all__ = ["assert_pot_balanced", "stored", "stored_rows"]

T = TypeVar("T")


async def stored(db: Database, model: type[T], pk: int) -> T:
    """The row as it is in the database now (not the object the service returned)."""
    async with db.reading() as session:
        row = await session.get(model, pk)
    assert row is not None, f"no {model.__name__} {pk}"
    return row


async def stored_rows(
    db: Database, model: type[T], *where: ColumnElement[bool], order_by: Any = None
) -> Sequence[T]:
    """Rows of ``model`` matching ``where``, in id order unless told otherwise."""
    order = order_by if order_by is not None else model.id  # type: ignore[attr-defined]
    statement = select(model).where(*where).order_by(order)
    async with db.reading() as session:
        return list(await session.scalars(statement))


async def assert_pot_balanced(db: Database, pot_id: int) -> FundingPot:
    """The pot's ledger explains its balance, and it is not overspent. Returns the pot."""
    async with db.reading() as session:
        pot = await session.get_one(FundingPot, pot_id)
        ledger_total = await session.scalar(
            select(func.coalesce(func.sum(FundingPotEntry.available_delta_pence), 0))
            .where(FundingPotEntry.pot_id == pot_id)
        )
    assert ledger_total == pot.available_pence, (ledger_total, pot.available_pence)
    assert pot.available_pence >= 0
    assert pot.committed_pence >= 0 and pot.paid_pence >= 0
    return pot
