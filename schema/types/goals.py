"""Recovery goals, their steps, progress notes and status history."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import models

from ..context import Context
from ..pagination import connection, window
from ._node import ModelNode

if TYPE_CHECKING:
    from .people import Person

__all__ = ["GoalStatus", "GoalStatusChange", "GoalStep", "ProgressNote", "RecoveryGoal"]

_Person = Annotated["Person", strawberry.lazy("schema.types.people")]

GoalStatus = strawberry.enum(models.GoalStatus, name="GoalStatus")


@strawberry.type
class GoalStep:
    description: str
    position: int
    done_at: dt.datetime | None


@strawberry.type
class ProgressNote:
    text: str
    progress_percent: int | None = strawberry.field(description="0-100, if given.")
    created_at: dt.datetime


@strawberry.type
class GoalStatusChange:
    from_status: GoalStatus | None
    to_status: GoalStatus
    changed_at: dt.datetime
    reason: str | None


@strawberry.type(description='A recovery goal: "what matters to me" and the way there.')
class RecoveryGoal(ModelNode, relay.Node):
    __model__ = models.RecoveryGoal
    loader_name = "goal"

    id: relay.NodeID[int]
    title: str
    what_matters_to_me: str | None
    status: GoalStatus
    target_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    completed_at: dt.datetime | None

    @strawberry.field
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @strawberry.field
    async def steps(self: Any, info: Info[Context, None]) -> list[GoalStep]:
        return await info.context.loaders.goal_steps.load(self.id)

    @strawberry.field
    async def status_history(self: Any, info: Info[Context, None]) -> list[GoalStatusChange]:
        return await info.context.loaders.goal_history.load(self.id)

    @strawberry.field(description="Progress notes, oldest first.")
    async def progress_notes(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[ProgressNote]:
        size, after_id = window(first, after)
        found = await info.context.loaders.progress_of_goal.load((self.id, size, after_id))
        return connection(found, after_id)
