"""Running background jobs with APScheduler 4: in the app process, or in worker processes.

APScheduler keeps its schedules and its queue in the application's own database (its
SQLAlchemy data store: aiosqlite or asyncpg), so the embedded default needs nothing installed;
workers of several processes or hosts share them, each schedule's fire time is taken by one
scheduler (a lease, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), each queued job by one worker,
and an event broker wakes the others (PostgreSQL's LISTEN/NOTIFY, or Redis when configured).

Our job rows (core/jobs/models.py) add what APScheduler 4 does not do: the transactional
enqueue, idempotency keys, retries with back-off, and a history. APScheduler delivers a row's
id to a worker; the worker *claims* the row with one conditional UPDATE, so that a row
delivered twice (a rescue pass, two schedulers) still runs once at a time, and a retried row
waits for its time. A periodic schedule enqueues one row per fire time, keyed by it.

docs/jobs.md says why APScheduler and how the pieces fit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import platform
import uuid
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, update

from core.metrics import metrics, timed
from core.models.base import utcnow
from core.unit_of_work import UnitOfWork

from .definitions import Job
from .models import BackgroundJob, JobStatus
from .queue import insert_job

__all__ = ["APSCHEDULER_TABLES", "SCHEDULE_ANCHOR", "JobRunner", "RunOutcome",
           "apscheduler_schema"]

log = logging.getLogger("recovery_hub.jobs")

RUN_TASK = "recovery_hub.run_job"
SCHEDULED_TASK = "recovery_hub.run_schedule"
SCHEDULE_PREFIX = "recovery_hub:"
# ``every`` schedules count from here, so that restarting a worker never moves them.
SCHEDULE_ANCHOR = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
# How long past its timeout a claimed row is left alone before it is taken back.
_CLAIM_MARGIN = dt.timedelta(minutes=1)
_ERROR_LENGTH = 2000


# APScheduler's own tables (migration 0006 creates them; the library owns their shape).
APSCHEDULER_TABLES = frozenset({"metadata", "tasks", "schedules", "jobs", "job_results"})


def apscheduler_schema(dialect: str) -> str | None:
    """APScheduler's tables live in a schema of their own where the database has schemas."""
    return "apscheduler" if dialect == "postgresql" else None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What one delivery of a row did."""

    job_id: int
    ran: bool  # False: another worker had it, it was done, or its time had not come
    status: JobStatus | None = None


class JobRunner:
    """This process's part in running jobs.

    ``work=True`` (the embedded app, ``recovery-hub worker``): processes schedules and runs
    jobs. ``work=False`` (an app whose jobs run in workers): only hands new jobs to the
    workers. Use as ``async with JobRunner(uow) as runner:``; leaving it waits for the jobs
    this process is running (up to ``grace``) before stopping.
    """

    def __init__(
        self, uow: UnitOfWork, *, work: bool = True, redis_url: str | None = None,
        identity: str | None = None, max_concurrent_jobs: int = 20,
        grace: dt.timedelta = dt.timedelta(seconds=30),
    ) -> None:
        self.uow = uow
        self.work = work
        self.redis_url = redis_url
        self.identity = identity or (
            f"{platform.node()}-{os.getpid()}-{uuid.uuid4().hex[:6]}")
        self.max_concurrent_jobs = max_concurrent_jobs
        self.grace = grace
        self._stack: AsyncExitStack | None = None
        self._scheduler: Any = None
        self._in_flight: set[asyncio.Task[Any]] = set()

    # --- life cycle ------------------------------------------------------------------------

    async def __aenter__(self) -> JobRunner:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    def _event_broker(self) -> Any:
        from apscheduler.eventbrokers.local import LocalEventBroker

        if self.redis_url:
            from apscheduler.eventbrokers.redis import RedisEventBroker

            return RedisEventBroker(self.redis_url, channel="recovery_hub_jobs")
        if self.uow.db.is_postgres:
            from apscheduler.eventbrokers.asyncpg import AsyncpgEventBroker

            return AsyncpgEventBroker.from_async_sqla_engine(self.uow.db.engine,
                                                             channel="recovery_hub_jobs")
        return LocalEventBroker()

    async def start(self) -> None:
        import sniffio
        from apscheduler import AsyncScheduler, SchedulerRole
        from apscheduler.datastores.sqlalchemy import SQLAlchemyDataStore
        from apscheduler.executors.async_ import AsyncJobExecutor
        from apscheduler.serializers.json import JSONSerializer

        # APScheduler's asyncpg broker starts tasks from asyncpg's notification callback, outside
        # any task, where sniffio cannot tell the event loop: name it for this task's context,
        # which the broker's connection (and its callbacks) inherit.
        sniffio.current_async_library_cvar.set("asyncio")
        db = self.uow.db
        # On SQLite every data store transaction takes the write lock at BEGIN, like ours:
        # APScheduler's own reads-then-writes then never fail as "database is locked".
        engine = db.write_engine if db.is_sqlite else db.engine
        store = SQLAlchemyDataStore(engine, schema=apscheduler_schema(engine.dialect.name),
                                    serializer=JSONSerializer())
        self._scheduler = AsyncScheduler(
            store, self._event_broker(), identity=self.identity,
            role=SchedulerRole.both if self.work else SchedulerRole.scheduler,
            max_concurrent_jobs=self.max_concurrent_jobs,
            job_executors={"async": AsyncJobExecutor()},
            logger=logging.getLogger("apscheduler"),
        )
        self._stack = AsyncExitStack()
        await self._stack.enter_async_context(self._scheduler)
        scheduler = self._scheduler
        await scheduler.configure_task(RUN_TASK, func=self._deliver_one, max_running_jobs=None)
        await scheduler.configure_task(SCHEDULED_TASK, func=self._fire, max_running_jobs=None)
        if self.work:
            await self._sync_schedules()
            await scheduler.start_in_background()
        self.uow.job_delivery = self.deliver

    async def stop(self) -> None:
        """Stop taking work; let jobs in flight finish (within ``grace``), then stop."""
        if self.uow.job_delivery == self.deliver:
            self.uow.job_delivery = None
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=self.grace.total_seconds())
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()

    def _trigger(self, job: Job) -> Any:
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        if job.every is not None:
            # Fire times on one grid from SCHEDULE_ANCHOR, starting from its latest point:
            # APScheduler steps through every fire time since the start before the first run.
            steps = (utcnow() - SCHEDULE_ANCHOR) // job.every
            return IntervalTrigger(seconds=job.every.total_seconds(),
                                   start_time=SCHEDULE_ANCHOR + steps * job.every)
        assert job.cron is not None
        return CronTrigger.from_crontab(job.cron, timezone="UTC")

    async def _sync_schedules(self) -> None:
        """One APScheduler schedule per scheduled job; a changed one is replaced, one whose
        job no longer exists (a plugin disabled) removed. Safe with several workers."""
        from apscheduler import CoalescePolicy, ConflictPolicy

        scheduler = self._scheduler
        existing = {schedule.id: schedule for schedule in await scheduler.get_schedules()
                    if schedule.id.startswith(SCHEDULE_PREFIX)}
        wanted = {f"{SCHEDULE_PREFIX}{job.name}": job for job in self.uow.jobs.scheduled()}
        for schedule_id, job in wanted.items():
            described = job.describe_schedule()
            current = existing.get(schedule_id)
            if current is not None and current.metadata.get("schedule") == described:
                continue
            await scheduler.add_schedule(
                SCHEDULED_TASK, self._trigger(job), id=schedule_id, args=[job.name],
                # Missed fire times (all workers down) run once, late, not once each.
                coalesce=CoalescePolicy.latest, misfire_grace_time=None,
                metadata={"schedule": described}, conflict_policy=ConflictPolicy.replace)
        for schedule_id in existing.keys() - wanted.keys():
            await scheduler.remove_schedule(schedule_id)

    # --- delivery --------------------------------------------------------------------------

    async def deliver(self, job_ids: Sequence[int]) -> None:
        """Hand committed rows to the workers (APScheduler's queue). Never raises: a row not
        delivered now is delivered by the next rescue pass."""
        for job_id in job_ids:
            try:
                await self._scheduler.add_job(RUN_TASK, args=[job_id])
            except Exception:
                log.exception("job %s not handed to a worker; the rescue pass will", job_id)

    async def deliver_at(self, job_id: int, when: dt.datetime, attempt: int) -> None:
        """Deliver a row again at ``when`` (a retry)."""
        from apscheduler import ConflictPolicy
        from apscheduler.triggers.date import DateTrigger

        await self._scheduler.add_schedule(
            RUN_TASK, DateTrigger(when), id=f"{SCHEDULE_PREFIX}retry:{job_id}:{attempt}",
            args=[job_id], misfire_grace_time=None, conflict_policy=ConflictPolicy.do_nothing)

    async def _deliver_one(self, job_id: int) -> None:
        await self.run_one(job_id)

    async def _fire(self, name: str) -> None:
        """A schedule's fire time came: one row per fire time, whoever fires it."""
        from apscheduler import current_job

        fired = current_job.get().scheduled_fire_time or utcnow()
        job = self.uow.jobs.get(name)
        if job is None:
            return  # the plugin that defined it is no longer enabled here
        key = f"{name}@{fired.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}"
        async with self.uow.begin() as tx:
            job_id = await insert_job(tx.session, name, {}, key=key,
                                      max_attempts=job.max_attempts)
        if job_id is not None:
            await self.run_one(job_id)

    # --- running ---------------------------------------------------------------------------

    async def run_one(self, job_id: int) -> RunOutcome:
        """Claim row ``job_id`` and run it here, unless another worker has it, it is done,
        or its time has not come."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            return await self._run(job_id)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _claim(self, job_id: int, now: dt.datetime) -> BackgroundJob | None:
        table: Any = BackgroundJob.__table__
        queued = (table.c.status == JobStatus.QUEUED.value) & (table.c.run_after <= now)
        abandoned = (table.c.status == JobStatus.RUNNING.value) & (table.c.claimed_until < now)
        async with self.uow.begin() as tx:
            row = (await tx.session.execute(
                update(table).where(table.c.id == job_id, or_(queued, abandoned))
                .values(status=JobStatus.RUNNING.value, attempts=table.c.attempts + 1,
                        claimed_by=self.identity,
                        # Long enough for the longest job; pushed on by nothing: a job
                        # running past it is over its timeout anyway.
                        claimed_until=now + dt.timedelta(hours=2))
                .returning(table.c.name, table.c.payload, table.c.attempts,
                           table.c.max_attempts))).first()
            if row is None:
                return None
            job = self.uow.jobs.get(row.name)
            if job is not None:
                await tx.session.execute(update(table).where(table.c.id == job_id).values(
                    claimed_until=now + job.timeout + _CLAIM_MARGIN))
        return BackgroundJob(id=job_id, name=row.name, payload=row.payload,
                             attempts=row.attempts, max_attempts=row.max_attempts)

    async def _run(self, job_id: int) -> RunOutcome:
        claimed = await self._claim(job_id, utcnow())
        if claimed is None:
            return RunOutcome(job_id, ran=False)
        job = self.uow.jobs.get(claimed.name)
        error: BaseException | None = None
        if job is None:
            error = LookupError(f"no job {claimed.name!r} is defined in this process")
        else:
            try:
                with timed(metrics().job_duration.labels(job=claimed.name)):
                    async with asyncio.timeout(job.timeout.total_seconds()):
                        await job.handler(self.uow, dict(claimed.payload))
            except TimeoutError:
                error = TimeoutError(f"ran longer than its timeout of {job.timeout}")
            except Exception as raised:  # a failed attempt, retried; never the worker's end
                error = raised
        outcome = await self._finish(claimed, job, error)
        metrics().job_runs.labels(job=claimed.name,
                                 outcome="ok" if error is None else "failed").inc()
        return outcome

    async def _finish(self, claimed: BackgroundJob, job: Job | None,
                      error: BaseException | None) -> RunOutcome:
        table: Any = BackgroundJob.__table__
        now = utcnow()
        mine = (table.c.id == claimed.id) & (table.c.claimed_by == self.identity)
        done = dict(claimed_by=None, claimed_until=None)
        if error is None:
            values: dict[str, Any] = {**done, "status": JobStatus.DONE.value,
                                      "finished_at": now, "last_error": None}
            status = JobStatus.DONE
        else:
            message = f"{type(error).__name__}: {error}"[:_ERROR_LENGTH]
            log.warning("job %s (%s) attempt %s failed: %s", claimed.id, claimed.name,
                        claimed.attempts, message, exc_info=error)
            if job is not None and claimed.attempts < claimed.max_attempts:
                retry_at = now + job.retry_delay(claimed.attempts)
                values = {**done, "status": JobStatus.QUEUED.value, "run_after": retry_at,
                          "last_error": message}
                status = JobStatus.QUEUED
            else:
                values = {**done, "status": JobStatus.FAILED.value, "finished_at": now,
                          "last_error": message}
                status = JobStatus.FAILED
        async with self.uow.begin() as tx:
            await tx.session.execute(update(table).where(mine).values(**values))
        if status is JobStatus.QUEUED:
            await self.deliver_at(claimed.id, values["run_after"], claimed.attempts)
        return RunOutcome(claimed.id, ran=True, status=status)
