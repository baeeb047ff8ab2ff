"""OAuth 2 clients, and what the authorization server (auth/) issued to them.

    OAuthClient ──< OAuthGrant ──< AuthorizationCode
                        │     └──< OAuthToken        (client credentials: no grant)
                        └── Consent                   (the person's side of the same decision)

A grant is one "Allow" on the consent screen. Everything secret is stored as its SHA-256
digest: the client secret, the code, the access and refresh tokens. They are long random
strings made here, so a fast hash is enough (argon2 is for what people choose: passwords).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, IdPK, Timestamped, UTCDateTime, id_type

__all__ = ["AuthorizationCode", "OAuthClient", "OAuthGrant", "OAuthToken"]

_DIGEST = String(64)  # hex SHA-256


class OAuthClient(IdPK, Timestamped, Base):
    """A partner frontend, a person's app, or a system integration (``recovery-hub clients``)."""

    __tablename__ = "oauth_client"

    client_id: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Why it asks, in its own words: shown to the person on the consent screen.
    purpose: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    # None for a public client (a browser or phone app: it keeps no secret, PKCE protects it).
    secret_digest: Mapped[str | None] = mapped_column(_DIGEST)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    # Everything it may ever ask for; a request for more is refused.
    scopes: Mapped[list[str]] = mapped_column(JSON)
    # A system integration: client credentials only, no person signs in.
    system: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OAuthGrant(IdPK, Timestamped, Base):
    """What one person (or staff member) allowed one client, on the consent screen."""

    __tablename__ = "oauth_grant"

    client_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("oauth_client.client_id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # The person's side of it; None when a staff member approved an app acting as them.
    consent_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("consent.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # e.g. "revoked_by_client", "code_reused", "refresh_token_reused", "client_removed"
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class AuthorizationCode(IdPK, Timestamped, Base):
    __tablename__ = "oauth_authorization_code"

    code_digest: Mapped[str] = mapped_column(_DIGEST, unique=True)
    grant_id: Mapped[int] = mapped_column(
        id_type, ForeignKey("oauth_grant.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Kept after use, so that a second redemption is recognised and revokes the grant.
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OAuthToken(IdPK, Timestamped, Base):
    """An access token, and the refresh token issued with it (if any)."""

    __tablename__ = "oauth_token"

    access_token_digest: Mapped[str] = mapped_column(_DIGEST, unique=True)
    refresh_token_digest: Mapped[str | None] = mapped_column(_DIGEST, unique=True)
    client_id: Mapped[str] = mapped_column(
        String(100), ForeignKey("oauth_client.client_id", ondelete="CASCADE"), index=True
    )
    grant_id: Mapped[int | None] = mapped_column(
        id_type, ForeignKey("oauth_grant.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(Text)
    # The API the token is for (RFC 8707 / RFC 9068 "aud"): refused anywhere else.
    audience: Mapped[str] = mapped_column(String(500))
    access_expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Refresh tokens rotate: once spent, presenting it again is reuse and ends the grant.
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
