"""Fitbit's subscriber endpoint, ``/devices/fitbit/notifications``: the ``verify`` handshake,
signed notifications (``X-Fitbit-Signature``) answered at once with their import enqueued as a
job (run by whichever worker claims it), the 15-minute schedule for devices still due, and
refusals (404 for a bad signature, as Fitbit documents; 400 for malformed JSON) that
change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from core.devices.jobs import IMPORT_NOTIFIED, SYNC_DUE
from core.devices.models import Device, DeviceStatus, DeviceToken
from core.devices.sync import sync_device
from core.jobs import BackgroundJob, JobStatus
from core.jobs.runner import JobRunner
from core.observations.models import Observation
from recovery_hub import devices as routes
from schema.ids import decode_id
from tests.support.world import World

from .fitbit_support import BELU_FITBIT, NOW, FitbitWorld, fitbit_world


@pytest.fixture
async def fitbit(world: World) -> FitbitWorld:
    return await fitbit_world(world)


def _endpoint(fitbit: FitbitWorld) -> httpx.AsyncClient:
    """The notification endpoint as the platform mounts it, receiving at the test's time."""
    app = Starlette(routes=routes.device_routes(fitbit.uow, clock=lambda: NOW))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub")


async def _connected(fitbit: FitbitWorld) -> int:
    payload = await fitbit.connect()
    return decode_id(payload["device"]["id"], "Device", field="id")


async def _observations(fitbit: FitbitWorld) -> int:
    async with fitbit.uow.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Observation)) or 0)


async def test_the_verify_handshake(fitbit: FitbitWorld) -> None:
    async with _endpoint(fitbit) as hub:
        right = await hub.get("/devices/fitbit/notifications",
                              params={"verify": fitbit.double.verification_code})
        wrong = await hub.get("/devices/fitbit/notifications", params={"verify": "nope"})
        none = await hub.get("/devices/fitbit/notifications")
        elsewhere = await hub.get("/devices/garmin/notifications", params={"verify": "x"})
    assert [r.status_code for r in (right, wrong, none, elsewhere)] == [204, 404, 404, 404]


async def test_a_signed_notification_is_answered_at_once_and_imports_that_day(
    fitbit: FitbitWorld,
) -> None:
    device = await _connected(fitbit)
    await sync_device(fitbit.uow, device, now=NOW - dt.timedelta(days=1),
                      until=NOW.date() - dt.timedelta(days=1))  # imported up to yesterday
    before, fitbit.double.requests[:] = await _observations(fitbit), []
    body, headers = fitbit.double.notification(BELU_FITBIT, "sleep", NOW.date())

    async with _endpoint(fitbit) as hub:
        answer = await hub.post("/devices/fitbit/notifications", content=body,
                                headers=headers)

    assert (answer.status_code, answer.content) == (204, b"")
    # Answered before any import: the import is a job, committed with the notification.
    assert fitbit.double.requests == [] and await _observations(fitbit) == before
    [job] = await _jobs(fitbit, IMPORT_NOTIFIED)
    assert job.payload == {"device_ids": [device], "as_of": NOW.isoformat()}
    outcome = await JobRunner(fitbit.uow, work=False).run_one(job.id)

    assert outcome.ran and (await _jobs(fitbit, IMPORT_NOTIFIED))[0].status == JobStatus.DONE
    # The day named, nothing earlier.
    assert fitbit.double.requests[0] == (
        "/1/user/-/activities/steps/date/2026-03-31/2026-03-31.json")
    assert await _observations(fitbit) == before + 3  # 31 March: steps, a night, heart rate
    async with fitbit.uow.db.reading() as session:
        found = await session.get(Device, device)
    assert found is not None and (found.sync_requested_from, found.synced_through) == (
        None, NOW.date())


