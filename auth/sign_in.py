"""Signing in to the authorization pages: with a password, or through an upstream identity
provider (NHS login, NHS CIS2: core/identity_providers.py).

    POST /oauth/sign-in                     username and password
    POST /oauth/sign-in/{provider}          off to the provider, with a fresh state and nonce
    GET  /oauth/sign-in/{provider}/callback back from it: state checked, account looked up

Success starts a browser session (a cookie) and goes on to ``next``, which can only be our own
authorization endpoint. The sign-in page itself is shown by the authorization endpoint.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.identity_providers import UpstreamSignIn
from core.services.oauth import client_names
from core.services.sign_in import (
    SESSION_LIFETIME,
    SignedIn,
    SignInRefused,
    sign_in_with_password,
    start_session,
)

from .browser import (
    csrf_is_valid,
    expired_form,
    html,
    keep_pre_session_csrf,
    pre_session_csrf,
    set_session_cookie,
)
from .pages import Problem, problem_page, sign_in_page
from .site import OAuthSite, is_authorize_url

__all__ = ["sign_in_routes"]

_UPSTREAM_COOKIE = "rh_upstream"


def _see_other(location: str) -> Response:
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


class _SignIn:
    def __init__(self, site: OAuthSite) -> None:
        self.site = site

    async def _app_name(self, next_url: str) -> str | None:
        client_id = dict(parse_qsl(urlsplit(next_url).query)).get("client_id")
        if not client_id:
            return None
        async with self.site.uow.db.reading() as session:
            return (await client_names(session, [client_id])).get(client_id)

    async def _page(self, request: Request, next_url: str, *, status: int,
                    username: str = "", problems: list[Problem] | None = None,
                    headers: dict[str, str] | None = None) -> Response:
        csrf = pre_session_csrf(request)
        response = html(sign_in_page(
            app_name=await self._app_name(next_url), next_url=next_url, csrf=csrf,
            username=username, problems=problems or [],
            providers=[(p.name, p.title) for p in self.site.providers.values()],
            passwords=self.site.password_sign_in), status=status)
        response.headers.update(headers or {})
        keep_pre_session_csrf(response, request, self.site.service.issuer(request), csrf)
        return response

    def _signed_in(self, request: Request, signed_in: SignedIn, next_url: str) -> Response:
        response = _see_other(next_url)
        set_session_cookie(response, request, self.site.service.issuer(request),
                           signed_in.session_token, int(SESSION_LIFETIME.total_seconds()))
        return response

    async def with_password(self, request: Request) -> Response:
        form = await request.form()
        next_url = form.get("next")
        if not isinstance(next_url, str) or not is_authorize_url(next_url):
            return _nowhere_to_go()
        if not csrf_is_valid(request, _text(form.get("csrf"))):
            return expired_form()
        if not self.site.password_sign_in:
            return await self._page(request, next_url, status=400, problems=[Problem(
                "username", "Sign in with one of the buttons below.")])
        username = _text(form.get("username")) or ""
        password = _text(form.get("password")) or ""
        missing = [Problem(field, message) for field, value, message in (
            ("username", username.strip(), "Enter your username."),
            ("password", password, "Enter your password.")) if not value]
        if missing:
            return await self._page(request, next_url, status=400, username=username,
                                    problems=missing)
        try:
            signed_in = await sign_in_with_password(
                self.site.uow, username=username, password=password,
                remote_address=request.client.host if request.client else None)
        except SignInRefused as refused:
            status, headers = 400, {}
            if refused.retry_after is not None:
                status = 429
                headers = {"Retry-After": str(int(refused.retry_after.total_seconds()) + 1)}
            return await self._page(request, next_url, status=status, username=username,
                                    problems=[Problem("username", refused.message)],
                                    headers=headers)
        return self._signed_in(request, signed_in, next_url)

    # --- upstream identity providers ---------------------------------------------------

    def _callback_uri(self, request: Request, name: str) -> str:
        return f"{self.site.service.issuer(request)}/oauth/sign-in/{name}/callback"

    async def upstream(self, request: Request) -> Response:
        provider = self.site.providers.get(request.path_params["provider"])
        form = await request.form()
        next_url = form.get("next")
        if provider is None or not isinstance(next_url, str) or not is_authorize_url(next_url):
            return _nowhere_to_go()
        if not csrf_is_valid(request, _text(form.get("csrf"))):
            return expired_form()
        attempt = UpstreamSignIn(state=secrets.token_urlsafe(32),
                                 nonce=secrets.token_urlsafe(32),
                                 code_verifier=secrets.token_urlsafe(48),
                                 redirect_uri=self._callback_uri(request, provider.name))
        response = _see_other(provider.authorization_url(attempt))
        remembered = json.dumps({"provider": provider.name, "state": attempt.state,
                                 "nonce": attempt.nonce, "verifier": attempt.code_verifier,
                                 "next": next_url})
        response.set_cookie(_UPSTREAM_COOKIE, base64.urlsafe_b64encode(
            remembered.encode()).decode(), max_age=600, path="/oauth", httponly=True,
            samesite="lax", secure=self.site.service.issuer(request).startswith("https:"))
        return response

    async def upstream_callback(self, request: Request) -> Response:
        name = request.path_params["provider"]
        provider = self.site.providers.get(name)
        remembered = _remembered(request.cookies.get(_UPSTREAM_COOKIE))
        state = request.query_params.get("state", "")
        if (provider is None or remembered is None or remembered.get("provider") != name
                or not hmac.compare_digest(state.encode(),
                                           str(remembered.get("state", "")).encode())
                or not is_authorize_url(str(remembered.get("next", "")))):
            return html(problem_page(
                "We could not sign you in",
                "The sign-in took too long or did not come back as expected. Go back to the "
                "app and start again."), status=400)
        next_url = str(remembered["next"])
        attempt = UpstreamSignIn(state=state, nonce=str(remembered["nonce"]),
                                 code_verifier=str(remembered["verifier"]),
                                 redirect_uri=self._callback_uri(request, name))
        username = None
        if "error" not in request.query_params:
            username = await provider.complete(attempt, dict(request.query_params),
                                               self.site.uow)
        signed_in = (await start_session(self.site.uow, username=username, method=name)
                     if username else None)
        if signed_in is None:
            response = await self._page(request, next_url, status=400, problems=[Problem(
                "username", "We could not sign you in that way. You may not have a Recovery "
                "Hub account yet: ask your care team.")])
        else:
            response = self._signed_in(request, signed_in, next_url)
        response.delete_cookie(_UPSTREAM_COOKIE, path="/oauth")
        return response


def _remembered(cookie: str | None) -> dict[str, object] | None:
    if not cookie:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cookie.encode()))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _nowhere_to_go() -> Response:
    return html(problem_page(
        "We cannot sign you in from here",
        "Sign in to Recovery Hub from the app you want to connect."), status=400)


def sign_in_routes(site: OAuthSite) -> list[Route]:
    sign_in = _SignIn(site)
    return [
        Route("/oauth/sign-in", sign_in.with_password, methods=["POST"]),
        Route("/oauth/sign-in/{provider}", sign_in.upstream, methods=["POST"]),
        Route("/oauth/sign-in/{provider}/callback", sign_in.upstream_callback,
              methods=["GET"]),
    ]

