"""Organisations, their teams, staff, and the roles staff hold in a team."""

from __future__ import annotations

import enum

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ._columns import enum_column_type
from .base import Base, IdPK, Timestamped, id_type

__all__ = [
    "LegalBasis",
    "Membership",
    "Organisation",
    "OrganisationKind",
    "StaffMember",
    "Team",
]


class OrganisationKind(enum.StrEnum):
    GP_PRACTICE = "gp_practice"
    MENTAL_HEALTH_TRUST = "mental_health_trust"
    VOLUNTARY_ORGANISATION = "voluntary_organisation"
    COMMISSIONER = "commissioner"


class LegalBasis(enum.StrEnum):
    """Why an organisation may read a person's data at all.

    Direct-care organisations (GP practices, the trust) read under implied consent for direct
    care, which the person may restrict; everyone else reads only what the person granted.
    """

    DIRECT_CARE = "direct_care"
    CONSENT = "consent"


DEFAULT_LEGAL_BASIS = {
    OrganisationKind.GP_PRACTICE: LegalBasis.DIRECT_CARE,
    OrganisationKind.MENTAL_HEALTH_TRUST: LegalBasis.DIRECT_CARE,
    OrganisationKind.VOLUNTARY_ORGANISATION: LegalBasis.CONSENT,
    OrganisationKind.COMMISSIONER: LegalBasis.CONSENT,
}


class Organisation(IdPK, Timestamped, Base):
    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(enum_column_type(OrganisationKind))
    legal_basis: Mapped[LegalBasis] = mapped_column(enum_column_type(LegalBasis))
    ods_code: Mapped[str | None] = mapped_column(String(10), unique=True)

    teams: Mapped[list[Team]] = relationship(back_populates="organisation", lazy="raise")


class Team(IdPK, Timestamped, Base):
    __tablename__ = "team"

    organisation_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="teams", lazy="raise")


class StaffMember(IdPK, Timestamped, Base):
    __tablename__ = "staff_member"

    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    job_title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="staff_member", lazy="raise"
    )

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Membership(IdPK, Timestamped, Base):
    """A staff member's place in a team, with the roles (declared by plugins) they hold there."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("staff_member_id", "team_id"),)

    staff_member_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("team.id", ondelete="CASCADE"), index=True
    )
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)

    staff_member: Mapped[StaffMember] = relationship(back_populates="memberships", lazy="raise")
    team: Mapped[Team] = relationship(lazy="raise")
