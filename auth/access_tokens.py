"""From an OAuth access token to the principal it acts as, on every API request.

A token works only while everything behind it still holds: not expired, not revoked, for this
API (its audience), its app still registered, its grant not revoked and the person's consent
to the app still active. Revoking the consent in GraphQL or the token at /oauth/revoke ends it
on the very next request. The principal carries the token's scopes and client, so the policy
engine narrows to policy ∩ scopes ∩ consent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Consent,
    ConsentStatus,
    OAuthClient,
    OAuthGrant,
    OAuthToken,
    UserAccount,
    utcnow,
)
from core.opaque_tokens import digest
from core.principal import Principal, PrincipalKind
from core.services.accounts import principal_for_account

__all__ = ["ACCESS_TOKEN_PREFIX", "TokenRefused", "principal_for_access_token"]

ACCESS_TOKEN_PREFIX = "rhat_"


class TokenRefused(Exception):
    """Why a token does not work (for the 401's ``error_description``)."""


async def principal_for_access_token(
    session: AsyncSession, token: str, *, audience: str, now: dt.datetime | None = None
) -> Principal:
    now = now or utcnow()
    found = (await session.execute(
        select(OAuthToken, OAuthClient, OAuthGrant, Consent)
        .join(OAuthClient, OAuthClient.client_id == OAuthToken.client_id)
        .outerjoin(OAuthGrant, OAuthGrant.id == OAuthToken.grant_id)
        .outerjoin(Consent, Consent.id == OAuthGrant.consent_id)
        .where(OAuthToken.access_token_digest == digest(token)))).first()
    if found is None:
        raise TokenRefused("the token is not valid here")
    row, client, grant, consent = found
    if row.access_expires_at <= now:
        raise TokenRefused("the token has expired")
    if (row.revoked_at is not None or client.removed_at is not None
            or (grant is not None and grant.revoked_at is not None)):
        raise TokenRefused("the token has been revoked")
    if consent is not None and consent.status_at(now) is not ConsentStatus.ACTIVE:
        raise TokenRefused("the person's consent to this app has ended")
    if row.audience != audience:
        raise TokenRefused("the token is for another API")
    scopes = frozenset(row.scope.split())
    if grant is None:
        return Principal(PrincipalKind.INTEGRATION, client_id=client.client_id, scopes=scopes,
                         client_organisation_id=client.organisation_id)
    account = await session.get(UserAccount, grant.account_id)
    if account is None:
        raise TokenRefused("the token's account no longer exists")
    principal = await principal_for_account(session, account)
    return replace(principal, client_id=client.client_id, scopes=scopes,
                   client_organisation_id=client.organisation_id)
