"""Devices in the running platform: the providers and token vault built from the settings,
the endpoint providers send notifications to, and the follow-up import after one.

``POST /devices/<provider>/notifications`` answers 204 at once (Fitbit wants an answer
within seconds) and imports afterwards, in the same process (a Starlette background task):
the devices are marked as due in the database first, so an import lost with the process is
done by the next ``recovery-hub devices sync`` (run it every few minutes from cron or a
timer) or, once the job runner exists, by the job this follow-up becomes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core.devices.registry import Devices
from core.devices.sync import sync_due
from core.devices.webhooks import BadNotification, UnknownProvider, notified
from core.models import utcnow
from core.plugins import Plugins
from core.unit_of_work import UnitOfWork

from .settings import Settings

__all__ = ["device_routes", "follow_up", "platform_devices"]

log = logging.getLogger("recovery_hub.devices")


def platform_devices(settings: Settings, plugins: Plugins) -> Devices:
    """Core's Fitbit provider (if configured) and the plugins', with the token vault."""
    return Devices.build(plugins, token_keys=settings.device_keys(), fitbit=settings.fitbit)


async def follow_up(uow: UnitOfWork, device_ids: list[int],
                    clock: Callable[[], dt.datetime] = utcnow) -> None:
    """Import what a notification said is new. Never raises: it runs after the response."""
    try:
        for result in await sync_due(uow, now=clock(), device_ids=device_ids):
            if result.error:
                log.warning("device %s: import failed: %s", result.device_id, result.error)
    except Exception:
        log.exception("importing after a notification failed (devices %s)", device_ids)


def device_routes(uow: UnitOfWork, *, clock: Callable[[], dt.datetime] = utcnow
                  ) -> list[Route]:
    """The providers' notification endpoint; ``clock`` is what the follow-up calls now."""
    async def notifications(request: Request) -> Response:
        name = request.path_params["provider"]
        provider = uow.devices.providers.get(name)
        if provider is None:
            return Response(status_code=404)
        if request.method == "GET":  # the provider checking its subscriber
            return Response(status_code=provider.verification(request.query_params) or 404)
        try:
            due = await notified(uow, name, request.headers, await request.body(),
                                 now=clock())
        except UnknownProvider:
            return Response(status_code=404)
        except BadNotification as error:
            # A wrong signature: 404, as Fitbit documents (and nothing learnt by a prober).
            return Response(status_code=404 if error.signature else 400)
        return Response(status_code=204,
                        background=BackgroundTask(follow_up, uow, due, clock) if due else None)

    return [Route("/devices/{provider}/notifications", notifications,
                  methods=["GET", "POST"])]
