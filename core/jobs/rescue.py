"""The rescue pass: rows whose delivery was lost are delivered again.

A row can be left behind when the process that committed it died before handing it to a
worker, when no runner ran in that process (``recovery-hub demo load``, a script), or when
the worker running it was killed (its claim runs out). Delivering a row twice is harmless:
the claim lets one worker run it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select

from core.models.base import utcnow
from core.unit_of_work import UnitOfWork

from .definitions import Job
from .models import BackgroundJob, JobStatus

__all__ = ["RESCUE", "rescue_jobs", "stranded_jobs"]

# A row queued this long ago and not yet claimed has surely lost its delivery.
STRANDED_AFTER = dt.timedelta(seconds=30)
_BATCH = 500


async def stranded_jobs(uow: UnitOfWork, now: dt.datetime) -> list[int]:
    table = BackgroundJob.__table__
    async with uow.db.reading() as session:
        found = await session.scalars(
            select(table.c.id).where(or_(
                (table.c.status == JobStatus.QUEUED.value)
                & (table.c.run_after <= now - STRANDED_AFTER),
                (table.c.status == JobStatus.RUNNING.value) & (table.c.claimed_until < now),
            )).order_by(table.c.run_after).limit(_BATCH))
        return list(found)


async def rescue_jobs(uow: UnitOfWork, _payload: dict[str, Any]) -> None:
    stranded = await stranded_jobs(uow, utcnow())
    if stranded and uow.job_delivery is not None:
        await uow.job_delivery(stranded)


RESCUE = Job("core.rescue_jobs", rescue_jobs, every=dt.timedelta(minutes=1), max_attempts=1)
