"""Devices in the running platform: the providers and token vault built from the settings,
the endpoint providers send notifications to.

``POST /devices/<provider>/notifications`` answers 204 at once (Fitbit wants an answer
within seconds): the devices are marked as due and the import is enqueued as a job in one
transaction (core.devices.jobs), so whichever worker claims it imports, and an import lost
with a process is delivered again by the rescue pass or the 15-minute schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.devices.registry import Devices
from core.devices.webhooks import BadNotification, UnknownProvider, notified
from core.models import utcnow
from core.plugins import Plugins
from core.unit_of_work import UnitOfWork

from .settings import Settings

__all__ = ["device_routes", "platform_devices"]


def platform_devices(settings: Settings, plugins: Plugins) -> Devices:
    """Core's Fitbit provider (if configured) and the plugins', with the token vault."""
    return Devices.build(plugins, token_keys=settings.device_keys(), fitbit=settings.fitbit)


def device_routes(uow: UnitOfWork, *, clock: Callable[[], dt.datetime] = utcnow
                  ) -> list[Route]:
    """The providers' notification endpoint; ``clock`` is when a notification counts as
    received (and its import's now)."""
    async def notifications(request: Request) -> Response:
        name = request.path_params["provider"]
        provider = uow.devices.providers.get(name)
        if provider is None:
            return Response(status_code=404)
        if request.method == "GET":  # the provider checking its subscriber
            return Response(status_code=provider.verification(request.query_params) or 404)
        try:
            await notified(uow, name, request.headers, await request.body(), now=clock())
        except UnknownProvider:
            return Response(status_code=404)
        except BadNotification as error:
            # A wrong signature: 404, as Fitbit documents (and nothing learnt by a prober).
            return Response(status_code=404 if error.signature else 400)
        return Response(status_code=204)

    return [Route("/devices/{provider}/notifications", notifications,
                  methods=["GET", "POST"])]
