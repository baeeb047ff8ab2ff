"""What shapes access beyond care relationships and consents: a person's restrictions on
direct-care teams, break-glass openings, and the representatives who act for a person."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._actor import RecordedBy
from ._columns import enum_column_type
from .base import Base, IdPK, Timestamped, UTCDateTime, id_type

__all__ = [
    "BreakGlassAccess",
    "Representative",
    "RepresentativeAccess",
    "RepresentativeBasis",
    "Restriction",
]


class Restriction(IdPK, Timestamped, RecordedBy, Base):
    """The person withholds categories from a direct-care team or organisation."""

    __tablename__ = "restriction"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN team_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )

    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(id_type, ForeignKey("team.id",
                                                                   ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("organisation.id", ondelete="CASCADE")
    )
    categories: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class BreakGlassAccess(IdPK, Timestamped, Base):
    """A direct-care professional opened a record they have no relationship with."""

    __tablename__ = "break_glass_access"

    staff_member_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(id_type, ForeignKey("team.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RepresentativeBasis(enum.StrEnum):
    CARER = "carer"  # invited by the person
    LASTING_POWER_OF_ATTORNEY = "lasting_power_of_attorney"
    NOMINEE = "nominee"  # receives direct payments on the person's behalf
    DEPUTY = "deputy"  # appointed by the Court of Protection


class RepresentativeAccess(enum.StrEnum):
    VIEW = "view"  # read the chosen categories
    MANAGE = "manage"  # also create and change, and manage consents, for the person


class Representative(IdPK, Timestamped, RecordedBy, Base):
    """Someone acting for a person at a chosen level, from invitation to revocation."""

    __tablename__ = "representative"

    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # Set when the invitation is accepted by a signed-in account.
    account_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[RepresentativeBasis] = mapped_column(enum_column_type(RepresentativeBasis))
    access: Mapped[RepresentativeAccess] = mapped_column(enum_column_type(RepresentativeAccess))
    categories: Mapped[list[str]] = mapped_column(JSON)
    # SHA-256 of the one-time invitation code; the code itself is shown once and never stored.
    invitation_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
