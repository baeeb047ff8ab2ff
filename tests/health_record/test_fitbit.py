"""Belu's Fitbit (issue #13, "Done when"): he connects his account (OAuth 2 with PKCE, tokens
encrypted at rest), a month of steps, sleep, weight and resting heart rate imports, twice,
with no duplicates; the rate limit, refreshing, revoking and malformed answers; all against
the local Fitbit double, never the internet."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from core.devices.models import Device, DeviceStatus, DeviceToken
from core.devices.sync import sync_device
from core.devices.vault import TokenVault
from core.observations.models import Observation
from schema.ids import decode_id
from tests.support.graphql import gid
from tests.support.operations import refusal
from tests.support.world import World

from .fitbit_support import BELU_FITBIT, NOW, FitbitWorld, fitbit_world
from .support import series

SYNC = """mutation($input: DeviceInput!) { syncDevice(input: $input) {
  device { status syncedThrough lastSyncError rateLimitedUntil }
  imported amended unchanged skipped complete error userErrors { field code message } } }"""


@pytest.fixture
async def fitbit(world: World) -> FitbitWorld:
    return await fitbit_world(world)


async def _device_id(fitbit: FitbitWorld) -> int:
    payload = await fitbit.connect()
    assert payload["userErrors"] == [], payload
    return decode_id(payload["device"]["id"], "Device", field="deviceId")


async def _counts(fitbit: FitbitWorld) -> dict[str, int]:
    async with fitbit.uow.db.reading() as session:
        rows = await session.execute(select(Observation.kind, func.count())
                                     .where(Observation.person_id == fitbit.world.belu)
                                     .group_by(Observation.kind))
    return dict(rows.all())


async def test_belus_month_of_fitbit_imports_twice_without_duplicates(
    fitbit: FitbitWorld,
) -> None:
    device = await _device_id(fitbit)

    first = await fitbit.client.execute(SYNC, {"input": {"deviceId": gid("Device", device)}},
                                        as_user="belu")
    payload = first.payload("syncDevice")
    assert (payload["error"], payload["complete"], payload["userErrors"]) == (None, True, [])
    counts = await _counts(fitbit)
    # 30 days: a step count and a resting heart rate each day, one night's sleep (not the
    # naps), and the weigh-ins of Mondays and Thursdays.
    weighed = sum(1 for log in fitbit.double.account(BELU_FITBIT).weight)
    assert counts == {"steps": 30, "sleep": 30, "resting_heart_rate": 30, "weight": weighed}
    assert payload["imported"] == 90 + weighed
    assert payload["device"]["syncedThrough"] == "2026-03-31"
    requests = len(fitbit.double.requests)
    assert requests == 4  # one per collection for a month

    again = await sync_device(fitbit.uow, device, now=NOW, since=dt.date(2026, 3, 2))
    assert (again.imported, again.amended, again.unchanged) == (0, 0, 90 + weighed)
    assert await _counts(fitbit) == counts

    chart = await series(fitbit.client, "belu", fitbit.world.belu, "steps", "2026-03-02",
                         "2026-03-31", "WEEK")
    points = chart.data["node"]["observationSeries"]["points"]
    assert sum(point["count"] for point in points) == 30
    readings = await fitbit.client.execute(
        """query($id: ID!) { node(id: $id) { ... on Person {
          observations(kind: "sleep", first: 1) { edges { node {
            value secondValue effectiveAt source device { label provider } } } } } } }""",
        {"id": gid("Person", fitbit.world.belu)}, as_user="belu")
    night = readings.data["node"]["observations"]["edges"][0]["node"]
    assert (night["source"], night["device"]) == ("DEVICE",
                                                  {"label": "Fitbit", "provider": "fitbit"})
    assert night["effectiveAt"] == "2026-03-31T06:05:00+00:00"  # 07:05 in London (BST)


async def test_his_tokens_are_stored_encrypted(fitbit: FitbitWorld) -> None:
    device = await _device_id(fitbit)
    async with fitbit.uow.db.reading() as session:
        stored = await session.get(DeviceToken, device)
    assert stored is not None
    issued = set(fitbit.double.access) | set(fitbit.double.refresh)
    assert stored.access_token not in issued and stored.refresh_token not in issued
    vault = TokenVault(fitbit.keys)
    assert {vault.open(stored.access_token), vault.open(stored.refresh_token or "")} <= issued
    # Under another key they are nothing.
    from core.devices.vault import UnreadableToken, new_key

    with pytest.raises(UnreadableToken):
        TokenVault([new_key()]).open(stored.access_token)


async def _device(fitbit: FitbitWorld, device_id: int) -> Device:
    async with fitbit.uow.db.reading() as session:
        found = await session.get(Device, device_id)
    assert found is not None
    return found


async def test_a_reading_fitbit_revises_is_amended_and_one_he_rejected_stays_rejected(
    fitbit: FitbitWorld,
) -> None:
    device = await _device_id(fitbit)
    await sync_device(fitbit.uow, device, now=NOW)
    account = fitbit.double.account(BELU_FITBIT)
    account.steps[NOW.date()] += 2500  # he walked home after the first import
    wrong = await fitbit.client.execute(
        """query($id: ID!) { node(id: $id) { ... on Person {
          observations(kind: "weight", first: 1) { edges { node { id value } } } } } }""",
        {"id": gid("Person", fitbit.world.belu)}, as_user="belu")
    weight = wrong.data["node"]["observations"]["edges"][0]["node"]
    corrected = await fitbit.client.execute(
        """mutation($input: CorrectObservationInput!) { correctObservation(input: $input) {
          corrected { status } userErrors { code } } }""",
        {"input": {"observationId": weight["id"], "reason": "My son stood on the scales"}},
        as_user="belu")
    assert corrected.payload("correctObservation")["corrected"] == {
        "status": "ENTERED_IN_ERROR"}

    again = await sync_device(fitbit.uow, device, now=NOW)

    assert (again.imported, again.amended) == (0, 1)
    async with fitbit.uow.db.reading() as session:
        today = list(await session.scalars(select(Observation).where(
            Observation.person_id == fitbit.world.belu, Observation.kind == "steps",
            Observation.effective_date == NOW.date())))
        rejected = await session.get(Observation, decode_id(weight["id"], "Observation",
                                                            field="id"))
    assert [(row.value, row.amended_at) for row in today] == [
        (account.steps[NOW.date()], NOW)]
    assert rejected is not None and rejected.status.value == "entered_in_error"


async def test_the_rate_limit_stops_an_import_until_it_resets(world: World) -> None:
    fitbit = await fitbit_world(world, limit_per_hour=2)
    device = await _device_id(fitbit)

    first = await sync_device(fitbit.uow, device, now=NOW)

    # Two requests (steps, sleep) left none: it stopped there, before a 429.
    assert (first.complete, first.waiting_until) == (False, NOW + dt.timedelta(hours=1))
    assert fitbit.double.requests == ["/1/user/-/activities/steps/date/2026-03-02/2026-03-31.json",
                                      "/1.2/user/-/sleep/date/2026-03-02/2026-03-31.json"]
    assert await _counts(fitbit) == {"steps": 30, "sleep": 30}
    held = await _device(fitbit, device)
    assert (held.rate_limited_until, held.sync_requested_from) == (
        NOW + dt.timedelta(hours=1), dt.date(2026, 3, 2))

    waiting = await sync_device(fitbit.uow, device, now=NOW + dt.timedelta(minutes=30))
    assert (waiting.complete, len(fitbit.double.requests)) == (False, 2)  # not even asked

    fitbit.at(NOW + dt.timedelta(hours=1, minutes=1))
    fitbit.double.limit_per_hour = 150
    done = await sync_device(fitbit.uow, device, now=fitbit.client.now)
    assert done.complete and done.error is None
    assert set(await _counts(fitbit)) == {"steps", "sleep", "weight", "resting_heart_rate"}
    assert (await _device(fitbit, device)).rate_limited_until is None


async def test_a_429_is_waited_out_by_its_reset_header(fitbit: FitbitWorld) -> None:
    device = await _device_id(fitbit)
    hour = NOW.strftime("%Y-%m-%dT%H")
    fitbit.double.used[(BELU_FITBIT, hour)] = 150  # another app of ours used them up

    result = await sync_device(fitbit.uow, device, now=NOW)

    assert (result.complete, result.imported, result.waiting_until) == (
        False, 0, NOW + dt.timedelta(hours=1))
    assert await _counts(fitbit) == {}


async def test_malformed_json_from_fitbit_stores_nothing(fitbit: FitbitWorld) -> None:
    device = await _device_id(fitbit)
    fitbit.double.malformed.add("sleep")

    result = await sync_device(fitbit.uow, device, now=NOW)

    assert result.error == "PROVIDER_BAD_RESPONSE"
    assert await _counts(fitbit) == {}  # not even the steps that came before it
    held = await _device(fitbit, device)
    assert (held.last_sync_error, held.status) == ("PROVIDER_BAD_RESPONSE",
                                                   DeviceStatus.CONNECTED)


async def test_an_expired_token_is_refreshed_and_only_one_worker_spends_it(
    fitbit: FitbitWorld,
) -> None:
    device = await _device_id(fitbit)
    later = NOW + dt.timedelta(hours=9)  # past the 8 hours of the access token
    fitbit.at(later)

    both = await asyncio.gather(sync_device(fitbit.uow, device, now=later),
                                sync_device(fitbit.uow, device, now=later))

    assert [result.error for result in both] == [None, None]
    async with fitbit.uow.db.reading() as session:
        stored = await session.get(DeviceToken, device)
    assert stored is not None and stored.version == 2  # refreshed once, by one of them
    assert (await _device(fitbit, device)).status is DeviceStatus.CONNECTED


async def test_access_withdrawn_at_fitbit_stops_imports(fitbit: FitbitWorld) -> None:
    device = await _device_id(fitbit)
    fitbit.double.revoke_user(BELU_FITBIT)

    result = await sync_device(fitbit.uow, device, now=NOW)

    assert result.error == "ACCESS_REVOKED"
    held = await _device(fitbit, device)
    assert held.status is DeviceStatus.REVOKED
    async with fitbit.uow.db.reading() as session:
        assert await session.get(DeviceToken, device) is None  # nothing to misuse
    from core.errors import Conflict

    with pytest.raises(Conflict) as stopped:
        await sync_device(fitbit.uow, device, now=NOW)
    assert stopped.value.code == "NOT_CONNECTED"


async def test_disconnecting_revokes_at_fitbit_and_keeps_what_was_imported(
    fitbit: FitbitWorld,
) -> None:
    device = await _device_id(fitbit)
    await sync_device(fitbit.uow, device, now=NOW)
    assert len(fitbit.double.subscriptions) == 4  # activities, body, sleep, userRevokedAccess

    result = await fitbit.client.execute(
        """mutation($input: DeviceInput!) { disconnectDevice(input: $input) {
          device { status endedAt } userErrors { code } } }""",
        {"input": {"deviceId": gid("Device", device)}}, as_user="belu")

    assert result.payload("disconnectDevice")["device"]["status"] == "DISCONNECTED"
    assert all(grant.revoked for grant in fitbit.double.refresh.values())
    assert fitbit.double.subscriptions == {}
    async with fitbit.uow.db.reading() as session:
        assert await session.get(DeviceToken, device) is None
    assert sum((await _counts(fitbit)).values()) > 90
    again = await fitbit.client.execute(SYNC, {"input": {"deviceId": gid("Device", device)}},
                                        as_user="belu")
    assert refusal(again.payload("syncDevice")) == ("NOT_CONNECTED", "deviceId")


async def test_only_the_account_that_started_a_connection_finishes_it(
    fitbit: FitbitWorld, unchanged: Any
) -> None:
    state, code = await fitbit.approve("belu")
    async with unchanged():
        stolen = await fitbit.complete("ngozi", state, code)  # Belu's Fitbit into her record?
        made_up = await fitbit.complete("belu", "not-a-state", code)
    assert refusal(stolen) == ("NOT_FOUND", "state")
    assert refusal(made_up) == ("NOT_FOUND", "state")
    fitbit.at(NOW + dt.timedelta(minutes=11))
    late = await fitbit.complete("belu", state, code)
    assert refusal(late) == ("CONNECTION_EXPIRED", "state")


async def test_a_code_is_used_once(fitbit: FitbitWorld) -> None:
    state, code = await fitbit.approve("belu")
    assert (await fitbit.complete("belu", state, code))["userErrors"] == []
    again = await fitbit.complete("belu", state, code)
    assert refusal(again) == ("NOT_FOUND", "state")


CONNECT = """mutation($input: ConnectDeviceInput!) { connectDevice(input: $input) {
  authorizationUrl userErrors { field code message } } }"""


@pytest.mark.parametrize(("user", "person", "provider", "expected"), [
    ("amara", "belu", "fitbit", ("FORBIDDEN", "personId")),  # reads his physical health
    ("gina", "ngozi", "fitbit", ("ONLY_THE_PERSON", "personId")),  # her GP: not her account
    ("ngozi", "belu", "fitbit", ("NOT_FOUND", "personId")),
    ("stranger", "belu", "fitbit", ("NOT_FOUND", "personId")),
    ("belu", "belu", "garmin", ("UNKNOWN_PROVIDER", "provider")),
])
async def test_connecting_someone_elses_account_is_refused(
    fitbit: FitbitWorld, unchanged: Any, user: str, person: str, provider: str,
    expected: tuple[str, str],
) -> None:
    async with unchanged():
        result = await fitbit.client.execute(CONNECT, {"input": {
            "personId": gid("Person", getattr(fitbit.world, person)), "provider": provider}},
            as_user=user)
    assert refusal(result.payload("connectDevice")) == expected


async def test_without_a_key_for_tokens_nothing_can_be_connected(
    world: World, unchanged: Any
) -> None:
    from .fitbit_support import ClockedClient

    async with unchanged():
        result = await ClockedClient(world.uow, NOW).execute(CONNECT, {"input": {
            "personId": gid("Person", world.belu), "provider": "fitbit"}}, as_user="belu")
    assert refusal(result.payload("connectDevice")) == ("UNKNOWN_PROVIDER", "provider")


async def test_staff_may_ask_for_an_import_only_if_they_may_change_physical_health(
    fitbit: FitbitWorld,
) -> None:
    device = await _device_id(fitbit)
    # Gina is Ngozi's GP, not Belu's.
    refused = await fitbit.client.execute(SYNC, {"input": {"deviceId": gid("Device", device)}},
                                          as_user="gina")
    assert refusal(refused.payload("syncDevice")) == ("NOT_FOUND", "deviceId")
    coordinator = await fitbit.client.execute(
        SYNC, {"input": {"deviceId": gid("Device", device)}}, as_user="amara")
    assert refusal(coordinator.payload("syncDevice")) == ("FORBIDDEN", "deviceId")


async def test_a_code_fitbit_refuses_changes_nothing(fitbit: FitbitWorld, unchanged: Any
                                                     ) -> None:
    state, code = await fitbit.approve("belu")
    async with unchanged():
        refused = await fitbit.complete("belu", state, code + "x")
    assert refusal(refused) == ("PROVIDER_REFUSED", "code")
    # Nothing was used up: the right code still works.
    assert (await fitbit.complete("belu", state, code))["userErrors"] == []
