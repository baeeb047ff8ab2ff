"""ELFT's mutations: one ``input``, a payload with the changed object and ``userErrors``."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from schema.context import Context
from schema.errors import UserError, attempt
from schema.ids import decode_id
from schema.types.budgets import PaymentRoute

from .. import eligibility, reviews, support_plans
from ..models import DIALOG_ITEMS
from ..support_plans import PlanContent, PlanItemInput
from .types import ElftEligibilityAssessment, ElftReview, ElftSupportPlan, settings_of

__all__ = ["ElftMutations"]


@strawberry.input(name="ElftRecordEligibilityInput")
class ElftRecordEligibilityInput:
    person_id: strawberry.ID
    receiving_elft_treatment: bool
    mental_health_cluster: int = strawberry.field(description="1 to 21.")
    ready_to_move_towards_discharge: bool
    section_117_aftercare: bool
    note: str | None = None


@strawberry.type(name="ElftEligibilityPayload")
class ElftEligibilityPayload:
    assessment: ElftEligibilityAssessment | None
    user_errors: list[UserError]


@strawberry.input(name="ElftPlanItemInput")
class ElftPlanItemInput:
    description: str
    amount: str = strawberry.field(description='In pounds, as typed: "180" or "180.50".')
    goal_id: strawberry.ID = strawberry.field(description="The recovery goal it serves.")


@strawberry.input(name="ElftSupportPlanInput", description="What a version of the plan says.")
class ElftSupportPlanInput:
    what_matters_to_me: str
    budget_purpose: str = strawberry.field(description="What the budget is for.")
    held_as: PaymentRoute  # type: ignore[valid-type]
    care_coordinator_id: strawberry.ID
    period_start: dt.date
    period_end: dt.date
    goal_ids: list[strawberry.ID]
    items: list[ElftPlanItemInput]


@strawberry.input(name="ElftCreateSupportPlanInput")
class ElftCreateSupportPlanInput:
    person_id: strawberry.ID
    plan: ElftSupportPlanInput
    budget_id: strawberry.ID | None = None


@strawberry.input(name="ElftReviseSupportPlanInput")
class ElftReviseSupportPlanInput:
    plan_id: strawberry.ID
    plan: ElftSupportPlanInput
    change_note: str


@strawberry.input(name="ElftSignOffSupportPlanInput")
class ElftSignOffSupportPlanInput:
    plan_id: strawberry.ID
    version: int = strawberry.field(description="The version you read and agree.")


@strawberry.type(name="ElftSupportPlanPayload")
class ElftSupportPlanPayload:
    support_plan: ElftSupportPlan | None
    user_errors: list[UserError]


@strawberry.input(name="ElftDialogInput", description="Each rated 1 (totally dissatisfied) "
                  "to 7 (totally satisfied) by the person.")
class ElftDialogInput:
    mental_health: int
    physical_health: int
    job_situation: int
    accommodation: int
    leisure_activities: int
    partner_or_family: int
    friendships: int
    personal_safety: int
    medication: int
    practical_help: int
    meetings_with_professionals: int


@strawberry.input(name="ElftGoalOutcomeInput")
class ElftGoalOutcomeInput:
    goal_id: strawberry.ID
    score: int = strawberry.field(description="0 (no progress) to 10 (goal reached).")


@strawberry.input(name="ElftRecordReviewInput")
class ElftRecordReviewInput:
    review_id: strawberry.ID
    held_on: dt.date
    dialog: ElftDialogInput
    goal_outcomes: list[ElftGoalOutcomeInput]
    clinical_note: str


@strawberry.type(name="ElftReviewPayload")
class ElftReviewPayload:
    review: ElftReview | None
    user_errors: list[UserError]


def _content(plan: ElftSupportPlanInput) -> PlanContent:
    return PlanContent(
        what_matters_to_me=plan.what_matters_to_me, budget_purpose=plan.budget_purpose,
        held_as=plan.held_as,
        care_coordinator_id=decode_id(plan.care_coordinator_id, "StaffMember",
                                      field="plan.careCoordinatorId"),
        period_start=plan.period_start, period_end=plan.period_end,
        goal_ids=[decode_id(goal_id, "RecoveryGoal", field=f"plan.goalIds.{i}")
                  for i, goal_id in enumerate(plan.goal_ids)],
        items=[PlanItemInput(item.description, item.amount,
                             decode_id(item.goal_id, "RecoveryGoal",
                                       field=f"plan.items.{i}.goalId"))
               for i, item in enumerate(plan.items)],
    )


def _in_plan(errors: list[UserError]) -> list[UserError]:
    """The services name fields of the plan's content; the API nests them under ``plan``."""
    nested = {"whatMattersToMe", "budgetPurpose", "careCoordinatorId", "periodStart",
              "periodEnd", "goalIds", "items"}
    for error in errors:
        if error.field and error.field.split(".")[0] in nested:
            error.field = f"plan.{error.field}"
    return errors


