"""The security defaults of the HTTP API, through real requests to the ASGI app.

Production is what ``create_app`` gives unless development is switched on; these tests pin
down what each mode accepts and refuses (DESIGN.md, "Security defaults").
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from starlette.applications import Starlette

import schema.queries
from auth.dev_tokens import issue_dev_token
from core.db import Database
from core.models import UserAccount
from recovery_hub.app import create_app
from recovery_hub.settings import Settings
from tests.support.graphql import gid
from tests.support.world import World

SECRET = "test-secret-for-development-tokens-0123456789"
ME = "{ me { givenName } }"


def make_app(database_url: str, *, development: bool, **overrides: Any) -> Starlette:
    settings = Settings(database_url=database_url, development=development, secret_key=SECRET,
                        request_timeout_seconds=120.0)
    return create_app(settings.replace(**overrides))


@asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        await app.state.platform.close()


# The clients need a migrated database, not an empty one: tests that need known data ask for
# ``world`` (which empties the tables first).


@pytest.fixture
async def production(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(make_app(database_url, development=False)) as client:
        yield client


@pytest.fixture
async def development(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(make_app(database_url, development=True)) as client:
        yield client


@pytest.fixture(params=["production", "development"])
async def either(
    request: pytest.FixtureRequest, database_url: str
) -> AsyncIterator[tuple[bool, httpx.AsyncClient]]:
    """A client of each mode, and whether it is development."""
    development = request.param == "development"
    async with serve(make_app(database_url, development=development)) as client:
        yield development, client


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    return await client.post("/graphql", json=body, headers=headers, **kwargs)


def error_messages(response: httpx.Response) -> list[str]:
    return [error["message"] for error in response.json().get("errors") or []]


def assert_refused_by_http(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]


def inline_create_goal(person_id: int) -> str:
    person = gid("Person", person_id)
    return (f'mutation {{ createGoal(input: {{personId: "{person}", title: "Sneaky"}}) '
            "{ goal { title } userErrors { code } } }")


# --- health -------------------------------------------------------------------------------


async def test_healthz_answers_ok(production: httpx.AsyncClient) -> None:
    response = await production.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_a_query_over_http_works(production: httpx.AsyncClient) -> None:
    response = await post(production, "{ __typename me { givenName } }")
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query", "me": None}}


# --- no queries over GET ------------------------------------------------------------------


async def test_production_refuses_get(production: httpx.AsyncClient) -> None:
    for headers in ({}, {"Accept": "text/html"}):
        page = await production.get("/graphql", headers=headers)
        assert_refused_by_http(page)
        assert "graphiql" not in page.text.lower()
    query = await production.get("/graphql", params={"query": "{ __typename }"})
    assert_refused_by_http(query)
    assert "Query" not in query.text


async def test_development_get_shows_graphiql_but_runs_no_query(
    development: httpx.AsyncClient, world: World, unchanged: Any
) -> None:
    page = await development.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "graphiql" in page.text.lower()

    query = await development.get("/graphql", params={"query": "{ __typename }"})
    assert_refused_by_http(query)
    assert "Query" not in query.text

    # Not even a mutation with a valid token: a link or an <img> must never change data.
    token = issue_dev_token(SECRET, "ngozi")
    async with unchanged():
        for accept in ("application/json", "text/html"):
            response = await development.get(
                "/graphql", params={"query": inline_create_goal(world.ngozi)},
                headers={"Authorization": f"Bearer {token}", "Accept": accept},
            )
            assert_refused_by_http(response)
            assert "Sneaky" not in response.text


# --- JSON bodies only ---------------------------------------------------------------------


async def test_the_same_mutation_as_json_does_run(
    development: httpx.AsyncClient, world: World
) -> None:
    """The control for the refusals here: the mutation itself is fine."""
    response = await post(development, inline_create_goal(world.ngozi),
                          token=issue_dev_token(SECRET, "ngozi"))
    assert response.json() == {
        "data": {"createGoal": {"goal": {"title": "Sneaky"}, "userErrors": []}}
    }


def _request_with_body(kind: str, query: str) -> dict[str, Any]:
    as_json = json.dumps({"query": query})
    if kind == "form-urlencoded":
        return {"data": {"query": query}}
    if kind == "text/plain":
        return {"content": as_json, "headers": {"Content-Type": "text/plain"}}
    if kind == "application/graphql":
        return {"content": query, "headers": {"Content-Type": "application/graphql"}}
    if kind == "multipart":
        return {"files": {"operations": (None, as_json), "map": (None, "{}")}}
    assert kind == "no content type"
    return {"content": as_json}


@pytest.mark.parametrize(
    "kind",
    ["form-urlencoded", "text/plain", "application/graphql", "multipart", "no content type"],
)
async def test_only_json_bodies_are_executed(
    either: tuple[bool, httpx.AsyncClient], kind: str, world: World, unchanged: Any
) -> None:
    """Anything but JSON is refused, not run: above all the bodies a browser sends cross-site
    without a CORS preflight (forms, text/plain, multipart)."""
    development, client = either
    kwargs = _request_with_body(kind, inline_create_goal(world.ngozi))
    if development:  # a production server refuses dev tokens anyway
        kwargs.setdefault("headers", {})["Authorization"] = (
            f"Bearer {issue_dev_token(SECRET, 'ngozi')}")
    async with unchanged():
        response = await client.post("/graphql", **kwargs)
    assert_refused_by_http(response)
    assert "Sneaky" not in response.text


@pytest.mark.parametrize(
    "content",
    [
        '{"query": ',
        "not json at all",
        "\xff\xfe",
        '"{ __typename }"',
        "42",
        "null",
        "true",
        "{}",
        '{"query": 42}',
        '{"query": null}',
        '{"query": "{ __typename }", "variables": [1]}',
        '{"query": "{ __typename }", "variables": "x"}',
        '{"query": "{ __typename }", "extensions": 1}',
        '{"query": "{ __typename }", "operationName": 5}',
    ],
)
async def test_malformed_json_is_a_client_error(
    production: httpx.AsyncClient, content: str
) -> None:
    response = await production.post(
        "/graphql", content=content.encode("latin-1"),
        headers={"Content-Type": "application/json"},
    )
    assert_refused_by_http(response)


async def test_batching_is_refused(production: httpx.AsyncClient) -> None:
    response = await production.post(
        "/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}]
    )
    assert_refused_by_http(response)
    assert "Query" not in response.text


@pytest.mark.parametrize("query", ["{ me { ", "{ me } }", "query {", "\x00", "}"])
async def test_syntax_error_is_a_graphql_error(
    production: httpx.AsyncClient, query: str
) -> None:
    response = await post(production, query)
    assert response.status_code < 500
    body = response.json()
    assert body.get("data") is None
    assert body["errors"] and all("Syntax Error" in m for m in error_messages(response))


# --- introspection and suggestions --------------------------------------------------------


INTROSPECTION_QUERIES = [
    "{ __schema { types { name } } }",
    '{ __type(name: "Person") { fields { name } } }',
    "query { me { givenName } __schema { queryType { name } } }",
]


@pytest.mark.parametrize("query", INTROSPECTION_QUERIES)
async def test_production_disables_introspection(
    production: httpx.AsyncClient, query: str
) -> None:
    response = await post(production, query)
    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is None
    assert any("introspection" in message for message in error_messages(response))
    assert "Person" not in str(body.get("data"))


async def test_development_allows_introspection(development: httpx.AsyncClient) -> None:
    response = await post(development, '{ __type(name: "Person") { name } }')
    assert response.json() == {"data": {"__type": {"name": "Person"}}}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param("{ mee { givenName } }", None, id="field"),
        pytest.param("{ me { givenNam } }", None, id="nested-field"),
        pytest.param("{ people(fist: 1) { edges { cursor } } }", None, id="argument"),
        pytest.param('{ people(filter: {serch: "a"}) { edges { cursor } } }', None,
                     id="input-field"),
        pytest.param("query($f: PeopleFiltr) { people(filter: $f) { edges { cursor } } }",
                     None, id="variable-type"),
        pytest.param("query($f: PeopleFilter) { people(filter: $f) { edges { cursor } } }",
                     {"f": {"serch": "a"}}, id="variable-input-field"),
        pytest.param('{ node(id: "x") { ... on Persn { id } } }', None, id="fragment-type"),
        pytest.param('mutation { updateGoal(input: {goalId: "x", status: ACTIV}) '
                     "{ userErrors { code } } }", None, id="enum-value"),
        pytest.param("mutation($i: UpdateGoalInput!) { updateGoal(input: $i) "
                     "{ userErrors { code } } }", {"i": {"goalId": "x", "status": "ACTIV"}},
                     id="variable-enum-value"),
    ],
)
async def test_production_never_suggests_names(
    production: httpx.AsyncClient, query: str, variables: dict[str, Any] | None
) -> None:
    response = await post(production, query, variables)
    assert response.status_code < 500
    assert error_messages(response), response.text
    assert "did you mean" not in response.text.lower()


# --- limits -------------------------------------------------------------------------------


# Depth counts the nesting below the top-level field: ``{ me { givenName } }`` is depth 1.
SHALLOW = "{ me { goals { edges { cursor } } } }"  # depth 3
DEEP = "{ me { goals { edges { node { title } } } } }"  # depth 4


async def test_depth_limit(database_url: str) -> None:
    async with serve(make_app(database_url, development=False, max_depth=3)) as client:
        assert (await post(client, SHALLOW)).json() == {"data": {"me": None}}
        for query in (
            DEEP,
            # Fragments do not hide depth.
            "{ me { ...G } } fragment G on Person { goals { edges { node { title } } } }",
            "{ node(id: \"x\") { ... on Person { goals { edges { node { title } } } } } }",
        ):
            response = await post(client, query)
            assert response.status_code == 200
            assert response.json().get("data") is None
            assert any("depth" in m for m in error_messages(response)), response.text


async def test_alias_limit(database_url: str) -> None:
    async with serve(make_app(database_url, development=False, max_aliases=2)) as client:
        allowed = await post(client, "{ a: me { givenName } b: me { givenName } }")
        assert allowed.json() == {"data": {"a": None, "b": None}}
        refused = await post(client, "{ a: me { givenName } b: me { givenName } "
                                     "c: viewer { username } }")
        assert refused.status_code == 200
        assert refused.json().get("data") is None
        assert any("alias" in m.lower() for m in error_messages(refused)), refused.text


async def test_token_limit(database_url: str) -> None:
    async with serve(make_app(database_url, development=False, max_tokens=30)) as client:
        assert (await post(client, ME)).json() == {"data": {"me": None}}
        long_query = "{ " + " ".join(f"f{i}: __typename" for i in range(20)) + " }"
        refused = await post(client, long_query)
        assert refused.status_code < 500
        assert refused.json().get("data") is None
        assert any("tokens" in m for m in error_messages(refused)), refused.text


async def test_default_limits_refuse_an_abusive_query(production: httpx.AsyncClient) -> None:
    """The production defaults, not only configured ones, stop a query bomb."""
    bomb = "{ " + " ".join(f"a{i}: me {{ givenName }}" for i in range(200)) + " }"
    response = await post(production, bomb)
    assert response.status_code < 500
    assert response.json().get("data") is None
    nest = 4
    deep = "{ me " + "{ goals { edges { node { person " * nest + "{ givenName }"
    deep += " } } } }" * nest + " }"
    response = await post(production, deep)
    assert response.json().get("data") is None


# --- unexpected errors --------------------------------------------------------------------


SECRET_DETAIL = "connection to 10.0.0.7 failed: password authentication for user phb_admin"


@pytest.fixture
def broken_service(monkeypatch: pytest.MonkeyPatch) -> None:
    async def get_person(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(SECRET_DETAIL)

    monkeypatch.setattr(schema.queries, "get_person", get_person)


PERSON = f'query {{ person(id: "{gid("Person", 1)}") {{ givenName }} }}'


async def test_production_masks_unexpected_errors(
    production: httpx.AsyncClient, broken_service: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="recovery_hub.graphql"):
        response = await post(production, PERSON)
    assert response.status_code == 200
    assert SECRET_DETAIL not in response.text
    assert "RuntimeError" not in response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    correlation_id = error["extensions"]["correlationId"]
    assert correlation_id and correlation_id in error["message"]
    assert error["path"] == ["person"]
    # The details go to the server log, under the id the user can quote.
    logged = [r for r in caplog.records if r.name == "recovery_hub.graphql"]
    assert any(correlation_id in r.getMessage() and r.exc_info for r in logged)
    assert SECRET_DETAIL in caplog.text


async def test_each_masked_error_has_its_own_correlation_id(
    production: httpx.AsyncClient, broken_service: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.CRITICAL, logger="recovery_hub.graphql"):
        first = await post(production, PERSON)
        second = await post(production, PERSON)
    ids = {r.json()["errors"][0]["extensions"]["correlationId"] for r in (first, second)}
    assert len(ids) == 2


async def test_development_shows_unexpected_errors(
    development: httpx.AsyncClient, broken_service: None
) -> None:
    response = await post(development, PERSON)
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert SECRET_DETAIL in error["message"]
    assert (error.get("extensions") or {}).get("code") != "INTERNAL_ERROR"


async def test_expected_errors_are_not_masked(production: httpx.AsyncClient) -> None:
    response = await post(production, PERSON)
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("node_id", ["garbage", gid("NoSuchType", 1), gid("UserError", 1)])
async def test_a_malformed_global_id_is_not_a_server_error(
    production: httpx.AsyncClient, node_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await post(production, "query($id: ID!) { node(id: $id) { id } }",
                              {"id": node_id})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"node": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "NOT_FOUND"}
    # Nothing about which type names exist, and nothing logged as our failure.
    assert "NoSuchType" not in response.text and "UserError" not in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_request_that_takes_too_long_is_cut_off(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow_get_person(*_args: Any, **_kwargs: Any) -> Any:
        await asyncio.sleep(30)

    monkeypatch.setattr(schema.queries, "get_person", slow_get_person)
    app = make_app(database_url, development=False, request_timeout_seconds=0.5)
    async with serve(app) as client:
        response = await post(client, PERSON)
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
        # The server is still fine afterwards.
        assert (await post(client, ME)).json() == {"data": {"me": None}}


# --- authentication -----------------------------------------------------------------------


async def test_dev_token_accepted_in_development(
    development: httpx.AsyncClient, world: World
) -> None:
    response = await post(development, ME, token=issue_dev_token(SECRET, "ngozi"))
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"givenName": "Ngozi"}}}


async def test_dev_token_refused_in_production(
    production: httpx.AsyncClient, world: World
) -> None:
    response = await post(production, ME, token=issue_dev_token(SECRET, "ngozi"))
    assert_unauthenticated(response)
    assert "Ngozi" not in response.text


@pytest.mark.parametrize(
    "header",
    [
        "Basic bmdvemk6cGFzc3dvcmQ=",
        "Bearer",
        "Bearer ",
        "Token abc",
        "bearer",
        "Bearer not-a-token",
        "Bearer rhdev.bmdvemk.0000",
        "ngozi",
    ],
)
async def test_malformed_authorization_header_is_401(
    either: tuple[bool, httpx.AsyncClient], header: str
) -> None:
    _, client = either
    response = await client.post("/graphql", json={"query": ME},
                                 headers={"Authorization": header})
    assert_unauthenticated(response)


async def test_token_signed_with_another_secret_is_401(
    development: httpx.AsyncClient, world: World
) -> None:
    forged = issue_dev_token("some-other-secret", "ngozi")
    assert_unauthenticated(await post(development, ME, token=forged))


async def test_token_for_unknown_account_is_401(
    development: httpx.AsyncClient, world: World
) -> None:
    assert_unauthenticated(await post(development, ME, token=issue_dev_token(SECRET, "nobody")))


async def test_token_for_deleted_account_is_401(
    development: httpx.AsyncClient, world: World, db: Database
) -> None:
    token = issue_dev_token(SECRET, "ngozi")
    assert (await post(development, ME, token=token)).status_code == 200
    async with db.write_session() as session, session.begin():
        await session.execute(delete(UserAccount).where(UserAccount.username == "ngozi"))
    assert_unauthenticated(await post(development, ME, token=token))


async def test_token_in_query_string_is_ignored(
    development: httpx.AsyncClient, world: World
) -> None:
    token = issue_dev_token(SECRET, "ngozi")
    for name in ("access_token", "token", "authorization"):
        response = await post(development, "{ me { givenName } viewer { username } }",
                              params={name: token})
        assert response.status_code == 200
        assert response.json() == {"data": {"me": None, "viewer": None}}
