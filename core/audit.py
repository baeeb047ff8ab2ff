"""Writing the audit trail: one event per use case per person touched by someone else."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from .models import AuditEvent
from .policy import AccessPolicy
from .principal import PrincipalKind

__all__ = ["record_access"]


def record_access(
    session: AsyncSession,
    policy: AccessPolicy,
    *,
    person_id: int,
    operation: str,
    categories: Iterable[str] = (),
    outcome: str = "allowed",
    purpose: str | None = None,
) -> None:
    """Add an audit event to the current transaction, unless the person acts on their own."""
    principal = policy.principal
    if principal.kind is PrincipalKind.PERSON and principal.person_id == person_id:
        return
    team = principal.teams[0] if principal.teams else None
    session.add(
        AuditEvent(
            occurred_at=policy.now,
            actor_kind=str(principal.kind),
            actor_person_id=principal.person_id,
            actor_staff_id=principal.staff_member_id,
            actor_team_id=team.team_id if team else None,
            actor_organisation_id=team.organisation_id if team else None,
            client_id=principal.client_id,
            person_id=person_id,
            categories=sorted(set(categories)),
            operation=operation,
            outcome=outcome,
            purpose=purpose,
        )
    )
