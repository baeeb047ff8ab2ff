"""Who touched a person's record, in which role, for what, and with what outcome."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, UTCDateTime, id_type, utcnow

__all__ = ["AuditEvent"]


class AuditEvent(IdPK, Base):
    """Append-only. No foreign keys to people or staff: the trail outlives what it records."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_person_id_id", "person_id", "id"),)

    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20))  # person | staff | client | system
    actor_person_id: Mapped[int | None] = mapped_column(id_type)
    actor_staff_id: Mapped[int | None] = mapped_column(id_type)
    actor_team_id: Mapped[int | None] = mapped_column(id_type)
    actor_organisation_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("organisation.id", ondelete="SET NULL")
    )
    client_id: Mapped[str | None] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(id_type)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    operation: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))  # allowed | denied
    purpose: Mapped[str | None] = mapped_column(Text)
