"""The PHB support plan, "Me and My Goals": written with the person, versioned, signed off.

Every change writes a new version; earlier versions stay as they were, so the plan's history is
complete. A new version needs signing off again. Signing off the first time schedules the
start, midpoint and end reviews (plugins/elft/reviews.py); a later sign-off that moves the
plan's period moves the due dates of the reviews not yet held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import record_access
from core.categories import DataCategory as C
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import (
    Budget,
    CareRelationship,
    Membership,
    PaymentRoute,
    RecoveryGoal,
    StaffMember,
)
from core.money import parse_pounds
from core.policy import AccessPolicy, Action
from core.unit_of_work import Transaction, UnitOfWork

from ._common import grouped_by, recorded_by, required_text
from .models import PlanStatus, SupportPlan, SupportPlanGoal, SupportPlanItem, SupportPlanVersion
from .purchases import problems_with_item
from .reviews import schedule_reviews
from .settings import ElftSettings
from .sign_off import CARE_COORDINATOR, CLINICIAN_ROLES

__all__ = [
    "PlanContent",
    "PlanItemInput",
    "create_plan",
    "current_plans",
    "goals_of_versions",
    "items_of_versions",
    "plans_by_ids",
    "revise_plan",
    "sign_off_plan",
    "versions_of_plans",
]

CATEGORIES = (C.RECOVERY_PLAN, C.BUDGET)


@dataclass(frozen=True, slots=True)
class PlanItemInput:
    description: str
    amount: str  # pounds, as typed
    goal_id: int


@dataclass(frozen=True, slots=True)
class PlanContent:
    """What one version of the plan says."""

    what_matters_to_me: str
    budget_purpose: str
    held_as: PaymentRoute
    care_coordinator_id: int
    period_start: dt.date
    period_end: dt.date
    goal_ids: Sequence[int]
    items: Sequence[PlanItemInput]


@dataclass(frozen=True, slots=True)
class _Checked:
    what_matters_to_me: str
    budget_purpose: str
    goal_ids: list[int]  # the plan's goals, then any more that items serve
    items: list[tuple[str, int, int]]  # description, pence, goal id


def _checked(content: PlanContent) -> _Checked:
    """Check what can be checked without the database."""
    what_matters = required_text(content.what_matters_to_me, field="whatMattersToMe",
                                 what="what matters to the person", max_length=5000)
    purpose = required_text(content.budget_purpose, field="budgetPurpose",
                            what="what the budget is for", max_length=5000)
    if content.period_end <= content.period_start:
        raise InvalidInput("The plan's period must end after it starts.",
                           code="INVALID_PERIOD", field="periodEnd")
    items = []
    for i, item in enumerate(content.items):
        description = required_text(item.description, field=f"items.{i}.description",
                                    what="a description of the item", max_length=500)
        problems = problems_with_item(description)
        if problems:
            raise InvalidInput(problems[0].message, code=problems[0].code,
                               field=f"items.{i}.description")
        items.append((description, parse_pounds(item.amount, field=f"items.{i}.amount"),
                      item.goal_id))
    goal_ids = list(dict.fromkeys([*content.goal_ids, *(goal for _, _, goal in items)]))
    if not goal_ids:
        raise InvalidInput("Name at least one recovery goal the plan works towards.",
                           code="NO_GOALS", field="goalIds")
    return _Checked(what_matters, purpose, goal_ids, items)


async def _check_references(tx: Transaction, policy: AccessPolicy, person_id: int,
                            content: PlanContent, checked: _Checked) -> None:
    """Goals are the person's; the care coordinator coordinates their care now."""
    owners = dict((await tx.session.execute(
        select(RecoveryGoal.id, RecoveryGoal.person_id)
        .where(RecoveryGoal.id.in_(checked.goal_ids)))).all())
    named = [(f"goalIds.{i}", goal_id) for i, goal_id in enumerate(content.goal_ids)]
    named += [(f"items.{i}.goalId", item.goal_id) for i, item in enumerate(content.items)]
    for field, goal_id in named:
        if owners.get(goal_id) != person_id:
            raise NotFound("goal for this person", field=field)
    memberships = await tx.session.scalars(
        select(Membership).where(
            Membership.staff_member_id == content.care_coordinator_id,
            exists().where(and_(
                CareRelationship.team_id == Membership.team_id,
                CareRelationship.person_id == person_id,
                CareRelationship.starts_at <= policy.now,
                (CareRelationship.ends_at.is_(None)) | (CareRelationship.ends_at > policy.now),
            ))))
    if not any(CARE_COORDINATOR in (m.roles or []) for m in memberships):
        if await tx.session.get(StaffMember, content.care_coordinator_id) is None:
            raise NotFound("staff member", field="careCoordinatorId")
        raise InvalidInput("The named care coordinator must be a care coordinator in a team "
                           "that cares for this person now.", code="NOT_A_CARE_COORDINATOR",
                           field="careCoordinatorId")


