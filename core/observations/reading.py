"""Reading observations: by id, a page of a kind between two times, and series for charts,
for one person or a whole caseload in one statement each. Unreadable rows are absent: every
reading carries its category, and the policy decides per person and category."""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Float, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ..errors import InvalidInput
from ..models import RecoveryGoal
from ..paging import Page
from ..permissions import Action
from ..policy import AccessPolicy
from .kinds import ObservationKind
from .models import Observation, ObservationStatus
from .rules import start_of_day

__all__ = [
    "MAX_BUCKETS",
    "Bucket",
    "GoalProgress",
    "ObservationWindow",
    "SeriesPoint",
    "SeriesQuery",
    "bucket_end",
    "bucket_of",
    "bucket_start",
    "goal_progress",
    "observation_pages",
    "observations_by_ids",
    "readable_observations",
    "series_for_people",
]

# A daily series of five years and a bit; more is not one chart.
MAX_BUCKETS = 2000


async def readable_observations(session: AsyncSession, policy: AccessPolicy,
                                rows: Iterable[Observation]) -> list[Observation]:
    """The rows whose own category the principal may read for their person."""
    found = list(rows)
    await policy.prime(session, {row.person_id for row in found})
    return [row for row in found if policy.decide_cached(
        policy.known(row.person_id), Action.READ, [row.category]).allowed]  # type: ignore[arg-type]


async def observations_by_ids(session: AsyncSession, policy: AccessPolicy,
                              ids: Sequence[int]) -> dict[int, Observation]:
    rows = await session.scalars(select(Observation).where(
        Observation.id.in_(set(ids)), policy.person_filter(Observation.person_id)))
    return {row.id: row for row in await readable_observations(session, policy, rows)}


# --- pages: newest first, keyset on (effective_at, id) ------------------------------------

_NEWEST_FIRST = (Observation.effective_at.desc(), Observation.id.desc())


@dataclass(frozen=True)
class ObservationWindow:
    """Which readings of a kind, for every person asked about in one batch."""

    kind: str
    since: dt.datetime | None = None  # effective at or after
    until: dt.datetime | None = None  # effective before
    include_entered_in_error: bool = False
    first: int = 20
    # The last reading of the previous page: (effective_at, id).
    after: tuple[dt.datetime, int] | None = None


async def observation_pages(session: AsyncSession, policy: AccessPolicy,
                            person_ids: Sequence[int], window: ObservationWindow
                            ) -> dict[int, Page[Observation]]:
    """One page per person, in one statement (``row_number()`` per person)."""
    conditions = [Observation.person_id.in_(set(person_ids)),
                  Observation.kind == window.kind,
                  policy.person_filter(Observation.person_id)]
    if window.since is not None:
        conditions.append(Observation.effective_at >= window.since)
    if window.until is not None:
        conditions.append(Observation.effective_at < window.until)
    if not window.include_entered_in_error:
        conditions.append(Observation.status == ObservationStatus.FINAL)
    if window.after is not None:
        at, pk = window.after
        conditions.append(or_(Observation.effective_at < at,
                              and_(Observation.effective_at == at, Observation.id < pk)))
    numbered = (select(Observation, func.row_number().over(
        partition_by=Observation.person_id, order_by=_NEWEST_FIRST).label("n"))
        .where(*conditions).subquery())
    ranked = aliased(Observation, numbered)
    rows = await session.scalars(
        select(ranked).where(numbered.c.n <= window.first + 1)
        .order_by(ranked.person_id, ranked.effective_at.desc(), ranked.id.desc()))
    readable = await readable_observations(session, policy, rows)
    grouped: dict[int, list[Observation]] = defaultdict(list)
    for reading in readable:
        grouped[reading.person_id].append(reading)
    return {pid: Page(grouped[pid][:window.first], len(grouped[pid]) > window.first)
            for pid in person_ids}


# --- series: buckets computed by the database -------------------------------------------


