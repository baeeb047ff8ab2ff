"""Device imports as background jobs (docs/jobs.md): so that no import is lost with a process.

- ``core.devices_import``: enqueued by a provider's notification in the transaction that marks
  its devices due (a transactional outbox): the notification's import runs on whichever worker
  claims it, after the 204 was answered.
- ``core.devices_sync_due``: every 15 minutes, every device that is due (a notification whose
  import failed, one never imported, one not imported for ``stale_after``).

Both are ``sync_due``, which is idempotent and rate-limit aware, so a job run twice (a rescue,
a retry) imports nothing twice. A provider's failure is remembered on the device row and the
device stays due: the schedule tries again, rather than a retry storm against the provider.
The payload's ``as_of`` (ISO time) is the time the import counts as now (the notification's
time): tests and a replay give it; left out, now is the clock's.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from ..jobs.definitions import Job
from ..models import utcnow
from ..unit_of_work import UnitOfWork
from .sync import sync_due

__all__ = ["DEVICE_JOBS", "IMPORT_NOTIFIED", "SYNC_DUE"]

IMPORT_NOTIFIED = "core.devices_import"
SYNC_DUE = "core.devices_sync_due"

log = logging.getLogger("recovery_hub.devices")


def _as_of(payload: dict[str, Any]) -> dt.datetime:
    given = payload.get("as_of")
    return dt.datetime.fromisoformat(given) if isinstance(given, str) else utcnow()


async def _import(uow: UnitOfWork, payload: dict[str, Any]) -> None:
    named = payload.get("device_ids")  # a notification's; none: every device that is due
    device_ids = None if named is None else [int(i) for i in named]
    for result in await sync_due(uow, now=_as_of(payload), device_ids=device_ids):
        if result.error:
            log.warning("device %s: import failed: %s", result.device_id, result.error)


DEVICE_JOBS = [
    Job(IMPORT_NOTIFIED, _import, max_attempts=3),
    # One attempt: a failure leaves the devices due, and the next fire time is the retry.
    Job(SYNC_DUE, _import, every=dt.timedelta(minutes=15), max_attempts=1,
        timeout=dt.timedelta(minutes=10)),
]
