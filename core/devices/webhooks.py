"""A provider's notifications: checked, then remembered on each device as "due from this
day", with the import enqueued as a job in the same transaction (core.devices.jobs): it
commits with the notification or not at all, and whichever worker claims it imports.

The HTTP side (recovery_hub/devices.py) answers at once, as providers require (Fitbit: 204
within seconds). A notification that withdraws access ends the device at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from sqlalchemy import select

from ..models import utcnow
from ..observations.rules import local_date
from ..unit_of_work import UnitOfWork
from .jobs import IMPORT_NOTIFIED
from .models import Device, DeviceStatus, DeviceToken
from .providers import BadResponse, BadSignature

__all__ = ["BadNotification", "UnknownProvider", "notified"]

log = logging.getLogger("recovery_hub.devices")


class UnknownProvider(Exception):
    """No such provider here: the endpoint does not exist (404)."""


class BadNotification(Exception):
    """Unsigned, wrongly signed, or not the documented shape: nothing changed."""

    def __init__(self, message: str, *, signature: bool) -> None:
        super().__init__(message)
        self.signature = signature


async def notified(uow: UnitOfWork, provider_name: str, headers: Mapping[str, str],
                   body: bytes, *, now: dt.datetime | None = None) -> list[int]:
    """Check a notification POST and mark the devices it names as due; returns their ids
    (for the follow-up import). Devices of other people, or another subscription, are not
    touched whatever the notification says."""
    provider = uow.devices.providers.get(provider_name)
    if provider is None:
        raise UnknownProvider(provider_name)
    try:
        notes = provider.notifications(headers, body)
    except BadSignature as error:
        log.warning("%s notification refused: %s", provider_name, error)
        raise BadNotification(str(error), signature=True) from None
    except BadResponse as error:
        log.warning("%s notification refused: %s", provider_name, error)
        raise BadNotification(str(error), signature=False) from None
    now = now or utcnow()
    due: list[int] = []
    async with uow.begin() as tx:
        for note in notes:
            found = await tx.session.scalars(select(Device).where(
                Device.provider == provider_name, Device.external_user_id == note.user_id,
                Device.status == DeviceStatus.CONNECTED).with_for_update())
            for device in found:
                if note.subscription_id is not None and note.subscription_id != str(device.id):
                    continue  # another subscriber's, or a stale one
                if note.revoked:
                    device.status, device.ended_at = DeviceStatus.REVOKED, now
                    device.sync_requested_from = None
                    token = await tx.session.get(DeviceToken, device.id)
                    if token is not None:
                        await tx.session.delete(token)
                    continue
                day = min(note.day or local_date(now), local_date(now))
                if device.sync_requested_from is None or day < device.sync_requested_from:
                    device.sync_requested_from = day
                if device.id not in due:
                    due.append(device.id)
        if due:
            from ..jobs.queue import enqueue  # core.jobs imports core.models: not at import

            await enqueue(tx, IMPORT_NOTIFIED, {"device_ids": due, "as_of": now.isoformat()})
    return due
