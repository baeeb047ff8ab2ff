"""Reviews: DIALOG, goal-based outcomes and a clinical note, within the plan's period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from plugins.elft import reviews, support_plans
from plugins.elft.models import Review, ReviewGoalScore, ReviewKind
from plugins.elft.reviews import GoalScoreInput
from tests.support.refusals import raises
from tests.support.stored import stored, stored_rows

from .support import SETTINGS, ElftWorld
from .test_support_plans import TODAY, content, create

DIALOG = [4, 5, 3, 5, 4, 4, 3, 6, 5, 4, 5]


async def agreed_plan_reviews(elft: ElftWorld, **changes: Any) -> dict[ReviewKind, int]:
    plan = await create(elft, **changes)
    await support_plans.sign_off_plan(elft.uow, await elft.policy("james"), plan.id, version=1,
                                      settings=SETTINGS)
    async with elft.db.reading() as session:
        found = await session.execute(select(Review.kind, Review.id)
                                      .where(Review.plan_id == plan.id))
        return {kind: review_id for kind, review_id in found}


async def record(elft: ElftWorld, review_id: int, *, by: str = "amara", **changes: Any) -> Review:
    arguments: dict[str, Any] = {
        "held_on": TODAY, "dialog": DIALOG,
        "goal_scores": [GoalScoreInput(elft.weight_goal, 4)],
        "clinical_note": "Walking daily; sleep better; wants to try the gym next.",
    }
    return await reviews.record_review(elft.uow, await elft.policy(by), review_id,
                                       **{**arguments, **changes})


async def test_a_review_records_dialog_outcomes_and_a_note(elft: ElftWorld) -> None:
    ids = await agreed_plan_reviews(elft)
    await record(elft, ids[ReviewKind.START],
                 goal_scores=[GoalScoreInput(elft.weight_goal, 4),
                              GoalScoreInput(elft.sport_goal, 7)])
    review = await stored(elft.db, Review, ids[ReviewKind.START])
    assert (review.held_on, review.recorded_by_staff_id, review.dialog_scores()) == (
        TODAY, elft.world.amara, DIALOG)
    assert review.clinical_note and review.clinical_note.startswith("Walking daily")
    scores = await stored_rows(elft.db, ReviewGoalScore,
                               ReviewGoalScore.review_id == review.id)
    assert [(s.goal_id, s.score) for s in scores] == [(elft.weight_goal, 4),
                                                      (elft.sport_goal, 7)]
    midpoint = await stored(elft.db, Review, ids[ReviewKind.MIDPOINT])
    assert midpoint.held_on is None and midpoint.dialog_scores() is None


async def test_recording_a_review_refuses(elft: ElftWorld, unchanged: Any) -> None:
    ids = await agreed_plan_reviews(elft)
    start = ids[ReviewKind.START]
    period_start = TODAY - dt.timedelta(days=10)
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        ({"held_on": period_start - dt.timedelta(days=1)}, "REVIEW_OUTSIDE_PLAN_PERIOD",
         "heldOn"),
        ({"held_on": TODAY + dt.timedelta(days=1)}, "REVIEW_IN_FUTURE", "heldOn"),
        ({"dialog": DIALOG[:10]}, "DIALOG_INCOMPLETE", "dialog"),
        ({"dialog": [0, *DIALOG[1:]]}, "DIALOG_SCORE_OUT_OF_RANGE", "dialog.mental_health"),
        ({"dialog": [*DIALOG[:10], 8]}, "DIALOG_SCORE_OUT_OF_RANGE",
         "dialog.meetings_with_professionals"),
        ({"goal_scores": []}, "NO_GOAL_SCORES", "goalOutcomes"),
        ({"goal_scores": [GoalScoreInput(elft.weight_goal, 11)]}, "GOAL_SCORE_OUT_OF_RANGE",
         "goalOutcomes.0.score"),
        ({"goal_scores": [GoalScoreInput(elft.weight_goal, -1)]}, "GOAL_SCORE_OUT_OF_RANGE",
         "goalOutcomes.0.score"),
        ({"goal_scores": [GoalScoreInput(elft.weight_goal, 3),
                          GoalScoreInput(elft.weight_goal, 4)]}, "DUPLICATE_GOAL",
         "goalOutcomes.1.goalId"),
        ({"goal_scores": [GoalScoreInput(999_999, 3)]}, "GOAL_NOT_IN_PLAN",
         "goalOutcomes.0.goalId"),
        ({"clinical_note": " "}, "REQUIRED", "clinicalNote"),
    ]
    async with unchanged():
        for changes, code, field in cases:
            error = await raises(InvalidInput, record(elft, start, **changes))
            assert (error.code, error.field) == (code, field), changes
        assert (await raises(Forbidden, record(elft, start, by="ngozi"))).code == "STAFF_ONLY"
        assert (await raises(NotFound, record(elft, start, by="stranger"))).field == "reviewId"
        assert (await raises(NotFound, record(elft, 999_999))).field == "reviewId"
        assert (await raises(Forbidden, record(elft, start, by="grace"))).field == "reviewId"
    await record(elft, start)
    async with unchanged():
        error = await raises(Conflict, record(elft, start))
        assert error.code == "REVIEW_ALREADY_RECORDED"


async def test_a_plan_waiting_for_sign_off_takes_no_review(
    elft: ElftWorld, unchanged: Any
) -> None:
    ids = await agreed_plan_reviews(elft)
    plan_id = (await stored(elft.db, Review, ids[ReviewKind.START])).plan_id
    await support_plans.revise_plan(elft.uow, await elft.policy("amara"), plan_id,
                                    content=content(elft), change_note="New wording")
    async with unchanged():
        error = await raises(Conflict, record(elft, ids[ReviewKind.START]))
        assert error.code == "PLAN_NOT_AGREED"
