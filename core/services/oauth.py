"""OAuth clients and grants: registering a partner's app, removing it, and ending a grant.

The authorization server itself (auth/) issues codes and tokens; this module holds what an
operator does (``recovery-hub clients``) and what ends access: a grant ends with its consent,
and a consent given on the consent screen ends with its grant.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_access
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..events import ConsentRevoked
from ..models import Consent, OAuthClient, OAuthGrant, OAuthToken, Organisation, utcnow
from ..opaque_tokens import digest, new_secret
from ..policy import AccessPolicy
from ..principal import Principal, PrincipalKind
from ..scopes import parse_scope
from ..unit_of_work import Transaction, UnitOfWork
from ._common import required_text

__all__ = [
    "RegisteredClient",
    "client_names",
    "list_clients",
    "register_client",
    "remove_client",
    "revoke_grant",
]


@dataclass(frozen=True)
class RegisteredClient:
    client: OAuthClient
    # Shown once, at registration; we keep only its digest.
    secret: str | None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _redirect_uris(uris: Sequence[str]) -> list[str]:
    """HTTPS; http only to this machine (RFC 8252 §7.3); or an app's own scheme with a dot
    in it (RFC 8252 §7.1). Never a fragment. Matched exactly, character for character."""
    if not uris:
        raise InvalidInput("Give at least one redirect URI.", code="NO_REDIRECT_URI",
                           field="redirectUris")
    checked: list[str] = []
    for uri in uris:
        try:
            parts = urlsplit(uri)
            host = parts.hostname or ""
        except ValueError:
            parts, host = None, ""
        fine = parts is not None and not parts.fragment and (
            (parts.scheme == "https" and host)
            or (parts.scheme == "http" and _is_loopback(host))
            or ("." in parts.scheme and parts.scheme not in ("http", "https"))
        )
        if not fine or len(uri) > 500:
            raise InvalidInput(
                f"Redirect URI {uri!r} is not allowed: use https (or http to localhost), or "
                "your app's own scheme (com.example.app:/callback), without a #fragment.",
                code="INVALID_REDIRECT_URI", field="redirectUris")
        checked.append(uri)
    return sorted(set(checked), key=checked.index)


def _scopes(scopes: Iterable[str], categories: Iterable[str], *, system: bool) -> list[str]:
    known = set(categories) | {"*"}
    checked: list[str] = []
    for scope in scopes:
        parsed = parse_scope(scope)
        if parsed is None or parsed[1] not in known:
            raise InvalidInput(
                f"Unknown scope {scope!r}: scopes look like patient/recovery_plan.rs "
                f"(categories: {', '.join(sorted(known - {'*'}))}).",
                code="INVALID_SCOPE", field="scopes")
        if (parsed[0] == "system") != system:
            raise InvalidInput(
                "A system integration asks for system/... scopes only; an app that people "
                "sign in to asks for patient/... or user/... scopes.",
                code="INVALID_SCOPE", field="scopes")
        checked.append(scope)
    if not checked:
        raise InvalidInput("Give at least one scope.", code="INVALID_SCOPE", field="scopes")
    return sorted(set(checked))


async def register_client(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    name: str,
    purpose: str,
    scopes: Sequence[str],
    redirect_uris: Sequence[str] = (),
    organisation_id: int | None = None,
    confidential: bool = True,
    system: bool = False,
    client_id: str | None = None,
) -> RegisteredClient:
    """Register an app people sign in to (authorization code with PKCE, refresh tokens) or,
    with ``system``, a system integration (client credentials, always confidential)."""
    if policy.principal.kind is not PrincipalKind.SYSTEM:
        raise Forbidden("Only an operator can register apps.")
    name = required_text(name, field="name", what="the app's name", max_length=200)
    purpose = required_text(purpose, field="purpose",
                            what="why the app asks for information", max_length=1000)
    chosen_scopes = _scopes(scopes, policy.rules.categories, system=system)
    if system:
        if not confidential:
            raise InvalidInput("A system integration must keep a secret (be confidential).",
                               code="PUBLIC_SYSTEM_CLIENT", field="confidential")
        if redirect_uris:
            raise InvalidInput("A system integration has no redirect URIs: nobody signs in.",
                               code="INVALID_REDIRECT_URI", field="redirectUris")
        uris: list[str] = []
    else:
        uris = _redirect_uris(redirect_uris)
    client_id = (client_id or new_secret("rhc")[:28]).strip()
    if not 3 <= len(client_id) <= 100 or not client_id.replace("-", "").replace(
            "_", "").replace(".", "").isalnum():
        raise InvalidInput("A client ID is 3 to 100 letters, digits, '-', '_' or '.'.",
                           code="INVALID_CLIENT_ID", field="clientId")
    secret = new_secret("rhcs") if confidential else None
    client = OAuthClient(client_id=client_id, name=name, purpose=purpose,
                         organisation_id=organisation_id,
                         secret_digest=digest(secret) if secret else None,
                         redirect_uris=uris, scopes=chosen_scopes, system=system,
                         created_at=policy.now)
    async with uow.begin() as tx:
        if organisation_id is not None and await tx.session.get(
                Organisation, organisation_id) is None:
            raise NotFound("organisation", field="organisationId")
        if await tx.session.scalar(
                select(OAuthClient.id).where(OAuthClient.client_id == client_id)):
            raise Conflict("That client ID is taken.", code="CLIENT_ID_TAKEN",
                           field="clientId")
        tx.session.add(client)
    return RegisteredClient(client, secret)


async def list_clients(session: AsyncSession, *, removed: bool = False) -> list[OAuthClient]:
    statement = select(OAuthClient).order_by(OAuthClient.id)
    if not removed:
        statement = statement.where(OAuthClient.removed_at.is_(None))
    return list(await session.scalars(statement))


async def client_names(session: AsyncSession, client_ids: Sequence[str]) -> dict[str, str]:
    """Directory data: the name a person knows an app by (removed apps too, for history)."""
    rows = await session.execute(select(OAuthClient.client_id, OAuthClient.name)
                                 .where(OAuthClient.client_id.in_(set(client_ids))))
    return {client_id: name for client_id, name in rows}


async def _end_grants(
    tx: Transaction, grants: Sequence[OAuthGrant], *, reason: str, now: dt.datetime
) -> None:
    """Revoke the grants, every token they issued, and the consents they carry."""
    if not grants:
        return
    ids = [grant.id for grant in grants]
    for grant in grants:
        grant.revoked_at = grant.revoked_at or now
        grant.revoked_reason = grant.revoked_reason or reason
    await tx.session.execute(update(OAuthToken).where(
        OAuthToken.grant_id.in_(ids), OAuthToken.revoked_at.is_(None)).values(revoked_at=now))
    consent_ids = [grant.consent_id for grant in grants if grant.consent_id is not None]
    consents = await tx.session.scalars(select(Consent).where(
        Consent.id.in_(consent_ids), Consent.revoked_at.is_(None)))
    for consent in consents:
        consent.revoked_at = now
        # Audited as the authorization server acting on the app's behalf.
        policy = AccessPolicy(Principal(PrincipalKind.SYSTEM, client_id=consent.grantee_client_id),
                              now=now)
        await record_access(tx.session, policy, person_id=consent.person_id,
                            operation="revoke_consent", categories=consent.categories,
                            purpose=reason)
        tx.emit(ConsentRevoked(person_id=consent.person_id, consent_id=consent.id))


async def revoke_grant(
    uow: UnitOfWork, grant_id: int, *, reason: str, now: dt.datetime | None = None
) -> None:
    """End a grant, its tokens and its consent: the app revoked it (RFC 7009), or a code or
    refresh token was used twice, which means someone else may hold it."""
    async with uow.begin() as tx:
        grant = await tx.session.get(OAuthGrant, grant_id)
        if grant is None:
            return
        await _end_grants(tx, [grant], reason=reason, now=now or utcnow())


async def remove_client(uow: UnitOfWork, policy: AccessPolicy, client_id: str) -> OAuthClient:
    """Remove an app: it can no longer sign anyone in, and every grant, token and consent it
    had ends now. The row stays, so people's consent history still names it."""
    if policy.principal.kind is not PrincipalKind.SYSTEM:
        raise Forbidden("Only an operator can remove apps.")
    async with uow.begin() as tx:
        client = await tx.session.scalar(select(OAuthClient).where(
            OAuthClient.client_id == client_id, OAuthClient.removed_at.is_(None)))
        if client is None:
            raise NotFound("app", field="clientId")
        client.removed_at = policy.now
        grants = list(await tx.session.scalars(select(OAuthGrant).where(
            OAuthGrant.client_id == client_id, OAuthGrant.revoked_at.is_(None))))
        await _end_grants(tx, grants, reason="client_removed", now=policy.now)
        # Client-credentials tokens have no grant.
        await tx.session.execute(update(OAuthToken).where(
            OAuthToken.client_id == client_id, OAuthToken.revoked_at.is_(None))
            .values(revoked_at=policy.now))
    return client
