"""Recovery goals: create, change, add steps, record progress, complete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_access
from ..categories import DataCategory
from ..errors import InvalidInput, InvalidTransition, NotFound
from ..events import GoalCompleted
from ..models import (
    GoalStatus,
    GoalStatusChange,
    GoalStep,
    Person,
    ProgressNote,
    RecoveryGoal,
)
from ..observations.rules import check_target
from ..policy import AccessPolicy, Action
from ..unit_of_work import Transaction, UnitOfWork
from ._common import grouped_by, optional_text, recorded_by, required_text

__all__ = [
    "MeasurementTarget",
    "add_step",
    "complete_goal",
    "create_goal",
    "goals_by_ids",
    "record_progress",
    "status_history_for_goals",
    "steps_for_goals",
    "update_goal",
]

CATEGORY = DataCategory.RECOVERY_PLAN

# Which status changes make sense. Completed and abandoned goals can be picked up again.
_ALLOWED = {
    GoalStatus.ACTIVE: {GoalStatus.PAUSED, GoalStatus.COMPLETED, GoalStatus.ABANDONED},
    GoalStatus.PAUSED: {GoalStatus.ACTIVE, GoalStatus.COMPLETED, GoalStatus.ABANDONED},
    GoalStatus.COMPLETED: {GoalStatus.ACTIVE},
    GoalStatus.ABANDONED: {GoalStatus.ACTIVE},
}


@dataclass(frozen=True)
class MeasurementTarget:
    """A measurement a goal aims for: an observation kind's code and a value in the kind's
    default unit ("weight", 80.0). Progress is read from the person's readings."""

    kind: str
    value: float


def _target(uow: UnitOfWork, target: MeasurementTarget | None) -> dict[str, Any]:
    if target is None:
        return {}
    kind, value = check_target(uow.plugins.observation_kinds, target.kind, target.value,
                               field="targetMeasurement")
    return {"target_kind": kind, "target_value": value}


def _title(value: str) -> str:
    return required_text(value, field="title", what="a title for the goal", max_length=200)


def _what_matters(value: str | None) -> str | None:
    return optional_text(value, field="whatMattersToMe", what="what matters to you",
                         max_length=5000)


async def _goal_for_update(tx: Transaction, policy: AccessPolicy, goal_id: int) -> RecoveryGoal:
    """Load a goal the principal may change, or raise NOT_FOUND (never FORBIDDEN: no leak)."""
    goal = await tx.session.get(RecoveryGoal, goal_id)
    if goal is None:
        raise NotFound("goal", field="goalId")
    await policy.require(tx.session, Action.UPDATE, goal.person_id, [CATEGORY], what="goal",
                         field="goalId")
    return goal


def _change_status(tx: Transaction, policy: AccessPolicy, goal: RecoveryGoal,
                   to: GoalStatus, reason: str | None, *, field: str = "status") -> None:
    if to not in _ALLOWED[goal.status]:
        raise InvalidTransition(
            f"A goal that is {goal.status.value} cannot become {to.value}.", field=field
        )
    tx.session.add(GoalStatusChange(goal_id=goal.id, from_status=goal.status, to_status=to,
                                    changed_at=policy.now, reason=reason,
                                    **recorded_by(policy)))
    goal.status = to
    goal.updated_at = policy.now
    goal.completed_at = policy.now if to is GoalStatus.COMPLETED else None
    if to is GoalStatus.COMPLETED:
        tx.emit(GoalCompleted(person_id=goal.person_id, goal_id=goal.id))


async def create_goal(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    title: str,
    what_matters_to_me: str | None = None,
    target_date: dt.date | None = None,
    steps: Sequence[str] = (),
    target_measurement: MeasurementTarget | None = None,
) -> RecoveryGoal:
    goal = RecoveryGoal(person_id=person_id, title=_title(title),
                        what_matters_to_me=_what_matters(what_matters_to_me),
                        target_date=target_date, status=GoalStatus.ACTIVE,
                        created_at=policy.now, updated_at=policy.now, **recorded_by(policy),
                        **_target(uow, target_measurement))
    step_texts = [
        required_text(text, field=f"steps.{i}", what="a description of the step",
                      max_length=500)
        for i, text in enumerate(steps)
    ]
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.CREATE, person_id, [CATEGORY],
                             field="personId")
        if await tx.session.get(Person, person_id) is None:  # the system passes any ID
            raise NotFound("person", field="personId")
        tx.session.add(goal)
        await tx.session.flush()
        tx.session.add(GoalStatusChange(goal_id=goal.id, from_status=None,
                                        to_status=GoalStatus.ACTIVE, changed_at=policy.now,
                                        **recorded_by(policy)))
        for position, text in enumerate(step_texts, start=1):
            tx.session.add(GoalStep(goal_id=goal.id, description=text, position=position,
                                    **recorded_by(policy)))
        await record_access(tx.session, policy, person_id=person_id, operation="create_goal",
                      categories=[CATEGORY])
    return goal


