"""Importing a device's readings: idempotent, rate-limit aware, safe to run on any worker.

``sync_device`` fetches the days that are due (those a notification named, or since the last
import) and stores them for the person who connected the device, and no one else: it acts as
that person, through the policy engine, with ``source = device``. The same provider reading
twice is one observation (the provider's id for it is unique per device); a reading the
provider revised (today's steps growing) is amended; a reading the person marked entered in
error stays so. Nothing is stored when the provider's answer is malformed.

Rate limits are remembered on the device row (``rate_limited_until``), so no worker asks
again before the provider's reset. Tokens are refreshed holding their row's lock, with a
version: of two workers refreshing at once, one refreshes and the other uses its tokens (the
lock is held for the one token request, a few times a day per device).

Call it from anywhere: the CLI (`recovery-hub devices sync`), the ``syncDevice`` mutation,
or the jobs in core.devices.jobs (a notification's import, the 15-minute schedule).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, DomainError, InvalidInput, NotFound
from ..models import Person, RecordSource, utcnow
from ..observations.models import Observation, ObservationStatus
from ..observations.recording import bmi_of, insert_observations, new_observation
from ..observations.rules import CheckedReading, check_reading, kind_of, local_date
from ..permissions import Action
from ..plugins import access_rules
from ..policy import AccessPolicy
from ..principal import Principal, PrincipalKind
from ..unit_of_work import UnitOfWork
from .connections import stored_tokens
from .models import Device, DeviceStatus, DeviceToken
from .providers import (
    AccessRevoked,
    DeviceProvider,
    DeviceReading,
    Fetched,
    ProviderError,
    Tokens,
)
from .reading import CATEGORY

__all__ = [
    "Imported",
    "SyncResult",
    "devices_due",
    "import_readings",
    "sync_device",
    "sync_due",
    "sync_now",
]

log = logging.getLogger("recovery_hub.devices")
_CHUNK = 500  # provider ids per lookup


@dataclass(frozen=True)
class SyncResult:
    device_id: int
    imported: int = 0  # new readings (derived BMIs included)
    amended: int = 0  # readings the provider revised
    unchanged: int = 0
    skipped: Sequence[str] = field(default_factory=tuple)  # implausible: "weight:9 (...)"
    # False: the provider's rate limit stopped it before the end; the rest waits until then.
    complete: bool = True
    waiting_until: dt.datetime | None = None
    error: str | None = None  # the provider failed (a code); nothing was stored


def _device_policy(uow: UnitOfWork, device: Device, now: dt.datetime) -> AccessPolicy:
    """A device writes for the person who connected it, as them: nobody else's record."""
    return AccessPolicy(Principal(kind=PrincipalKind.PERSON, person_id=device.person_id),
                        access_rules(uow.plugins), now=now)


async def _load(uow: UnitOfWork, device_id: int) -> tuple[Device, DeviceToken | None]:
    async with uow.db.reading() as session:
        device = await session.get(Device, device_id)
        token = await session.get(DeviceToken, device_id) if device else None
    if device is None:
        raise NotFound("device", field="deviceId")
    return device, token


async def _note(uow: UnitOfWork, device_id: int, **values: object) -> None:
    async with uow.begin() as tx:
        await tx.session.execute(update(Device).where(Device.id == device_id).values(**values))


async def _revoked(uow: UnitOfWork, device_id: int, now: dt.datetime) -> None:
    """The provider will not serve these tokens again: stop, and forget them."""
    async with uow.begin() as tx:
        await tx.session.execute(update(Device).where(Device.id == device_id).values(
            status=DeviceStatus.REVOKED, ended_at=now, sync_requested_from=None,
            last_sync_error=AccessRevoked.code))
        token = await tx.session.get(DeviceToken, device_id)
        if token is not None:
            await tx.session.delete(token)


async def _refreshed(uow: UnitOfWork, provider: DeviceProvider, device: Device,
                     row: DeviceToken, now: dt.datetime) -> Tokens:
    """Fresh tokens: refreshed here, holding the token row's lock (so that of two workers
    one refreshes and the other, waiting, finds the new tokens: a refresh token is single
    use), or the ones another worker stored since ``row`` was read."""
    vault = uow.devices.require_vault()
    async with uow.begin() as tx:
        latest = await tx.session.scalar(
            select(DeviceToken).where(DeviceToken.device_id == device.id).with_for_update()
            .execution_options(populate_existing=True))
        if latest is None:
            raise AccessRevoked("the device's tokens are gone")
        if latest.version != row.version:
            return stored_tokens(vault, latest, device)
        new = await provider.refresh(stored_tokens(vault, latest, device), now=now)
        latest.access_token = vault.seal(new.access_token)
        latest.refresh_token = vault.seal(new.refresh_token) if new.refresh_token else None
        latest.expires_at, latest.version = new.expires_at, latest.version + 1
    return new


