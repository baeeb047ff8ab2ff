"""ELFT's GraphQL types. Every field of a person's data names its category (``data(...)``):
the policy engine decides it, field by field, like core's own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.approvals import ApprovalStep
from core.categories import DataCategory as C
from core.errors import NotFound
from core.models import ApprovalDecision
from schema.context import Context
from schema.errors import PublicError
from schema.guards import data
from schema.types.budgets import Budget as BudgetType
from schema.types.budgets import BudgetRequest, FundingPot, PaymentRoute
from schema.types.common import Money
from schema.types.goals import RecoveryGoal
from schema.types.organisations import StaffMember
from schema.types.people import Person

from .. import eligibility as eligibility_rules
from .. import models, views
from ..settings import ElftSettings
from ..sign_off import SignOffRoute, route_of_steps
from .loaders import loaders

__all__ = [
    "ElftCaseloadEntry",
    "ElftEligibilityAssessment",
    "ElftPotOverview",
    "ElftReview",
    "ElftSignOff",
    "ElftSignOffQueueEntry",
    "ElftSupportPlan",
    "ElftSupportPlanVersion",
    "TYPES",
    "settings_of",
]

ElftPhbStatus = strawberry.enum(views.PhbStatus, name="ElftPhbStatus")
ElftSignOffRoute = strawberry.enum(SignOffRoute, name="ElftSignOffRoute")
ElftEligibilityBasis = strawberry.enum(eligibility_rules.EligibilityBasis,
                                       name="ElftEligibilityBasis")
ElftPlanStatus = strawberry.enum(models.PlanStatus, name="ElftPlanStatus")
ElftReviewKind = strawberry.enum(models.ReviewKind, name="ElftReviewKind")


def settings_of(info: Info[Context, None]) -> ElftSettings:
    settings: ElftSettings = info.context.uow.plugins.config.settings("elft")
    return settings


class _RowNode:
    """Relay ``Node`` support for types backed by one of the plugin's models."""

    __model__: type[Any]
    loader_name: str

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, cls | cls.__model__)

    @classmethod
    def resolve_id(cls, root: Any, *, info: Info) -> str:
        return str(root.id)

    @classmethod
    async def resolve_nodes(cls, *, info: Info[Context, None], node_ids: Iterable[str],
                            required: bool = False) -> list[Any]:
        keys = [int(node_id) if node_id.isdigit() else 0 for node_id in node_ids]
        loader = getattr(loaders(info), cls.loader_name)
        rows = await loader.load_many(keys)
        if required and any(row is None for row in rows):
            raise PublicError(NotFound("record"))
        return list(rows)


@strawberry.type(name="ElftEligibilityAssessment",
                 description="A PHB eligibility assessment: the criteria found, and the outcome.")
class ElftEligibilityAssessment(_RowNode, relay.Node):
    __model__ = models.EligibilityAssessment
    __person_data__ = True
    loader_name = "assessment"

    id: relay.NodeID[int]
    assessed_at: dt.datetime | None = data(C.BUDGET)
    eligible: bool | None = data(C.BUDGET)
    receiving_elft_treatment: bool | None = data(C.MENTAL_HEALTH)
    mental_health_cluster: int | None = data(C.MENTAL_HEALTH)
    ready_to_move_towards_discharge: bool | None = data(C.MENTAL_HEALTH)
    section_117_aftercare: bool | None = data(
        C.MENTAL_HEALTH, description="Section 117 aftercare gives a legal right to a PHB.")
    note: str | None = data(C.MENTAL_HEALTH)

    @data(C.BUDGET, description="Section 117, the pilot's criteria, or not eligible.")
    def basis(self: Any) -> ElftEligibilityBasis | None:  # type: ignore[valid-type]
        return eligibility_rules.basis_of(self)

    @data(C.MENTAL_HEALTH, description="The pilot's criteria that did not hold, in words.")
    def unmet_criteria(self: Any) -> list[str] | None:
        return eligibility_rules.unmet_criteria(self)

    @data(C.BUDGET, description="When the assessment stops being current.")
    def valid_until(self: Any, info: Info[Context, None]) -> dt.datetime | None:
        return eligibility_rules.valid_until(self, settings_of(info))

    @data(C.BUDGET, description="Eligible, and not older than the configured validity.")
    def current(self: Any, info: Info[Context, None]) -> bool | None:
        return bool(self.eligible) and (
            eligibility_rules.valid_until(self, settings_of(info)) > info.context.policy.now)

    @data(C.BUDGET)
    async def assessed_by(self: Any, info: Info[Context, None]) -> StaffMember | None:
        return await info.context.loaders.staff_member.load(  # type: ignore[no-any-return]
            self.assessed_by_staff_id)


