"""Recovery goals: "what matters to me", the steps towards it, progress and status history."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._actor import RecordedBy
from ._columns import enum_column_type
from .base import Base, IdPK, Timestamped, UTCDateTime, id_type, utcnow

__all__ = ["GoalStatus", "GoalStatusChange", "GoalStep", "ProgressNote", "RecoveryGoal"]


class GoalStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class RecoveryGoal(IdPK, Timestamped, RecordedBy, Base):
    __tablename__ = "recovery_goal"

    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    what_matters_to_me: Mapped[str | None] = mapped_column(Text)
    status: Mapped[GoalStatus] = mapped_column(
        enum_column_type(GoalStatus), default=GoalStatus.ACTIVE
    )
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    # A measurement to reach ("weight 80 kg by June"): an observation kind and its value in
    # the kind's default unit; progress is read from the person's observations.
    target_kind: Mapped[str | None] = mapped_column(String(60))
    target_value: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class GoalStep(IdPK, Timestamped, RecordedBy, Base):
    __tablename__ = "goal_step"

    goal_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("recovery_goal.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ProgressNote(IdPK, Timestamped, RecordedBy, Base):
    __tablename__ = "progress_note"

    goal_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("recovery_goal.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    # How far along the person feels they are, 0-100; optional.
    progress_percent: Mapped[int | None] = mapped_column(Integer)


class GoalStatusChange(IdPK, RecordedBy, Base):
    __tablename__ = "goal_status_change"

    goal_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("recovery_goal.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[GoalStatus | None] = mapped_column(enum_column_type(GoalStatus))
    to_status: Mapped[GoalStatus] = mapped_column(enum_column_type(GoalStatus))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
