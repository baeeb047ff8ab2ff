"""The job table: each job enqueued, written in the transaction of the change that caused it.

A row is the job's whole life: queued (waiting for ``run_after``), running (claimed by one
worker until ``claimed_until``), done, or failed after its last attempt. The job library
(APScheduler, core/jobs/runner.py) delivers rows to workers; the row decides who runs one.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models._columns import enum_column_type
from core.models.base import Base, IdPK, UTCDateTime, utcnow

__all__ = ["BackgroundJob", "JobStatus"]


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BackgroundJob(IdPK, Base):
    __tablename__ = "background_job"
    __table_args__ = (
        # What the rescue pass and the queue-depth metric look for.
        Index("ix_background_job_status_run_after", "status", "run_after"),
    )

    name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Used once: enqueueing again with a key already used adds nothing.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[JobStatus] = mapped_column(enum_column_type(JobStatus),
                                              default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
