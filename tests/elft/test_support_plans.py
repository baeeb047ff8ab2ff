"""The support plan, "Me and My Goals": versions, sign-off, and the reviews it schedules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import PaymentRoute
from core.services import goals
from plugins.elft import support_plans
from plugins.elft.models import (
    PlanStatus,
    Review,
    ReviewKind,
    SupportPlan,
    SupportPlanGoal,
    SupportPlanItem,
    SupportPlanVersion,
)
from plugins.elft.support_plans import PlanContent, PlanItemInput
from tests.support.refusals import raises
from tests.support.stored import stored, stored_rows

from .support import SETTINGS, ElftWorld

TODAY = dt.date.today()


def content(elft: ElftWorld, **changes: Any) -> PlanContent:
    fields: dict[str, Any] = {
        "what_matters_to_me": "Feeling well in my body, keeping up with my kids.",
        "budget_purpose": "Getting fit with others at Core Arts.",
        "held_as": PaymentRoute.NOTIONAL,
        "care_coordinator_id": elft.world.amara,
        "period_start": TODAY - dt.timedelta(days=10),
        "period_end": TODAY + dt.timedelta(days=355),
        "goal_ids": [elft.weight_goal],
        "items": [PlanItemInput("Table tennis bat", "35", elft.sport_goal),
                  PlanItemInput("Swimming lessons", "45.50", elft.weight_goal)],
    }
    return PlanContent(**{**fields, **changes})


async def create(elft: ElftWorld, by: str = "amara", **changes: Any) -> SupportPlan:
    return await support_plans.create_plan(elft.uow, await elft.policy(by),
                                           person_id=elft.world.ngozi,
                                           content=content(elft, **changes),
                                           budget_id=elft.world.budget)


async def test_a_plan_is_written_with_goals_and_items_as_version_one(elft: ElftWorld) -> None:
    plan = await create(elft, by="ngozi")  # the person co-writes her own plan
    row = await stored(elft.db, SupportPlan, plan.id)
    assert (row.status, row.current_version, row.budget_id) == (PlanStatus.DRAFT, 1,
                                                                elft.world.budget)
    [version] = await stored_rows(elft.db, SupportPlanVersion,
                                  SupportPlanVersion.plan_id == plan.id)
    assert (version.version, version.by_person_id, version.care_coordinator_staff_id,
            version.held_as) == (1, elft.world.ngozi, elft.world.amara, PaymentRoute.NOTIONAL)
    linked = await stored_rows(elft.db, SupportPlanGoal, SupportPlanGoal.version_id == version.id)
    # The plan's goals, then those its items serve.
    assert [g.goal_id for g in linked] == [elft.weight_goal, elft.sport_goal]
    items = await stored_rows(elft.db, SupportPlanItem, SupportPlanItem.version_id == version.id)
    assert [(i.description, i.amount_pence, i.goal_id) for i in items] == [
        ("Table tennis bat", 3_500, elft.sport_goal),
        ("Swimming lessons", 4_550, elft.weight_goal)]
    assert await stored_rows(elft.db, Review, Review.plan_id == plan.id) == []


async def test_every_revision_is_a_new_version_and_history_is_kept(elft: ElftWorld) -> None:
    plan = await create(elft)
    james = await elft.policy("james")
    await support_plans.sign_off_plan(elft.uow, james, plan.id, version=1, settings=SETTINGS)
    await support_plans.revise_plan(
        elft.uow, await elft.policy("amara"), plan.id, change_note="Added a gym pass",
        content=content(elft, items=[PlanItemInput("Gym pass", "120", elft.weight_goal)]))
    row = await stored(elft.db, SupportPlan, plan.id)
    assert (row.status, row.current_version) == (PlanStatus.DRAFT, 2)
    versions = await stored_rows(elft.db, SupportPlanVersion,
                                 SupportPlanVersion.plan_id == plan.id)
    assert [(v.version, v.change_note, v.signed_off_by_staff_id) for v in versions] == [
        (1, None, elft.world.james), (2, "Added a gym pass", None)]
    first_items = await stored_rows(elft.db, SupportPlanItem,
                                    SupportPlanItem.version_id == versions[0].id)
    assert len(first_items) == 2  # version 1 is as it was
    await support_plans.sign_off_plan(elft.uow, james, plan.id, version=2, settings=SETTINGS)
    assert (await stored(elft.db, SupportPlan, plan.id)).status is PlanStatus.AGREED


async def test_signing_off_schedules_the_three_reviews(elft: ElftWorld) -> None:
    plan = await create(elft, period_start=TODAY, period_end=TODAY + dt.timedelta(days=364))
    await support_plans.sign_off_plan(elft.uow, await elft.policy("rosa"), plan.id, version=1,
                                      settings=SETTINGS)
    reviews = await stored_rows(elft.db, Review, Review.plan_id == plan.id)
    assert {r.kind: r.due_on for r in reviews} == {
        ReviewKind.START: TODAY + dt.timedelta(days=90),
        ReviewKind.MIDPOINT: TODAY + dt.timedelta(days=182),
        ReviewKind.END: TODAY + dt.timedelta(days=364),
    }
    # A new period moves the reviews not yet held, once signed off.
    await support_plans.revise_plan(
        elft.uow, await elft.policy("amara"), plan.id, change_note="Six months instead",
        content=content(elft, period_start=TODAY, period_end=TODAY + dt.timedelta(days=120)))
    await support_plans.sign_off_plan(elft.uow, await elft.policy("rosa"), plan.id, version=2,
                                      settings=SETTINGS)
    reviews = await stored_rows(elft.db, Review, Review.plan_id == plan.id)
    assert {r.kind: r.due_on for r in reviews} == {
        ReviewKind.START: TODAY + dt.timedelta(days=60),  # no later than the midpoint
        ReviewKind.MIDPOINT: TODAY + dt.timedelta(days=60),
        ReviewKind.END: TODAY + dt.timedelta(days=120),
    }


async def test_writing_a_plan_refuses(elft: ElftWorld, unchanged: Any) -> None:
    other = await goals.create_goal(elft.uow, await elft.policy("belu"),
                                    person_id=elft.world.belu, title="Belu's goal")
    cases: list[tuple[dict[str, Any], type[Exception], str, str]] = [
        ({"period_end": TODAY - dt.timedelta(days=10)}, InvalidInput, "INVALID_PERIOD",
         "periodEnd"),
        ({"goal_ids": [], "items": []}, InvalidInput, "NO_GOALS", "goalIds"),
        ({"what_matters_to_me": "  "}, InvalidInput, "REQUIRED", "whatMattersToMe"),
        ({"items": [PlanItemInput("A bottle of wine", "12", elft.weight_goal)]}, InvalidInput,
         "NOT_FUNDABLE_ALCOHOL", "items.0.description"),
        ({"items": [PlanItemInput("Gym", "0", elft.weight_goal)]}, InvalidInput,
         "AMOUNT_NOT_POSITIVE", "items.0.amount"),
        ({"items": [PlanItemInput("Gym", "10.005", elft.weight_goal)]}, InvalidInput,
         "FRACTIONAL_PENNY", "items.0.amount"),
        ({"goal_ids": [other.id]}, NotFound, "NOT_FOUND", "goalIds.0"),
        ({"items": [PlanItemInput("Gym", "10", other.id)]}, NotFound, "NOT_FOUND",
         "items.0.goalId"),
        ({"care_coordinator_id": elft.world.stranger}, InvalidInput, "NOT_A_CARE_COORDINATOR",
         "careCoordinatorId"),
        ({"care_coordinator_id": elft.rosa}, InvalidInput, "NOT_A_CARE_COORDINATOR",
         "careCoordinatorId"),
        ({"care_coordinator_id": 999_999}, NotFound, "NOT_FOUND", "careCoordinatorId"),
    ]
    async with unchanged():
        for changes, kind, code, field in cases:
            error = await raises(kind, create(elft, **changes))  # type: ignore[arg-type]
            assert (error.code, error.field) == (code, field), changes
        error = await raises(NotFound, create(elft, by="stranger"))
        assert error.field == "personId"
        error = await raises(Forbidden, create(elft, by="grace"))  # reads the plan only
        assert error.field == "personId"
    await create(elft)
    async with unchanged():
        error = await raises(Conflict, create(elft, period_start=TODAY + dt.timedelta(days=100),
                                              period_end=TODAY + dt.timedelta(days=400)))
        assert error.code == "PLAN_EXISTS"


async def test_sign_off_refuses(elft: ElftWorld, unchanged: Any) -> None:
    plan = await create(elft, by="james")
    async with unchanged():
        for by, kind, code in (("james", Forbidden, "SELF_APPROVAL"),  # he wrote it
                               ("ngozi", Forbidden, "STAFF_ONLY"),
                               ("amara", Forbidden, "FORBIDDEN"),  # a care coordinator
                               ("grace", Forbidden, "WRONG_ROLE"),  # the panel, not the team
                               ("stranger", NotFound, "NOT_FOUND")):
            error = await raises(kind, support_plans.sign_off_plan(
                elft.uow, await elft.policy(by), plan.id, version=1, settings=SETTINGS))
            assert error.code == code, by
        error = await raises(Conflict, support_plans.sign_off_plan(
            elft.uow, await elft.policy("rosa"), plan.id, version=2, settings=SETTINGS))
        assert (error.code, error.field) == ("STALE_VERSION", "version")
    await support_plans.sign_off_plan(elft.uow, await elft.policy("rosa"), plan.id, version=1,
                                      settings=SETTINGS)
    async with unchanged():
        error = await raises(Conflict, support_plans.sign_off_plan(
            elft.uow, await elft.policy("tariq"), plan.id, version=1, settings=SETTINGS))
        assert error.code == "ALREADY_SIGNED_OFF"
