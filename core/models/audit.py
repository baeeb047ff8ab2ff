"""Who touched a person's record, in which role, for what, and with what outcome."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, UTCDateTime, id_type, utcnow

__all__ = ["AuditChainHead", "AuditEvent"]


class AuditEvent(IdPK, Base):
    """Append-only. No foreign keys to people or staff: the trail outlives what it records."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_person_id_id", "person_id", "id"),)

    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20))  # person | staff | client | system
    actor_person_id: Mapped[int | None] = mapped_column(id_type)
    actor_staff_id: Mapped[int | None] = mapped_column(id_type)
    actor_team_id: Mapped[int | None] = mapped_column(id_type)
    # The sign-in account: for a representative, the only way to say who they are.
    actor_account_id: Mapped[int | None] = mapped_column(id_type)
    actor_organisation_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("organisation.id", ondelete="SET NULL")
    )
    client_id: Mapped[str | None] = mapped_column(String(100))
    person_id: Mapped[int | None] = mapped_column(id_type)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    operation: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))  # allowed | partly_refused | refused
    purpose: Mapped[str | None] = mapped_column(Text)
    actor_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Categories asked for and refused (``categories`` holds those read or written).
    refused_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    break_glass: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which rule allowed or refused, for the information governance lead.
    rule: Mapped[str | None] = mapped_column(String(100))
    # SHA-256 chain: each event's hash covers its content and the previous event's hash.
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class AuditChainHead(Base):
    """The end of the chain. Appends lock this one row, so the chain can never fork; it also
    lets verification notice events deleted from the end."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int | None] = mapped_column(id_type)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    event_count: Mapped[int] = mapped_column(Integer, default=0)