@strawberry.type(name="ElftSupportPlanItem",
                 description="What the budget is for: one planned purchase, serving one goal.")
class ElftSupportPlanItem:
    description: str

    @strawberry.field
    def amount(self: Any) -> Money:
        return Money(pence=self.amount_pence)

    @strawberry.field(description="The recovery goal this item serves.")
    async def goal(self: Any, info: Info[Context, None]) -> RecoveryGoal | None:
        return await info.context.loaders.goal.load(self.goal_id)  # type: ignore[no-any-return]


@strawberry.type(name="ElftSupportPlanVersion",
                 description="One version of the support plan, as it was written.")
class ElftSupportPlanVersion:
    __person_data__ = True

    version: int | None = data(C.RECOVERY_PLAN)
    what_matters_to_me: str | None = data(C.RECOVERY_PLAN)
    budget_purpose: str | None = data(C.BUDGET, description="What the budget is for.")
    held_as: PaymentRoute | None = data(  # type: ignore[valid-type]
        C.BUDGET, description="Direct payment, notional budget (e.g. through Core Arts) or "
        "third party.")
    period_start: dt.date | None = data(C.RECOVERY_PLAN)
    period_end: dt.date | None = data(C.RECOVERY_PLAN)
    change_note: str | None = data(C.RECOVERY_PLAN, description="What changed, and why.")
    recorded_at: dt.datetime | None = data(C.RECOVERY_PLAN)
    signed_off_at: dt.datetime | None = data(C.BUDGET)

    @data(C.RECOVERY_PLAN, description="The recovery goals the plan works towards.")
    async def goals(self: Any, info: Info[Context, None]) -> list[RecoveryGoal] | None:
        goal_ids = await loaders(info).version_goal_ids.load(self.id)
        found = await info.context.loaders.goal.load_many(goal_ids)
        return [goal for goal in found if goal is not None]  # type: ignore[misc]

    @data(C.BUDGET)
    async def items(self: Any, info: Info[Context, None]) -> list[ElftSupportPlanItem] | None:
        return await loaders(info).version_items.load(self.id)  # type: ignore[no-any-return]

    @data(C.BUDGET, description="The planned items' total.")
    async def planned_total(self: Any, info: Info[Context, None]) -> Money | None:
        items = await loaders(info).version_items.load(self.id)
        return Money(pence=sum(item.amount_pence for item in items))

    @data(C.RECOVERY_PLAN, description="The named care coordinator.")
    async def care_coordinator(self: Any, info: Info[Context, None]) -> StaffMember | None:
        return await info.context.loaders.staff_member.load(  # type: ignore[no-any-return]
            self.care_coordinator_staff_id)

    @data(C.BUDGET)
    async def signed_off_by(self: Any, info: Info[Context, None]) -> StaffMember | None:
        if self.signed_off_by_staff_id is None:
            return None
        return await info.context.loaders.staff_member.load(  # type: ignore[no-any-return]
            self.signed_off_by_staff_id)


@strawberry.type(name="ElftDialogScores",
                 description="DIALOG: satisfaction with eleven areas, each 1 to 7.")
class ElftDialogScores:
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

    @strawberry.field(description="The mean of the eleven ratings.")
    def mean(self) -> float:
        scores = [getattr(self, name) for name in models.DIALOG_ITEMS]
        return round(sum(scores) / len(scores), 2)


@strawberry.type(name="ElftGoalOutcome",
                 description="Goal-based outcome: how far towards the goal, 0 to 10.")
class ElftGoalOutcome:
    score: int

    @strawberry.field
    async def goal(self: Any, info: Info[Context, None]) -> RecoveryGoal | None:
        return await info.context.loaders.goal.load(self.goal_id)  # type: ignore[no-any-return]


@strawberry.type(name="ElftReview", description="A start, midpoint or end review of a plan.")
class ElftReview(_RowNode, relay.Node):
    __model__ = models.Review
    __person_data__ = True
    loader_name = "review"

    id: relay.NodeID[int]
    kind: ElftReviewKind | None = data(C.RECOVERY_PLAN)  # type: ignore[valid-type]
    due_on: dt.date | None = data(C.RECOVERY_PLAN)
    held_on: dt.date | None = data(C.RECOVERY_PLAN)
    clinical_note: str | None = data(C.MENTAL_HEALTH)

    @data(C.RECOVERY_PLAN, description="Not held, and due before today.")
    def overdue(self: Any, info: Info[Context, None]) -> bool | None:
        return self.held_on is None and self.due_on < info.context.policy.now.date()

    @data(C.MENTAL_HEALTH)
    def dialog(self: Any) -> ElftDialogScores | None:
        scores = self.dialog_scores()
        if scores is None:
            return None
        return ElftDialogScores(**dict(zip(models.DIALOG_ITEMS, scores, strict=True)))

    @data(C.RECOVERY_PLAN)
    async def goal_outcomes(self: Any, info: Info[Context, None]) -> list[ElftGoalOutcome] | None:
        return await loaders(info).goal_scores.load(self.id)  # type: ignore[no-any-return]

    @data(C.MENTAL_HEALTH)
    async def recorded_by(self: Any, info: Info[Context, None]) -> StaffMember | None:
        if self.recorded_by_staff_id is None:
            return None
        return await info.context.loaders.staff_member.load(  # type: ignore[no-any-return]
            self.recorded_by_staff_id)

    @data(C.RECOVERY_PLAN)
    async def support_plan(self: Any, info: Info[Context, None]) -> ElftSupportPlan | None:
        return await loaders(info).plan.load(self.plan_id)  # type: ignore[no-any-return]


