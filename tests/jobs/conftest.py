"""Job tests: a unit of work whose plugins define the test's jobs, and clean APScheduler
tables (they are not the application's, so the ``db`` fixture leaves them)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import text

from core.db import Database
from core.hookspecs import hookimpl
from core.jobs import Job
from core.jobs.runner import apscheduler_schema
from core.plugins import load_plugins
from core.unit_of_work import UnitOfWork

APSCHEDULER_TABLES = ("job_results", "jobs", "schedules", "tasks")


async def clear_apscheduler(db: Database) -> None:
    schema = apscheduler_schema(db.engine.dialect.name)
    prefix = f"{schema}." if schema else ""
    async with db.engine.begin() as connection:
        for table in APSCHEDULER_TABLES:
            await connection.execute(text(f"DELETE FROM {prefix}{table}"))


@pytest.fixture
async def jobs_db(db: Database) -> AsyncIterator[Database]:
    await clear_apscheduler(db)
    yield db
    await clear_apscheduler(db)


class JobsPlugin:
    """A plugin that defines the given jobs (hook register_jobs)."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs

    @hookimpl
    def register_jobs(self) -> list[Job]:
        return self.jobs


def uow_with_jobs(db: Database, *jobs: Job) -> UnitOfWork:
    plugins = load_plugins(None, entries=[], entry_points=False,
                           extra={"sample": JobsPlugin(list(jobs))})
    return UnitOfWork(db, plugins=plugins)


@pytest.fixture
def make_uow(jobs_db: Database) -> Callable[..., UnitOfWork]:
    def make(*jobs: Job, database: Database | None = None) -> UnitOfWork:
        return uow_with_jobs(database or jobs_db, *jobs)

    return make


Handler = Callable[[UnitOfWork, dict[str, Any]], Any]
