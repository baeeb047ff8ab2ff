"""Reviews of a support plan: start, midpoint and end, with outcome measures.

Due dates, computed when the plan is signed off (and again if a new version moves its period):

    start     ``start_review_within_days`` (default 90) after the plan starts — within three
              months, as direct payments require — but no later than the midpoint
    midpoint  halfway through the plan's period
    end       the last day of the plan

A review not held by its due date is overdue. At a review the clinician records the DIALOG
scale (eleven areas, each rated 1 to 7 by the person), a goal-based outcome score for each goal
reviewed (0 to 10: how far towards it), and a clinical review note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import record_access
from core.categories import DataCategory as C
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.policy import AccessPolicy, Action
from core.unit_of_work import UnitOfWork

from ._common import grouped_by, required_text
from .models import (
    DIALOG_ITEMS,
    PlanStatus,
    Review,
    ReviewGoalScore,
    ReviewKind,
    SupportPlan,
    SupportPlanGoal,
    SupportPlanVersion,
)
from .settings import ElftSettings

__all__ = [
    "GoalScoreInput",
    "due_dates",
    "goal_scores_of_reviews",
    "open_reviews_of_people",
    "record_review",
    "reviews_by_ids",
    "reviews_of_plans",
    "schedule_reviews",
]

CATEGORIES = (C.MENTAL_HEALTH, C.RECOVERY_PLAN)
DIALOG_SCORES = range(1, 8)
GOAL_SCORES = range(0, 11)


@dataclass(frozen=True, slots=True)
class GoalScoreInput:
    goal_id: int
    score: int


def due_dates(start: dt.date, end: dt.date, settings: ElftSettings) -> dict[ReviewKind, dt.date]:
    midpoint = start + dt.timedelta(days=(end - start).days // 2)
    return {
        ReviewKind.START: min(start + dt.timedelta(days=settings.start_review_within_days),
                              midpoint),
        ReviewKind.MIDPOINT: midpoint,
        ReviewKind.END: end,
    }


async def schedule_reviews(session: AsyncSession, plan: SupportPlan,
                           settings: ElftSettings) -> None:
    """Create the plan's three reviews, or move the due dates of those not yet held."""
    existing = {row.kind: row for row in await session.scalars(
        select(Review).where(Review.plan_id == plan.id))}
    for kind, due_on in due_dates(plan.period_start, plan.period_end, settings).items():
        review = existing.get(kind)
        if review is None:
            session.add(Review(plan_id=plan.id, person_id=plan.person_id, kind=kind,
                               due_on=due_on))
        elif review.held_on is None:
            review.due_on = due_on


def _check_scores(dialog: Sequence[int], goal_scores: Sequence[GoalScoreInput]) -> None:
    if len(dialog) != len(DIALOG_ITEMS):
        raise InvalidInput(f"DIALOG has {len(DIALOG_ITEMS)} items: rate every one.",
                           code="DIALOG_INCOMPLETE", field="dialog")
    for name, score in zip(DIALOG_ITEMS, dialog, strict=True):
        if score not in DIALOG_SCORES:
            raise InvalidInput("Each DIALOG item is rated from 1 (totally dissatisfied) to 7 "
                               "(totally satisfied).", code="DIALOG_SCORE_OUT_OF_RANGE",
                               field=f"dialog.{name}")
    if not goal_scores:
        raise InvalidInput("Give a goal-based outcome score for at least one goal.",
                           code="NO_GOAL_SCORES", field="goalOutcomes")
    seen: set[int] = set()
    for i, goal_score in enumerate(goal_scores):
        if goal_score.score not in GOAL_SCORES:
            raise InvalidInput("A goal-based outcome score is from 0 (no progress) to 10 "
                               "(goal reached).", code="GOAL_SCORE_OUT_OF_RANGE",
                               field=f"goalOutcomes.{i}.score")
        if goal_score.goal_id in seen:
            raise InvalidInput("Score each goal once.", code="DUPLICATE_GOAL",
                               field=f"goalOutcomes.{i}.goalId")
        seen.add(goal_score.goal_id)


