"""The authorization code grant with PKCE, as an app and a person go through it, and every way
a request can be wrong (RFC 6749 §4.1.2.1 and §5.2): never a 500, never a redirect to an
address that is not registered."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, update

from core.models import AuthorizationCode, Consent, OAuthGrant
from tests.support.oauth import (
    APP,
    ISSUER,
    PARTNER,
    REDIRECT,
    Hub,
    Pkce,
    form_value,
    query_of,
)

ME = "{ me { givenName phone goals { edges { node { title } } } } }"


def _refused_categories(body: dict) -> set[str]:  # type: ignore[type-arg]
    return {e["extensions"]["category"] for e in body.get("errors", [])
            if e["extensions"].get("code") == "FORBIDDEN"}


async def test_code_with_pkce_gives_a_token_for_what_the_person_allowed(oauth_hub: Hub) -> None:
    pkce = Pkce()
    await oauth_hub.sign_in_browser("ngozi")
    params = oauth_hub.authorize_params(pkce)
    answer = await oauth_hub.decide(params, categories=["identity", "recovery_plan"])

    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"{REDIRECT}?")
    query = query_of(answer.headers["location"])
    assert query["state"] == "state-123"
    assert query["iss"] == ISSUER  # RFC 9207
    token = await oauth_hub.exchange(query["code"], pkce)
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "patient/identity.rs patient/recovery_plan.rs"
    assert body["expires_in"] == 900 and body["refresh_token"]
    assert token.headers["cache-control"] == "no-store"

    read = (await oauth_hub.graphql(body["access_token"], ME)).json()
    assert read["data"]["me"]["givenName"] == "Ngozi"
    assert read["data"]["me"]["goals"] is not None
    assert read["data"]["me"]["phone"] is None
    assert _refused_categories(read) == {"contact"}

    # The grant is a Consent: to the app, for what was ticked.
    async with oauth_hub.world.uow.db.reading() as session:
        grant = await session.scalar(select(OAuthGrant))
        assert grant is not None and grant.consent_id is not None
        consent = await session.get(Consent, grant.consent_id)
    assert consent is not None
    assert (consent.grantee_client_id, consent.categories) == (APP, ["identity", "recovery_plan"])


async def test_a_confidential_client_authenticates_and_still_needs_pkce(oauth_hub: Hub) -> None:
    pkce = Pkce()
    code = await oauth_hub.code(pkce, client_id=PARTNER, scope="patient/recovery_plan.rs",
                                categories=["recovery_plan"])
    no_secret = await oauth_hub.http.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": PARTNER,
        "redirect_uri": REDIRECT, "code_verifier": pkce.verifier})
    assert no_secret.status_code in (400, 401)
    assert no_secret.json()["error"] == "invalid_client"
    assert (await oauth_hub.exchange(code, pkce, client_id=PARTNER)).status_code == 200


async def test_pkce_is_required_of_every_client(oauth_hub: Hub) -> None:
    await oauth_hub.sign_in_browser("ngozi")
    for client_id in (APP, PARTNER):
        answer = await oauth_hub.consent_page(oauth_hub.authorize_params(None,
                                                                         client_id=client_id))
        assert answer.status_code == 303, answer.text
        query = query_of(answer.headers["location"])
        assert query["error"] == "invalid_request"
        assert "PKCE" in query["error_description"]
        assert (query["state"], query["iss"]) == ("state-123", ISSUER)


async def test_only_s256_is_accepted(oauth_hub: Hub) -> None:
    pkce = Pkce()
    for method in ("plain", None):
        params = oauth_hub.authorize_params(pkce)
        if method is None:
            del params["code_challenge_method"]
        else:
            params["code_challenge_method"] = method
        answer = await oauth_hub.consent_page(params)
        query = query_of(answer.headers["location"])
        assert (query["error"], query["error_description"]) == (
            "invalid_request", "Only code_challenge_method=S256 is supported.")


async def test_a_missing_code_verifier_is_refused(oauth_hub: Hub) -> None:
    code = await oauth_hub.code(Pkce())
    answer = await oauth_hub.exchange(code, None)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


async def test_a_wrong_code_verifier_is_refused_and_the_code_still_works(oauth_hub: Hub) -> None:
    pkce = Pkce()
    code = await oauth_hub.code(pkce)
    wrong = await oauth_hub.exchange(code, Pkce())
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    # Someone without the verifier cannot burn the app's code.
    assert (await oauth_hub.exchange(code, pkce)).status_code == 200


async def test_the_redirect_uri_is_required(oauth_hub: Hub) -> None:
    answer = await oauth_hub.consent_page(oauth_hub.authorize_params(Pkce(),
                                                                     redirect_uri=None))
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "We cannot connect you to this app" in answer.text


async def test_a_redirect_uri_that_is_not_registered_is_never_redirected_to(
    oauth_hub: Hub,
) -> None:
    for uri in ("https://evil.example/callback", f"{REDIRECT}/more", f"{REDIRECT}?x=1",
                REDIRECT.upper()):
        answer = await oauth_hub.consent_page(oauth_hub.authorize_params(
            Pkce(), redirect_uri=uri))
        assert answer.status_code == 400, uri
        assert "location" not in answer.headers
        assert "not registered" in answer.text


async def test_the_token_request_must_repeat_the_redirect_uri(oauth_hub: Hub) -> None:
    pkce = Pkce()
    code = await oauth_hub.code(pkce)
    answer = await oauth_hub.exchange(code, pkce, redirect_uri="https://app.example/other")
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


async def test_an_unknown_client_gets_a_page_not_a_redirect(oauth_hub: Hub) -> None:
    answer = await oauth_hub.consent_page(oauth_hub.authorize_params(
        Pkce(), client_id="nobody"))
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "invalid_client" in answer.text
    token = await oauth_hub.http.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": "x", "client_id": "nobody",
        "redirect_uri": REDIRECT, "code_verifier": Pkce().verifier})
    assert token.json()["error"] == "invalid_client"


async def test_no_implicit_and_no_password_grant(oauth_hub: Hub) -> None:
    implicit = await oauth_hub.consent_page(oauth_hub.authorize_params(
        Pkce(), response_type="token"))
    assert query_of(implicit.headers["location"])["error"] == "unsupported_response_type"
    password = await oauth_hub.http.post("/oauth/token", data={
        "grant_type": "password", "username": "ngozi", "password": "x", "client_id": APP})
    assert (password.status_code, password.json()["error"]) == (400, "unsupported_grant_type")


async def test_a_scope_the_client_never_registered_for_is_refused(oauth_hub: Hub) -> None:
    for scope in ("patient/journal.rs", "patient/identity.cruds", "openid"):
        answer = await oauth_hub.consent_page(oauth_hub.authorize_params(Pkce(), scope=scope))
        assert answer.status_code == 303
        query = query_of(answer.headers["location"])
        assert query["error"] == "invalid_scope", scope
        assert query["iss"] == ISSUER


async def test_an_expired_code_is_refused(oauth_hub: Hub) -> None:
    pkce = Pkce()
    code = await oauth_hub.code(pkce)
    async with oauth_hub.world.uow.db.engine.begin() as connection:
        await connection.execute(update(AuthorizationCode).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    answer = await oauth_hub.exchange(code, pkce)
    assert answer.json() == {"error": "invalid_grant",
                             "error_description": "The authorization code has expired."}


async def test_a_reused_code_fails_and_revokes_what_it_issued(oauth_hub: Hub) -> None:
    pkce = Pkce()
    code = await oauth_hub.code(pkce)
    first = (await oauth_hub.exchange(code, pkce)).json()
    assert (await oauth_hub.graphql(first["access_token"], ME)).status_code == 200

    second = await oauth_hub.exchange(code, pkce)
    assert second.json() == {"error": "invalid_grant",
                             "error_description": "The authorization code has already been used."}
    refused = await oauth_hub.graphql(first["access_token"], ME)
    assert refused.status_code == 401
    assert (await oauth_hub.refresh(first["refresh_token"])).json()["error"] == "invalid_grant"
    async with oauth_hub.world.uow.db.reading() as session:
        grant = await session.scalar(select(OAuthGrant))
        assert grant is not None and grant.revoked_reason == "code_reused"
        consent = await session.get(Consent, grant.consent_id)
        assert consent is not None and consent.revoked_at is not None


async def test_concurrent_redemptions_exactly_one_succeeds(oauth_hub: Hub) -> None:
    pkce = Pkce()
    code = await oauth_hub.code(pkce)
    answers = await asyncio.gather(*(oauth_hub.exchange(code, pkce) for _ in range(4)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 400, 400, 400]
    for answer in answers:
        if answer.status_code == 400:
            assert answer.json()["error"] == "invalid_grant"
    # The losers revoked what the winner got.
    winner = next(a for a in answers if a.status_code == 200).json()
    assert (await oauth_hub.graphql(winner["access_token"], ME)).status_code == 401


async def test_deny_tells_the_app_access_denied(oauth_hub: Hub) -> None:
    await oauth_hub.sign_in_browser("ngozi")
    answer = await oauth_hub.decide(oauth_hub.authorize_params(Pkce()), decision="deny")
    query = query_of(answer.headers["location"])
    assert (answer.status_code, query["error"], query["state"], query["iss"]) == (
        303, "access_denied", "state-123", ISSUER)
    async with oauth_hub.world.uow.db.reading() as session:
        assert await session.scalar(select(Consent).where(
            Consent.grantee_client_id.is_not(None))) is None


async def test_allowing_nothing_asks_again(oauth_hub: Hub) -> None:
    await oauth_hub.sign_in_browser("ngozi")
    answer = await oauth_hub.decide(oauth_hub.authorize_params(Pkce()), categories=[])
    assert answer.status_code == 400
    assert "There is a problem" in answer.text
    assert 'href="#category-identity"' in answer.text
    assert "Tick at least one kind of information to share" in answer.text


async def test_the_consent_form_needs_its_csrf_token(oauth_hub: Hub) -> None:
    await oauth_hub.sign_in_browser("ngozi")
    params = oauth_hub.authorize_params(Pkce())
    page = await oauth_hub.consent_page(params)
    assert form_value(page.text, "csrf")
    forged = await oauth_hub.http.post("/oauth/authorize", data={
        **params, "csrf": "guessed", "decision": "allow", "category": "identity"})
    assert forged.status_code == 403
    assert "location" not in forged.headers


async def test_the_person_chooses_how_long(oauth_hub: Hub) -> None:
    for duration in ("30d", "ongoing"):
        await oauth_hub.sign_in_browser("ngozi")
        answer = await oauth_hub.decide(oauth_hub.authorize_params(Pkce()), duration=duration)
        assert answer.status_code == 303
    async with oauth_hub.world.uow.db.reading() as session:
        found = list(await session.scalars(select(Consent).where(
            Consent.grantee_client_id == APP).order_by(Consent.id)))
    month, ongoing = found
    assert month.valid_until is not None
    assert abs((month.valid_until - month.valid_from) - dt.timedelta(days=30)) < dt.timedelta(
        seconds=5)
    assert ongoing.valid_until is None
