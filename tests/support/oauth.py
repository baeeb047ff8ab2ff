"""Driving the OAuth flows as an app and a person would, over HTTP to the real ASGI app."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import update
from starlette.applications import Starlette

from auth.browser import SESSION_COOKIE
from core.models import UserAccount
from core.passwords import hash_password
from core.plugins import Plugins
from core.services import oauth
from core.services.sign_in import start_session
from recovery_hub.app import create_app
from recovery_hub.settings import Settings

from .world import PLUGINS, World

__all__ = [
    "APP",
    "ISSUER",
    "PARTNER",
    "PASSWORD",
    "SYSTEM",
    "Hub",
    "Pkce",
    "hub",
]

ISSUER = "https://hub.test"
PASSWORD = "a long test password"
REDIRECT = "https://app.example/callback"

# Three clients: a public app people use, a confidential partner frontend, an integration.
APP = "diary"
PARTNER = "partner"
SYSTEM = "gp-feed"
APP_SCOPE = "patient/identity.rs patient/recovery_plan.rs patient/contact.rs"


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # once per run: Argon2 is slow on purpose


@dataclass(frozen=True)
class Pkce:
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        sha = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(sha).decode().rstrip("=")


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def form_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} in the page"
    return unescape(found.group(1))


@dataclass
class Hub:
    """The app under test, the clients registered with it, and ways to walk the flows."""

    http: httpx.AsyncClient
    world: World
    app: Starlette
    secrets: dict[str, str]

    def browser(self) -> httpx.AsyncClient:
        """Another browser: its own cookies."""
        return httpx.AsyncClient(transport=self.http._transport, base_url=ISSUER)

    async def sign_in_browser(self, username: str,
                              browser: httpx.AsyncClient | None = None) -> httpx.AsyncClient:
        """A browser already signed in (no password check: most tests are not about it)."""
        browser = browser or self.http
        signed_in = await start_session(self.world.uow, username=username, method="test")
        assert signed_in is not None
        browser.cookies.set(SESSION_COOKIE, signed_in.session_token, domain="hub.test",
                            path="/oauth")
        return browser

    def authorize_params(self, pkce: Pkce | None = None, *, client_id: str = APP,
                         scope: str | None = APP_SCOPE, state: str = "state-123",
                         redirect_uri: str | None = REDIRECT,
                         **extra: str) -> dict[str, str]:
        params = {"response_type": "code", "client_id": client_id, "state": state}
        if redirect_uri is not None:
            params["redirect_uri"] = redirect_uri
        if scope is not None:
            params["scope"] = scope
        if pkce is not None:
            params |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
        return params | extra

    async def consent_page(self, params: dict[str, str],
                           browser: httpx.AsyncClient | None = None) -> httpx.Response:
        return await (browser or self.http).get("/oauth/authorize", params=params)

    async def decide(self, params: dict[str, str], *, decision: str = "allow",
                     categories: Sequence[str] = ("identity", "recovery_plan"),
                     duration: str = "90d",
                     browser: httpx.AsyncClient | None = None) -> httpx.Response:
        browser = browser or self.http
        page = await self.consent_page(params, browser)
        assert page.status_code == 200, page.text
        return await browser.post("/oauth/authorize", data={
            **params, "csrf": form_value(page.text, "csrf"), "decision": decision,
            "category": list(categories), "duration": duration})

    async def code(self, pkce: Pkce, *, username: str = "ngozi",
                   categories: Sequence[str] = ("identity", "recovery_plan"),
                   client_id: str = APP, scope: str = APP_SCOPE) -> str:
        """Sign in, allow, and return the code the app gets back."""
        await self.sign_in_browser(username)
        answer = await self.decide(self.authorize_params(pkce, client_id=client_id,
                                                         scope=scope), categories=categories)
        assert answer.status_code == 303, answer.text
        query = query_of(answer.headers["location"])
        assert "code" in query, query
        return query["code"]

    async def exchange(self, code: str, pkce: Pkce | None, *, client_id: str = APP,
                       redirect_uri: str = REDIRECT, **extra: str) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, "client_id": client_id,
                "redirect_uri": redirect_uri, **extra}
        if pkce is not None:
            data["code_verifier"] = pkce.verifier
        auth = (client_id, self.secrets[client_id]) if client_id in self.secrets else None
        return await self.http.post("/oauth/token", data=data, auth=auth)

    async def tokens(self, *, username: str = "ngozi",
                     categories: Sequence[str] = ("identity", "recovery_plan"),
                     client_id: str = APP) -> dict[str, Any]:
        pkce = Pkce()
        code = await self.code(pkce, username=username, categories=categories,
                               client_id=client_id)
        answer = await self.exchange(code, pkce, client_id=client_id)
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]

    async def refresh(self, refresh_token: str, *, client_id: str = APP) -> httpx.Response:
        return await self.http.post("/oauth/token", data={
            "grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": client_id})

    async def graphql(self, token: str | None, query: str,
                      variables: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post("/graphql", json={"query": query,
                                                      "variables": variables or {}},
                                    headers=headers)


async def register_clients(world: World) -> dict[str, str]:
    """The three test clients; returns the confidential ones' secrets."""
    system = await world.policy("system")
    await oauth.register_client(
        world.uow, system, name="Recovery Diary", purpose="To show your goals in your diary.",
        scopes=APP_SCOPE.split() + ["patient/consent.cru"], redirect_uris=[REDIRECT],
        confidential=False, client_id=APP)
    partner = await oauth.register_client(
        world.uow, system, name="Sessions Planner", purpose="To plan your sessions with you.",
        scopes=["patient/*.cruds", "user/*.rs"], redirect_uris=[REDIRECT],
        organisation_id=world.charity, client_id=PARTNER)
    feed = await oauth.register_client(
        world.uow, system, name="GP system feed", purpose="Sends health checks.",
        scopes=["system/recovery_plan.rs"], system=True, client_id=SYSTEM)
    assert partner.secret and feed.secret
    return {PARTNER: partner.secret, SYSTEM: feed.secret}


@asynccontextmanager
async def hub(world: World, database_url: str, *, plugins: Plugins = PLUGINS,
              clients: bool = True, **settings: Any) -> AsyncIterator[Hub]:
    """The app (in production mode unless ``settings`` say otherwise), with the test clients
    (unless ``clients`` is false: registered already) and passwords for the world's people
    and staff."""
    async with world.uow.db.engine.begin() as connection:
        await connection.execute(update(UserAccount).values(password_hash=_password_hash()))
    client_secrets = await register_clients(world) if clients else {}
    app = create_app(Settings(**{"database_url": database_url, "development": False,
                                 **settings}), plugins=plugins)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
            yield Hub(http, world, app, client_secrets)
    finally:
        await app.state.platform.db.dispose()
