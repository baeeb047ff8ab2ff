"""A notification: what the platform tells one person or one staff member."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, IdPK, UTCDateTime, id_type, utcnow

__all__ = ["Notification"]

TITLE_LENGTH = 120
BODY_LENGTH = 500


class Notification(IdPK, Base):
    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (staff_member_id IS NULL)", name="one_recipient"),
        # One's own, newest first, and the unread count.
        Index("ix_notification_person_id_id", "person_id", "id"),
        Index("ix_notification_staff_member_id_id", "staff_member_id", "id"),
    )

    person_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"))
    staff_member_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="CASCADE"))
    # What happened, for apps to choose an icon or a screen: "elft.review_due", ...
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    body: Mapped[str] = mapped_column(String(BODY_LENGTH))
    # The node it is about (a GraphQL type name and row id), if any.
    about_type: Mapped[str | None] = mapped_column(String(60))
    about_id: Mapped[int | None] = mapped_column(BigInteger)
    # Used once: "elft.review_due:12" is notified once, however often a job looks.
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