def _span(device: Device, since: dt.date | None, until: dt.date | None, today: dt.date,
          backfill_days: int) -> tuple[dt.date, dt.date]:
    start = since or device.sync_requested_from or (
        # The last day imported in full may have grown since (a late upload): again.
        device.synced_through if device.synced_through is not None
        else today - dt.timedelta(days=backfill_days - 1))
    return min(start, today), min(until or today, today)


async def sync_device(uow: UnitOfWork, device_id: int, *, now: dt.datetime | None = None,
                      since: dt.date | None = None, until: dt.date | None = None
                      ) -> SyncResult:
    """Import a device's readings of the days due (or ``since``..``until``)."""
    now = now or utcnow()
    device, row = await _load(uow, device_id)
    if (device.status is not DeviceStatus.CONNECTED or device.provider is None
            or row is None):
        raise Conflict("That device is not connected to an account to import from.",
                       code="NOT_CONNECTED", field="deviceId")
    if device.rate_limited_until is not None and device.rate_limited_until > now:
        return SyncResult(device_id, complete=False, waiting_until=device.rate_limited_until)
    provider = uow.devices.provider(device.provider, field="deviceId")
    tokens = stored_tokens(uow.devices.require_vault(), row, device)
    today = local_date(now)
    start, end = _span(device, since, until, today, uow.devices.backfill_days)
    try:
        if tokens.expires_soon(now):
            tokens = await _refreshed(uow, provider, device, row, now)
        try:
            fetched = await provider.fetch(tokens, start, end)
        except AccessRevoked:  # expired early, or refreshed elsewhere: once more
            tokens = await _refreshed(uow, provider, device, row, now)
            fetched = await provider.fetch(tokens, start, end)
    except AccessRevoked:
        await _revoked(uow, device_id, now)
        return SyncResult(device_id, error=AccessRevoked.code)
    except ProviderError as error:
        log.warning("device %s: import from %s failed: %s", device_id, provider.name, error)
        await _note(uow, device_id, last_sync_error=error.code)
        return SyncResult(device_id, error=error.code)
    return await _store(uow, device, fetched, start, end, now)


@dataclass(frozen=True)
class Imported:
    imported: int
    amended: int
    unchanged: int
    skipped: tuple[str, ...]


async def _locked(session: AsyncSession, device_id: int) -> Device:
    locked = await session.scalar(select(Device).where(Device.id == device_id)
                                  .with_for_update().execution_options(populate_existing=True))
    if locked is None or locked.status is not DeviceStatus.CONNECTED:
        raise Conflict("That device is not in use (disconnected, revoked or returned).",
                       code="NOT_CONNECTED", field="deviceId")
    return locked


async def _write(session: AsyncSession, uow: UnitOfWork, device: Device,
                 readings: Sequence[DeviceReading], now: dt.datetime) -> Imported:
    """Store a device's readings for its person, as that person's device: new ones added,
    revised ones amended, the rest (and any the person rejected) left alone."""
    kinds = uow.plugins.observation_kinds
    person = await session.get(Person, device.person_id)
    chosen: list[tuple[str, CheckedReading]] = []
    skipped: list[str] = []
    for item in readings:
        try:
            checked = check_reading(kind_of(kinds, item.reading.kind), item.reading, now=now,
                                    born=person.date_of_birth if person else None)
        except InvalidInput as error:  # implausible: a person's data is not guessed at
            skipped.append(f"{item.external_id} ({error.code})")
            continue
        chosen.append((item.external_id, checked))
    categories = sorted({checked.kind.category for _, checked in chosen})
    if categories:
        await _device_policy(uow, device, now).require(
            session, Action.CREATE, device.person_id, categories, what="person's record",
            field="deviceId")
    existing: dict[str, Observation] = {}
    ids = [external_id for external_id, _ in chosen]
    for first in range(0, len(ids), _CHUNK):
        for found in await session.scalars(select(Observation).where(
                Observation.person_id == device.person_id, Observation.device_id == device.id,
                Observation.external_id.in_(ids[first:first + _CHUNK]))):
            existing[found.external_id or ""] = found
    new: list[Observation] = []
    amended = unchanged = 0
    for external_id, checked in chosen:
        stored = existing.get(external_id)
        if stored is None:
            added = new_observation(device.person_id, checked, source=RecordSource.DEVICE,
                                    recorded_at=now, device_id=device.id,
                                    external_id=external_id)
            new.append(added)
            existing[external_id] = added  # a provider repeating itself in one answer
            continue
        found = stored
        if found.status is ObservationStatus.ENTERED_IN_ERROR or (
                (found.value, found.second_value, found.effective_at)
                == (checked.value, checked.second_value, checked.effective_at)):
            unchanged += 1
        else:
            found.value, found.second_value = checked.value, checked.second_value
            found.effective_at, found.effective_date = (checked.effective_at,
                                                        checked.effective_date)
            found.amended_at = now
            amended += 1
    await insert_observations(session, new)
    derived = await _bmis(session, uow, device.person_id, new)
    return Imported(len(new) + len(derived), amended, unchanged, tuple(skipped))


