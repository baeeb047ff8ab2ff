"""A request id on every request: taken from ``X-Request-ID`` when a proxy set a sane one,
otherwise made here; bound to every log line written while serving the request, and sent
back in the response's ``X-Request-ID``."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import bind_request

__all__ = ["HEADER", "RequestIds"]

HEADER = "x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value.decode("latin-1") for name, value in scope["headers"]
                      if name == HEADER.encode()), "")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        bind_request(request_id)

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        await self.app(scope, receive, with_id)
