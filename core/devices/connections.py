"""Connecting a device account (OAuth 2 with PKCE), disconnecting it, and devices typed from
(a blood-pressure monitor someone was lent).

Connecting is the person's own act, or that of a representative managing their physical
health: staff cannot link an account to someone's record. The state and PKCE verifier are
kept in the database (any worker can finish what another started); only the account that
started a connection can finish it, so nobody can link their own device account to another
person's record. Tokens are stored encrypted; disconnecting revokes them at the provider and
deletes them here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_access
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import Organisation, Person
from ..observations.rules import local_date
from ..permissions import Action
from ..policy import AccessPolicy
from ..principal import PrincipalKind
from ..services._common import recorded_by, required_text
from ..unit_of_work import UnitOfWork
from .models import Device, DeviceAuthorization, DeviceStatus, DeviceToken
from .providers import ProviderError, Tokens
from .reading import CATEGORY
from .vault import TokenVault

__all__ = [
    "complete_connection",
    "disconnect_device",
    "register_device",
    "reseal_tokens",
    "return_device",
    "start_connection",
    "stored_tokens",
]

log = logging.getLogger("recovery_hub.devices")


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _connects_for_themselves(policy: AccessPolicy) -> None:
    if policy.principal.kind not in (PrincipalKind.PERSON, PrincipalKind.REPRESENTATIVE):
        raise Forbidden("Only the person (or someone managing their physical health for them) "
                        "can connect their device account.", code="ONLY_THE_PERSON",
                        field="personId")


async def start_connection(uow: UnitOfWork, policy: AccessPolicy, *, person_id: int,
                           provider: str) -> str:
    """Where to send the person to connect their account at ``provider``."""
    chosen = uow.devices.provider(provider)
    vault = uow.devices.require_vault()
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.CREATE, person_id, [CATEGORY],
                             what="person's record", field="personId")
        _connects_for_themselves(policy)
        if await tx.session.get(Person, person_id) is None:
            raise NotFound("person", field="personId")
        tx.session.add(DeviceAuthorization(
            state_digest=_digest(state), person_id=person_id, provider=chosen.name,
            started_by_account_id=policy.principal.account_id,
            code_verifier=vault.seal(verifier), created_at=policy.now,
            expires_at=policy.now + uow.devices.connection_lifetime))
        await record_access(tx.session, policy, person_id=person_id,
                            operation="start_device_connection", categories=[CATEGORY])
    return chosen.authorization_url(state=state, code_verifier=verifier)


def _seal(vault: TokenVault, device_id: int, tokens: Tokens) -> DeviceToken:
    return DeviceToken(device_id=device_id, access_token=vault.seal(tokens.access_token),
                       refresh_token=(vault.seal(tokens.refresh_token)
                                      if tokens.refresh_token else None),
                       expires_at=tokens.expires_at, version=1)


async def _pending(session: AsyncSession, policy: AccessPolicy, state: str, *,
                   lock: bool = False) -> DeviceAuthorization:
    """The connection under way that ``state`` names, started by this account, unused, in
    time; NOT_FOUND for any other (never saying whose it is)."""
    statement = select(DeviceAuthorization).where(
        DeviceAuthorization.state_digest == _digest(state))
    pending = await session.scalar(statement.with_for_update() if lock else statement)
    if (pending is None or pending.used_at is not None
            or pending.started_by_account_id != policy.principal.account_id):
        raise NotFound("connection", field="state")
    if pending.expires_at <= policy.now:
        raise Conflict("That connection took too long: start it again.",
                       code="CONNECTION_EXPIRED", field="state")
    return pending


def stored_tokens(vault: TokenVault, row: DeviceToken, device: Device) -> Tokens:
    return Tokens(vault.open(row.access_token),
                  vault.open(row.refresh_token) if row.refresh_token else None,
                  row.expires_at, tuple(device.scopes or ()), device.external_user_id)


async def complete_connection(uow: UnitOfWork, policy: AccessPolicy, *, state: str,
                              code: str) -> Device:
    """The person is back from the provider with ``code``: exchange it (PKCE), store the
    tokens encrypted, subscribe to notifications. Connecting the same account again (the
    same provider user) reconnects the device the person had."""
    vault = uow.devices.require_vault()
    code = required_text(code, field="code", what="the code the provider sent back",
                         max_length=2000)
    async with uow.db.reading() as session:
        pending = await _pending(session, policy, state)
        await policy.require(session, Action.CREATE, pending.person_id, [CATEGORY],
                             what="person's record", field="state")
    provider = uow.devices.provider(pending.provider, field="state")
    try:  # outside any transaction: a network call holds no database lock
        tokens = await provider.exchange_code(code=code,
                                              code_verifier=vault.open(pending.code_verifier),
                                              now=policy.now)
    except ProviderError as error:
        raise Conflict(f"{provider.title} did not accept the connection ({error.code}); "
                       "please try again.", code="PROVIDER_REFUSED", field="code") from None
    person_id = pending.person_id
    async with uow.begin() as tx:
        # Used once: of two completions racing, the provider took one code; this one wins.
        (await _pending(tx.session, policy, state, lock=True)).used_at = policy.now
        device = await tx.session.scalar(select(Device).where(
            Device.person_id == person_id, Device.provider == provider.name,
            Device.external_user_id == tokens.user_id).order_by(Device.id.desc()).limit(1))
        if device is None:
            device = Device(person_id=person_id, provider=provider.name,
                            kind=provider.device_kind, label=provider.title,
                            external_user_id=tokens.user_id, **recorded_by(policy))
            tx.session.add(device)
        device.status = DeviceStatus.CONNECTED
        device.scopes = list(tokens.scopes)
        device.connected_at, device.ended_at = policy.now, None
        device.sync_requested_from = (local_date(policy.now)
                                      - dt.timedelta(days=uow.devices.backfill_days - 1))
        device.rate_limited_until, device.last_sync_error = None, None
        await tx.session.flush()
        existing = await tx.session.get(DeviceToken, device.id)
        if existing is not None:
            await tx.session.delete(existing)
            await tx.session.flush()
        tx.session.add(_seal(vault, device.id, tokens))
        await record_access(tx.session, policy, person_id=person_id,
                            operation="connect_device", categories=[CATEGORY])
    try:
        await provider.subscribe(tokens, str(device.id))
    except ProviderError as error:  # imports still run when asked, and when due
        log.warning("device %s: subscribing to notifications failed: %s", device.id, error)
    return device


async def _own_device(session: AsyncSession, policy: AccessPolicy, device_id: int) -> Device:
    """A device to change, locked: NOT_FOUND unless the principal may change the person's
    physical health."""
    device = await session.get(Device, device_id, with_for_update=True)
    if device is None:
        raise NotFound("device", field="deviceId")
    await policy.require(session, Action.UPDATE, device.person_id, [CATEGORY], what="device",
                         field="deviceId")
    return device


async def disconnect_device(uow: UnitOfWork, policy: AccessPolicy, device_id: int) -> Device:
    """Stop importing: tokens revoked at the provider (if it can be reached) and deleted here.
    The readings imported stay on the record."""
    async with uow.begin() as tx:
        device = await _own_device(tx.session, policy, device_id)
        if device.provider is not None:
            _connects_for_themselves(policy)
        if device.status is not DeviceStatus.CONNECTED:
            raise Conflict("That device is not connected.", code="NOT_CONNECTED",
                           field="deviceId")
        token = await tx.session.get(DeviceToken, device.id)
        tokens = (stored_tokens(uow.devices.require_vault(), token, device)
                  if token is not None else None)
        if token is not None:
            await tx.session.delete(token)
        device.status, device.ended_at = DeviceStatus.DISCONNECTED, policy.now
        device.sync_requested_from = None
        await record_access(tx.session, policy, person_id=device.person_id,
                            operation="disconnect_device", categories=[CATEGORY])
    if tokens is not None and device.provider in uow.devices.providers:
        provider = uow.devices.providers[device.provider]
        try:
            await provider.unsubscribe(tokens, str(device.id))
            await provider.revoke(tokens)
        except ProviderError as error:  # deleted here all the same: nothing imports again
            log.warning("device %s: revoking at %s failed: %s", device.id, provider.name,
                        error)
    return device


async def register_device(uow: UnitOfWork, policy: AccessPolicy, *, person_id: int,
                          kind: str, label: str,
                          lent_by_organisation_id: int | None = None) -> Device:
    """A device readings are typed from (no provider): the person's own blood-pressure
    monitor, or one an organisation lent them (``lent_by_organisation_id``). Readings name
    it with ``record_observation(..., device_id=...)``."""
    kind = required_text(kind, field="kind", what="what kind of device it is", max_length=40)
    label = required_text(label, field="label", what="a name for the device", max_length=200)
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.CREATE, person_id, [CATEGORY],
                             what="person's record", field="personId")
        if await tx.session.get(Person, person_id) is None:
            raise NotFound("person", field="personId")
        if (lent_by_organisation_id is not None
                and await tx.session.get(Organisation, lent_by_organisation_id) is None):
            raise InvalidInput("No organisation with that ID.", code="NOT_FOUND",
                               field="lentByOrganisationId")
        device = Device(person_id=person_id, provider=None, kind=kind, label=label,
                        status=DeviceStatus.CONNECTED, connected_at=policy.now,
                        lent_by_organisation_id=lent_by_organisation_id,
                        **recorded_by(policy))
        tx.session.add(device)
        await record_access(tx.session, policy, person_id=person_id,
                            operation="register_device", categories=[CATEGORY])
    return device


async def return_device(uow: UnitOfWork, policy: AccessPolicy, device_id: int) -> Device:
    """A lent device was given back: readings can no longer name it."""
    async with uow.begin() as tx:
        device = await _own_device(tx.session, policy, device_id)
        if device.provider is not None or device.status is not DeviceStatus.CONNECTED:
            raise Conflict("Only a device in use that readings are typed from can be "
                           "returned.", code="NOT_RETURNABLE", field="deviceId")
        device.status, device.ended_at = DeviceStatus.RETURNED, policy.now
        await record_access(tx.session, policy, person_id=device.person_id,
                            operation="return_device", categories=[CATEGORY])
    return device


async def reseal_tokens(uow: UnitOfWork) -> int:
    """Encrypt every stored token (and pending verifier) again under the newest key, after a
    new key was put first in the settings; then the old key can go. Returns how many."""
    vault = uow.devices.require_vault()
    count = 0
    async with uow.begin() as tx:
        for token in await tx.session.scalars(select(DeviceToken)):
            token.access_token = vault.reseal(token.access_token)
            if token.refresh_token:
                token.refresh_token = vault.reseal(token.refresh_token)
            count += 1
        for pending in await tx.session.scalars(select(DeviceAuthorization).where(
                DeviceAuthorization.used_at.is_(None))):
            pending.code_verifier = vault.reseal(pending.code_verifier)
            count += 1
    return count