def _add_version(tx: Transaction, policy: AccessPolicy, plan: SupportPlan, version: int,
                 content: PlanContent, checked: _Checked, change_note: str | None,
                 ) -> SupportPlanVersion:
    row = SupportPlanVersion(
        plan_id=plan.id, person_id=plan.person_id, version=version,
        what_matters_to_me=checked.what_matters_to_me, budget_purpose=checked.budget_purpose,
        held_as=content.held_as, care_coordinator_staff_id=content.care_coordinator_id,
        period_start=content.period_start, period_end=content.period_end,
        change_note=change_note, recorded_at=policy.now, **recorded_by(policy),
    )
    tx.session.add(row)
    return row


async def _add_goals_and_items(tx: Transaction, row: SupportPlanVersion,
                               checked: _Checked) -> None:
    await tx.session.flush()
    for position, goal_id in enumerate(checked.goal_ids):
        tx.session.add(SupportPlanGoal(version_id=row.id, goal_id=goal_id, position=position))
    for position, (description, pence, goal_id) in enumerate(checked.items):
        tx.session.add(SupportPlanItem(version_id=row.id, description=description,
                                       amount_pence=pence, goal_id=goal_id, position=position))


async def _overlapping_plan(session: AsyncSession, person_id: int, start: dt.date,
                            end: dt.date, except_id: int | None = None) -> bool:
    statement = select(SupportPlan.id).where(
        SupportPlan.person_id == person_id, SupportPlan.period_start < end,
        SupportPlan.period_end > start)
    if except_id is not None:
        statement = statement.where(SupportPlan.id != except_id)
    return await session.scalar(statement.limit(1)) is not None


async def create_plan(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    content: PlanContent,
    budget_id: int | None = None,
) -> SupportPlan:
    """Version 1 of a person's plan, written with them; a draft until signed off."""
    checked = _checked(content)
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.CREATE, person_id, CATEGORIES,
                             field="personId")
        await _check_references(tx, policy, person_id, content, checked)
        if budget_id is not None:
            budget = await tx.session.get(Budget, budget_id)
            if budget is None or budget.person_id != person_id:
                raise NotFound("budget for this person", field="budgetId")
        if await _overlapping_plan(tx.session, person_id, content.period_start,
                                   content.period_end):
            raise Conflict("This person already has a support plan for part of that period: "
                           "revise it instead.", code="PLAN_EXISTS", field="personId")
        plan = SupportPlan(person_id=person_id, budget_id=budget_id, status=PlanStatus.DRAFT,
                           current_version=1, period_start=content.period_start,
                           period_end=content.period_end, created_at=policy.now)
        tx.session.add(plan)
        await tx.session.flush()
        row = _add_version(tx, policy, plan, 1, content, checked, None)
        await _add_goals_and_items(tx, row, checked)
        await record_access(tx.session, policy, person_id=person_id,
                            operation="elft_create_support_plan", categories=CATEGORIES)
    return plan


async def _plan_for(tx: Transaction, policy: AccessPolicy, plan_id: int,
                    action: Action) -> SupportPlan:
    plan = await tx.session.get(SupportPlan, plan_id, with_for_update=True)
    if plan is None:
        raise NotFound("support plan", field="planId")
    await policy.require(tx.session, action, plan.person_id, CATEGORIES, what="support plan",
                         field="planId")
    return plan


async def revise_plan(
    uow: UnitOfWork,
    policy: AccessPolicy,
    plan_id: int,
    *,
    content: PlanContent,
    change_note: str,
) -> SupportPlan:
    """A new version of the plan, saying what changed. It needs signing off again."""
    checked = _checked(content)
    note = required_text(change_note, field="changeNote", what="what changed and why",
                         max_length=2000)
    async with uow.begin() as tx:
        plan = await _plan_for(tx, policy, plan_id, Action.UPDATE)
        await _check_references(tx, policy, plan.person_id, content, checked)
        if await _overlapping_plan(tx.session, plan.person_id, content.period_start,
                                   content.period_end, except_id=plan.id):
            raise Conflict("Another support plan of this person covers part of that period.",
                           code="PLAN_EXISTS", field="periodStart")
        plan.current_version += 1
        plan.status = PlanStatus.DRAFT
        row = _add_version(tx, policy, plan, plan.current_version, content, checked, note)
        await _add_goals_and_items(tx, row, checked)
        await record_access(tx.session, policy, person_id=plan.person_id,
                            operation="elft_revise_support_plan", categories=CATEGORIES)
    return plan