@pytest.mark.parametrize(("tamper", "status"), [
    (lambda body, headers: (body, {**headers, "X-Fitbit-Signature": "AAAA"}), 404),
    (lambda body, headers: (body.replace(b"sleep", b"body!"), headers), 404),
    (lambda body, headers: (body, {"Content-Type": "application/json"}), 404),
    (lambda body, headers: (b"[{not json", {"X-Fitbit-Signature": _sign(b"[{not json")}),
     400),
    (lambda body, headers: (b'{"ownerId": 1}', {"X-Fitbit-Signature": _sign(b'{"ownerId": 1}')}),
     400),
], ids=["wrong-signature", "body-changed", "unsigned", "malformed-json", "not-a-list"])
async def test_a_notification_that_does_not_check_out_changes_nothing(
    fitbit: FitbitWorld, unchanged: Any, tamper: Any, status: int,
) -> None:
    await _connected(fitbit)
    body, headers = tamper(*fitbit.double.notification(BELU_FITBIT, "sleep", NOW.date()))
    async with unchanged():
        async with _endpoint(fitbit) as hub:
            answer = await hub.post("/devices/fitbit/notifications", content=body,
                                    headers=headers)
    assert answer.status_code == status
    assert fitbit.double.requests == []


async def _jobs(fitbit: FitbitWorld, name: str) -> list[BackgroundJob]:
    async with fitbit.uow.db.reading() as session:
        return list(await session.scalars(select(BackgroundJob).where(
            BackgroundJob.name == name).order_by(BackgroundJob.id)))


async def test_the_schedule_imports_devices_still_due(fitbit: FitbitWorld) -> None:
    """A notification whose import failed (Fitbit was down) leaves the device due; the
    15-minute job imports it, and running it again imports nothing twice."""
    device = await _connected(fitbit)
    await sync_device(fitbit.uow, device, now=NOW - dt.timedelta(days=1),
                      until=NOW.date() - dt.timedelta(days=1))
    before = await _observations(fitbit)
    async with fitbit.uow.begin() as tx:
        found = await tx.session.get(Device, device)
        assert found is not None
        found.sync_requested_from = NOW.date()
    job = fitbit.uow.jobs.require(SYNC_DUE)
    assert job.every == dt.timedelta(minutes=15)

    await job.handler(fitbit.uow, {"as_of": NOW.isoformat()})
    imported = await _observations(fitbit)
    await job.handler(fitbit.uow, {"as_of": NOW.isoformat()})

    assert imported == before + 3 and await _observations(fitbit) == imported
    async with fitbit.uow.db.reading() as session:
        found = await session.get(Device, device)
    assert found is not None and found.sync_requested_from is None


def _sign(body: bytes) -> str:
    from tests.support.fitbit_double import FitbitDouble

    return FitbitDouble.sign(body)


async def test_a_notification_about_someone_else_touches_no_one(
    fitbit: FitbitWorld, unchanged: Any
) -> None:
    await _connected(fitbit)
    body, headers = fitbit.double.notification("SOMEONE", "sleep", NOW.date())
    async with unchanged():
        async with _endpoint(fitbit) as hub:
            answer = await hub.post("/devices/fitbit/notifications", content=body,
                                    headers=headers)
    assert answer.status_code == 204 and fitbit.double.requests == []


async def test_withdrawing_access_at_fitbit_ends_the_device_at_once(
    fitbit: FitbitWorld,
) -> None:
    device = await _connected(fitbit)
    body, headers = fitbit.double.notification(BELU_FITBIT, "userRevokedAccess", None)

    async with _endpoint(fitbit) as hub:
        answer = await hub.post("/devices/fitbit/notifications", content=body,
                                headers=headers)

    assert answer.status_code == 204
    async with fitbit.uow.db.reading() as session:
        found = await session.get(Device, device)
        assert await session.get(DeviceToken, device) is None
    assert found is not None and found.status is DeviceStatus.REVOKED
    assert await _observations(fitbit) == 0 and fitbit.double.requests == []


async def test_the_platform_mounts_the_endpoint(tmp_path: Any) -> None:
    """create_app serves it for the providers the settings configure (here: none)."""
    from recovery_hub.app import create_app
    from recovery_hub.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'hub.db'}"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://hub") as hub:
        answer = await hub.get("/devices/fitbit/notifications", params={"verify": "x"})
    assert answer.status_code == 404  # no Fitbit app configured: no such subscriber

