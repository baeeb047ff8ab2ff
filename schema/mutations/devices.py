"""Connecting, importing from and disconnecting device accounts; devices readings are typed
from (lent monitors)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.devices import connections, sync

from ..context import Context
from ..errors import UserError, attempt
from ..ids import decode_id
from ..types.devices import Device

__all__ = ["DeviceMutations"]


@strawberry.input
class ConnectDeviceInput:
    person_id: strawberry.ID
    provider: str = strawberry.field(description="`fitbit`, or a plugin's provider.")


@strawberry.input(description="What the provider sent the person back to your redirect URI "
                  "with: the `state` and the `code`.")
class CompleteDeviceConnectionInput:
    state: str
    code: str


@strawberry.input
class DeviceInput:
    device_id: strawberry.ID


@strawberry.input
class RegisterDeviceInput:
    person_id: strawberry.ID
    kind: str = strawberry.field(description="`blood_pressure_monitor`, `scales`, ...")
    label: str
    lent_by_organisation_id: strawberry.ID | None = None


@strawberry.type
class ConnectDevicePayload:
    authorization_url: str | None = strawberry.field(
        description="Send the person here; the provider sends them back to the app's "
        "redirect URI with a state and a code. Valid for 10 minutes.")
    user_errors: list[UserError]


@strawberry.type
class DevicePayload:
    device: Device | None
    user_errors: list[UserError]


@strawberry.type(description="What an import did. `error` says why an import failed (the "
                 "provider was unreachable, answered nonsense, or access was withdrawn): "
                 "nothing was stored then.")
class SyncDevicePayload:
    device: Device | None
    imported: int | None
    amended: int | None
    unchanged: int | None
    skipped: list[str] | None = strawberry.field(
        description="Readings left out as implausible, with why.")
    complete: bool | None = strawberry.field(
        description="False: the provider's rate limit stopped it; the rest follows later.")
    error: str | None
    user_errors: list[UserError]


@strawberry.type
class DeviceMutations:
    @strawberry.mutation(description="Start connecting the person's account at a provider.")
    async def connect_device(
        self, info: Info[Context, None], input: ConnectDeviceInput
    ) -> ConnectDevicePayload:
        ctx = info.context
        url, errors = await attempt(ctx, lambda: connections.start_connection(
            ctx.uow, ctx.policy, person_id=decode_id(input.person_id, "Person",
                                                     field="personId"),
            provider=input.provider))
        return ConnectDevicePayload(authorization_url=url, user_errors=errors)

    @strawberry.mutation(description="Finish a connection with what the provider sent back.")
    async def complete_device_connection(
        self, info: Info[Context, None], input: CompleteDeviceConnectionInput
    ) -> DevicePayload:
        ctx = info.context
        device, errors = await attempt(ctx, lambda: connections.complete_connection(
            ctx.uow, ctx.policy, state=input.state, code=input.code))
        return DevicePayload(device=device, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Stop importing: the provider's tokens are revoked and "
                         "deleted. What was imported stays.")
    async def disconnect_device(
        self, info: Info[Context, None], input: DeviceInput
    ) -> DevicePayload:
        ctx = info.context
        device, errors = await attempt(ctx, lambda: connections.disconnect_device(
            ctx.uow, ctx.policy, decode_id(input.device_id, "Device", field="deviceId")))
        return DevicePayload(device=device, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Import what is due from the device's account now.")
    async def sync_device(self, info: Info[Context, None], input: DeviceInput
                          ) -> SyncDevicePayload:
        ctx = info.context
        result, errors = await attempt(ctx, lambda: sync.sync_now(
            ctx.uow, ctx.policy, decode_id(input.device_id, "Device", field="deviceId")))
        if result is None:
            return SyncDevicePayload(device=None, imported=None, amended=None, unchanged=None,
                                     skipped=None, complete=None, error=None,
                                     user_errors=errors)
        return SyncDevicePayload(
            device=await ctx.loaders.record.device.load(result.device_id),  # type: ignore[arg-type]
            imported=result.imported, amended=result.amended, unchanged=result.unchanged,
            skipped=list(result.skipped), complete=result.complete, error=result.error,
            user_errors=[])

    @strawberry.mutation(description="Add a device readings are typed from: the person's own "
                         "monitor, or one an organisation lent them.")
    async def register_device(
        self, info: Info[Context, None], input: RegisterDeviceInput
    ) -> DevicePayload:
        ctx = info.context
        device, errors = await attempt(ctx, lambda: connections.register_device(
            ctx.uow, ctx.policy, person_id=decode_id(input.person_id, "Person",
                                                     field="personId"),
            kind=input.kind, label=input.label,
            lent_by_organisation_id=(decode_id(input.lent_by_organisation_id, "Organisation",
                                               field="lentByOrganisationId")
                                     if input.lent_by_organisation_id else None)))
        return DevicePayload(device=device, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="A lent device was given back.")
    async def return_device(self, info: Info[Context, None], input: DeviceInput
                            ) -> DevicePayload:
        ctx = info.context
        device, errors = await attempt(ctx, lambda: connections.return_device(
            ctx.uow, ctx.policy, decode_id(input.device_id, "Device", field="deviceId")))
        return DevicePayload(device=device, user_errors=errors)  # type: ignore[arg-type]
