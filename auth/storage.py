"""What the authorization server reads and writes, for one request.

authlib is synchronous; our database is async. The adapter (auth/adapter.py) runs authlib
inside ``AsyncSession.run_sync``, which hands this module a synchronous ``Session`` on the same
connection and transaction: authlib's callbacks query it directly, with no thread and no
second connection. ``current()`` is that request's store.

Two things must outlive a failed request: a code or refresh token presented twice ends its
grant, even though the request itself is refused and rolled back. Those go in ``later`` and
the adapter runs them in a transaction of their own afterwards.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import (
    AuthorizationCode,
    Consent,
    ConsentStatus,
    OAuthClient,
    OAuthGrant,
    OAuthToken,
)
from core.opaque_tokens import digest
from core.services.oauth import revoke_grant
from core.unit_of_work import UnitOfWork

__all__ = ["Store", "TokenRecord", "current", "using"]

AfterAction = Callable[[UnitOfWork], Awaitable[None]]


@dataclass
class TokenRecord:
    """A token row with what decides whether it still works."""

    token: OAuthToken
    grant: OAuthGrant | None
    consent: Consent | None
    client: OAuthClient


@dataclass
class Store:
    session: Session
    now: dt.datetime
    issuer: str
    audience: str
    later: list[AfterAction] = field(default_factory=list)
    # Set when authlib answered with an error: the adapter rolls back.
    failed: bool = False

    # --- clients ------------------------------------------------------------------------

    def client(self, client_id: str) -> OAuthClient | None:
        return self.session.scalar(select(OAuthClient).where(
            OAuthClient.client_id == client_id, OAuthClient.removed_at.is_(None)))

    # --- grants and codes ---------------------------------------------------------------

    def add_grant_with_code(
        self, *, client_id: str, account_id: int, consent_id: int | None, scope: str,
        code: str, redirect_uri: str, code_challenge: str, code_challenge_method: str,
        lifetime: dt.timedelta,
    ) -> None:
        grant = OAuthGrant(client_id=client_id, account_id=account_id, consent_id=consent_id,
                           scope=scope, created_at=self.now)
        self.session.add(grant)
        self.session.flush()
        self.session.add(AuthorizationCode(
            code_digest=digest(code), grant_id=grant.id, redirect_uri=redirect_uri, scope=scope,
            code_challenge=code_challenge, code_challenge_method=code_challenge_method,
            expires_at=self.now + lifetime, created_at=self.now))

    def code(self, code: str, client_id: str) -> tuple[AuthorizationCode, OAuthGrant] | None:
        found = self.session.execute(
            select(AuthorizationCode, OAuthGrant)
            .join(OAuthGrant, OAuthGrant.id == AuthorizationCode.grant_id)
            .where(AuthorizationCode.code_digest == digest(code),
                   OAuthGrant.client_id == client_id)).first()
        return (found[0], found[1]) if found else None

    def claim_code(self, code: AuthorizationCode) -> bool:
        """Mark the code used, unless another request already did: exactly one wins, on
        PostgreSQL because the second UPDATE waits for the first to commit and then matches
        nothing, on SQLite because write transactions run one at a time."""
        claimed = self.session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.id == code.id, AuthorizationCode.used_at.is_(None))
            .values(used_at=self.now))
        return bool(getattr(claimed, "rowcount", 0))

    def grant_is_live(self, grant: OAuthGrant) -> bool:
        if grant.revoked_at is not None:
            return False
        if grant.consent_id is None:
            return True
        consent = self.session.get(Consent, grant.consent_id)
        return consent is not None and consent.status_at(self.now) is ConsentStatus.ACTIVE

    def end_grant_later(self, grant_id: int, reason: str) -> None:
        async def end(uow: UnitOfWork) -> None:
            await revoke_grant(uow, grant_id, reason=reason, now=self.now)

        self.later.append(end)

    # --- tokens -------------------------------------------------------------------------

    def add_token(
        self, *, access_token: str, refresh_token: str | None, client_id: str,
        grant_id: int | None, scope: str, access_lifetime: dt.timedelta,
        refresh_lifetime: dt.timedelta,
    ) -> None:
        self.session.add(OAuthToken(
            access_token_digest=digest(access_token),
            refresh_token_digest=digest(refresh_token) if refresh_token else None,
            client_id=client_id, grant_id=grant_id, scope=scope, audience=self.audience,
            access_expires_at=self.now + access_lifetime,
            refresh_expires_at=self.now + refresh_lifetime if refresh_token else None,
            created_at=self.now))
        self.session.flush()

    def token(self, secret: str, *, refresh: bool) -> TokenRecord | None:
        column = OAuthToken.refresh_token_digest if refresh else OAuthToken.access_token_digest
        found = self.session.execute(
            select(OAuthToken, OAuthGrant, Consent, OAuthClient)
            .join(OAuthClient, OAuthClient.client_id == OAuthToken.client_id)
            .outerjoin(OAuthGrant, OAuthGrant.id == OAuthToken.grant_id)
            .outerjoin(Consent, Consent.id == OAuthGrant.consent_id)
            .where(column == digest(secret))).first()
        return TokenRecord(*found) if found else None

    def claim_refresh_token(self, token: OAuthToken) -> bool:
        """Spend a refresh token (rotation): exactly one request can, as with codes."""
        claimed = self.session.execute(
            update(OAuthToken)
            .where(OAuthToken.id == token.id, OAuthToken.refreshed_at.is_(None))
            .values(refreshed_at=self.now))
        return bool(getattr(claimed, "rowcount", 0))

    def revoke_token(self, token: OAuthToken) -> None:
        self.session.execute(update(OAuthToken).where(
            OAuthToken.id == token.id, OAuthToken.revoked_at.is_(None))
            .values(revoked_at=self.now))


_current: contextvars.ContextVar[Store] = contextvars.ContextVar("recovery_hub_oauth_store")


def current() -> Store:
    return _current.get()


@contextmanager
def using(store: Store) -> Iterator[Store]:
    reset = _current.set(store)
    try:
        yield store
    finally:
        _current.reset(reset)
