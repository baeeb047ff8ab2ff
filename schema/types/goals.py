"""Recovery goals, their steps, progress notes and status history."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import models
from core.categories import DataCategory as C

from ..context import Context
from ..guards import data, data_of
from ..pagination import connection, window
from ._node import ModelNode

if TYPE_CHECKING:
    from .observations import Observation
    from .people import Person

__all__ = [
    "GoalStatus",
    "GoalStatusChange",
    "GoalStep",
    "MeasurementProgress",
    "MeasurementTarget",
    "ProgressNote",
    "RecoveryGoal",
]

_Person = Annotated["Person", strawberry.lazy("schema.types.people")]
_Observation = Annotated["Observation", strawberry.lazy("schema.types.observations")]

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


@strawberry.type(description="A measurement a goal aims for, in the kind's default unit.")
class MeasurementTarget:
    kind: str
    value: float
    unit: str | None


@strawberry.type(description="How far a goal's target measurement has come: from the first "
                 "reading since the goal was set (else the last before) to the latest.")
class MeasurementProgress:
    baseline: _Observation | None
    latest: _Observation | None
    percent: int | None = strawberry.field(description="0-100; null without two readings.")


def _target_category(goal: Any, info: Info[Context, None], _arguments: dict[str, Any]) -> str:
    """The category of the goal's target kind: seeing progress is seeing the readings."""
    kind = info.context.uow.plugins.observation_kinds.get(goal.target_kind or "")
    return kind.category if kind else C.RECOVERY_PLAN


@strawberry.type(description='A recovery goal: "what matters to me" and the way there.')
class RecoveryGoal(ModelNode, relay.Node):
    __model__ = models.RecoveryGoal
    __person_data__ = True
    loader_name = "goal"

    id: relay.NodeID[int]
    title: str | None = data(C.RECOVERY_PLAN)
    what_matters_to_me: str | None = data(C.RECOVERY_PLAN)
    status: GoalStatus | None = data(C.RECOVERY_PLAN)
    target_date: dt.date | None = data(C.RECOVERY_PLAN)
    created_at: dt.datetime | None = data(C.RECOVERY_PLAN)
    updated_at: dt.datetime | None = data(C.RECOVERY_PLAN)
    completed_at: dt.datetime | None = data(C.RECOVERY_PLAN)

    @data(C.RECOVERY_PLAN, description="A measurement to reach (weight 80 kg by June).")
    def target_measurement(self: Any, info: Info[Context, None]) -> MeasurementTarget | None:
        if self.target_kind is None or self.target_value is None:
            return None
        kind = info.context.uow.plugins.observation_kinds.get(self.target_kind)
        return MeasurementTarget(kind=self.target_kind, value=self.target_value,
                                 unit=kind.unit if kind else None)

    @data_of(_target_category, described="the category of the goal's target kind",
             description="Progress towards the target measurement, read from the readings.")
    async def measurement_progress(
        self: Any, info: Info[Context, None]
    ) -> MeasurementProgress | None:
        if self.target_kind is None or self.target_value is None:
            return None
        found = await info.context.loaders.record.goal_progress.load(self)
        if found is None:
            return None
        return MeasurementProgress(baseline=found.baseline,  # type: ignore[arg-type]
                                   latest=found.latest,  # type: ignore[arg-type]
                                   percent=found.percent(self.target_value))

    @data(C.RECOVERY_PLAN, description="Whose goal this is.")
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.RECOVERY_PLAN)
    async def steps(self: Any, info: Info[Context, None]) -> list[GoalStep] | None:
        return await info.context.loaders.goal_steps.load(self.id)

    @data(C.RECOVERY_PLAN)
    async def status_history(
        self: Any, info: Info[Context, None]
    ) -> list[GoalStatusChange] | None:
        return await info.context.loaders.goal_history.load(self.id)

    @data(C.RECOVERY_PLAN, description="Progress notes, oldest first.")
    async def progress_notes(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[ProgressNote] | None:
        size, after_id = window(first, after)
        found = await info.context.loaders.progress_of_goal.load((self.id, size, after_id))
        return connection(found, after_id)
