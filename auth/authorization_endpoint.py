"""The authorization endpoint (RFC 6749 §3.1) and the consent screen.

    GET  /oauth/authorize   an app's request arrives: the sign-in page, or the consent screen
    POST /oauth/authorize   Allow (with what to share, for how long) or Deny
    POST /oauth/sign-out    "Not you?": back to the sign-in page for the same request

The app's request is checked by authlib each time (the form carries it unchanged, so it is
checked again, never trusted). An error goes back to the app only once its redirect URI is
known to be registered (RFC 6749 §4.1.2.1); until then the person sees a page and is sent
nowhere. Every answer to the app carries ``iss`` (RFC 9207).

Allowing creates the person's Consent to the app (core/services/consents.py) and then the
OAuth grant and code that carry it: revoking either ends both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749.errors import OAuth2Error
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from core.errors import DomainError
from core.models import OAuthClient, Organisation, UserAccount, utcnow
from core.policy import AccessPolicy
from core.services import consents
from core.services.accounts import principal_for_account
from core.services.sign_in import account_for_session, end_session

from . import storage
from .adapter import OAuthRequest
from .browser import (
    clear_session_cookie,
    csrf_for_session,
    csrf_is_valid,
    expired_form,
    html,
    keep_pre_session_csrf,
    pre_session_csrf,
    session_token,
)
from .pages import (
    DEFAULT_DURATION,
    DURATIONS,
    ConsentScreen,
    Problem,
    consent_page,
    problem_page,
    sign_in_page,
)
from .scope_choices import category_choices, narrowed_scope
from .server import Answer, Approval
from .site import AUTHORIZATION_FIELDS, OAuthSite, authorize_url, display_name

__all__ = ["authorization_routes"]


@dataclass(frozen=True)
class _AppRequest:
    """An authorization request authlib accepted."""

    client: OAuthClient
    organisation: str | None
    scope: str  # as asked (or, when it asked for nothing, all it registered for)
    redirect_uri: str
    fields: dict[str, str]


@dataclass(frozen=True)
class _SignedIn:
    account: UserAccount
    name: str
    session_token: str


def _see_other(location: str) -> Response:
    # 303, never 307: the browser must not post the consent form on to the app (RFC 9700
    # §4.12).
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


class _AuthorizationEndpoint:
    def __init__(self, site: OAuthSite) -> None:
        self.site = site
        self.server = site.service.server

    # --- the app's request ------------------------------------------------------------

    async def _check(
        self, request: Request, params: Sequence[tuple[str, str]]
    ) -> tuple[OAuthRequest, _AppRequest] | Response:
        oauth_request = self.site.service.oauth_request(request, params)
        if isinstance(oauth_request, Response):
            return oauth_request

        def validate() -> _AppRequest | OAuth2Error:
            try:
                grant = self.server.get_consent_grant(oauth_request, end_user=None)
            except OAuth2Error as error:
                return error
            client: OAuthClient = grant.request.client.row
            session = storage.current().session
            organisation = (session.get(Organisation, client.organisation_id)
                            if client.organisation_id else None)
            fields = {name: oauth_request.payload.data[name] for name in AUTHORIZATION_FIELDS
                      if oauth_request.payload.data.get(name)}
            return _AppRequest(client, organisation.name if organisation else None,
                               grant.request.scope, grant.redirect_uri, fields)

        checked, _ = await self.site.service.run(request, validate, write=False)
        if isinstance(checked, OAuth2Error):
            return self._refuse(request, checked)
        return oauth_request, checked

    def _refuse(self, request: Request, error: OAuth2Error) -> Response:
        if error.redirect_uri:  # registered: tell the app (RFC 6749 §4.1.2.1)
            _, _, headers = error()
            location = dict(headers)["Location"]
            return _see_other(add_params_to_uri(
                location, {"iss": self.site.service.issuer(request)}))
        return html(problem_page(
            "We cannot connect you to this app",
            "The app sent you here with a link that is not right, so we have not sent you "
            "back to it. Close this page and try again from the app.",
            detail=f"{error.error}: {error.get_error_description()}"), status=400)

    def _respond(self, oauth_request: OAuthRequest, approval: Approval | None) -> Answer:
        """authlib's answer to the app: a code, or ``access_denied`` when ``approval`` is
        None. (Inside ``service.run``.)"""
        try:
            grant = self.server.get_consent_grant(oauth_request, end_user=None)
        except OAuth2Error as error:
            return self.server.handle_error_response(oauth_request, error)
        return self.server.create_authorization_response(  # type: ignore[no-any-return]
            oauth_request, grant_user=approval, grant=grant)

    def _answer(self, request: Request, answer: Answer) -> Response:
        location = answer.location
        if location is None:  # authlib answered with an error body, not a redirect
            return html(problem_page("Something went wrong",
                                     "Close this page and try again from the app."),
                        status=400)
        return _see_other(location)

    # --- who is signed in -------------------------------------------------------------

    async def _signed_in(self, request: Request) -> _SignedIn | None:
        token = session_token(request)
        if token is None:
            return None
        async with self.site.uow.db.reading() as session:
            account = await account_for_session(session, token)
            if account is None:
                return None
            return _SignedIn(account, await display_name(session, account), token)

    def _sign_in(self, request: Request, app: _AppRequest) -> Response:
        csrf = pre_session_csrf(request)
        response = html(sign_in_page(
            app_name=app.client.name, next_url=authorize_url(app.fields), csrf=csrf,
            providers=[(p.name, p.title) for p in self.site.providers.values()],
            passwords=self.site.password_sign_in))
        keep_pre_session_csrf(response, request, self.site.service.issuer(request), csrf)
        return response

    def _screen(self, app: _AppRequest, who: _SignedIn) -> ConsentScreen:
        return ConsentScreen(
            app_name=app.client.name, organisation=app.organisation,
            purpose=app.client.purpose,
            choices=category_choices(app.scope, self.site.rules.categories),
            request_fields=app.fields, csrf=csrf_for_session(who.session_token),
            signed_in_as=who.name, for_person=who.account.person_id is not None)

    # --- the endpoint -----------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._decide(request)
        checked = await self._check(request, request.query_params.multi_items())
        if isinstance(checked, Response):
            return checked
        oauth_request, app = checked
        who = await self._signed_in(request)
        if who is None:
            return self._sign_in(request, app)
        if _acts_for_others(who):
            return await self._deny(request, oauth_request, _NOT_YET)
        return html(consent_page(self._screen(app, who)), redirect_uri=app.redirect_uri)

    async def _decide(self, request: Request) -> Response:
        form = await request.form()
        params = [(k, v) for k, v in form.multi_items()
                  if k in AUTHORIZATION_FIELDS and isinstance(v, str)]
        if not csrf_is_valid(request, _text(form.get("csrf"))):
            return expired_form()
        checked = await self._check(request, params)
        if isinstance(checked, Response):
            return checked
        oauth_request, app = checked
        who = await self._signed_in(request)
        if who is None:
            return self._sign_in(request, app)
        if _acts_for_others(who):
            return await self._deny(request, oauth_request, _NOT_YET)
        if _text(form.get("decision")) != "allow":
            return await self._deny(request, oauth_request)
        offered = [choice.category for choice in category_choices(
            app.scope, self.site.rules.categories)]
        chosen = [c for c in form.getlist("category") if isinstance(c, str) and c in offered]
        duration = _text(form.get("duration")) or DEFAULT_DURATION
        screen = self._screen(app, who)
        if not chosen:
            return html(consent_page(screen, duration=duration, problems=[Problem(
                "categories", "Tick at least one kind of information to share, or choose "
                "Deny.")]), status=400, redirect_uri=app.redirect_uri)
        if who.account.person_id is not None and duration not in DURATIONS:
            return html(consent_page(screen, ticked=chosen, problems=[Problem(
                "duration-90d", "Choose for how long to share.")]), status=400,
                redirect_uri=app.redirect_uri)
        return await self._allow(request, oauth_request, app, who, chosen, duration)

    async def _deny(self, request: Request, oauth_request: OAuthRequest,
                    reason: str | None = None) -> Response:
        def deny() -> Answer:
            answer = self._respond(oauth_request, None)
            if reason and answer.location:
                parts = urlsplit(answer.location)
                query = [(k, reason if k == "error_description" else v)
                         for k, v in parse_qsl(parts.query)]
                answer.location = urlunsplit(parts._replace(query=urlencode(query)))
            return answer

        answer, _ = await self.site.service.run(request, deny, write=False)
        return self._answer(request, answer)

    async def _allow(self, request: Request, oauth_request: OAuthRequest, app: _AppRequest,
                     who: _SignedIn, chosen: list[str], duration: str) -> Response:
        rules = self.site.rules
        consent_id: int | None = None
        policy: AccessPolicy | None = None
        if who.account.person_id is not None:
            days = DURATIONS[duration][1]
            async with self.site.uow.db.reading() as session:
                principal = await principal_for_account(session, who.account)
            policy = AccessPolicy(principal, rules)
            try:
                consent = await consents.grant_consent(
                    self.site.uow, policy, person_id=who.account.person_id, categories=chosen,
                    purpose=app.client.purpose, grantee_client_id=app.client.client_id,
                    valid_until=utcnow() + dt.timedelta(days=days) if days else None)
            except DomainError as error:
                return html(problem_page("We could not save your choice", error.message),
                            status=400)
            consent_id = consent.id
        approval = Approval(who.account.id, consent_id,
                            narrowed_scope(app.scope, chosen, rules.categories))

        answer, store = await self.site.service.run(
            request, lambda: self._respond(oauth_request, approval), write=True)
        if store.failed and policy is not None and consent_id is not None:
            # The request stopped being valid in between: take the consent back too.
            await consents.revoke_consent(self.site.uow, policy.renewed(), consent_id)
        return self._answer(request, answer)

    async def sign_out(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_is_valid(request, _text(form.get("csrf"))):
            return expired_form()
        token = session_token(request)
        if token:
            await end_session(self.site.uow, token)
        fields = {k: v for k, v in form.items() if k in AUTHORIZATION_FIELDS
                  and isinstance(v, str)}
        response = _see_other(authorize_url(fields))
        clear_session_cookie(response, request, self.site.service.issuer(request))
        return response


# A carer's or representative's account acts for people through Representative links; which
# person an app would act for, and whose consent that takes, is not decided yet.
_NOT_YET = "Carers and representatives cannot connect apps yet."


def _acts_for_others(who: _SignedIn) -> bool:
    return who.account.person_id is None and who.account.staff_member_id is None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def authorization_routes(site: OAuthSite) -> list[Route]:
    endpoint = _AuthorizationEndpoint(site)
    return [
        Route("/oauth/authorize", endpoint.authorize, methods=["GET", "POST"]),
        Route("/oauth/sign-out", endpoint.sign_out, methods=["POST"]),
    ]