@strawberry.type
class ElftMutations:
    @strawberry.mutation(description="Record a PHB eligibility assessment.")
    async def elft_record_eligibility(
        self, info: Info[Context, None], input: ElftRecordEligibilityInput
    ) -> ElftEligibilityPayload:
        ctx = info.context
        assessment, errors = await attempt(ctx, lambda: eligibility.record_assessment(
            ctx.uow, ctx.policy, person_id=decode_id(input.person_id, "Person",
                                                     field="personId"),
            receiving_elft_treatment=input.receiving_elft_treatment,
            mental_health_cluster=input.mental_health_cluster,
            ready_to_move_towards_discharge=input.ready_to_move_towards_discharge,
            section_117_aftercare=input.section_117_aftercare, note=input.note))
        return ElftEligibilityPayload(assessment=assessment, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Write version 1 of a person's support plan, with them.")
    async def elft_create_support_plan(
        self, info: Info[Context, None], input: ElftCreateSupportPlanInput
    ) -> ElftSupportPlanPayload:
        ctx = info.context
        plan, errors = await attempt(ctx, lambda: support_plans.create_plan(
            ctx.uow, ctx.policy,
            person_id=decode_id(input.person_id, "Person", field="personId"),
            content=_content(input.plan),
            budget_id=(decode_id(input.budget_id, "Budget", field="budgetId")
                       if input.budget_id is not None else None)))
        return ElftSupportPlanPayload(support_plan=plan, user_errors=_in_plan(errors))  # type: ignore[arg-type]

    @strawberry.mutation(description="Write a new version of a support plan; it needs "
                         "signing off again.")
    async def elft_revise_support_plan(
        self, info: Info[Context, None], input: ElftReviseSupportPlanInput
    ) -> ElftSupportPlanPayload:
        ctx = info.context
        plan, errors = await attempt(ctx, lambda: support_plans.revise_plan(
            ctx.uow, ctx.policy, decode_id(input.plan_id, "ElftSupportPlan", field="planId"),
            content=_content(input.plan), change_note=input.change_note))
        return ElftSupportPlanPayload(support_plan=plan, user_errors=_in_plan(errors))  # type: ignore[arg-type]

    @strawberry.mutation(description="Sign off the plan's latest version; the first sign-off "
                         "schedules the start, midpoint and end reviews.")
    async def elft_sign_off_support_plan(
        self, info: Info[Context, None], input: ElftSignOffSupportPlanInput
    ) -> ElftSupportPlanPayload:
        ctx = info.context
        plan, errors = await attempt(ctx, lambda: support_plans.sign_off_plan(
            ctx.uow, ctx.policy, decode_id(input.plan_id, "ElftSupportPlan", field="planId"),
            version=input.version, settings=settings_of(info)))
        return ElftSupportPlanPayload(support_plan=plan, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Record a review that was held: DIALOG, goal-based "
                         "outcomes and the clinical note.")
    async def elft_record_review(
        self, info: Info[Context, None], input: ElftRecordReviewInput
    ) -> ElftReviewPayload:
        ctx = info.context
        review, errors = await attempt(ctx, lambda: reviews.record_review(
            ctx.uow, ctx.policy, decode_id(input.review_id, "ElftReview", field="reviewId"),
            held_on=input.held_on,
            dialog=[getattr(input.dialog, name) for name in DIALOG_ITEMS],
            goal_scores=[reviews.GoalScoreInput(
                decode_id(outcome.goal_id, "RecoveryGoal", field=f"goalOutcomes.{i}.goalId"),
                outcome.score) for i, outcome in enumerate(input.goal_outcomes)],
            clinical_note=input.clinical_note))
        return ElftReviewPayload(review=review, user_errors=errors)  # type: ignore[arg-type]
