"""What each ELFT role works from: the care coordinator's caseload, the team lead's co-sign
queue, the E-Approval panel's queue, and the commissioner's overview of the funding pots.

Every list is narrowed by the policy engine first (``policy.person_filter``, then
``policy.readable``): a queue never shows a request its viewer could not open.
"""

from __future__ import annotations

import datetime as dt
import enum
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, Text, and_, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.categories import DataCategory as C
from core.errors import Forbidden
from core.models import (
    ApprovalDecision,
    Budget,
    BudgetApproval,
    BudgetRequest,
    BudgetRequestStatus,
    BudgetRequestTransition,
    CareBasis,
    CareRelationship,
    FundingPot,
    Person,
)
from core.paging import Page, page
from core.policy import AccessPolicy
from core.principal import PrincipalKind

from .eligibility import valid_until
from .models import EligibilityAssessment, PlanStatus, Review, SupportPlan
from .settings import ElftSettings
from .sign_off import (
    COMMISSIONER,
    LIVED_EXPERIENCE_REVIEWER,
    PANEL_STEP_NAMES,
    PHB_LEAD_CLINICIAN,
    TEAM_LEAD,
)

__all__ = [
    "CaseloadEntry",
    "PhbStatus",
    "PotOverview",
    "QueueEntry",
    "awaiting_sign_off_counts",
    "caseload",
    "co_sign_queue",
    "panel_queue",
    "phb_status",
    "pot_overviews",
]

S = BudgetRequestStatus
OPEN = (S.SUBMITTED, S.AWAITING_APPROVAL)
SPENT = (S.PAID, S.DELIVERED)
PANEL_ROLES = frozenset({LIVED_EXPERIENCE_REVIEWER, PHB_LEAD_CLINICIAN, COMMISSIONER})
POT_OVERVIEW_ROLES = frozenset({COMMISSIONER, PHB_LEAD_CLINICIAN})


class PhbStatus(enum.StrEnum):
    NOT_ASSESSED = "not_assessed"
    NOT_ELIGIBLE = "not_eligible"
    ELIGIBILITY_EXPIRED = "eligibility_expired"
    ELIGIBLE = "eligible"  # no support plan yet
    PLAN_AWAITING_SIGN_OFF = "plan_awaiting_sign_off"
    PLAN_AGREED = "plan_agreed"
    PLAN_ENDED = "plan_ended"


def phb_status(assessment: EligibilityAssessment | None, plan: SupportPlan | None,
               now: dt.datetime, settings: ElftSettings) -> PhbStatus:
    if assessment is None:
        return PhbStatus.NOT_ASSESSED
    if not assessment.eligible:
        return PhbStatus.NOT_ELIGIBLE
    if plan is not None and plan.period_end < now.date():
        return PhbStatus.PLAN_ENDED
    if valid_until(assessment, settings) <= now:
        return PhbStatus.ELIGIBILITY_EXPIRED
    if plan is None:
        return PhbStatus.ELIGIBLE
    if plan.status is PlanStatus.AGREED:
        return PhbStatus.PLAN_AGREED
    return PhbStatus.PLAN_AWAITING_SIGN_OFF


@dataclass(frozen=True, slots=True)
class CaseloadEntry:
    """One person on a caseload; the API loads the rest (goals, plan, reviews) in batches."""

    person_id: int

    @property
    def id(self) -> int:  # the cursor
        return self.person_id


@dataclass(frozen=True, slots=True)
class QueueEntry:
    request: BudgetRequest

    @property
    def id(self) -> int:
        return self.request.id

    @property
    def person_id(self) -> int:
        return self.request.person_id


def _require_role(policy: AccessPolicy, roles: frozenset[str], what: str) -> None:
    if policy.principal.kind is PrincipalKind.SYSTEM:
        return
    if not any(team.roles & roles for team in policy.principal.teams):
        raise Forbidden(f"Only {what} has this view.")


def _active_relationship(policy: AccessPolicy) -> object:
    return and_(CareRelationship.starts_at <= policy.now,
                or_(CareRelationship.ends_at.is_(None), CareRelationship.ends_at > policy.now))


async def caseload(session: AsyncSession, policy: AccessPolicy, *, first: int,
                   after: int | None, overdue_only: bool = False) -> Page[CaseloadEntry]:
    """People whose care the viewer's teams coordinate now, by person."""
    if policy.principal.kind is not PrincipalKind.STAFF:
        raise Forbidden("A caseload belongs to a member of staff.")
    statement = select(Person).where(
        policy.person_filter(Person.id),
        Person.id.in_(select(CareRelationship.person_id).where(
            CareRelationship.team_id.in_(policy.principal.team_ids),
            CareRelationship.basis == CareBasis.CARE_COORDINATION,
            _active_relationship(policy))))
    if overdue_only:
        statement = statement.where(Person.id.in_(select(Review.person_id).where(
            Review.held_on.is_(None), Review.due_on < policy.now.date())))
    found = await page(session, statement, Person.id, first=first, after=after)
    people = await policy.readable(session, found.items, None, lambda person: person.id)
    return Page([CaseloadEntry(person.id) for person in people], found.has_next)


def _names_step(name: str) -> object:
    # The steps are JSON written by core at submission; a step's name appears quoted in it.
    return cast(BudgetRequest.approval_steps, Text).contains(f'"{name}"', autoescape=True)


