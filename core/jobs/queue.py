"""Enqueueing a job in the transaction of the change that causes it (a transactional outbox).

The job's row commits with the change or not at all, so a job is never lost (the change was
saved but the job not) nor run for a change that was rolled back. After the commit the unit of
work hands the new jobs to the runner of this process, if it has one; otherwise (or if this
process dies first) a worker's rescue pass delivers them within a minute.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.models.base import utcnow

from .models import BackgroundJob, JobStatus

if TYPE_CHECKING:
    from core.unit_of_work import Transaction

__all__ = ["enqueue", "insert_job"]


async def insert_job(
    session: AsyncSession, name: str, payload: Mapping[str, Any], *, key: str | None,
    max_attempts: int, run_after: dt.datetime | None = None,
) -> int | None:
    """Add a queued row; ``None`` if ``key`` was used before (nothing added)."""
    values = {
        "name": name, "payload": dict(payload), "key": key, "status": JobStatus.QUEUED.value,
        "attempts": 0, "max_attempts": max_attempts, "run_after": run_after or utcnow(),
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    table: Any = BackgroundJob.__table__
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    # Two transactions adding the same key: the second waits for the first, then adds nothing.
    statement = insert.values(values).on_conflict_do_nothing(index_elements=["key"])
    added = await session.scalar(statement.returning(table.c.id))
    if added is None and key is not None:
        return None
    return int(added) if added is not None else await session.scalar(
        select(BackgroundJob.id).where(BackgroundJob.key == key))


async def enqueue(
    tx: Transaction, name: str, payload: Mapping[str, Any] | None = None, *,
    key: str | None = None, run_after: dt.datetime | None = None,
) -> int | None:
    """Run job ``name`` with ``payload`` once ``tx`` commits (not before ``run_after``).

    ``key`` makes it idempotent: a job enqueued again with a key already used (whatever that
    job's state) is not added, and ``None`` is returned. The payload must be JSON (ids and
    words, never a person's health data: it sits in the job table). An unknown job name is a
    programming error (``ConfigurationError``).
    """
    definition = tx.uow.jobs.require(name)
    payload = dict(payload or {})
    json.dumps(payload)  # TypeError now, in the caller, rather than in a worker
    job_id = await insert_job(tx.session, name, payload, key=key, run_after=run_after,
                              max_attempts=definition.max_attempts)
    if job_id is not None:
        tx.enqueued.append(job_id)
    return job_id
