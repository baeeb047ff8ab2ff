"""Small helpers the services share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import InvalidInput
from ..inputs import aware, optional_text, required_text
from ..models import RecordSource
from ..policy import AccessPolicy
from ..principal import PrincipalKind

__all__ = [
    "aware",
    "chosen_categories",
    "grouped_by",
    "optional_text",
    "recorded_by",
    "recorded_through",
    "required_text",
]


def recorded_by(policy: AccessPolicy) -> dict[str, Any]:
    """Columns saying who did it, for models with ``RecordedBy``."""
    return {
        "by_person_id": policy.principal.person_id,
        "by_staff_id": policy.principal.staff_member_id,
    }


_SOURCES = {
    PrincipalKind.PERSON: RecordSource.PERSON,
    PrincipalKind.REPRESENTATIVE: RecordSource.REPRESENTATIVE,
    PrincipalKind.STAFF: RecordSource.STAFF,
}


def recorded_through(policy: AccessPolicy, person_id: int) -> dict[str, Any]:
    """Columns of ``RecordedThrough`` for a write to ``person_id``'s record (after the
    policy allowed it): who, through which team, account and app, and when. The system and
    integrations record as an import."""
    principal = policy.principal
    team = policy.acting_team(person_id)
    return {
        **recorded_by(policy),
        "source": _SOURCES.get(principal.kind, RecordSource.IMPORT),
        "by_team_id": team.team_id if team and principal.kind is PrincipalKind.STAFF else None,
        "by_account_id": (principal.account_id
                          if principal.kind is PrincipalKind.REPRESENTATIVE else None),
        "client_id": principal.client_id,
        "recorded_at": policy.now,
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
