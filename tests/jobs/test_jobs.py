"""Background jobs on both backends: enqueued with the change that causes them, run once
however many workers race for them, retried with back-off, scheduled once per fire time."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from core.db import Database
from core.jobs import BackgroundJob, Job, JobStatus, enqueue
from core.jobs.runner import SCHEDULE_PREFIX, JobRunner
from core.models.base import utcnow
from core.permissions import ConfigurationError
from core.plugins import load_plugins
from core.unit_of_work import UnitOfWork

from .conftest import JobsPlugin

WAIT = 60  # seconds: a bound on waiting for an event, never a sleep


async def _rows(db: Database) -> list[BackgroundJob]:
    """The test's jobs (core's rescue pass runs beside them)."""
    async with db.reading() as session:
        return list(await session.scalars(select(BackgroundJob).where(
            BackgroundJob.name.like("sample.%")).order_by(BackgroundJob.id)))


class Calls:
    """Records each run of a handler; ``wait(n)`` returns once n runs were seen."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self._changed = asyncio.Condition()

    async def handler(self, _uow: UnitOfWork, payload: dict[str, Any]) -> None:
        async with self._changed:
            self.payloads.append(payload)
            self._changed.notify_all()

    async def wait(self, count: int) -> None:
        async with asyncio.timeout(WAIT):
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.payloads) >= count)


def test_hook_register_jobs(tmp_path: Path) -> None:
    """A plugin's jobs join core's; a job not named after its plugin, or named as another
    plugin's, stops start-up naming the plugins."""

    async def nothing(_uow: UnitOfWork, _payload: dict[str, Any]) -> None:
        return None

    never_opened = Database(f"sqlite:///{tmp_path / 'never-opened.db'}")
    plugins = load_plugins(None, entries=[], entry_points=False,
                           extra={"sample": JobsPlugin([Job("sample.tidy", nothing)])})
    registry = UnitOfWork(never_opened, plugins=plugins).jobs
    assert {"sample.tidy", "core.email_notification", "core.rescue_jobs"} <= set(registry)

    wrongly_named = load_plugins(None, entries=[], entry_points=False,
                                 extra={"sample": JobsPlugin([Job("other.tidy", nothing)])})
    with pytest.raises(ConfigurationError, match="plugin 'sample': job 'other.tidy' must be "
                                                 "named 'sample.<job>'"):
        _ = UnitOfWork(never_opened, plugins=wrongly_named).jobs

    with pytest.raises(ConfigurationError, match="give 'every' or 'cron', not both"):
        Job("sample.both", nothing, every=dt.timedelta(hours=1), cron="0 * * * *")


async def test_a_job_is_enqueued_with_its_change_or_not_at_all(
        make_uow: Callable[..., UnitOfWork], jobs_db: Database) -> None:
    calls = Calls()
    uow = make_uow(Job("sample.greet", calls.handler))
    with pytest.raises(RuntimeError):
        async with uow.begin() as tx:
            await enqueue(tx, "sample.greet", {"to": "rolled back"})
            raise RuntimeError("the change failed")
    assert await _rows(jobs_db) == []

    async with JobRunner(uow):
        async with uow.begin() as tx:
            await enqueue(tx, "sample.greet", {"to": "Ngozi"})
        await calls.wait(1)
    assert calls.payloads == [{"to": "Ngozi"}]
    [row] = await _rows(jobs_db)
    assert (row.status, row.attempts, row.finished_at is not None) == (JobStatus.DONE, 1, True)


async def test_a_key_is_used_once(make_uow: Callable[..., UnitOfWork],
                                  jobs_db: Database) -> None:
    calls = Calls()
    uow = make_uow(Job("sample.greet", calls.handler))
    async with uow.begin() as tx:
        first = await enqueue(tx, "sample.greet", {"n": 1}, key="greet:ngozi")
        again = await enqueue(tx, "sample.greet", {"n": 2}, key="greet:ngozi")
    async with uow.begin() as tx:
        later = await enqueue(tx, "sample.greet", {"n": 3}, key="greet:ngozi")
    assert first is not None and (again, later) == (None, None)
    assert [row.payload for row in await _rows(jobs_db)] == [{"n": 1}]


async def test_an_unknown_job_or_a_payload_that_is_not_json_is_refused_at_once(
        make_uow: Callable[..., UnitOfWork], jobs_db: Database) -> None:
    uow = make_uow(Job("sample.greet", Calls().handler))
    with pytest.raises(ConfigurationError, match="no background job 'sample.gret'"):
        async with uow.begin() as tx:
            await enqueue(tx, "sample.gret", {})
    with pytest.raises(TypeError):
        async with uow.begin() as tx:
            await enqueue(tx, "sample.greet", {"when": utcnow()})
    assert await _rows(jobs_db) == []


