"""Sign-in identities (each account is a person or a staff member), the attempts to sign in,
and the browser sessions a sign-in starts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, Timestamped, UTCDateTime, id_type

__all__ = ["LoginAttempt", "SignInSession", "UserAccount"]


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


class LoginAttempt(IdPK, Base):
    """One try at a password, kept a day: what throttling and lockout count."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_attempted_at", "username", "attempted_at"),
        Index("ix_login_attempt_remote_address_attempted_at", "remote_address",
              "attempted_at"),
    )

    # As typed (normalised), whether or not such an account exists.
    username: Mapped[str] = mapped_column(String(100))
    remote_address: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SignInSession(IdPK, Timestamped, Base):
    """A browser signed in to the authorization pages (the cookie holds the secret; we keep
    its SHA-256)."""

    __tablename__ = "sign_in_session"

    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # "password", or the name of the upstream identity provider (e.g. "nhs_login").
    method: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