async def update_goal(
    uow: UnitOfWork,
    policy: AccessPolicy,
    goal_id: int,
    *,
    title: str | None = None,
    what_matters_to_me: str | None = None,
    target_date: dt.date | None = None,
    status: GoalStatus | None = None,
    reason: str | None = None,
    target_measurement: MeasurementTarget | None = None,
) -> RecoveryGoal:
    """Change a goal. ``None`` leaves a field as it is."""
    new_title = _title(title) if title is not None else None
    new_what_matters = _what_matters(what_matters_to_me)
    new_target = _target(uow, target_measurement)
    async with uow.begin() as tx:
        goal = await _goal_for_update(tx, policy, goal_id)
        if new_title is not None:
            goal.title = new_title
        if what_matters_to_me is not None:
            goal.what_matters_to_me = new_what_matters
        if target_date is not None:
            goal.target_date = target_date
        for key, value in new_target.items():
            setattr(goal, key, value)
        if status is not None and status is not goal.status:
            _change_status(tx, policy, goal, status, reason)
        goal.updated_at = policy.now
        await record_access(tx.session, policy, person_id=goal.person_id, operation="update_goal",
                      categories=[CATEGORY])
    return goal


async def add_step(
    uow: UnitOfWork, policy: AccessPolicy, goal_id: int, *, description: str
) -> GoalStep:
    text = required_text(description, field="description",
                         what="a description of the step", max_length=500)
    async with uow.begin() as tx:
        goal = await _goal_for_update(tx, policy, goal_id)
        last = await tx.session.scalar(
            select(func.max(GoalStep.position)).where(GoalStep.goal_id == goal_id)
        )
        step = GoalStep(goal_id=goal_id, description=text, position=(last or 0) + 1,
                        created_at=policy.now, **recorded_by(policy))
        tx.session.add(step)
        goal.updated_at = policy.now
        await record_access(tx.session, policy, person_id=goal.person_id, operation="add_goal_step",
                      categories=[CATEGORY])
    return step


async def record_progress(
    uow: UnitOfWork,
    policy: AccessPolicy,
    goal_id: int,
    *,
    text: str,
    progress_percent: int | None = None,
) -> ProgressNote:
    note_text = required_text(text, field="text", what="a progress note", max_length=5000)
    if progress_percent is not None and not 0 <= progress_percent <= 100:
        raise InvalidInput("Progress is a percentage from 0 to 100.",
                           code="INVALID_PROGRESS", field="progressPercent")
    async with uow.begin() as tx:
        goal = await _goal_for_update(tx, policy, goal_id)
        if goal.status in (GoalStatus.COMPLETED, GoalStatus.ABANDONED):
            raise InvalidTransition(
                f"This goal is {goal.status.value}: reopen it before recording progress.",
                field="goalId",
            )
        note = ProgressNote(goal_id=goal_id, text=note_text, progress_percent=progress_percent,
                            created_at=policy.now, **recorded_by(policy))
        tx.session.add(note)
        goal.updated_at = policy.now
        await record_access(tx.session, policy, person_id=goal.person_id,
                      operation="record_goal_progress", categories=[CATEGORY])
    return note


async def complete_goal(
    uow: UnitOfWork, policy: AccessPolicy, goal_id: int, *, note: str | None = None
) -> RecoveryGoal:
    reason = optional_text(note, field="note", what="a note", max_length=5000)
    async with uow.begin() as tx:
        goal = await _goal_for_update(tx, policy, goal_id)
        # completeGoal has no status input: the goal itself is at fault.
        _change_status(tx, policy, goal, GoalStatus.COMPLETED, reason, field="goalId")
        await record_access(tx.session, policy, person_id=goal.person_id, operation="complete_goal",
                      categories=[CATEGORY])
    return goal


# --- batch readers for DataLoaders: unreadable rows are absent -------------------------------


async def goals_by_ids(
    session: AsyncSession, policy: AccessPolicy, ids: Sequence[int]
) -> dict[int, RecoveryGoal]:
    rows = await session.scalars(
        select(RecoveryGoal).where(RecoveryGoal.id.in_(set(ids)),
                                   policy.person_filter(RecoveryGoal.person_id))
    )
    return {goal.id: goal for goal in await policy.readable(session, rows, CATEGORY)}


async def _of_goals(
    session: AsyncSession, policy: AccessPolicy, model: Any, goal_ids: Sequence[int],
    order: Any,
) -> dict[int, list[Any]]:
    """Rows hanging off readable goals, grouped by goal, in one statement."""
    return await grouped_by(session, select(model)
                            .join(RecoveryGoal, RecoveryGoal.id == model.goal_id)
                            .where(model.goal_id.in_(set(goal_ids)),
                                   policy.person_filter(RecoveryGoal.person_id))
                            .order_by(model.goal_id, order),
                            lambda row: row.goal_id)


async def steps_for_goals(
    session: AsyncSession, policy: AccessPolicy, goal_ids: Sequence[int]
) -> dict[int, list[GoalStep]]:
    return await _of_goals(session, policy, GoalStep, goal_ids, GoalStep.position)


async def status_history_for_goals(
    session: AsyncSession, policy: AccessPolicy, goal_ids: Sequence[int]
) -> dict[int, list[GoalStatusChange]]:
    return await _of_goals(session, policy, GoalStatusChange, goal_ids, GoalStatusChange.id)
