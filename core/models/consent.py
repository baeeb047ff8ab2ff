"""A person's consent for an organisation, team or app to use categories of their data."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ._actor import RecordedBy
from ._columns import enum_column_type
from .base import Base, IdPK, Timestamped, UTCDateTime, id_type

__all__ = ["Consent", "ConsentRecordedHow", "ConsentStatus"]


class ConsentRecordedHow(enum.StrEnum):
    ONLINE = "online"  # by the person (or their representative) themselves
    PAPER = "paper"  # a signed, witnessed form, entered by staff
    PHONE = "phone"  # given by phone, recorded by staff on the person's behalf
    IN_PERSON = "in_person"  # given face to face, recorded by staff on the person's behalf


class ConsentStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    PENDING = "pending"  # granted for a period that has not started yet


class Consent(IdPK, Timestamped, RecordedBy, Base):
    __tablename__ = "consent"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN grantee_organisation_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN grantee_team_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN grantee_client_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_grantee",
        ),
    )

    # The person whose data this consent is about (the grantor, or the one represented).
    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    grantee_organisation_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    grantee_team_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("team.id", ondelete="CASCADE"), index=True
    )
    # An OAuth client's client_id (core/models/oauth.py): a consent given on the consent
    # screen, linked to its OAuthGrant.
    grantee_client_id: Mapped[str | None] = mapped_column(String(100), index=True)
    categories: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recorded_how: Mapped[ConsentRecordedHow] = mapped_column(enum_column_type(ConsentRecordedHow))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by_person_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="SET NULL")
    )
    revoked_by_staff_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("staff_member.id", ondelete="SET NULL")
    )

    def status_at(self, at: dt.datetime) -> ConsentStatus:
        if self.revoked_at is not None:
            return ConsentStatus.REVOKED
        if at < self.valid_from:
            return ConsentStatus.PENDING
        if self.valid_until is not None and at >= self.valid_until:
            return ConsentStatus.EXPIRED
        return ConsentStatus.ACTIVE