def _filled(names: Sequence[str]) -> Select[tuple[int]]:
    return select(func.count(BudgetApproval.id)).where(
        BudgetApproval.request_id == BudgetRequest.id, BudgetApproval.step.in_(names),
        BudgetApproval.decision == ApprovalDecision.APPROVED)


async def _queue(session: AsyncSession, policy: AccessPolicy, condition: object, *,
                 first: int, after: int | None) -> Page[QueueEntry]:
    statement = select(BudgetRequest).where(
        BudgetRequest.status.in_(OPEN), policy.person_filter(BudgetRequest.person_id),
        condition)
    found = await page(session, statement, BudgetRequest.id, first=first, after=after)
    readable = await policy.readable(session, found.items, C.BUDGET)
    return Page([QueueEntry(request) for request in readable], found.has_next)


async def co_sign_queue(session: AsyncSession, policy: AccessPolicy, *, first: int,
                        after: int | None) -> Page[QueueEntry]:
    """Requests waiting for a team lead's co-signature, oldest first."""
    _require_role(policy, frozenset({TEAM_LEAD}), "a team lead")
    step = "team_lead_co_sign"
    waiting = and_(_names_step(step), _filled([step]).scalar_subquery() == 0)
    return await _queue(session, policy, waiting, first=first, after=after)


async def panel_queue(session: AsyncSession, policy: AccessPolicy, *, first: int,
                      after: int | None) -> Page[QueueEntry]:
    """Requests waiting for the E-Approval panel, oldest first."""
    _require_role(policy, PANEL_ROLES, "a member of the E-Approval panel")
    waiting = and_(_names_step(PANEL_STEP_NAMES[0]),
                   _filled(PANEL_STEP_NAMES).scalar_subquery() < len(PANEL_STEP_NAMES))
    return await _queue(session, policy, waiting, first=first, after=after)


async def awaiting_sign_off_counts(session: AsyncSession, policy: AccessPolicy,
                                   person_ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(
        select(BudgetRequest.person_id, func.count(BudgetRequest.id))
        .where(BudgetRequest.person_id.in_(set(person_ids)), BudgetRequest.status.in_(OPEN),
               policy.person_filter(BudgetRequest.person_id))
        .group_by(BudgetRequest.person_id))
    return {person_id: count for person_id, count in rows}


@dataclass(frozen=True, slots=True)
class PotOverview:
    pot: FundingPot
    requests_awaiting_sign_off: int
    awaiting_sign_off_pence: int
    requests_approved: int  # approved, and still approved or since paid or delivered
    requests_paid: int
    # Days from the final sign-off (authorisation) to payment or delivery.
    average_days_to_payment: float | None
    median_days_to_payment: float | None
    longest_days_to_payment: float | None


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 86_400, 1)


async def pot_overviews(session: AsyncSession, policy: AccessPolicy) -> list[PotOverview]:
    """Every funding pot's totals and how quickly approved money reaches people. Totals only:
    no person's data."""
    _require_role(policy, POT_OVERVIEW_ROLES, "a commissioner or a PHB lead clinician")
    pots = list(await session.scalars(select(FundingPot).order_by(FundingPot.id)))
    counts: dict[tuple[int, str], tuple[int, int]] = {}
    for pot_id, status, number, total in await session.execute(
            select(Budget.funding_pot_id, BudgetRequest.status, func.count(BudgetRequest.id),
                   func.coalesce(func.sum(BudgetRequest.total_pence), 0))
            .join(Budget, Budget.id == BudgetRequest.budget_id)
            .group_by(Budget.funding_pot_id, BudgetRequest.status)):
        counts[(pot_id, BudgetRequestStatus(status).value)] = (number, total)
    days: dict[int, list[float]] = {pot.id: [] for pot in pots}
    for pot_id, decided_at, spent_at in await session.execute(
            select(Budget.funding_pot_id, BudgetRequest.decided_at,
                   BudgetRequestTransition.changed_at)
            .join(Budget, Budget.id == BudgetRequest.budget_id)
            .join(BudgetRequestTransition,
                  BudgetRequestTransition.request_id == BudgetRequest.id)
            .where(BudgetRequestTransition.to_status.in_(SPENT),
                   BudgetRequest.decided_at.is_not(None))):
        days[pot_id].append(_days(decided_at, spent_at))

    def count(pot_id: int, *statuses: BudgetRequestStatus) -> tuple[int, int]:
        found = [counts.get((pot_id, status.value), (0, 0)) for status in statuses]
        return sum(n for n, _ in found), sum(t for _, t in found)

    overviews = []
    for pot in pots:
        waiting, waiting_pence = count(pot.id, *OPEN)
        approved, _ = count(pot.id, S.APPROVED, *SPENT, S.REVIEWED)
        spent = days[pot.id]
        overviews.append(PotOverview(
            pot=pot, requests_awaiting_sign_off=waiting, awaiting_sign_off_pence=waiting_pence,
            requests_approved=approved, requests_paid=len(spent),
            average_days_to_payment=round(statistics.fmean(spent), 1) if spent else None,
            median_days_to_payment=round(statistics.median(spent), 1) if spent else None,
            longest_days_to_payment=max(spent) if spent else None))
    return overviews