async def record_review(
    uow: UnitOfWork,
    policy: AccessPolicy,
    review_id: int,
    *,
    held_on: dt.date,
    dialog: Sequence[int],
    goal_scores: Sequence[GoalScoreInput],
    clinical_note: str,
) -> Review:
    """Record a review that was held: DIALOG, goal-based outcomes and the clinical note."""
    staff_id = policy.principal.staff_member_id
    if staff_id is None:
        raise Forbidden("A review is recorded by a clinician.", code="STAFF_ONLY")
    _check_scores(dialog, goal_scores)
    note = required_text(clinical_note, field="clinicalNote", what="a clinical review note",
                         max_length=10_000)
    if held_on > policy.now.date():
        raise InvalidInput("A review is recorded once it has been held, not before.",
                           code="REVIEW_IN_FUTURE", field="heldOn")
    async with uow.begin() as tx:
        review = await tx.session.get(Review, review_id, with_for_update=True)
        if review is None:
            raise NotFound("review", field="reviewId")
        await policy.require(tx.session, Action.UPDATE, review.person_id, CATEGORIES,
                             what="review", field="reviewId")
        plan = await tx.session.get_one(SupportPlan, review.plan_id)
        if review.held_on is not None:
            raise Conflict("This review has already been recorded.",
                           code="REVIEW_ALREADY_RECORDED", field="reviewId")
        if plan.status is not PlanStatus.AGREED:
            raise Conflict("The plan has a new version waiting for sign-off: sign it off "
                           "before recording a review against it.", code="PLAN_NOT_AGREED",
                           field="reviewId")
        if not plan.period_start <= held_on <= plan.period_end:
            raise InvalidInput(
                f"A review of this plan is held during its period, "
                f"{plan.period_start:%d %B %Y} to {plan.period_end:%d %B %Y}.",
                code="REVIEW_OUTSIDE_PLAN_PERIOD", field="heldOn")
        plan_goals = set(await tx.session.scalars(
            select(SupportPlanGoal.goal_id)
            .join(SupportPlanVersion, SupportPlanVersion.id == SupportPlanGoal.version_id)
            .where(SupportPlanVersion.plan_id == plan.id,
                   SupportPlanVersion.version == plan.current_version)))
        for i, goal_score in enumerate(goal_scores):
            if goal_score.goal_id not in plan_goals:
                raise InvalidInput("That goal is not one of the plan's goals.",
                                   code="GOAL_NOT_IN_PLAN", field=f"goalOutcomes.{i}.goalId")
        review.held_on = held_on
        review.recorded_by_staff_id = staff_id
        review.recorded_at = policy.now
        review.clinical_note = note
        for name, score in zip(DIALOG_ITEMS, dialog, strict=True):
            setattr(review, f"dialog_{name}", score)
        for goal_score in goal_scores:
            tx.session.add(ReviewGoalScore(review_id=review.id, goal_id=goal_score.goal_id,
                                           score=goal_score.score))
        await record_access(tx.session, policy, person_id=review.person_id,
                            operation=f"elft_record_{review.kind.value}_review",
                            categories=CATEGORIES)
    return review


# --- batch readers for DataLoaders ---------------------------------------------------------


async def reviews_by_ids(session: AsyncSession, policy: AccessPolicy,
                         ids: Sequence[int]) -> dict[int, Review]:
    rows = await session.scalars(select(Review).where(
        Review.id.in_(set(ids)), policy.person_filter(Review.person_id)))
    return {row.id: row for row in await policy.readable(session, rows, None)}


_KIND_ORDER = {ReviewKind.START: 0, ReviewKind.MIDPOINT: 1, ReviewKind.END: 2}


async def reviews_of_plans(session: AsyncSession, policy: AccessPolicy,
                           plan_ids: Sequence[int]) -> dict[int, list[Review]]:
    """Each plan's reviews: start, midpoint, end."""
    grouped = await grouped_by(session, select(Review).where(
        Review.plan_id.in_(set(plan_ids)), policy.person_filter(Review.person_id)),
        lambda row: row.plan_id)
    return {plan_id: sorted(rows, key=lambda row: _KIND_ORDER[row.kind])
            for plan_id, rows in grouped.items()}


async def open_reviews_of_people(session: AsyncSession, policy: AccessPolicy,
                                 person_ids: Sequence[int]) -> dict[int, list[Review]]:
    """Each person's reviews not yet held, soonest due first."""
    return await grouped_by(session, select(Review).where(
        Review.person_id.in_(set(person_ids)), Review.held_on.is_(None),
        policy.person_filter(Review.person_id),
    ).order_by(Review.person_id, Review.due_on, Review.id), lambda row: row.person_id)


async def goal_scores_of_reviews(session: AsyncSession, policy: AccessPolicy,
                                 review_ids: Sequence[int]) -> dict[int, list[ReviewGoalScore]]:
    return await grouped_by(session, select(ReviewGoalScore)
                            .join(Review, Review.id == ReviewGoalScore.review_id)
                            .where(ReviewGoalScore.review_id.in_(set(review_ids)),
                                   policy.person_filter(Review.person_id))
                            .order_by(ReviewGoalScore.review_id, ReviewGoalScore.id),
                            lambda row: row.review_id)
