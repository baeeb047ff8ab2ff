"""A team's link to a person: no active care relationship, no access."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ._columns import enum_column_type
from .base import Base, IdPK, Timestamped, UTCDateTime, id_type

__all__ = ["CareBasis", "CareRelationship"]


class CareBasis(enum.StrEnum):
    REGISTERED_PRACTICE = "registered_practice"
    CARE_COORDINATION = "care_coordination"
    COMMUNITY_MEMBERSHIP = "community_membership"
    DIRECT_PAYMENT_CASE = "direct_payment_case"
    COMMISSIONING = "commissioning"


class CareRelationship(IdPK, Timestamped, Base):
    __tablename__ = "care_relationship"
    __table_args__ = (
        # The caseload query: "people my teams care for now".
        Index("ix_care_relationship_team_person", "team_id", "person_id"),
    )

    team_id: Mapped[int] = mapped_column(id_type, ForeignKey("team.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    basis: Mapped[CareBasis] = mapped_column(enum_column_type(CareBasis))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    def is_active(self, at: dt.datetime) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)