async def test_two_workers_racing_for_the_same_jobs_run_each_once(
        make_uow: Callable[..., UnitOfWork], jobs_db: Database) -> None:
    """Two worker processes (two engines, two schedulers) share one queue; every job is
    delivered to both of them, and still runs once."""
    calls = Calls()
    job = Job("sample.count", calls.handler)
    other_db = Database(jobs_db.url)
    try:
        first, second = make_uow(job), make_uow(job, database=other_db)
        async with JobRunner(first, identity="worker-1") as one, \
                JobRunner(second, identity="worker-2") as two:
            async with first.begin() as tx:
                ids = [await enqueue(tx, "sample.count", {"n": n}) for n in range(20)]
            # The first worker was handed them on commit; now the second is too.
            await two.deliver([job_id for job_id in ids if job_id is not None])
            results = []
            for job_id in ids:  # both race for each job (two at a time: PostgreSQL's
                assert job_id is not None  # connections are shared with other test runs)
                results += await asyncio.gather(one.run_one(job_id), two.run_one(job_id))
            await calls.wait(20)
    finally:
        await other_db.dispose()
    assert Counter(payload["n"] for payload in calls.payloads) == {n: 1 for n in range(20)}
    rows = await _rows(jobs_db)
    assert {(row.status, row.attempts) for row in rows} == {(JobStatus.DONE, 1)}
    assert {row.claimed_by for row in rows} == {None}
    assert sum(result.ran for result in results) <= 20


async def test_a_failed_job_is_retried_after_a_doubling_wait_then_given_up(
        make_uow: Callable[..., UnitOfWork], jobs_db: Database) -> None:
    attempts: list[dt.datetime] = []

    async def flaky(_uow: UnitOfWork, _payload: dict[str, Any]) -> None:
        attempts.append(utcnow())
        raise ConnectionError("the SMTP server did not answer")

    uow = make_uow(Job("sample.flaky", flaky, max_attempts=3,
                       retry_after=dt.timedelta(seconds=30)))
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        runner = JobRunner(uow, work=False)
        async with runner:
            async with uow.begin() as tx:
                job_id = await enqueue(tx, "sample.flaky", {})
            assert job_id is not None
            first = await runner.run_one(job_id)
            [row] = await _rows(jobs_db)
            assert (first.ran, row.status, row.attempts) == (True, JobStatus.QUEUED, 1)
            assert row.run_after == start + dt.timedelta(seconds=30)
            assert row.last_error == "ConnectionError: the SMTP server did not answer"
            # The library holds the retry for its time.
            retry = await runner._scheduler.get_schedule(f"{SCHEDULE_PREFIX}retry:{job_id}:1")
            assert retry.next_fire_time == start + dt.timedelta(seconds=30)

            assert not (await runner.run_one(job_id)).ran  # its time has not come
            clock.shift(dt.timedelta(seconds=30))
            assert (await runner.run_one(job_id)).status is JobStatus.QUEUED
            [row] = await _rows(jobs_db)
            assert row.run_after == start + dt.timedelta(seconds=30 + 60)  # doubled
            clock.shift(dt.timedelta(seconds=60))
            last = await runner.run_one(job_id)
    assert (last.ran, last.status) == (True, JobStatus.FAILED)
    [row] = await _rows(jobs_db)
    assert (row.status, row.attempts) == (JobStatus.FAILED, 3)
    assert len(attempts) == 3


async def test_a_job_killed_with_its_worker_is_taken_back_when_its_claim_runs_out(
        make_uow: Callable[..., UnitOfWork], jobs_db: Database) -> None:
    calls = Calls()
    uow = make_uow(Job("sample.count", calls.handler, timeout=dt.timedelta(minutes=1)))
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        async with JobRunner(uow, work=False, identity="survivor") as runner:
            async with uow.begin() as tx:
                job_id = await enqueue(tx, "sample.count", {"n": 1})
            assert job_id is not None
            # A worker claimed it and died: its claim stands until the timeout and a margin.
            dead = JobRunner(uow, identity="killed")
            assert await dead._claim(job_id, start) is not None
            assert not (await runner.run_one(job_id)).ran
            clock.shift(dt.timedelta(minutes=2, seconds=1))
            from core.jobs.rescue import stranded_jobs

            assert await stranded_jobs(uow, utcnow()) == [job_id]
            assert (await runner.run_one(job_id)).status is JobStatus.DONE
    [row] = await _rows(jobs_db)
    assert (row.status, row.attempts, calls.payloads) == (JobStatus.DONE, 2, [{"n": 1}])


async def test_a_scheduled_job_runs_once_per_fire_time_with_two_workers(
        make_uow: Callable[..., UnitOfWork], jobs_db: Database) -> None:
    calls = Calls()
    job = Job("sample.daily", calls.handler, every=dt.timedelta(days=1))
    other_db = Database(jobs_db.url)
    try:
        first, second = make_uow(job), make_uow(job, database=other_db)
        # Both start together; today's fire time (midnight UTC) is due at once.
        async with JobRunner(first, identity="worker-1"), \
                JobRunner(second, identity="worker-2"):
            await calls.wait(1)
    finally:
        await other_db.dispose()
    # Both stopped, every job they took finished: still one run.
    assert len(calls.payloads) == 1
    [row] = await _rows(jobs_db)
    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    assert row.key == f"sample.daily@{midnight:%Y-%m-%dT%H:%M:%SZ}"
    assert (row.status, row.attempts) == (JobStatus.DONE, 1)
