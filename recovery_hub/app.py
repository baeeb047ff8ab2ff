"""``create_app()``: the ASGI application, wired from settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import strawberry
from cross_web import HTTPException  # what Strawberry's views turn into an HTTP error
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from auth.adapter import audience_of, issuer_of
from auth.bearer import InvalidToken, authenticate
from auth.routes import oauth_routes
from core.db import Database
from core.events import EventDispatcher
from core.metrics import instrument_pool
from core.migrate import Heads
from core.notifications.mail import MailSettings
from core.permissions import AccessRules
from core.plugins import Plugins, access_rules, load_plugins
from core.unit_of_work import UnitOfWork
from schema.build import SchemaLimits, build_schema
from schema.context import Context

from .devices import device_routes, platform_devices
from .limits import BodyLimits, RequestBodyLimits, refusal
from .observability import RequestMetrics, healthz, metrics_response, readiness
from .rate_limits import RateLimits, RateLimitsByAddress
from .request_ids import RequestIds
from .settings import Settings

__all__ = ["Platform", "create_app", "load_demo_world", "mail_settings"]

log = logging.getLogger("recovery_hub")


@dataclass
class Platform:
    """Everything a request needs that is built once per process."""

    settings: Settings
    db: Database
    uow: UnitOfWork
    schema: strawberry.Schema
    rules: AccessRules
    plugins: Plugins
    rate_limits: RateLimits

    async def close(self) -> None:
        """Give back the database's and Redis' connections."""
        await self.rate_limits.aclose()
        await self.db.dispose()

    @classmethod
    def build(cls, settings: Settings, plugins: Plugins | None = None) -> Platform:
        """``plugins`` as loaded already (tests, recovery_hub.testing), else from
        ``settings.plugins_file`` and the installed entry points."""
        # Everything plugins contribute is collected here, once: requests never touch the
        # plugin manager for set-up.
        if plugins is None:
            plugins = load_plugins(Path(settings.plugins_file))
        rules = access_rules(plugins)
        db = Database(settings.database_url, pool_size=settings.pool_size,
                      pool_timeout=settings.pool_timeout_seconds)
        uow = UnitOfWork(db, EventDispatcher(), plugins, platform_devices(settings, plugins))
        uow.mail = mail_settings(settings)
        _ = uow.jobs  # every plugin's jobs checked now: a mistake stops start-up
        return cls(
            rules=rules,
            plugins=plugins,
            settings=settings,
            db=db,
            uow=uow,
            rate_limits=RateLimits.build(
                per_address=settings.rate_limit_per_address,
                per_client=settings.rate_limit_per_client,
                token_per_address=settings.rate_limit_token_per_address,
                redis_url=settings.redis_url),
            schema=build_schema(
                development=settings.development,
                rules=rules,
                plugins=plugins,
                limits=SchemaLimits(settings.max_depth, settings.max_aliases,
                                    settings.max_tokens, settings.max_list_entries,
                                    settings.max_text_length),
            ),
        )


def mail_settings(settings: Settings) -> MailSettings | None:
    """Where notification emails go, if an SMTP server is configured."""
    if not settings.smtp_host:
        return None
    return MailSettings(
        host=settings.smtp_host, port=settings.smtp_port, sender=settings.mail_from,
        username=settings.smtp_username, password=settings.smtp_password,
        security=settings.smtp_security, timeout_seconds=settings.smtp_timeout_seconds,
        public_url=settings.public_url)


class _GraphQLApp(GraphQL[Context, None]):
    def __init__(self, platform: Platform) -> None:
        super().__init__(
            platform.schema,
            graphql_ide="graphiql" if platform.settings.development else None,
            allow_queries_via_get=False,
            multipart_uploads_enabled=False,
            subscription_protocols=(),
        )
        self.platform = platform

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        # Strawberry assumes an object (or a list: a batch, refused unless enabled); any other
        # JSON value crashed it with a 500.
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "The request body must be a JSON object.")
        return parsed

    async def process_result(self, request: Any, result: Any) -> Any:
        if result.errors:  # for the request metrics: answered, with errors
            request.scope.setdefault("state", {})["graphql_errors"] = True
        return await super().process_result(request, result)

    async def get_context(self, request: Any, response: Any) -> Context:
        state = request.scope["state"]
        return Context.build(self.platform.uow, state["session"], state["principal"],
                             self.platform.rules, request=request)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return refusal(status, code, message, headers=headers)


class _RequestScope:
    """Per HTTP request: a read session, the principal, and a time limit.

    Authentication happens here, before GraphQL: a bad token is a 401 (RFC 6750), never a
    GraphQL result.
    """

    def __init__(self, app: ASGIApp, platform: Platform) -> None:
        self.app = app
        self.platform = platform
        self.dev_secret = platform.settings.dev_secret()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        async with self.platform.db.read_session() as session:
            try:
                principal = await authenticate(
                    request, session, dev_secret=self.dev_secret,
                    audience=audience_of(issuer_of(request, self.platform.settings.issuer)))
            except InvalidToken as error:
                response = _error(401, "UNAUTHENTICATED", f"Not signed in: {error}.",
                                  {"WWW-Authenticate": 'Bearer error="invalid_token"'})
                await response(scope, receive, send)
                return
            await session.commit()  # the next read starts a fresh snapshot
            if principal.is_authenticated:
                who = (f"client:{principal.client_id}" if principal.client_id
                       else f"account:{principal.account_id}")
                limits = self.platform.rate_limits
                refused = await limits.refused(limits.per_client, "/graphql", who)
                if refused is not None:
                    await refused(scope, receive, send)
                    return
            scope.setdefault("state", {}).update(session=session, principal=principal)
            try:
                async with asyncio.timeout(self.platform.settings.request_timeout_seconds):
                    await self.app(scope, receive, tracking_send)
            except TimeoutError:
                log.warning("request timed out: %s", scope.get("path"))
                scope["state"]["timed_out"] = True
                if not started:
                    await _error(503, "TIMEOUT", "The request took too long. Try a smaller "
                                 "query.")(scope, receive, send)


async def load_demo_world(uow: UnitOfWork, rules: AccessRules, plugins: Plugins) -> None:
    """Core's demo data and each plugin's (hook ``load_demo_data``, which ``load_demo`` calls
    once core's people, goals and budgets exist, before its budget requests are submitted)."""
    from .demo import load_demo

    assert uow.plugins is plugins, "the unit of work carries the plugins whose data loads"
    await load_demo(uow, rules)


def create_app(settings: Settings | None = None, *, plugins: Plugins | None = None) -> Starlette:
    """The ASGI app: ``/graphql`` (POST, JSON), the OAuth 2 authorization server (``/oauth/*``,
    ``/.well-known/oauth-authorization-server``) and ``/healthz``. A mistake in a plugin or in
    plugins.toml raises ``ConfigurationError`` naming the plugin, the file or the key."""
    settings = settings or Settings.from_env()
    platform = Platform.build(settings, plugins)

    heads: list[Heads] = []

    async def readyz(_request: Request) -> Response:
        if not heads:  # read once, when first asked: the migrations this code expects
            heads.append(Heads(settings.database_url, platform.plugins))
        problems = await readiness(platform.db, heads[0])
        if problems:
            return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def metrics(_request: Request) -> Response:
        return await metrics_response(platform.db)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        from core.jobs.runner import JobRunner

        # In each worker process (after gunicorn forked it): its pool, its jobs.
        instrument_pool(platform.db.engine, capacity=2 * settings.pool_size)
        # Embedded: this process runs jobs too. Otherwise `recovery-hub worker` processes do,
        # and this one only hands them new jobs. Started beside the first requests, not before
        # them: a worker answers at once (jobs committed meanwhile wait for the rescue pass).
        stopping = asyncio.Event()

        async def run_jobs() -> None:
            # One task enters and leaves the runner (APScheduler's task groups require it).
            async with JobRunner(platform.uow, work=settings.jobs == "embedded",
                                 redis_url=settings.redis_url):
                await stopping.wait()

        jobs = asyncio.create_task(run_jobs())
        try:
            yield
        finally:
            stopping.set()
            try:
                await jobs
            finally:
                await platform.close()

    app = Starlette(
        middleware=[
            Middleware(RequestIds),
            Middleware(RequestMetrics),
            Middleware(RateLimitsByAddress, limits=platform.rate_limits),
            Middleware(RequestBodyLimits, limits=BodyLimits(
                settings.max_body_bytes, settings.max_json_depth, settings.max_list_entries,
                settings.max_text_length), paths=("/graphql", "/oauth/"),
                json_paths=("/graphql",)),
        ],
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            *oauth_routes(platform.uow, platform.rules, platform.plugins,
                          issuer=settings.issuer, password_sign_in=settings.password_sign_in),
            Route("/graphql", _RequestScope(_GraphQLApp(platform), platform),
                  methods=["GET", "POST"]),
            *device_routes(platform.uow),
        ],
        lifespan=lifespan,
    )
    app.state.platform = platform
    return app
