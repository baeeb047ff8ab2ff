"""Devices a person connected or was lent (category ``physical_health``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.categories import DataCategory as C
from core.devices import models

from ..context import Context
from ..guards import data
from ._node import ModelNode
from .organisations import Organisation

if TYPE_CHECKING:
    from .people import Person

__all__ = ["Device", "DeviceStatus"]

_Person = Annotated["Person", strawberry.lazy("schema.types.people")]

DeviceStatus = strawberry.enum(models.DeviceStatus, name="DeviceStatus")


@strawberry.type(description="A device account the person connected (a Fitbit), or a device "
                 "they were lent (a blood-pressure monitor).")
class Device(ModelNode, relay.Node):
    __model__ = models.Device
    __person_data__ = True
    loader_name = "device"

    id: relay.NodeID[int]
    provider: str | None = data(C.PHYSICAL_HEALTH, description="`fitbit`, or a plugin's; "
                                "null for a device readings are typed from.")
    kind: str | None = data(C.PHYSICAL_HEALTH, description="`wearable`, "
                            "`blood_pressure_monitor`, `scales`, ...")
    label: str | None = data(C.PHYSICAL_HEALTH)
    status: DeviceStatus | None = data(C.PHYSICAL_HEALTH)
    connected_at: dt.datetime | None = data(C.PHYSICAL_HEALTH)
    ended_at: dt.datetime | None = data(C.PHYSICAL_HEALTH)
    last_synced_at: dt.datetime | None = data(C.PHYSICAL_HEALTH)
    synced_through: dt.date | None = data(C.PHYSICAL_HEALTH,
                                          description="The last day imported in full.")
    rate_limited_until: dt.datetime | None = data(
        C.PHYSICAL_HEALTH, description="The provider asked us to wait until then.")
    last_sync_error: str | None = data(C.PHYSICAL_HEALTH)

    @classmethod
    def loader(cls, info: Info[Context, None]) -> DataLoader[int, Any]:
        return info.context.loaders.record.device

    @data(C.PHYSICAL_HEALTH)
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.PHYSICAL_HEALTH, description="The organisation that lent it, if one did.")
    async def lent_by(self: Any, info: Info[Context, None]) -> Organisation | None:
        if self.lent_by_organisation_id is None:
            return None
        return await info.context.loaders.organisation.load(self.lent_by_organisation_id)
