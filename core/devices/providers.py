"""What a device provider (Fitbit; a plugin's Google Health API) does for Recovery Hub.

Core's device services (connections.py, sync.py, webhooks.py) hold everything that is the
same for every provider: the OAuth state and PKCE verifier, encrypted tokens, refreshing with
only one winner, rate limits remembered in the database, idempotent imports, revocation. A
provider only speaks its API: where to send the person, how to exchange and refresh tokens,
how to fetch readings for some days, how to check a notification. A plugin adds one with the
hook ``register_device_providers``; core is not touched.

    ProviderError                 the provider failed us; nothing is stored
    ├── RateLimited               429 or no requests left: not for ``retry_after``
    ├── AccessRevoked             the person withdrew access (or the tokens are dead)
    ├── BadResponse               malformed JSON, or not the documented shape
    └── ProviderUnavailable       unreachable, or a 5xx
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..observations.rules import Reading

__all__ = [
    "AccessRevoked",
    "BadResponse",
    "BadSignature",
    "DeviceProvider",
    "DeviceReading",
    "Fetched",
    "Notification",
    "ProviderError",
    "ProviderUnavailable",
    "RateLimited",
    "Tokens",
]


class ProviderError(Exception):
    code = "PROVIDER_ERROR"


class RateLimited(ProviderError):
    code = "RATE_LIMITED"

    def __init__(self, retry_after: dt.timedelta, message: str = "") -> None:
        super().__init__(message or f"rate limited for {retry_after}")
        self.retry_after = retry_after


class AccessRevoked(ProviderError):
    code = "ACCESS_REVOKED"


class BadResponse(ProviderError):
    code = "PROVIDER_BAD_RESPONSE"


class ProviderUnavailable(ProviderError):
    code = "PROVIDER_UNAVAILABLE"


class BadSignature(Exception):
    """A notification that does not prove it came from the provider."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: dt.datetime | None
    scopes: tuple[str, ...] = ()
    # The provider's id for the account (Fitbit's user id): notifications name it.
    user_id: str | None = None

    def expires_soon(self, now: dt.datetime, leeway: dt.timedelta = dt.timedelta(minutes=1)
                     ) -> bool:
        return self.expires_at is not None and self.expires_at <= now + leeway


@dataclass(frozen=True)
class DeviceReading:
    """One reading from a provider. ``external_id`` is the provider's own identity for it
    ("steps:2026-03-01", a sleep log's id): importing it again finds it."""

    external_id: str
    reading: Reading


@dataclass(frozen=True)
class Fetched:
    readings: Sequence[DeviceReading]
    # False: the provider's rate limit stopped the fetch before the last day; what was
    # fetched is stored and the rest waits ``resets_in``.
    complete: bool = True
    # Requests the provider says are left in this period, and how soon it renews (if it says).
    remaining: int | None = None
    resets_in: dt.timedelta | None = None


@dataclass(frozen=True)
class Notification:
    """The provider says an account has new data (from ``day``), or withdrew access."""

    user_id: str
    subscription_id: str | None
    day: dt.date | None
    revoked: bool = False


@runtime_checkable
class DeviceProvider(Protocol):
    """A service a person connects an account of, to import readings."""

    name: str  # "fitbit": lower-case, unique
    title: str  # "Fitbit": what a person reads
    device_kind: str  # "wearable"

    def authorization_url(self, *, state: str, code_verifier: str) -> str:
        """Where to send the person: the provider's consent page, with PKCE (S256)."""

    async def exchange_code(self, *, code: str, code_verifier: str, now: dt.datetime
                            ) -> Tokens:
        """The tokens for the code the provider sent the person back with (their expiry
        counted from ``now``)."""

    async def refresh(self, tokens: Tokens, *, now: dt.datetime) -> Tokens:
        """New tokens; ``AccessRevoked`` if the refresh token is no good any more."""

    async def revoke(self, tokens: Tokens) -> None:
        """Withdraw the tokens at the provider (the person disconnected)."""

    async def fetch(self, tokens: Tokens, since: dt.date, until: dt.date) -> Fetched:
        """Readings of the days ``since`` to ``until`` (both included) the tokens' scopes
        allow; ``RateLimited`` before a request that would go over the limit."""

    async def subscribe(self, tokens: Tokens, subscription_id: str) -> None:
        """Ask to be notified of this account's new data (a no-op if not supported)."""

    async def unsubscribe(self, tokens: Tokens, subscription_id: str) -> None:
        """Stop those notifications (a no-op if not supported)."""

    def verification(self, query: Mapping[str, str]) -> int | None:
        """For a GET to the notification endpoint: the status that answers the provider's
        verification handshake, or None if the request is not one."""

    def notifications(self, headers: Mapping[str, str], body: bytes) -> list[Notification]:
        """The notifications in a POST, after checking it came from the provider
        (``BadSignature``; ``BadResponse`` for a body that is not what it documents)."""