class Bucket(enum.StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"


class _BucketStart(FunctionElement[dt.date]):
    """The first day of the bucket a date column's value falls in, on either backend. One
    class per bucket: the statement cache keys on the class, never on an attribute."""

    type = Date()
    inherit_cache = True


class _WeekStart(_BucketStart):
    inherit_cache = True


class _MonthStart(_BucketStart):
    inherit_cache = True


def bucket_start(bucket: Bucket, column: Any) -> Any:
    """SQL: the first day of ``column``'s bucket (a day is its own)."""
    if bucket is Bucket.WEEK:
        return _WeekStart(column)
    if bucket is Bucket.MONTH:
        return _MonthStart(column)
    return column


@compiles(_WeekStart, "sqlite")
def _sqlite_week(element: _WeekStart, compiler: SQLCompiler, **kw: Any) -> str:
    # To the next Sunday (or that day, a Sunday), then back to its Monday.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@compiles(_MonthStart, "sqlite")
def _sqlite_month(element: _MonthStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m-01', {compiler.process(element.clauses, **kw)})"


@compiles(_WeekStart, "postgresql")
def _postgres_week(element: _WeekStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(_MonthStart, "postgresql")
def _postgres_month(element: _MonthStart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


def bucket_of(bucket: Bucket, day: dt.date) -> dt.date:
    """The first day of ``day``'s bucket (what the SQL above computes)."""
    if bucket is Bucket.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if bucket is Bucket.MONTH:
        return day.replace(day=1)
    return day


def bucket_end(bucket: Bucket, start: dt.date) -> dt.date:
    if bucket is Bucket.WEEK:
        return start + dt.timedelta(days=6)
    if bucket is Bucket.MONTH:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def _next(bucket: Bucket, start: dt.date) -> dt.date:
    return bucket_end(bucket, start) + dt.timedelta(days=1)


@dataclass(frozen=True)
class SeriesQuery:
    """A series of one number of one kind, in one unit, between two days (both included)."""

    kind: ObservationKind
    since: dt.date
    until: dt.date
    bucket: Bucket = Bucket.WEEK
    unit: str | None = None  # the kind's default unit
    second_value: bool = False  # the reading's second number (diastolic, time in bed)

    def checked(self) -> SeriesQuery:
        """The query with its unit filled in, or ``InvalidInput``."""
        if self.until < self.since:
            raise InvalidInput("The series ends before it starts.", code="INVALID_RANGE",
                               field="to")
        scale = self.kind.scale(self.unit)
        if scale is None:
            units = " or ".join(s.unit for s in self.kind.scales) or "no unit"
            raise InvalidInput(f"{self.kind.display} is recorded in {units}.",
                               code="WRONG_UNIT", field="unit")
        if (scale.second_value if self.second_value else scale.value) is None:
            raise InvalidInput(f"{self.kind.display} has no such number to chart.",
                               code="VALUE_NOT_TAKEN", field="component")
        if len(self.starts()) > MAX_BUCKETS:
            raise InvalidInput(f"That is more than {MAX_BUCKETS} points: choose a shorter "
                               "period or a longer bucket.", code="TOO_MANY_BUCKETS",
                               field="bucket")
        return SeriesQuery(self.kind, self.since, self.until, self.bucket, scale.unit,
                           self.second_value)

    def starts(self) -> list[dt.date]:
        found: list[dt.date] = []
        start = bucket_of(self.bucket, self.since)
        while start <= self.until and len(found) <= MAX_BUCKETS:
            found.append(start)
            start = _next(self.bucket, start)
        return found


@dataclass(frozen=True)
class SeriesPoint:
    """One bucket. ``count`` 0 is a gap: the other figures are then None."""

    start: dt.date
    end: dt.date
    count: int
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    last: float | None = None


async def series_for_people(session: AsyncSession, policy: AccessPolicy,
                            person_ids: Sequence[int], query: SeriesQuery
                            ) -> dict[int, list[SeriesPoint]]:
    """Every bucket of each person's series (gaps included), aggregated by the database in
    one statement. The caller has checked the principal may read the kind's category; rows
    of another category (a kind moved since) are left out."""
    value = Observation.second_value if query.second_value else Observation.value
    start = bucket_start(query.bucket, Observation.effective_date)
    readings = (
        select(Observation.person_id.label("person_id"), start.label("bucket"),
               value.label("v"),
               func.first_value(value).over(
                   partition_by=(Observation.person_id, start),
                   order_by=(Observation.effective_at.desc(), Observation.id.desc()),
               ).label("last"))
        .where(Observation.person_id.in_(set(person_ids)),
               Observation.kind == query.kind.code,
               Observation.category == query.kind.category,
               # The days as instants too: the index's range (a day is London's, so this is
               # the same condition), then the days themselves.
               Observation.effective_at >= start_of_day(query.since),
               Observation.effective_at < start_of_day(query.until + dt.timedelta(days=1)),
               Observation.effective_date >= query.since,
               Observation.effective_date <= query.until,
               Observation.status == ObservationStatus.FINAL,
               Observation.unit == query.unit, value.is_not(None),
               policy.person_filter(Observation.person_id))
        .subquery())
    rows = await session.execute(
        select(readings.c.person_id, readings.c.bucket, func.count(),
               func.min(readings.c.v), func.max(readings.c.v),
               func.avg(readings.c.v).cast(Float), func.max(readings.c.last))
        .group_by(readings.c.person_id, readings.c.bucket))
    found: dict[int, dict[dt.date, SeriesPoint]] = defaultdict(dict)
    for person_id, bucket, count, low, high, mean, last in rows:
        day = bucket if isinstance(bucket, dt.date) else dt.date.fromisoformat(bucket)
        found[person_id][day] = SeriesPoint(day, bucket_end(query.bucket, day), count, low,
                                            high, mean, last)
    return {pid: [found[pid].get(day) or SeriesPoint(day, bucket_end(query.bucket, day), 0)
                  for day in query.starts()] for pid in person_ids}


# --- a goal's target measurement ------------------------------------------------------------


@dataclass(frozen=True)
class GoalProgress:
    """Where a goal's target measurement stands: the reading it started from (the first
    since the goal was set, else the last before), the latest, and how far along, 0-100."""

    baseline: Observation | None
    latest: Observation | None

    def percent(self, target: float) -> int | None:
        if self.baseline is None or self.latest is None:
            return None
        start, now = self.baseline.value, self.latest.value
        if start is None or now is None:
            return None
        if start == target:
            return 100 if now == target else 0
        done = (start - now) / (start - target)
        return max(0, min(100, round(done * 100)))


async def goal_progress(session: AsyncSession, policy: AccessPolicy,
                        goals: Sequence[RecoveryGoal]) -> dict[int, GoalProgress]:
    """Progress of goals with a target measurement, in one statement for all of them."""
    wanted = [goal for goal in goals if goal.target_kind is not None]
    if not wanted:
        return {}
    since = RecoveryGoal.created_at
    after = Observation.effective_at >= since
    baseline_order = (case((after, 0), else_=1), case((after, Observation.effective_at)),
                      Observation.effective_at.desc(), Observation.id.desc())
    ranked = (
        select(Observation, RecoveryGoal.id.label("goal_id"),
               func.row_number().over(partition_by=RecoveryGoal.id,
                                      order_by=baseline_order).label("baseline"),
               func.row_number().over(partition_by=RecoveryGoal.id,
                                      order_by=_NEWEST_FIRST).label("latest"))
        .join(RecoveryGoal, and_(Observation.person_id == RecoveryGoal.person_id,
                                 Observation.kind == RecoveryGoal.target_kind))
        .where(RecoveryGoal.id.in_([goal.id for goal in wanted]),
               Observation.status == ObservationStatus.FINAL,
               policy.person_filter(Observation.person_id))
        .subquery())
    row = aliased(Observation, ranked)
    rows = await session.execute(
        select(ranked.c.goal_id, ranked.c.baseline, ranked.c.latest, row)
        .where(or_(ranked.c.baseline == 1, ranked.c.latest == 1)))
    picked: dict[int, dict[str, Observation]] = defaultdict(dict)
    for goal_id, baseline, latest, observation in rows:
        if baseline == 1:
            picked[goal_id]["baseline"] = observation
        if latest == 1:
            picked[goal_id]["latest"] = observation
    readable = {row.id for row in await readable_observations(
        session, policy, [o for found in picked.values() for o in found.values()])}
    return {goal.id: GoalProgress(
        *(picked[goal.id].get(k) if picked[goal.id].get(k) and picked[goal.id][k].id
          in readable else None for k in ("baseline", "latest"))) for goal in wanted}
