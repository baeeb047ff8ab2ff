"""Tokens after they are issued: refresh rotation and reuse, expiry, audience, revocation
(RFC 7009), introspection (RFC 7662), client credentials, metadata (RFC 8414), storage."""

from __future__ import annotations

import datetime as dt

from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from sqlalchemy import select, update

from auth.dev_tokens import issue_dev_token
from core.models import Consent, OAuthGrant, OAuthToken
from core.services import oauth
from tests.conftest import snapshot
from tests.support.graphql import GraphQLClient, gid
from tests.support.oauth import APP, ISSUER, PARTNER, SYSTEM, Hub, hub
from tests.support.world import World

ME = "{ me { givenName } }"
REVOKE = """mutation Revoke($id: ID!) { revokeConsent(input: {consentId: $id}) {
    userErrors { code } } }"""


async def _consent_id(hub: Hub) -> int:
    async with hub.world.uow.db.reading() as session:
        found = await session.scalar(select(Consent.id).where(Consent.grantee_client_id == APP))
    assert found is not None
    return found


async def test_refresh_tokens_rotate(oauth_hub: Hub) -> None:
    first = await oauth_hub.tokens()
    renewed = await oauth_hub.refresh(first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == first["scope"]
    assert (await oauth_hub.graphql(second["access_token"], ME)).status_code == 200
    third = await oauth_hub.refresh(second["refresh_token"])
    assert third.status_code == 200


async def test_reusing_a_spent_refresh_token_revokes_the_whole_grant(oauth_hub: Hub) -> None:
    first = await oauth_hub.tokens()
    second = (await oauth_hub.refresh(first["refresh_token"])).json()

    reused = await oauth_hub.refresh(first["refresh_token"])
    assert reused.json() == {"error": "invalid_grant",
                             "error_description": "The refresh token has already been used."}
    # Everything the grant issued is dead, and the consent has ended with it.
    assert (await oauth_hub.graphql(second["access_token"], ME)).status_code == 401
    assert (await oauth_hub.graphql(first["access_token"], ME)).status_code == 401
    assert (await oauth_hub.refresh(second["refresh_token"])).json()["error"] == "invalid_grant"
    async with oauth_hub.world.uow.db.reading() as session:
        grant = await session.scalar(select(OAuthGrant))
        consent = await session.get(Consent, await _consent_id(oauth_hub))
    assert grant is not None and grant.revoked_reason == "refresh_token_reused"
    assert consent is not None and consent.revoked_at is not None


async def test_an_expired_access_token_is_refused(oauth_hub: Hub) -> None:
    tokens = await oauth_hub.tokens()
    async with oauth_hub.world.uow.db.engine.begin() as connection:
        await connection.execute(update(OAuthToken).values(
            access_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    answer = await oauth_hub.graphql(tokens["access_token"], ME)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "expired" in answer.json()["errors"][0]["message"]
    # The refresh token still works: that is what it is for.
    assert (await oauth_hub.refresh(tokens["refresh_token"])).status_code == 200


async def test_tokens_work_only_at_this_api(oauth_hub: Hub) -> None:
    tokens = await oauth_hub.tokens()
    async with oauth_hub.world.uow.db.engine.begin() as connection:
        await connection.execute(update(OAuthToken).values(audience="https://other.example/api"))
    answer = await oauth_hub.graphql(tokens["access_token"], ME)
    assert answer.status_code == 401
    assert "another API" in answer.json()["errors"][0]["message"]
    target = await oauth_hub.http.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": APP, "resource": "https://other.example/api"})
    assert target.json()["error"] == "invalid_target"


async def test_bearer_tokens_only_in_the_authorization_header(oauth_hub: Hub) -> None:
    token = (await oauth_hub.tokens())["access_token"]
    in_query = await oauth_hub.http.post(f"/graphql?access_token={token}", json={"query": ME})
    in_body = await oauth_hub.http.post("/graphql", json={"query": ME, "access_token": token})
    for answer in (in_query, in_body):
        assert answer.status_code == 200
        assert answer.json()["data"]["me"] is None  # anonymous: the token was not read
    wrong_scheme = await oauth_hub.http.post("/graphql", json={"query": ME},
                                             headers={"Authorization": f"Token {token}"})
    assert wrong_scheme.status_code == 401


async def test_secrets_and_tokens_are_stored_hashed(oauth_hub: Hub) -> None:
    tokens = await oauth_hub.tokens()
    stored = repr(await snapshot(oauth_hub.world.uow.db))
    for secret in (tokens["access_token"], tokens["refresh_token"], *oauth_hub.secrets.values()):
        assert secret not in stored
    async with oauth_hub.world.uow.db.reading() as session:
        row = await session.scalar(select(OAuthToken))
    assert row is not None and len(row.access_token_digest) == 64


async def test_revoking_the_token_ends_the_token_and_the_consent(oauth_hub: Hub) -> None:
    tokens = await oauth_hub.tokens()
    revoked = await oauth_hub.http.post("/oauth/revoke", data={
        "token": tokens["refresh_token"], "token_type_hint": "refresh_token", "client_id": APP})
    assert (revoked.status_code, revoked.json()) == (200, {})
    assert (await oauth_hub.graphql(tokens["access_token"], ME)).status_code == 401
    assert (await oauth_hub.refresh(tokens["refresh_token"])).json()["error"] == "invalid_grant"

    people = GraphQLClient(oauth_hub.world.uow)
    mine = await people.execute("{ me { consents { edges { node { granteeClientName status "
                                "} } } } }", as_user="ngozi")
    assert {"granteeClientName": "Recovery Diary", "status": "REVOKED"} in [
        edge["node"] for edge in mine.data["me"]["consents"]["edges"]]
    # Revoking something unknown is not an error (RFC 7009 §2.2).
    again = await oauth_hub.http.post("/oauth/revoke", data={"token": "nonsense",
                                                             "client_id": APP})
    assert again.status_code == 200


async def test_revoking_the_consent_in_graphql_ends_the_token(oauth_hub: Hub) -> None:
    tokens = await oauth_hub.tokens()
    people = GraphQLClient(oauth_hub.world.uow)
    listed = await people.execute(
        "{ me { consents { edges { node { id granteeClientId granteeClientName categories "
        "status } } } } }", as_user="ngozi")
    apps = [edge["node"] for edge in listed.data["me"]["consents"]["edges"]
            if edge["node"]["granteeClientId"]]
    assert [(a["granteeClientName"], a["categories"], a["status"]) for a in apps] == [
        ("Recovery Diary", ["identity", "recovery_plan"], "ACTIVE")]

    revoked = await people.execute(REVOKE, {"id": gid("Consent", await _consent_id(oauth_hub))},
                                   as_user="ngozi")
    assert revoked.payload("revokeConsent")["userErrors"] == []
    answer = await oauth_hub.graphql(tokens["access_token"], ME)
    assert answer.status_code == 401
    assert "consent" in answer.json()["errors"][0]["message"]
    assert (await oauth_hub.refresh(tokens["refresh_token"])).json()["error"] == "invalid_grant"


async def test_introspection_tells_a_client_about_its_own_tokens(oauth_hub: Hub) -> None:
    tokens = await oauth_hub.tokens(client_id=PARTNER)
    partner = (PARTNER, oauth_hub.secrets[PARTNER])
    active = (await oauth_hub.http.post("/oauth/introspect", auth=partner, data={
        "token": tokens["access_token"]})).json()
    assert active["active"] is True
    assert active["client_id"] == PARTNER and active["iss"] == ISSUER
    assert active["aud"] == f"{ISSUER}/graphql"
    assert active["scope"] == "patient/identity.rs patient/recovery_plan.rs"
    assert active["exp"] > active["iat"]
    as_refresh = (await oauth_hub.http.post("/oauth/introspect", auth=partner, data={
        "token": tokens["refresh_token"], "token_type_hint": "refresh_token"})).json()
    assert as_refresh["active"] is True and as_refresh["token_type"] == "refresh_token"

    # Not its token, no secret, or no longer valid: nothing to learn.
    other = await oauth_hub.tokens(client_id=APP)
    assert (await oauth_hub.http.post("/oauth/introspect", auth=partner, data={
        "token": other["access_token"]})).json() == {"active": False}
    public = await oauth_hub.http.post("/oauth/introspect", data={
        "token": other["access_token"], "client_id": APP})
    assert public.json()["error"] == "invalid_client"
    await oauth_hub.http.post("/oauth/revoke", auth=partner, data={
        "token": tokens["access_token"]})
    assert (await oauth_hub.http.post("/oauth/introspect", auth=partner, data={
        "token": tokens["access_token"]})).json() == {"active": False}


async def test_client_credentials_get_only_what_the_integration_registered_for(
    oauth_hub: Hub,
) -> None:
    feed = (SYSTEM, oauth_hub.secrets[SYSTEM])
    granted = await oauth_hub.http.post("/oauth/token", auth=feed,
                                        data={"grant_type": "client_credentials"})
    assert granted.status_code == 200, granted.text
    token = granted.json()
    assert token["scope"] == "system/recovery_plan.rs" and "refresh_token" not in token

    more = await oauth_hub.http.post("/oauth/token", auth=feed, data={
        "grant_type": "client_credentials", "scope": "system/identity.rs"})
    assert (more.status_code, more.json()["error"]) == (400, "invalid_scope")
    wrong_secret = await oauth_hub.http.post("/oauth/token", auth=(SYSTEM, "guess"),
                                             data={"grant_type": "client_credentials"})
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    people_app = await oauth_hub.http.post(
        "/oauth/token", auth=(PARTNER, oauth_hub.secrets[PARTNER]),
        data={"grant_type": "client_credentials"})
    assert people_app.json()["error"] == "unauthorized_client"

    read = (await oauth_hub.graphql(token["access_token"], """query P($id: ID!) {
        person(id: $id) { givenName goals { edges { node { title } } } } }""",
                                    {"id": gid("Person", oauth_hub.world.ngozi)})).json()
    assert read["data"]["person"]["goals"] is not None
    assert read["data"]["person"]["givenName"] is None
    assert {e["extensions"]["category"] for e in read["errors"]} == {"identity"}


async def test_removing_a_client_ends_its_tokens(oauth_hub: Hub) -> None:
    tokens = await oauth_hub.tokens()
    feed = (await oauth_hub.http.post("/oauth/token", auth=(SYSTEM, oauth_hub.secrets[SYSTEM]),
                                      data={"grant_type": "client_credentials"})).json()
    system = await oauth_hub.world.policy("system")
    for client_id in (APP, SYSTEM):
        await oauth.remove_client(oauth_hub.world.uow, system, client_id)
    for token in (tokens["access_token"], feed["access_token"]):
        assert (await oauth_hub.graphql(token, ME)).status_code == 401
    async with oauth_hub.world.uow.db.reading() as session:
        consent = await session.get(Consent, await _consent_id(oauth_hub))
    assert consent is not None and consent.revoked_at is not None


async def test_metadata_describes_the_server(oauth_hub: Hub) -> None:
    answer = await oauth_hub.http.get("/.well-known/oauth-authorization-server")
    metadata = answer.json()
    AuthorizationServerMetadata(metadata).validate()
    assert metadata["issuer"] == ISSUER
    assert metadata["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert "implicit" not in metadata["grant_types_supported"]
    assert "password" not in metadata["grant_types_supported"]
    assert metadata["authorization_response_iss_parameter_supported"] is True


async def test_token_endpoints_take_forms_only(oauth_hub: Hub) -> None:
    answer = await oauth_hub.http.post("/oauth/token", json={"grant_type": "client_credentials"})
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")


async def test_what_apps_read_is_in_the_persons_access_log(oauth_hub: Hub) -> None:
    tokens = await oauth_hub.tokens()
    await oauth_hub.graphql(tokens["access_token"], "{ me { givenName phone } }")
    feed = (await oauth_hub.http.post("/oauth/token", auth=(SYSTEM, oauth_hub.secrets[SYSTEM]),
                                      data={"grant_type": "client_credentials"})).json()
    await oauth_hub.graphql(feed["access_token"], "query P($id: ID!) { person(id: $id) "
                            "{ goals { edges { node { title } } } } }",
                            {"id": gid("Person", oauth_hub.world.ngozi)})
    log = await GraphQLClient(oauth_hub.world.uow).execute(
        "{ me { accessLog { edges { node { actorKind clientId categories "
        "refusedCategories } } } } }", as_user="ngozi")
    entries = [edge["node"] for edge in log.data["me"]["accessLog"]["edges"]]
    assert {"actorKind": "person", "clientId": APP, "categories": ["identity"],
            "refusedCategories": ["contact"]} in entries
    assert {"actorKind": "integration", "clientId": SYSTEM, "categories": ["recovery_plan"],
            "refusedCategories": []} in entries


async def test_development_mode_takes_oauth_and_development_tokens(
    world: World, database_url: str
) -> None:
    secret = "a development secret for the test, long enough"
    async with hub(world, database_url, development=True, secret_key=secret) as dev_hub:
        oauth_token = (await dev_hub.tokens())["access_token"]
        for token in (oauth_token, issue_dev_token(secret, "belu")):
            answer = await dev_hub.graphql(token, ME)
            assert answer.status_code == 200, answer.text
        assert [(await dev_hub.graphql(t, ME)).json()["data"]["me"]["givenName"]
                for t in (oauth_token, issue_dev_token(secret, "belu"))] == ["Ngozi", "Belu"]
    # In production, development tokens are refused and OAuth tokens still work.
    async with hub(world, database_url, clients=False) as production:
        assert (await production.graphql(issue_dev_token(secret, "belu"), ME)).status_code == 401
        assert (await production.graphql(oauth_token, ME)).status_code == 200