@strawberry.type(name="ElftSupportPlan",
                 description='A PHB support plan, "Me and My Goals", with its history.')
class ElftSupportPlan(_RowNode, relay.Node):
    __model__ = models.SupportPlan
    __person_data__ = True
    loader_name = "plan"

    id: relay.NodeID[int]
    status: ElftPlanStatus | None = data(C.RECOVERY_PLAN)  # type: ignore[valid-type]
    current_version: int | None = data(C.RECOVERY_PLAN)
    period_start: dt.date | None = data(C.RECOVERY_PLAN)
    period_end: dt.date | None = data(C.RECOVERY_PLAN)

    @data(C.RECOVERY_PLAN)
    async def person(self: Any, info: Info[Context, None]) -> Person | None:
        return await info.context.loaders.person.load(  # type: ignore[no-any-return]
            self.person_id)

    @data(C.BUDGET)
    async def budget(self: Any, info: Info[Context, None]) -> BudgetType | None:
        if self.budget_id is None:
            return None
        return await info.context.loaders.budget.load(self.budget_id)  # type: ignore[no-any-return]

    @data(C.RECOVERY_PLAN, description="The latest version: what the plan says now.")
    async def latest(self: Any, info: Info[Context, None]) -> ElftSupportPlanVersion | None:
        versions = await loaders(info).plan_versions.load(self.id)
        return versions[0] if versions else None  # type: ignore[no-any-return]

    @data(C.RECOVERY_PLAN, description="Every version, newest first.")
    async def versions(
        self: Any, info: Info[Context, None]
    ) -> list[ElftSupportPlanVersion] | None:
        return await loaders(info).plan_versions.load(self.id)  # type: ignore[no-any-return]

    @data(C.RECOVERY_PLAN, description="Start, midpoint and end, once the plan is agreed.")
    async def reviews(self: Any, info: Info[Context, None]) -> list[ElftReview] | None:
        return await loaders(info).plan_reviews.load(self.id)  # type: ignore[no-any-return]


@strawberry.type(name="ElftSignOffStep")
class ElftSignOffStep:
    name: str
    title: str
    roles: list[str] | None = strawberry.field(description="Who may give it (null: any "
                                                           "role that may sign off).")
    signed_by: StaffMember | None
    signed_at: dt.datetime | None


@strawberry.type(name="ElftSignOff",
                 description="The sign-offs a request needs under ELFT's delegated limits.")
class ElftSignOff:
    route: ElftSignOffRoute | None  # type: ignore[valid-type]
    fast_track: bool = strawberry.field(description='"Stay Connected": a phone or SIM card.')
    steps: list[ElftSignOffStep]
    waiting_for: list[str] = strawberry.field(description="The sign-offs still missing.")


async def sign_off_of(request: Any, info: Info[Context, None]) -> ElftSignOff:
    steps = [ApprovalStep.from_json(step) for step in request.approval_steps or []]
    approvals = await info.context.loaders.request_approvals.load(request.id)
    signed = {a.step: a for a in approvals
              if a.step and a.decision == ApprovalDecision.APPROVED}
    staff = await info.context.loaders.staff_member.load_many(
        [signed[step.name].staff_member_id for step in steps if step.name in signed])
    by_id = {member.id: member for member in staff if member is not None}
    route = route_of_steps([step.name for step in steps])
    return ElftSignOff(
        route=route, fast_track=route is SignOffRoute.STAY_CONNECTED,
        steps=[ElftSignOffStep(
            name=step.name, title=step.title,
            roles=sorted(step.roles) if step.roles is not None else None,
            signed_by=by_id.get(signed[step.name].staff_member_id)  # type: ignore[arg-type]
            if step.name in signed else None,
            signed_at=signed[step.name].decided_at if step.name in signed else None)
            for step in steps],
        waiting_for=[step.title for step in steps if step.name not in signed])


@strawberry.type(name="ElftSignOffQueueEntry",
                 description="A request waiting for sign-off, and what it still needs.")
