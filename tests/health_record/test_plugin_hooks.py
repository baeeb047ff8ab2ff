"""The health record's hooks (tests/test_plugin_docs.py wants one test each): a plugin adds
a kind of observation, and a device provider, without touching core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from core.categories import DataCategory as C
from core.devices.connections import complete_connection, start_connection
from core.devices.providers import DeviceReading, Fetched, Notification, Tokens
from core.devices.registry import Devices
from core.devices.sync import sync_device
from core.devices.vault import new_key
from core.events import EventDispatcher
from core.hookspecs import hookimpl
from core.observations.kinds import ObservationKind, Quantity, Scale
from core.observations.rules import Reading, start_of_day
from core.permissions import ConfigurationError
from core.plugins import load_plugins
from core.unit_of_work import UnitOfWork
from recovery_hub.testing import running_platform
from tests.support.graphql import gid
from tests.support.world import World

PEAK_FLOW = ObservationKind(
    "peakflow.peak_flow", "Peak expiratory flow", C.PHYSICAL_HEALTH,
    (Scale("L/min", Quantity("peak_flow", "Peak flow", 60, 900, decimals=0)),),
    loinc="19935-6")


class PeakFlow:
    """A plugin that adds a kind: peak flow, for people with asthma."""

    @hookimpl
    def register_observation_kinds(self) -> list[ObservationKind]:
        return [PEAK_FLOW]


RECORD = """mutation($input: RecordObservationInput!) { recordObservation(input: $input) {
  observation { kind value unit } userErrors { field code } } }"""


async def test_hook_register_observation_kinds(world: World, database_url: str) -> None:
    reading = {"personId": gid("Person", world.ngozi), "kind": "peakflow.peak_flow",
               "value": 420}
    async with running_platform(database_url, plugins={"peakflow": PeakFlow()},
                                entry_points=False, migrate=False) as hub:
        recorded = await hub.execute(RECORD, {"input": reading}, as_user="ngozi")
        too_high = await hub.execute(RECORD, {"input": {**reading, "value": 1200}},
                                     as_user="ngozi")
        kinds = await hub.execute("{ observationKinds { code unit loinc } }", as_user=None)
    async with running_platform(database_url, entry_points=False, migrate=False) as without:
        unknown = await without.execute(RECORD, {"input": reading}, as_user="ngozi")

    assert recorded.payload("recordObservation") == {
        "observation": {"kind": "peakflow.peak_flow", "value": 420, "unit": "L/min"},
        "userErrors": []}
    assert too_high.payload("recordObservation")["userErrors"] == [
        {"field": "value", "code": "OUT_OF_RANGE"}]
    assert {"code": "peakflow.peak_flow", "unit": "L/min", "loinc": "19935-6"} in kinds.data[
        "observationKinds"]
    assert unknown.payload("recordObservation")["userErrors"] == [
        {"field": "kind", "code": "UNKNOWN_KIND"}]


@pytest.mark.parametrize(("kind", "message"), [
    (ObservationKind("weight", "Weight again", C.PHYSICAL_HEALTH,
                     (Scale("kg", Quantity("w", "W", 1, 2)),)),
     "observation kind 'weight' is declared by both core and plugin 'peakflow'"),
    (ObservationKind("peak_flow", "Peak flow", C.PHYSICAL_HEALTH,
                     (Scale("L/min", Quantity("p", "P", 1, 2)),)),
     "must be named 'peakflow.<kind>'"),
    (ObservationKind("peakflow.x", "X", "lungs", (Scale("L/min", Quantity("p", "P", 1, 2)),)),
     "names unknown data category 'lungs'"),
    (ObservationKind("peakflow.x", "X", C.PHYSICAL_HEALTH),
     "has neither a scale nor codes"),
])
def test_a_plugins_kind_that_does_not_fit_stops_start_up(kind: ObservationKind,
                                                         message: str) -> None:
    class Wrong:
        @hookimpl
        def register_observation_kinds(self) -> list[ObservationKind]:
            return [kind]

    with pytest.raises(ConfigurationError, match=message):
        load_plugins(None, entries=[], extra={"peakflow": Wrong()}, entry_points=False)


class Acme:
    """A device provider in a plugin: Acme's scales, whose cloud knows one account."""

    name = "acme"
    title = "Acme Smart Scales"
    device_kind = "scales"

    def authorization_url(self, *, state: str, code_verifier: str) -> str:
        return f"https://acme.example/authorize?state={state}"

    async def exchange_code(self, *, code: str, code_verifier: str, now: dt.datetime
                            ) -> Tokens:
        assert code == "acme-code" and code_verifier
        return Tokens("access", "refresh", now + dt.timedelta(days=1), ("weight",), "acme-1")

    async def refresh(self, tokens: Tokens, *, now: dt.datetime) -> Tokens:
        return tokens

    async def revoke(self, tokens: Tokens) -> None:
        return None

    async def fetch(self, tokens: Tokens, since: dt.date, until: dt.date) -> Fetched:
        return Fetched([DeviceReading(f"w:{since}", Reading(
            "weight", value=84.2, effective_at=start_of_day(since) + dt.timedelta(hours=7)))])

    async def subscribe(self, tokens: Tokens, subscription_id: str) -> None:
        return None

    async def unsubscribe(self, tokens: Tokens, subscription_id: str) -> None:
        return None

    def verification(self, query: Mapping[str, str]) -> int | None:
        return None

    def notifications(self, headers: Mapping[str, str], body: bytes) -> list[Notification]:
        return []


class AcmePlugin:
    @hookimpl
    def register_device_providers(self, config: Any) -> list[Any]:
        return [Acme()]


async def test_hook_register_device_providers(world: World) -> None:
    plugins = load_plugins(None, extra={"acme": AcmePlugin()}, entry_points=False)
    uow = UnitOfWork(world.uow.db, EventDispatcher(), plugins,
                     Devices.build(plugins, token_keys=[new_key()]))
    belu = await world.policy("belu")

    url = await start_connection(uow, belu, person_id=world.belu, provider="acme")
    state = url.split("state=")[1]
    device = await complete_connection(uow, await world.policy("belu"), state=state,
                                       code="acme-code")
    imported = await sync_device(uow, device.id, now=belu.now)

    assert (device.provider, device.label, device.kind) == ("acme", "Acme Smart Scales",
                                                            "scales")
    assert (imported.imported, imported.error) == (1, None)
    with pytest.raises(ConfigurationError, match="'acme' is registered by both plugin "
                                                 "'acme' and plugin 'acme2'"):
        Devices.build(load_plugins(None, entries=[], extra={"acme": AcmePlugin(),
                                                            "acme2": AcmePlugin()},
                                   entry_points=False))
