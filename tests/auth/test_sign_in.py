"""Signing in on the authorization pages: passwords (Argon2id), throttling and lockout, the
browser session, and upstream identity providers (the ``register_identity_providers`` hook)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from core.errors import InvalidInput
from core.hookspecs import hookimpl
from core.identity_providers import UpstreamSignIn
from core.models import LoginAttempt, UserAccount
from core.passwords import verify_password
from core.plugin_config import PluginEntry
from core.plugins import PARTNER_PLUGINS, load_plugins
from core.services import accounts, sign_in
from core.unit_of_work import UnitOfWork
from tests.support.oauth import PASSWORD, Hub, Pkce, form_value, hub
from tests.support.world import World


async def _sign_in_page(oauth_hub: Hub) -> tuple[dict[str, str], str, str]:
    params = oauth_hub.authorize_params(Pkce())
    page = await oauth_hub.consent_page(params)
    assert page.status_code == 200
    assert "<h1>Sign in</h1>" in page.text
    return params, form_value(page.text, "csrf"), form_value(page.text, "next")


async def _attempt(oauth_hub: Hub, password: str, username: str = "ngozi"):  # type: ignore[no-untyped-def]
    _, csrf, next_url = await _sign_in_page(oauth_hub)
    return await oauth_hub.http.post("/oauth/sign-in", data={
        "csrf": csrf, "next": next_url, "username": username, "password": password})


async def test_signing_in_leads_on_to_the_consent_screen(oauth_hub: Hub) -> None:
    answer = await _attempt(oauth_hub, PASSWORD, username="  NGOZI ")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/oauth/authorize?response_type=code")
    cookie = answer.headers["set-cookie"]
    assert "rh_session=rhss_" in cookie
    assert all(flag in cookie.lower() for flag in ("httponly", "samesite=lax", "secure",
                                                   "path=/oauth"))
    consent = await oauth_hub.http.get(answer.headers["location"])
    assert "Do you want to share your information with Recovery Diary?" in consent.text
    assert "Signed in as Ngozi Example" in consent.text


async def test_a_wrong_password_shows_the_form_again(oauth_hub: Hub) -> None:
    for username, password in (("ngozi", "not the password"), ("nobody", PASSWORD)):
        answer = await _attempt(oauth_hub, password, username=username)
        assert answer.status_code == 400
        assert "The username or password is not right" in answer.text
        assert "<title>Error: Sign in" in answer.text
        assert 'aria-invalid="true"' in answer.text
        assert "rh_session" not in answer.headers.get("set-cookie", "")
    missing = await _attempt(oauth_hub, "")
    assert "Enter your password." in missing.text


async def test_an_account_is_locked_after_repeated_failures(oauth_hub: Hub) -> None:
    for _ in range(sign_in.MAX_ACCOUNT_FAILURES):
        assert (await _attempt(oauth_hub, "a wrong guess")).status_code == 400
    locked = await _attempt(oauth_hub, PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 800
    assert "too many tries to sign in to this account" in locked.text
    # Other accounts are not affected; tries while locked are not counted.
    assert (await _attempt(oauth_hub, PASSWORD, username="belu")).status_code == 303
    async with oauth_hub.world.uow.db.reading() as session:
        tries = list(await session.scalars(select(LoginAttempt).where(
            LoginAttempt.username == "ngozi")))
    assert len(tries) == sign_in.MAX_ACCOUNT_FAILURES


async def test_an_address_trying_many_accounts_is_throttled(
    oauth_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sign_in, "MAX_ADDRESS_FAILURES", 3)
    for username in ("amara", "james", "zed"):
        assert (await _attempt(oauth_hub, "guess", username=username)).status_code == 400
    throttled = await _attempt(oauth_hub, PASSWORD, username="belu")
    assert throttled.status_code == 429
    assert "too many tries to sign in from this connection" in throttled.text


async def test_passwords_are_hashed_with_argon2id(world: World) -> None:
    system = await world.policy("system")
    await accounts.set_password(world.uow, system, username="belu",
                                password="correct horse battery")
    async with world.uow.db.reading() as session:
        stored = await session.scalar(select(UserAccount.password_hash).where(
            UserAccount.username == "belu"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse battery!")
    with pytest.raises(InvalidInput) as short:
        await accounts.set_password(world.uow, system, username="belu", password="short")
    assert short.value.code == "PASSWORD_TOO_SHORT"


async def test_sign_in_goes_nowhere_but_our_authorization_endpoint(oauth_hub: Hub) -> None:
    _, csrf, _ = await _sign_in_page(oauth_hub)
    for next_url in ("https://evil.example/", "//evil.example/oauth/authorize",
                     "/graphql", "/oauth/authorize/../../x"):
        answer = await oauth_hub.http.post("/oauth/sign-in", data={
            "csrf": csrf, "next": next_url, "username": "ngozi", "password": PASSWORD})
        assert answer.status_code == 400, next_url
        assert "location" not in answer.headers


async def test_the_sign_in_form_needs_its_csrf_token(oauth_hub: Hub) -> None:
    _, _, next_url = await _sign_in_page(oauth_hub)
    stranger = oauth_hub.browser()  # another site's page: it has none of our cookies
    async with stranger:
        answer = await stranger.post("/oauth/sign-in", data={
            "csrf": "made-up", "next": next_url, "username": "ngozi", "password": PASSWORD})
    assert answer.status_code == 403


async def test_signing_out_returns_to_the_sign_in_page(oauth_hub: Hub) -> None:
    await oauth_hub.sign_in_browser("ngozi")
    params = oauth_hub.authorize_params(Pkce())
    page = await oauth_hub.consent_page(params)
    out = await oauth_hub.http.post("/oauth/sign-out", data={
        **params, "csrf": form_value(page.text, "csrf")})
    assert out.status_code == 303
    oauth_hub.http.cookies.clear()
    again = await oauth_hub.http.get(out.headers["location"])
    assert "<h1>Sign in</h1>" in again.text


class _UpstreamProvider:
    """A stand-in for NHS login: its 'ID token' is the username in the code."""

    name = "nhs_login"
    title = "Continue with NHS login"

    def __init__(self) -> None:
        self.completed: list[tuple[UpstreamSignIn, Mapping[str, str]]] = []

    def authorization_url(self, attempt: UpstreamSignIn) -> str:
        return (f"https://login.example/authorize?state={attempt.state}"
                f"&nonce={attempt.nonce}&code_challenge={attempt.code_challenge}")

    async def complete(self, attempt: UpstreamSignIn, params: Mapping[str, str],
                       uow: UnitOfWork) -> str | None:
        self.completed.append((attempt, params))
        return params.get("code")


class _UpstreamPlugin:
    def __init__(self, provider: _UpstreamProvider) -> None:
        self.provider = provider

    @hookimpl
    def register_identity_providers(self, config: object) -> list[_UpstreamProvider]:
        return [self.provider]


async def test_hook_register_identity_providers(world: World, database_url: str) -> None:
    provider = _UpstreamProvider()
    plugins = load_plugins(None, entries=[PluginEntry(name) for name in PARTNER_PLUGINS],
                           entry_points=False, extra={"upstream": _UpstreamPlugin(provider)})
    async with hub(world, database_url, plugins=plugins, password_sign_in=False) as oauth_hub:
        _, csrf, next_url = await _sign_in_page(oauth_hub)
        page = (await oauth_hub.consent_page(oauth_hub.authorize_params(Pkce()))).text
        assert "Continue with NHS login" in page
        assert 'type="password"' not in page  # passwords switched off: upstream only

        off_to = await oauth_hub.http.post("/oauth/sign-in/nhs_login",
                                           data={"csrf": csrf, "next": next_url})
        assert off_to.status_code == 303
        upstream = dict(parse_qsl(urlsplit(off_to.headers["location"]).query))
        assert off_to.headers["location"].startswith("https://login.example/authorize")

        forged = await oauth_hub.http.get("/oauth/sign-in/nhs_login/callback",
                                          params={"code": "ngozi", "state": "forged"})
        assert forged.status_code == 400 and provider.completed == []

        back = await oauth_hub.http.get("/oauth/sign-in/nhs_login/callback",
                                        params={"code": "ngozi", "state": upstream["state"]})
        assert back.status_code == 303 and back.headers["location"] == next_url
        attempt, _ = provider.completed[0]
        assert attempt.nonce == upstream["nonce"]
        assert attempt.code_challenge == upstream["code_challenge"]
        assert attempt.redirect_uri == "https://hub.test/oauth/sign-in/nhs_login/callback"
        consent = await oauth_hub.http.get(next_url)
        assert "Signed in as Ngozi Example" in consent.text

        # An identity with no account here is refused on the sign-in page.
        state = re.search(r"state=([^&]+)", (await oauth_hub.http.post(
            "/oauth/sign-in/nhs_login", data={"csrf": csrf, "next": next_url}
        )).headers["location"])
        assert state is not None
        unknown = await oauth_hub.http.get("/oauth/sign-in/nhs_login/callback",
                                           params={"code": "no-one", "state": state.group(1)})
        assert unknown.status_code == 400
        assert "We could not sign you in that way" in unknown.text

        password = await oauth_hub.http.post("/oauth/sign-in", data={
            "csrf": csrf, "next": next_url, "username": "ngozi", "password": PASSWORD})
        assert password.status_code == 400
