"""Who did something: the person themselves or a staff member (never both)."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from .base import id_type

__all__ = ["RecordedBy"]


class RecordedBy:
    by_person_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="SET NULL")
    )
    by_staff_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="SET NULL")
    )
