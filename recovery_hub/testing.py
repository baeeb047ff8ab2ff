"""Testing a plugin against a whole Recovery Hub: a pytest plugin, for plugin authors.

Turn it on in your tests' ``conftest.py``::

    pytest_plugins = ["recovery_hub.testing"]

and ask for the ``recovery_hub_platform`` fixture, a factory. Each call starts a platform on
the test's own fresh database — migrated (core's tables and those of every enabled plugin),
with the plugins that plugins.toml enables, optionally with the demo world — and returns a
``Hub`` that runs GraphQL operations over HTTP as any user::

    async def test_greeting(recovery_hub_platform):
        hub = await recovery_hub_platform(demo=True)
        result = await hub.execute("{ me { helloGreeting } }", as_user="ngozi")
        assert result.data == {"me": {"helloGreeting": "Hello, Ngozi!"}}

The database is SQLite in a temporary file. With ``RECOVERY_HUB_TEST_DATABASE=postgres`` each
test gets a new PostgreSQL database instead, on the server at ``RECOVERY_HUB_TEST_POSTGRES_URL``
(default ``postgresql://postgres@127.0.0.1:5432/test``), dropped afterwards. Override the
``recovery_hub_database_url`` fixture to bring your own empty database. docs/plugins.md has
more.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from auth.dev_tokens import issue_dev_token
from core.db import Database
from core.devices.vault import new_key
from core.migrate import upgrade_async
from core.permissions import AccessRules
from core.plugins import Plugins, load_plugins
from core.unit_of_work import UnitOfWork

from .app import Platform, create_app, load_demo_world
from .settings import Settings

__all__ = [
    "Hub",
    "Result",
    "StartPlatform",
    "recovery_hub_database_url",
    "recovery_hub_platform",
    "running_platform",
]

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Result:
    """What a GraphQL operation returned: ``data`` and the ``errors`` as JSON."""

    data: Any
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def codes(self) -> list[str | None]:
        """``extensions.code`` of each error, in order."""
        return [(error.get("extensions") or {}).get("code") for error in self.errors]

    def payload(self, name: str) -> dict[str, Any]:
        """A mutation's payload; fails if there were GraphQL-level errors."""
        assert not self.errors, self.errors
        return self.data[name]  # type: ignore[no-any-return]


class Hub:
    """A running platform (development mode) and an HTTP client for its ``/graphql``."""

    def __init__(self, app: Starlette, client: httpx.AsyncClient, secret: str) -> None:
        self.app = app
        self.platform: Platform = app.state.platform
        self._client = client
        self._secret = secret

    @property
    def plugins(self) -> Plugins:
        return self.platform.plugins

    @property
    def rules(self) -> AccessRules:
        return self.platform.rules

    @property
    def uow(self) -> UnitOfWork:
        return self.platform.uow

    @property
    def db(self) -> Database:
        return self.platform.db

    def token(self, username: str) -> str:
        """A development bearer token for a user."""
        return issue_dev_token(self._secret, username)

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, as_user: str | None
    ) -> Result:
        """POST one operation as ``as_user`` (a username; None: signed out)."""
        headers = {} if as_user is None else {"Authorization": f"Bearer {self.token(as_user)}"}
        response = await self._client.post("/graphql", json={"query": query,
                                                             "variables": variables or {}},
                                           headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        return Result(data=body.get("data"), errors=body.get("errors") or [])


@asynccontextmanager
async def running_platform(
    database_url: str,
    *,
    plugins_toml: str | None = None,
    plugins: Mapping[str, object] | None = None,
    entry_points: bool = True,
    migrate: bool = True,
    demo: bool = False,
) -> AsyncIterator[Hub]:
    """A platform on ``database_url``, as ``recovery-hub serve --dev`` would run it.

    ``plugins_toml``: the text of plugins.toml (none: every shipped plugin runs, with its
    default settings). ``plugins``: plugin objects by name, as if installed (a module, or an
    object with ``@hookimpl`` methods). ``entry_points``: load installed plugins too.
    ``migrate``: upgrade the database first (core's and the enabled plugins' migrations).
    ``demo``: load the demo world (core's and the plugins', hook ``load_demo_data``) into
    the empty database.
    """
    with tempfile.TemporaryDirectory(prefix="recovery-hub-") as directory:
        path = Path(directory) / "plugins.toml"
        if plugins_toml is not None:
            path.write_text(plugins_toml)
        loaded = load_plugins(path, extra=plugins, entry_points=entry_points)
        if migrate:
            await upgrade_async(database_url, plugins=loaded)
        secret = secrets.token_hex(32)
        settings = Settings(database_url=database_url, plugins_file=str(path),
                            development=True, secret_key=secret,
                            device_token_keys=(new_key(),), request_timeout_seconds=120.0)
        app = create_app(settings, plugins=loaded)
        platform: Platform = app.state.platform
        try:
            if demo:
                await load_demo_world(platform.uow, platform.rules, platform.plugins)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport,
                                         base_url="http://testserver") as client:
                yield Hub(app, client, secret)
        finally:
            await platform.db.dispose()


class StartPlatform(Protocol):
    """The ``recovery_hub_platform`` factory: the options of ``running_platform``."""

    async def __call__(
        self,
        *,
        plugins_toml: str | None = None,
        plugins: Mapping[str, object] | None = None,
        entry_points: bool = True,
        migrate: bool = True,
        demo: bool = False,
    ) -> Hub: ...


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest_asyncio.fixture
async def recovery_hub_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database for one test (see the module's docstring for PostgreSQL)."""
    backend = os.environ.get("RECOVERY_HUB_TEST_DATABASE", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'recovery-hub.db'}"
        return
    if backend != "postgres":
        pytest.fail(f"RECOVERY_HUB_TEST_DATABASE={backend!r}: expected sqlite or postgres")
    server = os.environ.get("RECOVERY_HUB_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    try:
        admin = await asyncpg.connect(_admin_dsn(server), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        # PostgreSQL was asked for: never a skip.
        pytest.fail(f"PostgreSQL unreachable at {server}: {error}")
    name = f"recovery_hub_plugin_test_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest_asyncio.fixture
async def recovery_hub_platform(recovery_hub_database_url: str) -> AsyncIterator[StartPlatform]:
    """``hub = await recovery_hub_platform(plugins_toml=..., plugins=..., demo=...)``: a
    platform on this test's database (every call shares it), stopped after the test."""
    async with AsyncExitStack() as stack:

        async def start(**options: Any) -> Hub:
            return await stack.enter_async_context(
                running_platform(recovery_hub_database_url, **options))

        yield start
