"""The access policy: the one place that decides who may read or change a person's data.

First floor (issue #2): a person may read and change their own record; a staff member may read
and change the record of a person whom one of their teams has an active care relationship
with; nobody else learns that the person exists. The access policy issue (#3) grows this into
categories, consent, restrictions and break-glass without changing its callers.

An ``AccessPolicy`` is built once per request. It answers two kinds of question:

* ``person_filter(column)``: a SQL condition that keeps only readable people, for lists and
  DataLoaders, so that nested loads obey the same rule as top-level ones;
* ``decide(...)`` / ``require(...)``: a decision about one person, cached for the request.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import Forbidden, NotFound
from .models import CareRelationship, utcnow
from .principal import Principal, PrincipalKind

__all__ = ["AccessPolicy", "Action", "Decision"]

log = logging.getLogger("recovery_hub.access")


class Action(enum.StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    APPROVE = "approve"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # Names the rule that decided, so a refusal can be explained and logged.
    rule: str


class AccessPolicy:
    def __init__(self, principal: Principal, *, now: dt.datetime | None = None) -> None:
        self.principal = principal
        self.now = now or utcnow()
        self._related: dict[int, bool] = {}

    def _active_relationship(self) -> ColumnElement[bool]:
        return and_(
            CareRelationship.team_id.in_(self.principal.team_ids),
            CareRelationship.starts_at <= self.now,
            or_(CareRelationship.ends_at.is_(None), CareRelationship.ends_at > self.now),
        )

    def person_filter(self, person_id_column: ColumnElement[int]) -> ColumnElement[bool]:
        """A SQL condition true for the people this principal may read."""
        principal = self.principal
        if principal.kind is PrincipalKind.SYSTEM:
            return true()
        if principal.kind is PrincipalKind.PERSON and principal.person_id is not None:
            return person_id_column == principal.person_id
        if principal.kind is PrincipalKind.STAFF and principal.team_ids:
            related = select(CareRelationship.person_id).where(self._active_relationship())
            return person_id_column.in_(related)
        return false()

    async def prime(self, session: AsyncSession, person_ids: Iterable[int]) -> None:
        """Learn, in one statement, which of these people the principal's teams care for."""
        wanted = {pid for pid in person_ids if pid not in self._related}
        if not wanted or self.principal.kind is not PrincipalKind.STAFF:
            return
        related: set[int] = set()
        if self.principal.team_ids:
            rows = await session.scalars(
                select(CareRelationship.person_id)
                .where(self._active_relationship(), CareRelationship.person_id.in_(wanted))
                .distinct()
            )
            related = set(rows)
        for pid in wanted:
            self._related[pid] = pid in related

    async def decide(
        self,
        session: AsyncSession,
        action: Action,
        person_id: int,
        categories: Iterable[str] = (),
    ) -> Decision:
        principal = self.principal
        if principal.kind is PrincipalKind.SYSTEM:
            return Decision(True, "system")
        if principal.kind is PrincipalKind.PERSON:
            if principal.person_id == person_id and action is not Action.APPROVE:
                return Decision(True, "self")
            if principal.person_id == person_id:
                return Decision(False, "self_cannot_approve")
            return Decision(False, "not_own_record")
        if principal.kind is PrincipalKind.STAFF:
            await self.prime(session, [person_id])
            if self._related[person_id]:
                return Decision(True, "care_relationship")
            return Decision(False, "no_care_relationship")
        return Decision(False, "unauthenticated")

    async def require(
        self,
        session: AsyncSession,
        action: Action,
        person_id: int,
        categories: Iterable[str] = (),
        *,
        what: str = "person",
        field: str | None = None,
    ) -> Decision:
        """Allow, or raise.

        Someone who may not even read the person gets ``NotFound``: a refused person looks
        exactly like a missing one. Someone who may read but not do this gets ``Forbidden``.
        """
        decision = await self.decide(session, action, person_id, categories)
        if not decision.allowed:
            log.info(
                "access denied: principal=%s:%s action=%s person=%s rule=%s",
                self.principal.kind,
                self.principal.staff_member_id or self.principal.person_id,
                action,
                person_id,
                decision.rule,
            )
            if action is not Action.READ:
                readable = await self.decide(session, Action.READ, person_id, categories)
                if readable.allowed:
                    raise Forbidden(
                        f"You may not {action.value} this {what}.", field=field
                    )
            raise NotFound(what, field=field)
        return decision

    async def acting_team_id(self, session: AsyncSession, person_id: int) -> int | None:
        """The principal's team that cares for this person (for approvals and the audit)."""
        if not self.principal.team_ids:
            return None
        return await session.scalar(
            select(CareRelationship.team_id)
            .where(self._active_relationship(), CareRelationship.person_id == person_id)
            .order_by(CareRelationship.id)
            .limit(1)
        )
