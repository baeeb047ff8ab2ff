"""Small helpers the services share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import InvalidInput
from ..inputs import aware, optional_text, required_text
from ..policy import AccessPolicy

__all__ = [
    "aware",
    "chosen_categories",
    "grouped_by",
    "optional_text",
    "recorded_by",
    "required_text",
]


def recorded_by(policy: AccessPolicy) -> dict[str, Any]:
    """Columns saying who did it, for models with ``RecordedBy``."""
    return {
        "by_person_id": policy.principal.person_id,
        "by_staff_id": policy.principal.staff_member_id,
    }


def chosen_categories(requested: Sequence[str], known: Iterable[str], *, none_chosen: str,
                      field: str = "categories") -> list[str]:
    """The data categories asked for, sorted and without repeats; refuses none or unknown."""
    if not requested:
        raise InvalidInput(none_chosen, code="NO_CATEGORIES", field=field)
    known_names = frozenset(known)
    unknown = sorted(set(requested) - known_names)
    if unknown:
        raise InvalidInput(
            f"Unknown kind of information: {', '.join(unknown)}. "
            f"Known kinds: {', '.join(sorted(known_names))}.",
            code="UNKNOWN_CATEGORY", field=field,
        )
    return sorted(set(requested))


async def grouped_by(
    session: AsyncSession, statement: Select[Any], key: Callable[[Any], int]
) -> dict[int, list[Any]]:
    """The rows of one statement, grouped by a parent id: batch readers for DataLoaders."""
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in await session.scalars(statement):
        grouped[key(row)].append(row)
    return grouped
