"""What the advisor and the commissioner work from: the pipeline from referral to payment, and
how long payment takes after authorisation.

Every row is narrowed by the policy first (``policy.person_filter`` in SQL, then
``policy.readable`` exactly): an advisor sees only the people who consented to their
organisation for ``budget``; counts never include anyone else.
"""

from __future__ import annotations

import datetime as dt
import enum
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Budget, BudgetRequest, BudgetRequestStatus, PaymentRoute
from core.paging import Page
from core.policy import AccessPolicy

from .cases import CATEGORY, readable_by_ids, readable_statement
from .models import CaseStatus, Payment, PaymentCase, PaymentStatus

__all__ = [
    "PipelineEntry",
    "Stage",
    "StageCount",
    "Timeline",
    "first_payments",
    "pipeline",
    "pipeline_stages",
    "timeline",
]

S = BudgetRequestStatus


class Stage(enum.StrEnum):
    """Where a direct-payment request is, from referral to payment."""

    AWAITING_SIGN_OFF = "awaiting_sign_off"  # referred: submitted, not yet approved
    TO_SCHEDULE = "to_schedule"  # approved; no payment scheduled yet
    SCHEDULED = "scheduled"  # payments scheduled, none made
    PART_PAID = "part_paid"  # some instalments paid
    PAID = "paid"  # all of it paid
    STOPPED = "stopped"  # payments stopped before all was paid


@dataclass(frozen=True, slots=True)
class PipelineEntry:
    request: BudgetRequest
    case: PaymentCase | None
    stage: Stage

    @property
    def id(self) -> int:  # the cursor
        return self.request.id

    @property
    def person_id(self) -> int:  # whose data this is
        return self.request.person_id


@dataclass(frozen=True, slots=True)
class StageCount:
    stage: Stage
    requests: int
    total_pence: int


def _stage_column() -> Any:
    scheduled = exists().where(Payment.case_id == PaymentCase.id,
                               Payment.status == PaymentStatus.SCHEDULED)
    return case(
        (BudgetRequest.status.in_([S.SUBMITTED, S.AWAITING_APPROVAL]),
         Stage.AWAITING_SIGN_OFF.value),
        (and_(PaymentCase.status == CaseStatus.STOPPED,
              BudgetRequest.paid_pence < BudgetRequest.total_pence), Stage.STOPPED.value),
        (BudgetRequest.paid_pence >= BudgetRequest.total_pence, Stage.PAID.value),
        (BudgetRequest.paid_pence > 0, Stage.PART_PAID.value),
        (scheduled, Stage.SCHEDULED.value),
        else_=Stage.TO_SCHEDULE.value,
    ).label("stage")


def _pipeline(policy: AccessPolicy, *columns: Any) -> Select[Any]:
    """Direct-payment requests from submission on, with their case if one opened."""
    return (select(*columns)
            .join(Budget, Budget.id == BudgetRequest.budget_id)
            .outerjoin(PaymentCase, PaymentCase.request_id == BudgetRequest.id)
            .where(Budget.payment_route == PaymentRoute.DIRECT_PAYMENT,
                   BudgetRequest.status.in_([S.SUBMITTED, S.AWAITING_APPROVAL, S.APPROVED,
                                             S.PAID, S.REVIEWED]),
                   policy.person_filter(BudgetRequest.person_id)))


async def pipeline(session: AsyncSession, policy: AccessPolicy, *, first: int,
                   after: int | None, stage: Stage | None = None) -> Page[PipelineEntry]:
    """One page of the pipeline, oldest request first, optionally at one stage."""
    stage_column = _stage_column()
    statement = _pipeline(policy, BudgetRequest, PaymentCase, stage_column)
    if stage is not None:
        statement = statement.where(stage_column == stage.value)
    if after is not None:
        statement = statement.where(BudgetRequest.id > after)
    rows = list(await session.execute(statement.order_by(BudgetRequest.id).limit(first + 1)))
    readable = {request.id for request in await policy.readable(
        session, [row[0] for row in rows[:first]], CATEGORY)}
    entries = [PipelineEntry(request, found_case, Stage(value))
               for request, found_case, value in rows[:first] if request.id in readable]
    return Page(entries, len(rows) > first)


async def pipeline_stages(session: AsyncSession, policy: AccessPolicy) -> list[StageCount]:
    """How many requests, and how much money, are at each stage (every stage, even empty)."""
    stage_column = _stage_column()
    rows = list(await session.execute(
        _pipeline(policy, BudgetRequest.person_id, stage_column,
                  func.count(BudgetRequest.id), func.sum(BudgetRequest.total_pence))
        .group_by(BudgetRequest.person_id, stage_column)))
    counts: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for _, value, number, total in await policy.readable(session, rows, CATEGORY,
                                                         lambda row: row[0]):
        counts[value] += number
        totals[value] += total or 0
    return [StageCount(stage, counts[stage.value], totals[stage.value]) for stage in Stage]


# --- how long payment takes -------------------------------------------------------------------


async def first_payments(session: AsyncSession, policy: AccessPolicy,
                         case_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """When each readable case's first payment was made (cases with none are missing)."""
    readable = await readable_by_ids(session, policy, PaymentCase, case_ids)
    if not readable:
        return {}
    rows = await session.execute(
        select(Payment.case_id, func.min(Payment.paid_at))
        .where(Payment.case_id.in_(list(readable)), Payment.status == PaymentStatus.PAID)
        .group_by(Payment.case_id))
    return {case_id: paid_at for case_id, paid_at in rows if paid_at is not None}


def days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Whole days from authorisation to payment (a payment the same day is 0)."""
    return (end.date() - start.date()).days


@dataclass(frozen=True, slots=True)
class Timeline:
    approved_from: dt.date
    approved_to: dt.date
    # days from authorisation to first payment -> how many requests
    distribution: dict[int, int]
    median_days: float | None
    mean_days: float | None
    # approved in the window, not paid yet, and how long the longest has waited
    waiting: int
    longest_wait_days: int | None


async def timeline(session: AsyncSession, policy: AccessPolicy, *,
                   approved_from: dt.date, approved_to: dt.date) -> Timeline:
    """Days from authorisation to the first payment, for the direct-payment cases approved in
    the window that the reader may see."""
    start = dt.datetime.combine(approved_from, dt.time(), dt.UTC)
    end = dt.datetime.combine(approved_to + dt.timedelta(days=1), dt.time(), dt.UTC)
    first_paid = (select(func.min(Payment.paid_at)).where(
        Payment.case_id == PaymentCase.id, Payment.status == PaymentStatus.PAID)
        .correlate(PaymentCase).scalar_subquery())
    rows = list(await session.execute(
        readable_statement(policy, PaymentCase).add_columns(first_paid)
        .where(PaymentCase.approved_at >= start, PaymentCase.approved_at < end)))
    readable = {row.id for row in await policy.readable(session, [row[0] for row in rows],
                                                          CATEGORY)}
    days: list[int] = []
    waits: list[int] = []
    for found, paid_at in rows:
        if found.id not in readable:
            continue
        if paid_at is not None:
            days.append(days_between(found.approved_at, paid_at))
        elif found.status is CaseStatus.OPEN:
            waits.append(days_between(found.approved_at, policy.now))
    return Timeline(approved_from=approved_from, approved_to=approved_to,
                    distribution=dict(sorted(Counter(days).items())),
                    median_days=statistics.median(days) if days else None,
                    mean_days=round(statistics.fmean(days), 1) if days else None,
                    waiting=len(waits), longest_wait_days=max(waits) if waits else None)
