"""Reading through the API: me, viewer, person, people, node, and cursor pagination.

Whoever asks sees only what the access policy lets them: a person their own record, staff their
teams' caseload. Someone you may not see looks exactly like someone who does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from strawberry import relay

from core.models import BudgetRequestStatus as S
from core.models import CareBasis, CareRelationship
from core.services import organisations, people
from tests.support import records
from tests.support.graphql import GraphQLClient, Result, gid
from tests.support.operations import UNKNOWN
from tests.support.world import World

PERSON = "query($id: ID!) { person(id: $id) { id givenName familyName displayName } }"
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
CASELOAD = """query($first: Int, $after: String, $search: String) {
  people(first: $first, after: $after, filter: {search: $search}) {
    edges { cursor node { givenName } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def _names(result: Result) -> list[str]:
    assert not result.errors, result.errors
    return [edge["node"]["givenName"] for edge in result.data["people"]["edges"]]


def _only_error(result: Result) -> dict[str, Any]:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


async def _join_caseload(world: World, given_name: str, *, team: int | None = None,
                         starts_in_days: int = -1, preferred_name: str | None = None) -> int:
    """A new person in a team's caseload (the CMHT's unless given)."""
    system = await world.policy("system")
    person = await people.register_person(world.uow, system, given_name=given_name,
                                           family_name="Example",
                                           preferred_name=preferred_name)
    await organisations.start_care_relationship(
        world.uow, system, team_id=team or world.cmht, person_id=person.id,
        basis=CareBasis.CARE_COORDINATION,
        starts_at=system.now + dt.timedelta(days=starts_in_days))
    return person.id


async def _end_care(world: World, person_id: int, team_id: int) -> None:
    async with world.uow.db.reading() as session:
        relationship_id = await session.scalar(
            select(CareRelationship.id).where(CareRelationship.person_id == person_id,
                                              CareRelationship.team_id == team_id))
    assert relationship_id is not None
    system = await world.policy("system")
    await organisations.end_care_relationship(world.uow, system, relationship_id)


# --- me and viewer -------------------------------------------------------------------------


async def test_me_is_the_signed_in_persons_own_record(
    world: World, client: GraphQLClient
) -> None:
    result = await client.execute("{ me { id givenName displayName nhsNumber } }",
                                  as_user="ngozi")

    assert not result.errors
    assert result.data["me"] == {"id": gid("Person", world.ngozi), "givenName": "Ngozi",
                                 "displayName": "Ngozi Example", "nhsNumber": "9990000018"}


async def test_me_is_null_for_staff_and_when_signed_out(
    world: World, client: GraphQLClient
) -> None:
    for user in ("amara", None):
        result = await client.execute("{ me { id } }", as_user=user)
        assert not result.errors
        assert result.data == {"me": None}


VIEWER = """{ viewer { kind username person { givenName } staffMember { displayName }
                       teams { roles team { name organisation { name } } } } }"""


async def test_viewer_for_a_person(world: World, client: GraphQLClient) -> None:
    result = await client.execute(VIEWER, as_user="belu")

    assert not result.errors
    assert result.data["viewer"] == {"kind": "PERSON", "username": "belu",
                                     "person": {"givenName": "Belu"}, "staffMember": None,
                                     "teams": []}


async def test_viewer_for_staff_names_their_teams_and_roles(
    world: World, client: GraphQLClient
) -> None:
    result = await client.execute(VIEWER, as_user="james")

    assert not result.errors
    assert result.data["viewer"] == {
        "kind": "STAFF", "username": "james", "person": None,
        "staffMember": {"displayName": "James Tester"},
        "teams": [{"roles": ["elft.team_lead"],
                   "team": {"name": "CMHT", "organisation": {"name": "Test Trust"}}}],
    }


async def test_no_viewer_when_signed_out(world: World, client: GraphQLClient) -> None:
    result = await client.execute(VIEWER, as_user=None)

    assert not result.errors
    assert result.data == {"viewer": None}


# --- person(id) ----------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "person"), [("amara", "ngozi"), ("james", "belu"),
                                              ("ngozi", "ngozi"), ("zed", "zed")])
async def test_person_you_may_see(
    world: World, client: GraphQLClient, user: str, person: str
) -> None:
    result = await client.execute(PERSON, {"id": gid("Person", getattr(world, person))},
                                  as_user=user)

    assert not result.errors
    assert result.data["person"]["id"] == gid("Person", getattr(world, person))
    assert result.data["person"]["givenName"] == person.title()


@pytest.mark.parametrize(("user", "person"), [
    ("stranger", "ngozi"), ("ngozi", "belu"), ("amara", "zed"), (None, "ngozi"),
], ids=["staff-without-relationship", "another-person", "outside-the-caseload", "signed-out"])
async def test_person_you_may_not_see_is_indistinguishable_from_none(
    world: World, client: GraphQLClient, user: str | None, person: str
) -> None:
    hidden = await client.execute(PERSON, {"id": gid("Person", getattr(world, person))},
                                  as_user=user)
    missing = await client.execute(PERSON, {"id": gid("Person", UNKNOWN)}, as_user=user)

    assert hidden.data == missing.data == {"person": None}
    error = _only_error(hidden)
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["path"] == ["person"]
    assert person.title() not in error["message"]
    assert (hidden.data, hidden.errors) == (missing.data, missing.errors)


@pytest.mark.parametrize("value", ["", "garbage", relay.to_base64("RecoveryGoal", 1),
                                   relay.to_base64("Person", "x"),
                                   relay.to_base64("Person", -1)],
                         ids=["empty", "not-base64", "another-type", "not-a-number", "negative"])
async def test_person_with_a_malformed_id_is_not_found(
    world: World, client: GraphQLClient, value: str
) -> None:
    result = await client.execute(PERSON, {"id": value}, as_user="ngozi")

    assert result.data == {"person": None}
    assert _only_error(result)["extensions"]["code"] == "NOT_FOUND"


# --- people --------------------------------------------------------------------------------


async def test_people_is_the_caseload_or_yourself(world: World, client: GraphQLClient) -> None:
    seen = {user: _names(await client.execute(CASELOAD, as_user=user))
            for user in ("amara", "james", "stranger", "ngozi", "zed", None)}

    assert seen == {"amara": ["Ngozi", "Belu"], "james": ["Ngozi", "Belu"], "stranger": [],
                    "ngozi": ["Ngozi"], "zed": ["Zed"], None: []}


async def test_the_caseload_follows_care_relationships_as_they_start_and_end(
    world: World, client: GraphQLClient
) -> None:
    await _join_caseload(world, "Ade")
    await _join_caseload(world, "Tomorrow", starts_in_days=1)
    await _join_caseload(world, "Elsewhere", team=world.other_team)
    await _end_care(world, world.belu, world.cmht)

    assert _names(await client.execute(CASELOAD, as_user="amara")) == ["Ngozi", "Ade"]
    assert _names(await client.execute(CASELOAD, as_user="stranger")) == ["Elsewhere"]


@pytest.mark.parametrize(("search", "expected"), [
    ("ngo", ["Ngozi"]), ("BELU", ["Belu"]), ("  jo ", ["Jo"]),
    ("xample", ["Ngozi", "Belu", "Jo"]),
    ("Zed", []), ("", ["Ngozi", "Belu", "Jo"]), ("   ", ["Ngozi", "Belu", "Jo"]),
    ("%", []), ("_", []),
], ids=["given-name", "any-case", "preferred-name", "family-name", "outside-the-caseload",
        "empty", "blank", "percent-is-literal", "underscore-is-literal"])
async def test_search_narrows_the_caseload(
    world: World, client: GraphQLClient, search: str, expected: list[str]
) -> None:
    await _join_caseload(world, "Josephine", preferred_name="Jo")

    result = await client.execute(
        "query($s: String) { people(filter: {search: $s}) { edges { node { displayName } } } }",
        {"s": search}, as_user="amara")

    assert not result.errors
    names = [edge["node"]["displayName"] for edge in result.data["people"]["edges"]]
    assert names == [f"{name} Example" for name in expected]


async def test_a_person_cannot_search_their_way_to_anyone_else(
    world: World, client: GraphQLClient
) -> None:
    assert _names(await client.execute(CASELOAD, {"search": "belu"}, as_user="ngozi")) == []


# --- node(id) ------------------------------------------------------------------------------


ALL_NODES = """query($goal: ID!, $budget: ID!, $request: ID!, $consent: ID!, $person: ID!,
                     $org: ID!, $team: ID!, $staff: ID!, $pot: ID!) {
  goal: node(id: $goal) { id ... on RecoveryGoal { title } }
  budget: node(id: $budget) { id ... on Budget { paymentRoute } }
  request: node(id: $request) { id ... on BudgetRequest { status total { pence } } }
  consent: node(id: $consent) { id ... on Consent { categories } }
  person: node(id: $person) { id ... on Person { givenName } }
  org: node(id: $org) { id ... on Organisation { name kind } }
  team: node(id: $team) { id ... on Team { name } }
  staff: node(id: $staff) { id ... on StaffMember { displayName } }
  pot: node(id: $pot) { id ... on FundingPot { name } }
}"""


async def _all_node_ids(world: World) -> dict[str, str]:
    goal_id = await records.goal(world, title="Run 5k")
    return {
        "goal": gid("RecoveryGoal", goal_id),
        "budget": gid("Budget", world.budget),
        "request": gid("BudgetRequest", await records.budget_request(world, goal_id=goal_id)),
        "consent": gid("Consent", await records.consent(world)),
        "person": gid("Person", world.ngozi),
        "org": gid("Organisation", world.charity),
        "team": gid("Team", world.cmht),
        "staff": gid("StaffMember", world.amara),
        "pot": gid("FundingPot", world.pot),
    }


DIRECTORY = {
    "org": {"name": "Test Charity", "kind": "VOLUNTARY_ORGANISATION"},
    "team": {"name": "CMHT"},
    "staff": {"displayName": "Amara Tester"},
    "pot": {"name": "Test pot"},
}


@pytest.mark.parametrize("user", ["ngozi", "amara"])
async def test_node_fetches_every_type_by_its_global_id(
    world: World, client: GraphQLClient, user: str
) -> None:
    ids = await _all_node_ids(world)

    result = await client.execute(ALL_NODES, ids, as_user=user)

    assert not result.errors
    assert {name: node["id"] for name, node in result.data.items()} == ids
    fields = {name: {k: v for k, v in node.items() if k != "id"}
              for name, node in result.data.items()}
    assert fields == {
        "goal": {"title": "Run 5k"},
        "budget": {"paymentRoute": "DIRECT_PAYMENT"},
        "request": {"status": "DRAFT", "total": {"pence": 12_000}},
        "consent": {"categories": ["budget"]},
        "person": {"givenName": "Ngozi"},
        **DIRECTORY,
    }


@pytest.mark.parametrize("user", ["stranger", "belu", "zed"])
async def test_node_hides_a_persons_records_from_who_may_not_see_them(
    world: World, client: GraphQLClient, user: str
) -> None:
    ids = await _all_node_ids(world)

    result = await client.execute(ALL_NODES, ids, as_user=user)

    assert not result.errors
    hidden = {"goal", "budget", "request", "consent", "person"}
    assert {name for name, node in result.data.items() if node is None} == hidden
    assert {name: {k: v for k, v in result.data[name].items() if k != "id"}
            for name in DIRECTORY} == DIRECTORY


async def test_node_of_an_unknown_row_is_null(world: World, client: GraphQLClient) -> None:
    for type_name in ("RecoveryGoal", "BudgetRequest", "Person", "Organisation", "FundingPot"):
        result = await client.execute(NODE, {"id": gid(type_name, UNKNOWN)}, as_user="amara")
        assert not result.errors
        assert result.data == {"node": None}


@pytest.mark.parametrize("value", ["garbage", relay.to_base64("Nonsense", 1),
                                   relay.to_base64("Money", 1), relay.to_base64("Person", "x")],
                         ids=["not-base64", "unknown-type", "not-a-node-type", "not-a-number"])
async def test_node_with_a_malformed_id_is_null_and_not_found(
    world: World, client: GraphQLClient, value: str
) -> None:
    result = await client.execute(NODE, {"id": value}, as_user="amara")

    assert result.data == {"node": None}
    for error in result.errors:  # the schema's type names are not for strangers to map
        assert error["extensions"]["code"] == "NOT_FOUND"
        assert "type" not in error["message"].lower()


NESTED = """query($id: ID!) { node(id: $id) { ... on BudgetRequest {
  person { givenName goals { edges { node { title } } } }
  budget { person { givenName } requests { edges { node { purpose } } } }
  items { goal { title person { givenName } } }
  approvals { staffMember { displayName } }
} } }"""


async def test_the_care_team_follows_a_request_to_everything_around_it(
    world: World, client: GraphQLClient
) -> None:
    goal_id = await records.goal(world, title="Run 5k")
    request_id = await records.budget_request(world, goal_id=goal_id, status=S.APPROVED)

    result = await client.execute(NESTED, {"id": gid("BudgetRequest", request_id)},
                                  as_user="amara")

    assert not result.errors
    assert result.data["node"] == {
        "person": {"givenName": "Ngozi", "goals": {"edges": [{"node": {"title": "Run 5k"}}]}},
        "budget": {"person": {"givenName": "Ngozi"},
                   "requests": {"edges": [{"node": {"purpose": "Getting fit again"}}]}},
        "items": [{"goal": {"title": "Run 5k", "person": {"givenName": "Ngozi"}}}],
        "approvals": [{"staffMember": {"displayName": "James Tester"}}],
    }


@pytest.mark.parametrize("user", ["stranger", "belu"])
async def test_nothing_of_ngozi_is_reachable_through_node(
    world: World, client: GraphQLClient, user: str
) -> None:
    goal_id = await records.goal(world, title="Run 5k")
    request_id = await records.budget_request(world, goal_id=goal_id, status=S.APPROVED)
    goal_query = """query($id: ID!) { node(id: $id) { ... on RecoveryGoal {
        title person { givenName } steps { description } } } }"""

    via_request = await client.execute(NESTED, {"id": gid("BudgetRequest", request_id)},
                                       as_user=user)
    via_goal = await client.execute(goal_query, {"id": gid("RecoveryGoal", goal_id)},
                                    as_user=user)

    for result in (via_request, via_goal):
        assert not result.errors
        assert result.data == {"node": None}


async def test_access_ends_with_the_care_relationship(
    world: World, client: GraphQLClient
) -> None:
    goal_id = await records.goal(world, by="belu", person=world.belu, title="Cook")
    await _end_care(world, world.belu, world.cmht)

    node = await client.execute(NODE, {"id": gid("RecoveryGoal", goal_id)}, as_user="amara")
    person = await client.execute(PERSON, {"id": gid("Person", world.belu)}, as_user="amara")

    assert node.data == {"node": None}
    assert _only_error(person)["extensions"]["code"] == "NOT_FOUND"


# --- pagination ----------------------------------------------------------------------------


async def test_people_page_by_page(world: World, client: GraphQLClient) -> None:
    await _join_caseload(world, "Ade")

    first = await client.execute(CASELOAD, {"first": 2}, as_user="amara")
    cursor = first.data["people"]["pageInfo"]["endCursor"]
    second = await client.execute(CASELOAD, {"first": 2, "after": cursor}, as_user="amara")
    past_the_end = await client.execute(
        CASELOAD, {"first": 2, "after": second.data["people"]["pageInfo"]["endCursor"]},
        as_user="amara")

    assert _names(first) == ["Ngozi", "Belu"]
    assert first.data["people"]["pageInfo"] == {
        "hasNextPage": True, "hasPreviousPage": False,
        "startCursor": first.data["people"]["edges"][0]["cursor"], "endCursor": cursor}
    assert _names(second) == ["Ade"]
    assert second.data["people"]["pageInfo"]["hasNextPage"] is False
    assert second.data["people"]["pageInfo"]["hasPreviousPage"] is True
    assert _names(past_the_end) == []
    assert past_the_end.data["people"]["pageInfo"] == {
        "hasNextPage": False, "hasPreviousPage": True, "startCursor": None, "endCursor": None}


async def test_an_exact_last_page_says_there_is_no_next(
    world: World, client: GraphQLClient
) -> None:
    result = await client.execute(CASELOAD, {"first": 2}, as_user="amara")

    assert _names(result) == ["Ngozi", "Belu"]
    assert result.data["people"]["pageInfo"]["hasNextPage"] is False


async def test_goals_page_by_page_per_person(world: World, client: GraphQLClient) -> None:
    for title in ("One", "Two", "Three"):
        await records.goal(world, title=title)
    await records.goal(world, by="belu", person=world.belu, title="Belu's")
    query = """query($after: String) { people { edges { node { givenName
        goals(first: 2, after: $after) {
          edges { node { title } } pageInfo { hasNextPage endCursor } }
    } } } }"""

    first = await client.execute(query, as_user="amara")
    ngozi, belu = (edge["node"]["goals"] for edge in first.data["people"]["edges"])
    rest = await client.execute(query, {"after": ngozi["pageInfo"]["endCursor"]},
                                as_user="ngozi")

    assert [edge["node"]["title"] for edge in ngozi["edges"]] == ["One", "Two"]
    assert ngozi["pageInfo"]["hasNextPage"] is True
    assert [edge["node"]["title"] for edge in belu["edges"]] == ["Belu's"]
    assert belu["pageInfo"]["hasNextPage"] is False
    goals = rest.data["people"]["edges"][0]["node"]["goals"]
    assert [edge["node"]["title"] for edge in goals["edges"]] == ["Three"]
    assert goals["pageInfo"]["hasNextPage"] is False


async def test_a_hundred_is_the_largest_page(world: World, client: GraphQLClient) -> None:
    result = await client.execute(CASELOAD, {"first": 100}, as_user="amara")

    assert _names(result) == ["Ngozi", "Belu"]


@pytest.mark.parametrize(("query", "variables", "code", "path"), [
    (CASELOAD, {"first": 0}, "INVALID_PAGE_SIZE", ["people"]),
    (CASELOAD, {"first": 101}, "INVALID_PAGE_SIZE", ["people"]),
    (CASELOAD, {"first": -1}, "INVALID_PAGE_SIZE", ["people"]),
    (CASELOAD, {"after": "garbage"}, "INVALID_CURSOR", ["people"]),
    (CASELOAD, {"after": ""}, "INVALID_CURSOR", ["people"]),
    (CASELOAD, {"after": relay.to_base64("Person", 1)}, "INVALID_CURSOR", ["people"]),
    (CASELOAD, {"after": relay.to_base64("cursor", -1)}, "INVALID_CURSOR", ["people"]),
    (CASELOAD, {"after": relay.to_base64("cursor", "x")}, "INVALID_CURSOR", ["people"]),
    ("{ me { goals(first: 0) { edges { cursor } } } }", None, "INVALID_PAGE_SIZE",
     ["me", "goals"]),
    ("{ me { consents(first: 101) { edges { cursor } } } }", None, "INVALID_PAGE_SIZE",
     ["me", "consents"]),
    ('{ me { budgetRequests(after: "x") { edges { cursor } } } }', None, "INVALID_CURSOR",
     ["me", "budgetRequests"]),
], ids=["first-0", "first-101", "first-negative", "garbage-cursor", "empty-cursor",
        "global-id-as-cursor", "negative-cursor", "non-numeric-cursor", "nested-first-0",
        "nested-first-101", "nested-garbage-cursor"])
async def test_bad_paging_arguments_are_errors_with_a_code(
    world: World, client: GraphQLClient, query: str, variables: dict[str, Any] | None,
    code: str, path: list[str],
) -> None:
    result = await client.execute(query, variables, as_user="ngozi")

    error = _only_error(result)
    assert error["extensions"]["code"] == code
    assert error["path"] == path
    assert error["message"]


async def test_organisations_are_listed_to_anyone_signed_in(
    world: World, client: GraphQLClient
) -> None:
    query = "{ organisations { edges { node { name } } } }"

    signed_in = await client.execute(query, as_user="zed")
    signed_out = await client.execute(query, as_user=None)

    assert [e["node"]["name"] for e in signed_in.data["organisations"]["edges"]] == [
        "Test Practice", "Test Trust", "Test Charity"]
    assert signed_out.data["organisations"]["edges"] == []

