"""A first end-to-end check that the API answers through the policy."""

from __future__ import annotations

from tests.support.graphql import GraphQLClient, gid
from tests.support.world import World


async def test_person_sees_own_goals_after_creating_one(world: World) -> None:
    client = GraphQLClient(world.uow)
    created = await client.execute(
        """mutation($input: CreateGoalInput!) { createGoal(input: $input) {
             goal { title status person { givenName } } userErrors { field code message } } }""",
        {"input": {"personId": gid("Person", world.ngozi), "title": "Lose weight"}},
        as_user="ngozi",
    )
    payload = created.payload("createGoal")
    assert payload["userErrors"] == []
    assert payload["goal"] == {"title": "Lose weight", "status": "ACTIVE",
                               "person": {"givenName": "Ngozi"}}
    me = await client.execute("{ me { goals { edges { node { title } } } } }", as_user="ngozi")
    assert me.data["me"]["goals"]["edges"] == [{"node": {"title": "Lose weight"}}]
