"""The app the HTTP benchmark serves: ``uvicorn --factory bench.server:create_bench_app``.

* ``/graphql``: production's ``create_app()``, in development mode only so that it accepts dev
  tokens, with its schema swapped for the production one (no introspection, masked errors);
* ``/unaudited/graphql``: the same without the audit trail (``bench/unaudited.py``);
* ``/floor``: the floor (``bench/floor.py``) for the same requests.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from recovery_hub.app import create_app
from recovery_hub.settings import Settings
from schema.build import build_schema

from . import unaudited
from .fixture import Fixture, resolve
from .floor import Floor
from .scales import PLUGINS_FILE

__all__ = ["create_bench_app"]


def _swap_schema(app: Starlette, schema: strawberry.Schema) -> None:
    platform = app.state.platform
    platform.schema = schema
    for route in app.routes:
        if getattr(route, "path", None) == "/graphql":
            route.endpoint.app.schema = schema  # type: ignore[attr-defined]


class _AuditOff:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = unaudited.AUDIT_OFF.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            unaudited.AUDIT_OFF.reset(token)


def create_bench_app() -> Starlette:
    url = os.environ["RECOVERY_HUB_BENCH_DATABASE_URL"]
    settings = Settings(database_url=url, plugins_file=PLUGINS_FILE, development=True,
                        secret_key=os.environ["RECOVERY_HUB_BENCH_SECRET"])
    unaudited.install()
    main = create_app(settings)
    platform = main.state.platform
    _swap_schema(main, build_schema(development=False, rules=platform.rules,
                                    plugins=platform.plugins))
    quiet = create_app(settings)
    _swap_schema(quiet, unaudited.without_read_audit(platform.rules, platform.plugins))
    floor = Floor(url)
    found: dict[str, Fixture] = {}

    async def floor_endpoint(request: Request) -> Response:
        body = await request.json()
        params: dict[str, Any] = dict(body["params"])
        if "actor" in params:
            params["actor"] = found["fixture"].actors[params["actor"]]
        result = await floor.run(body["scenario"], params)
        return Response(result.body, media_type="application/json")

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        found["fixture"] = await resolve(floor.db)
        yield
        for database in (platform.db, quiet.state.platform.db, floor.db):
            await database.dispose()

    return Starlette(routes=[*main.routes, Route("/floor", floor_endpoint, methods=["POST"]),
                             Mount("/unaudited", app=_AuditOff(quiet))], lifespan=lifespan)
