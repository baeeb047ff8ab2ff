"""Fitbit's subscriber endpoint, ``/devices/fitbit/notifications``: the ``verify`` handshake,
signed notifications (``X-Fitbit-Signature``) answered at once and followed by an import,
and refusals (404 for a bad signature, as Fitbit documents; 400 for malformed JSON) that
change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from core.devices.models import Device, DeviceStatus, DeviceToken
from core.devices.sync import sync_device
from core.observations.models import Observation
from recovery_hub import devices as routes
from schema.ids import decode_id
from tests.support.world import World

from .fitbit_support import BELU_FITBIT, NOW, FitbitWorld, fitbit_world


@pytest.fixture
async def fitbit(world: World) -> FitbitWorld:
    return await fitbit_world(world)


def _endpoint(fitbit: FitbitWorld) -> httpx.AsyncClient:
    """The notification endpoint as the platform mounts it, its follow-up at the test's
    time."""
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
    # The follow-up ran after the answer: the day named, nothing earlier.
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

