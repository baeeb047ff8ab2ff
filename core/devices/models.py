"""Devices a person connected (a Fitbit account) or was lent (a blood-pressure monitor), the
tokens that let Recovery Hub import from them, and connections still being made.

    Device ──1 DeviceToken          (kept apart: a read of the device never loads a secret)
    DeviceAuthorization             (an OAuth connection under way: state, PKCE verifier)

Tokens and the PKCE verifier are stored encrypted (core/devices/vault.py); the OAuth state is
stored as its SHA-256 digest.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models._actor import RecordedBy
from ..models._columns import enum_column_type
from ..models.base import Base, IdPK, Timestamped, UTCDateTime, id_type

__all__ = ["Device", "DeviceAuthorization", "DeviceStatus", "DeviceToken"]


class DeviceStatus(enum.StrEnum):
    CONNECTED = "connected"
    # The person disconnected it here: tokens revoked and deleted, imports stopped.
    DISCONNECTED = "disconnected"
    # The person withdrew access at the provider (or the provider refused our tokens).
    REVOKED = "revoked"
    # A lent device that was given back.
    RETURNED = "returned"


class Device(IdPK, Timestamped, RecordedBy, Base):
    __tablename__ = "device"
    __table_args__ = (
        # A provider's notification names its user: which device is that?
        Index("ix_device_provider_user", "provider", "external_user_id"),
    )

    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # "fitbit", or a plugin's provider; None for a device readings are typed from.
    provider: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))  # "wearable", "blood_pressure_monitor", ...
    label: Mapped[str] = mapped_column(String(200))
    status: Mapped[DeviceStatus] = mapped_column(enum_column_type(DeviceStatus))
    external_user_id: Mapped[str | None] = mapped_column(String(100))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    lent_by_organisation_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("organisation.id", ondelete="SET NULL")
    )
    connected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Imports: the last one, the last day it covered, and what waits.
    last_synced_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    synced_through: Mapped[dt.date | None] = mapped_column(Date)
    # A provider said there is new data from this day: a sync is due (kept in the database,
    # so that any worker, or the next run of `recovery-hub devices sync`, does it).
    sync_requested_from: Mapped[dt.date | None] = mapped_column(Date)
    # The provider's rate limit for this person ran out: no requests before then.
    rate_limited_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_sync_error: Mapped[str | None] = mapped_column(String(300))


class DeviceToken(Base):
    """The provider's OAuth tokens for one device, encrypted. ``version`` grows with every
    refresh, so that two workers refreshing at once cannot both win."""

    __tablename__ = "device_token"

    device_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("device.id", ondelete="CASCADE"), primary_key=True
    )
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class DeviceAuthorization(IdPK, Timestamped, Base):
    """A connection under way: the person was sent to the provider and has not come back."""

    __tablename__ = "device_authorization"

    state_digest: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(40))
    # Who started it: only they may finish it (no one can link their account to another's).
    started_by_account_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("user_account.id", ondelete="CASCADE")
    )
    code_verifier: Mapped[str] = mapped_column(Text)  # encrypted
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
