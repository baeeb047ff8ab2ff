"""Goal mutations."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core.services import goals

from ..context import Context
from ..errors import UserError, attempt
from ..ids import decode_id
from ..types.goals import GoalStatus, GoalStep, ProgressNote, RecoveryGoal

__all__ = ["GoalMutations"]


@strawberry.input(description="A measurement to reach: an observation kind (`weight`) and a "
                  "value in its default unit.")
class MeasurementTargetInput:
    kind: str
    value: float


def _target(given: MeasurementTargetInput | None) -> goals.MeasurementTarget | None:
    return goals.MeasurementTarget(given.kind, given.value) if given else None


@strawberry.input
class CreateGoalInput:
    person_id: strawberry.ID
    title: str
    what_matters_to_me: str | None = None
    target_date: dt.date | None = None
    steps: list[str] = strawberry.field(default_factory=list)
    target_measurement: MeasurementTargetInput | None = None


@strawberry.input(description="Fields left out (or null) stay as they are.")
class UpdateGoalInput:
    goal_id: strawberry.ID
    title: str | None = None
    what_matters_to_me: str | None = None
    target_date: dt.date | None = None
    status: GoalStatus | None = None
    reason: str | None = strawberry.field(default=None, description="Why the status changed.")
    target_measurement: MeasurementTargetInput | None = None


@strawberry.input
class AddGoalStepInput:
    goal_id: strawberry.ID
    description: str


@strawberry.input
class RecordGoalProgressInput:
    goal_id: strawberry.ID
    text: str
    progress_percent: int | None = None


@strawberry.input
class CompleteGoalInput:
    goal_id: strawberry.ID
    note: str | None = None


@strawberry.type
class GoalPayload:
    goal: RecoveryGoal | None
    user_errors: list[UserError]


@strawberry.type
class AddGoalStepPayload:
    step: GoalStep | None
    goal: RecoveryGoal | None
    user_errors: list[UserError]


@strawberry.type
class RecordGoalProgressPayload:
    progress_note: ProgressNote | None
    goal: RecoveryGoal | None
    user_errors: list[UserError]


@strawberry.type
class GoalMutations:
    @strawberry.mutation(description="Set a new recovery goal.")
    async def create_goal(self, info: Info[Context, None], input: CreateGoalInput) -> GoalPayload:
        ctx = info.context

        goal, errors = await attempt(ctx, lambda: goals.create_goal(
            ctx.uow, ctx.policy, person_id=decode_id(input.person_id, "Person",
                                                     field="personId"),
            title=input.title, what_matters_to_me=input.what_matters_to_me,
            target_date=input.target_date, steps=input.steps,
            target_measurement=_target(input.target_measurement),
        ))
        return GoalPayload(goal=goal, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Change a goal's title, description, date or status.")
    async def update_goal(self, info: Info[Context, None], input: UpdateGoalInput) -> GoalPayload:
        ctx = info.context

        goal, errors = await attempt(ctx, lambda: goals.update_goal(
            ctx.uow, ctx.policy, decode_id(input.goal_id, "RecoveryGoal", field="goalId"),
            title=input.title, what_matters_to_me=input.what_matters_to_me,
            target_date=input.target_date, status=input.status, reason=input.reason,
            target_measurement=_target(input.target_measurement),
        ))
        return GoalPayload(goal=goal, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Add a step towards a goal.")
    async def add_goal_step(
        self, info: Info[Context, None], input: AddGoalStepInput
    ) -> AddGoalStepPayload:
        ctx = info.context

        step, errors = await attempt(ctx, lambda: goals.add_step(
            ctx.uow, ctx.policy, decode_id(input.goal_id, "RecoveryGoal", field="goalId"),
            description=input.description,
        ))
        goal = await ctx.loaders.goal.load(step.goal_id) if step else None
        return AddGoalStepPayload(step=step, goal=goal, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Note progress towards a goal.")
    async def record_goal_progress(
        self, info: Info[Context, None], input: RecordGoalProgressInput
    ) -> RecordGoalProgressPayload:
        ctx = info.context

        note, errors = await attempt(ctx, lambda: goals.record_progress(
            ctx.uow, ctx.policy, decode_id(input.goal_id, "RecoveryGoal", field="goalId"),
            text=input.text, progress_percent=input.progress_percent,
        ))
        goal = await ctx.loaders.goal.load(note.goal_id) if note else None
        return RecordGoalProgressPayload(
            progress_note=note, goal=goal, user_errors=errors  # type: ignore[arg-type]
        )

    @strawberry.mutation(description="Mark a goal as achieved.")
    async def complete_goal(
        self, info: Info[Context, None], input: CompleteGoalInput
    ) -> GoalPayload:
        ctx = info.context

        goal, errors = await attempt(ctx, lambda: goals.complete_goal(
            ctx.uow, ctx.policy, decode_id(input.goal_id, "RecoveryGoal", field="goalId"),
            note=input.note,
        ))
        return GoalPayload(goal=goal, user_errors=errors)  # type: ignore[arg-type]
