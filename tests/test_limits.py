"""Limits that hold: each refusal has its status, a GraphQL-shaped error with a stable code and
a message, arrives before any work is done, and leaves the database as it was."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import strawberry
from sqlalchemy import select
from strawberry.types import Info

from auth.dev_tokens import issue_dev_token
from core.hookspecs import hookimpl
from core.models import DEFAULT_LEGAL_BASIS, Organisation, OrganisationKind
from core.plugins import load_plugins
from recovery_hub.app import create_app
from recovery_hub.settings import Settings
from schema.context import Context
from tests.support.graphql import gid
from tests.support.world import World
from tests.test_http import SECRET, serve

CREATE_REQUEST = """mutation($input: CreateBudgetRequestInput!) {
  createBudgetRequest(input: $input) { budgetRequest { id } userErrors { code } } }"""
CREATE_GOAL = """mutation($input: CreateGoalInput!) {
  createGoal(input: $input) { goal { id } userErrors { code } } }"""


def _headers(username: str = "ngozi") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(SECRET, username)}",
            "Content-Type": "application/json"}


def _refusal(response: httpx.Response) -> tuple[int, str, str | None]:
    [error] = response.json()["errors"]
    return response.status_code, error["extensions"]["code"], error["extensions"].get("path")


def _settings(database_url: str, **changes: Any) -> Settings:
    return Settings(database_url=database_url, development=True, secret_key=SECRET,
                    request_timeout_seconds=120.0).replace(**changes)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(create_app(_settings(database_url))) as client:
        yield client


def _request(world: World, items: int, description: str = "Swimming lessons") -> bytes:
    return json.dumps({"query": CREATE_REQUEST, "variables": {"input": {
        "budgetId": gid("Budget", world.budget), "purpose": "Getting fit",
        "items": [{"description": description, "amount": "10"}] * items}}}).encode()


async def test_a_body_over_the_limit_is_413(client: httpx.AsyncClient, world: World,
                                            unchanged: Any) -> None:
    hundred_thousand = _request(world, 100_000)
    assert len(hundred_thousand) > 1_048_576
    async with unchanged():
        declared = await client.post("/graphql", content=hundred_thousand, headers=_headers())

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for start in range(0, len(hundred_thousand), 65_536):
                yield hundred_thousand[start:start + 65_536]

        streamed = await client.post("/graphql", content=chunks(), headers=_headers())
        token = await client.post("/oauth/token", content=b"grant_type=" + b"x" * 2_000_000,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    for response in (declared, streamed, token):
        assert _refusal(response) == (413, "BODY_TOO_LARGE", None)
        assert response.json()["errors"][0]["message"] == (
            "The request body is larger than 1048576 bytes.")


@pytest.mark.parametrize(("body", "code", "message"), [
    (b'{"query": "{ me { id } }", "x": "\xff\xfe\xfd"}', "INVALID_ENCODING",
     "The request body is not valid UTF-8 (byte 33)."),
    (b'{"query": ', "INVALID_JSON",
     "The request body is not valid JSON: Expecting value (line 1, column 11)."),
    (b"[" * 10_000 + b"]" * 10_000, "JSON_TOO_DEEP",
     "The request is nested more than 32 levels deep."),
    (b'{"query": "{ me { id } }", "variables": {"a": ' + b"[" * 40 + b"1" + b"]" * 40 + b"}}",
     "JSON_TOO_DEEP",
     "The request is nested more than 32 levels deep."),
])
async def test_a_body_that_is_not_sound_json_is_400(
        client: httpx.AsyncClient, world: World, unchanged: Any, body: bytes, code: str,
        message: str) -> None:
    async with unchanged():
        response = await client.post("/graphql", content=body, headers=_headers())
    assert _refusal(response)[:2] == (400, code)
    assert response.json()["errors"][0]["message"] == message


async def test_a_list_or_a_text_over_the_limit_is_refused_before_any_work(
        client: httpx.AsyncClient, world: World, unchanged: Any) -> None:
    goal = {"personId": gid("Person", world.ngozi), "title": "Swim"}
    async with unchanged():
        items = await client.post("/graphql", content=_request(world, 501), headers=_headers())
        text = await client.post("/graphql", headers=_headers(), content=json.dumps({
            "query": CREATE_GOAL, "variables": {"input": {
                **goal, "whatMattersToMe": "x" * 50_001}}}).encode())
        # The same limits on values written in the query itself.
        ids = " ".join([f'"{gid("Notification", 1)}"'] * 501)
        person = gid("Person", world.ngozi)
        literal_list = await client.post("/graphql", headers=_headers(), json={
            "query": f"mutation {{ markNotificationsRead(input: {{ids: [{ids}]}}) "
                     "{ userErrors { code } } }"})
        literal_text = await client.post("/graphql", headers=_headers(), json={
            "query": f'mutation {{ createGoal(input: {{personId: "{person}", '
                     f'title: "{"y" * 50_001}"}}) {{ userErrors {{ code }} }} }}'})
    assert _refusal(items) == (400, "LIST_TOO_LONG", "variables.input.items")
    assert items.json()["errors"][0]["message"] == (
        "A list has 501 entries: at most 500 are accepted.")
    assert _refusal(text) == (400, "TEXT_TOO_LONG", "variables.input.whatMattersToMe")
    assert text.json()["errors"][0]["message"] == (
        "A text has 50001 characters: at most 50000 are accepted.")
    assert [e["extensions"]["code"] for e in literal_list.json()["errors"]] == ["LIST_TOO_LONG"]
    assert literal_list.json().get("data") is None
    assert [e["extensions"]["code"] for e in literal_text.json()["errors"]] == ["TEXT_TOO_LONG"]
    # Within the limits, the same request works.
    fine = await client.post("/graphql", content=_request(world, 500), headers=_headers())
    assert fine.json()["data"]["createBudgetRequest"]["userErrors"] == []


async def test_the_limits_are_settings(database_url: str, world: World) -> None:
    settings = _settings(database_url, max_body_bytes=2_000, max_list_entries=2,
                         max_text_length=10, max_json_depth=5)
    async with serve(create_app(settings)) as client:
        big = await client.post("/graphql", content=_request(world, 40), headers=_headers())
        three = await client.post("/graphql", content=_request(world, 3), headers=_headers())
        long = await client.post("/graphql", content=_request(world, 1, "Eleven char"),
                                 headers=_headers())
    assert _refusal(big)[:2] == (413, "BODY_TOO_LARGE")
    assert _refusal(three) == (400, "LIST_TOO_LONG", "variables.input.items")
    assert _refusal(long) == (400, "TEXT_TOO_LONG", "variables.input.items.0.description")


async def test_repeated_unknown_directives_are_one_error(client: httpx.AsyncClient) -> None:
    directives = " ".join(f"@nope{n}" for n in range(10))
    response = await client.post("/graphql", headers=_headers(), json={
        "query": f"{{ me {directives} {{ id @nope @nope }} viewer @again {{ kind }} }}"})
    errors = response.json()["errors"]
    assert [error["message"] for error in errors] == ["Unknown directive '@nope0'."]


# --- the deadline ----------------------------------------------------------------------------


class _Hanging:
    """A plugin whose mutation writes, then never finishes (a stuck upstream, a slow query)."""

    started = asyncio.Event()

    @strawberry.type
    class Mutations:
        @strawberry.mutation
        async def sample_hang(self, info: Info[Context, None]) -> bool:
            async with info.context.uow.begin() as tx:
                tx.session.add(Organisation(name="Half-written",
                                            kind=OrganisationKind.VOLUNTARY_ORGANISATION,
                                            legal_basis=DEFAULT_LEGAL_BASIS[
                                                OrganisationKind.VOLUNTARY_ORGANISATION]))
                await tx.session.flush()
                _Hanging.started.set()
                await asyncio.Event().wait()
            return True

    @hookimpl
    def register_mutations(self) -> list[type]:
        return [self.Mutations]


async def test_the_deadline_ends_the_request_and_its_transaction(
        database_url: str, world: World, unchanged: Any) -> None:
    plugins = load_plugins(None, entries=[], entry_points=False, extra={"sample": _Hanging()})
    app = create_app(_settings(database_url, request_timeout_seconds=1.0), plugins=plugins)
    async with unchanged():
        async with serve(app) as client:
            hung = await client.post("/graphql", headers=_headers(),
                                     json={"query": "mutation { sampleHang }"})
            # The write lock (SQLite) and the connection were given back: a write can begin.
            async with asyncio.timeout(10), world.uow.begin():
                pass
            still = await client.post("/graphql", headers=_headers(),
                                      json={"query": "{ me { givenName } }"})
    assert _Hanging.started.is_set()
    assert still.json() == {"data": {"me": {"givenName": "Ngozi"}}}
    assert _refusal(hung) == (503, "TIMEOUT", None)
    assert hung.json()["errors"][0]["message"] == ("The request took too long. Try a smaller "
                                                   "query.")
    async with world.uow.db.reading() as session:
        assert await session.scalar(select(Organisation).where(
            Organisation.name == "Half-written")) is None
