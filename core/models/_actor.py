"""Who did something: the person themselves or a staff member (never both); and, for a
person's record (observations, medication), through what it came: the person, someone acting
for them, staff of a team, a device, or an import."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ._columns import enum_column_type
from .base import UTCDateTime, id_type, utcnow

__all__ = ["RecordSource", "RecordedBy", "RecordedThrough"]


class RecordedBy:
    by_person_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="SET NULL")
    )
    by_staff_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="SET NULL")
    )


class RecordSource(enum.StrEnum):
    PERSON = "person"  # the person, on their own record (perhaps through an app)
    REPRESENTATIVE = "representative"  # a carer or attorney acting for them
    STAFF = "staff"  # staff of a team
    DEVICE = "device"  # a device the person connected (a Fitbit), importing by itself
    IMPORT = "import"  # a system integration or the operator's import


class RecordedThrough(RecordedBy):
    """``RecordedBy``, and the source: the team of staff, the account of a representative, the
    OAuth client used, and when it was recorded."""

    source: Mapped[RecordSource] = mapped_column(enum_column_type(RecordSource))
    by_team_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("team.id", ondelete="SET NULL")
    )
    by_account_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    client_id: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
