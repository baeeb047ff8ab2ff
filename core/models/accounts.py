"""Sign-in identities: each account is a person or a staff member."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, Timestamped, id_type

__all__ = ["UserAccount"]


class UserAccount(IdPK, Timestamped, Base):
    __tablename__ = "user_account"
    __table_args__ = (
        # A carer's or representative's account belongs to neither a person nor a staff
        # member: it acts through Representative links.
        CheckConstraint(
            "person_id IS NULL OR staff_member_id IS NULL", name="person_or_staff"
        ),
    )

    username: Mapped[str] = mapped_column(String(100), unique=True)
    person_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), unique=True
    )
    staff_member_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="CASCADE"), unique=True
    )
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