async def import_readings(uow: UnitOfWork, device_id: int,
                          readings: Sequence[DeviceReading], *,
                          now: dt.datetime | None = None) -> Imported:
    """Store readings a device sent some other way than a provider's API (a lent monitor's
    upload through a plugin's endpoint; demo data), exactly as an import stores them: for the
    device's person only, idempotent on each reading's ``external_id``."""
    now = now or utcnow()
    async with uow.begin() as tx:
        device = await _locked(tx.session, device_id)
        done = await _write(tx.session, uow, device, readings, now)
        device.last_synced_at = now
    return done


async def _store(uow: UnitOfWork, device: Device, fetched: Fetched, start: dt.date,
                 end: dt.date, now: dt.datetime) -> SyncResult:
    async with uow.begin() as tx:
        locked = await _locked(tx.session, device.id)
        done = await _write(tx.session, uow, device, fetched.readings, now)
        locked.last_synced_at, locked.last_sync_error = now, None
        waiting = (now + (fetched.resets_in or dt.timedelta(hours=1))
                   if not fetched.complete or fetched.remaining == 0 else None)
        locked.rate_limited_until = waiting
        if fetched.complete:
            locked.synced_through, locked.sync_requested_from = end, None
        else:
            locked.sync_requested_from = start
    return SyncResult(device.id, done.imported, done.amended, done.unchanged, done.skipped,
                      fetched.complete, waiting)


async def _bmis(session: AsyncSession, uow: UnitOfWork, person_id: int,
                new: Sequence[Observation]) -> list[Observation]:
    """The BMI of each new weight, with the person's latest height at its time."""
    weights = [row for row in new if row.kind == "weight"]
    if not weights:
        return []
    heights = list(await session.scalars(
        select(Observation).where(Observation.person_id == person_id,
                                  Observation.kind == "height",
                                  Observation.status == ObservationStatus.FINAL)
        .order_by(Observation.effective_at)))
    derived = [bmi for weight in weights if (bmi := bmi_of(
        uow.plugins.observation_kinds, weight,
        next((h.value for h in reversed(heights) if h.effective_at <= weight.effective_at),
             None))) is not None]
    await insert_observations(session, derived)
    return derived


async def devices_due(uow: UnitOfWork, now: dt.datetime, *, limit: int = 100) -> list[int]:
    """Connected devices with an import due: asked for by a notification, never imported, or
    not imported for ``uow.devices.stale_after``; none still waiting out a rate limit."""
    async with uow.db.reading() as session:
        return list(await session.scalars(
            select(Device.id).where(
                Device.status == DeviceStatus.CONNECTED, Device.provider.is_not(None),
                or_(Device.rate_limited_until.is_(None), Device.rate_limited_until <= now),
                or_(Device.sync_requested_from.is_not(None), Device.last_synced_at.is_(None),
                    Device.last_synced_at < now - uow.devices.stale_after))
            .order_by(Device.id).limit(limit)))


async def sync_due(uow: UnitOfWork, *, now: dt.datetime | None = None,
                   device_ids: Sequence[int] | None = None) -> list[SyncResult]:
    """Import every device that is due (or those named), one after another; one failing
    does not stop the others. Idempotent: run it as often as you like."""
    now = now or utcnow()
    results = []
    for device_id in device_ids if device_ids is not None else await devices_due(uow, now):
        try:
            results.append(await sync_device(uow, device_id, now=now))
        except DomainError as error:  # disconnected meanwhile; its provider switched off
            results.append(SyncResult(device_id, error=error.code))
    return results


async def sync_now(uow: UnitOfWork, policy: AccessPolicy, device_id: int) -> SyncResult:
    """"Sync now", asked for by someone who may change the person's physical health (the
    person, a managing representative, their GP): the import itself still writes as the
    person's device, for them alone."""
    async with uow.db.reading() as session:
        device = await session.get(Device, device_id)
        if device is None:
            raise NotFound("device", field="deviceId")
        await policy.require(session, Action.UPDATE, device.person_id, [CATEGORY],
                             what="device", field="deviceId")
    return await sync_device(uow, device_id, now=policy.now)