async def sign_off_plan(
    uow: UnitOfWork,
    policy: AccessPolicy,
    plan_id: int,
    *,
    version: int,
    settings: ElftSettings,
) -> SupportPlan:
    """A clinician of the person's care team agrees this version (not one they wrote)."""
    staff_id = policy.principal.staff_member_id
    if staff_id is None:
        raise Forbidden("A support plan is signed off by a clinician.", code="STAFF_ONLY")
    async with uow.begin() as tx:
        plan = await _plan_for(tx, policy, plan_id, Action.READ)
        await policy.require(tx.session, Action.APPROVE, plan.person_id, [C.BUDGET],
                             what="support plan", field="planId")
        team = policy.acting_team(plan.person_id)
        if team is None or not team.roles & CLINICIAN_ROLES:
            raise Forbidden("A support plan is signed off by a clinician of the person's care "
                            "team.", code="WRONG_ROLE", field="planId")
        if version != plan.current_version:
            raise Conflict(f"Version {version} is not the plan's latest: sign off version "
                           f"{plan.current_version}.", code="STALE_VERSION", field="version")
        row = await tx.session.scalar(select(SupportPlanVersion).where(
            SupportPlanVersion.plan_id == plan.id, SupportPlanVersion.version == version))
        assert row is not None
        if row.signed_off_at is not None:
            raise Conflict("This version is already signed off.", code="ALREADY_SIGNED_OFF",
                           field="version")
        if row.by_staff_id == staff_id:
            raise Forbidden("You wrote this version, so someone else must sign it off.",
                            code="SELF_APPROVAL", field="version")
        row.signed_off_by_staff_id = staff_id
        row.signed_off_at = policy.now
        plan.status = PlanStatus.AGREED
        plan.period_start, plan.period_end = row.period_start, row.period_end
        await schedule_reviews(tx.session, plan, settings)
        await record_access(tx.session, policy, person_id=plan.person_id,
                            operation="elft_sign_off_support_plan", categories=CATEGORIES)
    return plan


# --- batch readers for DataLoaders ---------------------------------------------------------


async def plans_by_ids(session: AsyncSession, policy: AccessPolicy,
                       ids: Sequence[int]) -> dict[int, SupportPlan]:
    rows = await session.scalars(select(SupportPlan).where(
        SupportPlan.id.in_(set(ids)), policy.person_filter(SupportPlan.person_id)))
    return {row.id: row for row in await policy.readable(session, rows, None)}


async def current_plans(session: AsyncSession, policy: AccessPolicy,
                        person_ids: Sequence[int]) -> dict[int, SupportPlan]:
    """Each person's latest plan (by period)."""
    rows = await session.scalars(
        select(SupportPlan)
        .where(SupportPlan.person_id.in_(set(person_ids)),
               policy.person_filter(SupportPlan.person_id))
        .order_by(SupportPlan.person_id, SupportPlan.period_start, SupportPlan.id))
    latest = {row.person_id: row for row in rows}
    return {row.person_id: row for row in await policy.readable(session, latest.values(), None)}


async def versions_of_plans(session: AsyncSession, policy: AccessPolicy,
                            plan_ids: Sequence[int]) -> dict[int, list[SupportPlanVersion]]:
    """Every version of each plan, newest first."""
    return await grouped_by(session, select(SupportPlanVersion).where(
        SupportPlanVersion.plan_id.in_(set(plan_ids)),
        policy.person_filter(SupportPlanVersion.person_id),
    ).order_by(SupportPlanVersion.plan_id, SupportPlanVersion.version.desc()),
        lambda row: row.plan_id)


async def goals_of_versions(session: AsyncSession, policy: AccessPolicy,
                            version_ids: Sequence[int]) -> dict[int, list[int]]:
    rows = await session.execute(
        select(SupportPlanGoal.version_id, SupportPlanGoal.goal_id)
        .join(SupportPlanVersion, SupportPlanVersion.id == SupportPlanGoal.version_id)
        .where(SupportPlanGoal.version_id.in_(set(version_ids)),
               policy.person_filter(SupportPlanVersion.person_id))
        .order_by(SupportPlanGoal.version_id, SupportPlanGoal.position))
    found: dict[int, list[int]] = {}
    for version_id, goal_id in rows:
        found.setdefault(version_id, []).append(goal_id)
    return found


async def items_of_versions(session: AsyncSession, policy: AccessPolicy,
                            version_ids: Sequence[int]) -> dict[int, list[SupportPlanItem]]:
    return await grouped_by(session, select(SupportPlanItem)
                            .join(SupportPlanVersion,
                                  SupportPlanVersion.id == SupportPlanItem.version_id)
                            .where(SupportPlanItem.version_id.in_(set(version_ids)),
                                   policy.person_filter(SupportPlanVersion.person_id))
                            .order_by(SupportPlanItem.version_id, SupportPlanItem.position),
                            lambda row: row.version_id)
