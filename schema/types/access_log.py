"""The person's access log: who looked at or changed their record, when, and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info

from ..context import Context
from .organisations import Organisation, StaffMember, Team

__all__ = ["AccessLogEntry"]


@strawberry.type(description="One request that read or changed the person's record.")
class AccessLogEntry:
    occurred_at: dt.datetime
    actor_kind: str = strawberry.field(
        description="staff, representative, system; or person for someone else's record."
    )
    actor_roles: list[str]
    client_id: str | None = strawberry.field(description="The app that acted for them, if any.")
    categories: list[str] = strawberry.field(description="What was read or changed.")
    refused_categories: list[str] = strawberry.field(description="What was asked for and refused.")
    operation: str
    outcome: str = strawberry.field(description="allowed, partly_refused or refused.")
    purpose: str | None = strawberry.field(description="The reason given, e.g. for break-glass.")
    break_glass: bool = strawberry.field(
        description="Opened without a care relationship, in an emergency."
    )

    @strawberry.field
    async def staff_member(self: Any, info: Info[Context, None]) -> StaffMember | None:
        if self.actor_staff_id is None:
            return None
        return await info.context.loaders.staff_member.load(self.actor_staff_id)

    @strawberry.field
    async def team(self: Any, info: Info[Context, None]) -> Team | None:
        if self.actor_team_id is None:
            return None
        return await info.context.loaders.team.load(self.actor_team_id)

    @strawberry.field
    async def organisation(self: Any, info: Info[Context, None]) -> Organisation | None:
        if self.actor_organisation_id is None:
            return None
        return await info.context.loaders.organisation.load(self.actor_organisation_id)
