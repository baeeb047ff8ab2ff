"""Small helpers the ELFT modules share (core's own are private to core)."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Enum, Select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.policy import AccessPolicy

__all__ = ["enum_column", "grouped_by", "optional_text", "recorded_by", "required_text"]


def enum_column(enum_class: type[enum.Enum]) -> Enum:
    """An enum stored as its string value, like core's (no native PostgreSQL enum)."""
    return Enum(enum_class, native_enum=False, length=40, validate_strings=True,
                values_callable=lambda members: [member.value for member in members],
                name=enum_class.__name__.lower())


def recorded_by(policy: AccessPolicy) -> dict[str, Any]:
    return {"by_person_id": policy.principal.person_id,
            "by_staff_id": policy.principal.staff_member_id}


def required_text(value: str | None, *, field: str, what: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"Please give {what}.", code="REQUIRED", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{what[0].upper()}{what[1:]} is too long: at most {max_length} "
                           "characters.", code="TOO_LONG", field=field)
    return text


def optional_text(value: str | None, *, field: str, what: str, max_length: int) -> str | None:
    if value is None or not value.strip():
        return None
    return required_text(value, field=field, what=what, max_length=max_length)


async def grouped_by(session: AsyncSession, statement: Select[Any],
                     key: Callable[[Any], int]) -> dict[int, list[Any]]:
    """The rows of one statement, grouped by a parent id: batch readers for DataLoaders."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in await session.scalars(statement):
        grouped[key(row)].append(row)
    return grouped