class ElftSignOffQueueEntry:
    __person_data__ = True

    @data(C.BUDGET)
    def request(self: Any) -> BudgetRequest | None:
        return self.request  # type: ignore[no-any-return]

    @data(C.BUDGET)
    async def sign_off(self: Any, info: Info[Context, None]) -> ElftSignOff | None:
        return await sign_off_of(self.request, info)

    @data(C.BUDGET, description="Whether you could give one of the missing sign-offs now.")
    async def you_may_sign(self: Any, info: Info[Context, None]) -> bool | None:
        principal = info.context.principal
        request = self.request
        if principal.staff_member_id is None or request.by_staff_id == principal.staff_member_id:
            return False
        approvals = await info.context.loaders.request_approvals.load(request.id)
        if any(a.staff_member_id == principal.staff_member_id for a in approvals):
            return False
        signed = {a.step for a in approvals if a.decision == ApprovalDecision.APPROVED}
        team = info.context.policy.acting_team(request.person_id)
        roles = team.roles if team else frozenset()
        return any(step.name not in signed and (step.roles is None or step.roles & roles)
                   for step in map(ApprovalStep.from_json, request.approval_steps or []))


@strawberry.type(name="ElftCaseloadEntry",
                 description="One person on a care coordinator's caseload.")
class ElftCaseloadEntry:
    __person_data__ = True

    @data(C.IDENTITY)
    async def person(self: Any, info: Info[Context, None]) -> Person | None:
        return await info.context.loaders.person.load(  # type: ignore[no-any-return]
            self.person_id)

    @data(C.BUDGET, description="Where the person is in the PHB process.")
    async def phb_status(self: Any, info: Info[Context, None]) -> ElftPhbStatus | None:  # type: ignore[valid-type]
        ours = loaders(info)
        assessment = await ours.latest_eligibility.load(self.person_id)
        plan = await ours.current_plan.load(self.person_id)
        return views.phb_status(assessment, plan, info.context.policy.now, settings_of(info))

    @data(C.BUDGET)
    async def eligibility(
        self: Any, info: Info[Context, None]
    ) -> ElftEligibilityAssessment | None:
        return await loaders(info).latest_eligibility.load(  # type: ignore[no-any-return]
            self.person_id)

    @data(C.RECOVERY_PLAN)
    async def support_plan(self: Any, info: Info[Context, None]) -> ElftSupportPlan | None:
        return await loaders(info).current_plan.load(  # type: ignore[no-any-return]
            self.person_id)

    @data(C.RECOVERY_PLAN, description="The next review not yet held.")
    async def next_review(self: Any, info: Info[Context, None]) -> ElftReview | None:
        found = await loaders(info).open_reviews.load(self.person_id)
        return found[0] if found else None  # type: ignore[no-any-return]

    @data(C.RECOVERY_PLAN, description="Reviews not held by their due date.")
    async def overdue_reviews(self: Any, info: Info[Context, None]) -> list[ElftReview] | None:
        today = info.context.policy.now.date()
        found = await loaders(info).open_reviews.load(self.person_id)
        return [review for review in found if review.due_on < today]  # type: ignore[misc]

    @data(C.BUDGET)
    async def requests_awaiting_sign_off(self: Any, info: Info[Context, None]) -> int | None:
        return await loaders(info).awaiting_sign_off.load(  # type: ignore[no-any-return]
            self.person_id)


@strawberry.type(name="ElftPotOverview",
                 description="A funding pot's totals, and how fast approved money is paid.")
class ElftPotOverview:
    pot: FundingPot
    requests_awaiting_sign_off: int
    requests_approved: int
    requests_paid: int = strawberry.field(description="Paid or delivered.")
    average_days_to_payment: float | None = strawberry.field(
        description="Days from the final sign-off to payment or delivery.")
    median_days_to_payment: float | None
    longest_days_to_payment: float | None

    @strawberry.field
    def allocated(self: Any) -> Money:
        return Money(pence=self.pot.allocated_pence)

    @strawberry.field(description="Reserved by approved requests not yet paid.")
    def committed(self: Any) -> Money:
        return Money(pence=self.pot.committed_pence)

    @strawberry.field
    def paid(self: Any) -> Money:
        return Money(pence=self.pot.paid_pence)

    @strawberry.field(description="Allocated - committed - paid.")
    def remaining(self: Any) -> Money:
        return Money(pence=self.pot.available_pence)

    @strawberry.field(description="The total of the requests awaiting sign-off.")
    def awaiting_sign_off(self: Any) -> Money:
        return Money(pence=self.awaiting_sign_off_pence)


TYPES: list[type] = [ElftEligibilityAssessment, ElftSupportPlan, ElftReview]
