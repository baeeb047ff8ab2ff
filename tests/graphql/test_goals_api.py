"""Recovery goal mutations through the API: createGoal, updateGoal, addGoalStep,
recordGoalProgress, completeGoal."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import records
from tests.support.graphql import GraphQLClient, gid
from tests.support.operations import refusal, run
from tests.support.world import World


def _steps(goal: dict[str, Any]) -> list[tuple[str, int]]:
    return [(step["description"], step["position"]) for step in goal["steps"]]


def _history(goal: dict[str, Any]) -> list[tuple[str | None, str, str | None]]:
    return [(c["fromStatus"], c["toStatus"], c["reason"]) for c in goal["statusHistory"]]


async def _my_goal_titles(client: GraphQLClient, user: str) -> list[str]:
    result = await client.execute("{ me { goals { edges { node { title } } } } }", as_user=user)
    assert not result.errors
    return [edge["node"]["title"] for edge in result.data["me"]["goals"]["edges"]]


# --- createGoal ----------------------------------------------------------------------------


async def test_person_creates_a_goal_with_steps(world: World, client: GraphQLClient) -> None:
    payload = await run(client, "createGoal", {
        "personId": gid("Person", world.ngozi),
        "title": "  Get back to swimming  ",
        "whatMattersToMe": "Feeling strong again",
        "targetDate": "2027-06-30",
        "steps": ["Find a pool", "Buy a costume"],
    }, as_user="ngozi")

    assert payload["userErrors"] == []
    goal = payload["goal"]
    assert goal["title"] == "Get back to swimming"
    assert goal["whatMattersToMe"] == "Feeling strong again"
    assert goal["targetDate"] == "2027-06-30"
    assert goal["status"] == "ACTIVE"
    assert goal["completedAt"] is None
    assert goal["person"] == {"id": gid("Person", world.ngozi)}
    assert _steps(goal) == [("Find a pool", 1), ("Buy a costume", 2)]
    assert _history(goal) == [(None, "ACTIVE", None)]
    assert goal["progressNotes"]["edges"] == []
    assert await _my_goal_titles(client, "ngozi") == ["Get back to swimming"]


async def test_care_coordinator_sets_a_goal_the_person_then_sees(
    world: World, client: GraphQLClient
) -> None:
    payload = await run(client, "createGoal", {
        "personId": gid("Person", world.belu), "title": "Cook a meal for friends",
    }, as_user="amara")

    assert payload["userErrors"] == []
    assert payload["goal"]["person"] == {"id": gid("Person", world.belu)}
    assert await _my_goal_titles(client, "belu") == ["Cook a meal for friends"]


@pytest.mark.parametrize(
    ("user", "person"),
    [("stranger", "ngozi"), ("belu", "ngozi"), ("amara", "zed"), (None, "ngozi")],
    ids=["staff-without-relationship", "another-person", "person-outside-caseload",
         "anonymous"],
)
async def test_goal_for_someone_you_may_not_see_is_not_found(
    world: World, client: GraphQLClient, unchanged: Any, user: str | None, person: str
) -> None:
    async with unchanged():
        payload = await run(client, "createGoal", {
            "personId": gid("Person", getattr(world, person)), "title": "Not yours",
        }, as_user=user)

    assert refusal(payload) == ("NOT_FOUND", "personId")


async def test_empty_step_names_its_position(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    async with unchanged():
        payload = await run(client, "createGoal", {
            "personId": gid("Person", world.ngozi), "title": "Walk", "steps": ["Shoes", " "],
        }, as_user="ngozi")

    assert refusal(payload) == ("REQUIRED", "steps.1")


# --- updateGoal ----------------------------------------------------------------------------


async def test_update_changes_only_the_fields_given(world: World, client: GraphQLClient) -> None:
    goal_id = await records.goal(world, title="Walk", steps=["Shoes"])
    await run(client, "updateGoal", {"goalId": gid("RecoveryGoal", goal_id),
                                     "whatMattersToMe": "Fresh air"}, as_user="ngozi")

    payload = await run(client, "updateGoal", {
        "goalId": gid("RecoveryGoal", goal_id), "title": "Walk to the park",
        "targetDate": "2027-01-31",
    }, as_user="ngozi")

    assert payload["userErrors"] == []
    goal = payload["goal"]
    assert (goal["title"], goal["whatMattersToMe"], goal["targetDate"], goal["status"]) == (
        "Walk to the park", "Fresh air", "2027-01-31", "ACTIVE")
    assert _steps(goal) == [("Shoes", 1)]
    assert _history(goal) == [(None, "ACTIVE", None)]


async def test_status_changes_are_kept_with_their_reasons(
    world: World, client: GraphQLClient
) -> None:
    goal_id = await records.goal(world)
    paused = await run(client, "updateGoal", {
        "goalId": gid("RecoveryGoal", goal_id), "status": "PAUSED", "reason": "In hospital",
    }, as_user="ngozi")
    resumed = await run(client, "updateGoal", {
        "goalId": gid("RecoveryGoal", goal_id), "status": "ACTIVE", "reason": "Home again",
    }, as_user="amara")

    assert paused["goal"]["status"] == "PAUSED"
    assert resumed["userErrors"] == []
    assert resumed["goal"]["status"] == "ACTIVE"
    assert _history(resumed["goal"]) == [
        (None, "ACTIVE", None), ("ACTIVE", "PAUSED", "In hospital"),
        ("PAUSED", "ACTIVE", "Home again"),
    ]


async def test_an_abandoned_goal_can_only_be_picked_up_again(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    goal_id = await records.goal(world)
    await run(client, "updateGoal", {"goalId": gid("RecoveryGoal", goal_id),
                                     "status": "ABANDONED"}, as_user="ngozi")

    async with unchanged():
        paused = await run(client, "updateGoal", {"goalId": gid("RecoveryGoal", goal_id),
                                                  "status": "PAUSED"}, as_user="ngozi")
    again = await run(client, "updateGoal", {"goalId": gid("RecoveryGoal", goal_id),
                                             "status": "ACTIVE"}, as_user="ngozi")

    assert refusal(paused) == ("INVALID_TRANSITION", "status")
    assert again["goal"]["status"] == "ACTIVE"


async def test_someone_elses_goal_cannot_be_updated(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    goal_id = await records.goal(world, by="belu", person=world.belu)

    for user in ("ngozi", "stranger"):
        async with unchanged():
            payload = await run(client, "updateGoal", {
                "goalId": gid("RecoveryGoal", goal_id), "title": "Mine now",
            }, as_user=user)
        assert refusal(payload) == ("NOT_FOUND", "goalId")


# --- addGoalStep ---------------------------------------------------------------------------


async def test_steps_are_added_at_the_end(world: World, client: GraphQLClient) -> None:
    goal_id = await records.goal(world, steps=["Find a pool", "Buy a costume"])

    payload = await run(client, "addGoalStep", {
        "goalId": gid("RecoveryGoal", goal_id), "description": " Book a lesson ",
    }, as_user="amara")

    assert payload["userErrors"] == []
    assert payload["step"] == {"description": "Book a lesson", "position": 3}
    assert _steps(payload["goal"]) == [("Find a pool", 1), ("Buy a costume", 2),
                                       ("Book a lesson", 3)]


async def test_a_step_needs_words(world: World, client: GraphQLClient, unchanged: Any) -> None:
    goal_id = await records.goal(world)

    async with unchanged():
        payload = await run(client, "addGoalStep", {
            "goalId": gid("RecoveryGoal", goal_id), "description": "",
        }, as_user="ngozi")

    assert refusal(payload) == ("REQUIRED", "description")


async def test_a_step_cannot_be_added_to_someone_elses_goal(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    goal_id = await records.goal(world)

    async with unchanged():
        payload = await run(client, "addGoalStep", {
            "goalId": gid("RecoveryGoal", goal_id), "description": "Sneaky",
        }, as_user="zed")

    assert refusal(payload) == ("NOT_FOUND", "goalId")


# --- recordGoalProgress --------------------------------------------------------------------


async def test_progress_notes_are_kept_in_order(world: World, client: GraphQLClient) -> None:
    goal_id = await records.goal(world)
    await run(client, "recordGoalProgress", {
        "goalId": gid("RecoveryGoal", goal_id), "text": "Went once", "progressPercent": 0,
    }, as_user="ngozi")

    payload = await run(client, "recordGoalProgress", {
        "goalId": gid("RecoveryGoal", goal_id), "text": "Swam ten lengths",
        "progressPercent": 100,
    }, as_user="amara")

    assert payload["userErrors"] == []
    note = payload["progressNote"]
    assert (note["text"], note["progressPercent"]) == ("Swam ten lengths", 100)
    assert note["createdAt"].endswith("+00:00")
    assert [edge["node"] for edge in payload["goal"]["progressNotes"]["edges"]] == [
        {"text": "Went once", "progressPercent": 0},
        {"text": "Swam ten lengths", "progressPercent": 100},
    ]


async def test_progress_without_a_percentage(world: World, client: GraphQLClient) -> None:
    goal_id = await records.goal(world)

    payload = await run(client, "recordGoalProgress", {
        "goalId": gid("RecoveryGoal", goal_id), "text": "Felt good",
    }, as_user="ngozi")

    assert payload["progressNote"]["progressPercent"] is None


@pytest.mark.parametrize("percent", [-1, 101])
async def test_progress_is_a_percentage(
    world: World, client: GraphQLClient, unchanged: Any, percent: int
) -> None:
    goal_id = await records.goal(world)

    async with unchanged():
        payload = await run(client, "recordGoalProgress", {
            "goalId": gid("RecoveryGoal", goal_id), "text": "Hmm", "progressPercent": percent,
        }, as_user="ngozi")

    assert refusal(payload) == ("INVALID_PROGRESS", "progressPercent")


async def test_progress_cannot_be_noted_on_someone_elses_goal(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    goal_id = await records.goal(world)

    async with unchanged():
        payload = await run(client, "recordGoalProgress", {
            "goalId": gid("RecoveryGoal", goal_id), "text": "Sneaky",
        }, as_user="stranger")

    assert refusal(payload) == ("NOT_FOUND", "goalId")


# --- completeGoal --------------------------------------------------------------------------


async def test_completing_a_goal(world: World, client: GraphQLClient) -> None:
    goal_id = await records.goal(world)

    payload = await run(client, "completeGoal", {
        "goalId": gid("RecoveryGoal", goal_id), "note": "Swam a mile!",
    }, as_user="ngozi")

    assert payload["userErrors"] == []
    goal = payload["goal"]
    assert goal["status"] == "COMPLETED"
    assert goal["completedAt"] is not None
    assert _history(goal)[-1] == ("ACTIVE", "COMPLETED", "Swam a mile!")


async def test_a_completed_goal_takes_no_progress_until_reopened(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    goal_id = await records.goal(world)
    await run(client, "completeGoal", {"goalId": gid("RecoveryGoal", goal_id)},
              as_user="ngozi")

    async with unchanged():
        progress = await run(client, "recordGoalProgress", {
            "goalId": gid("RecoveryGoal", goal_id), "text": "More",
        }, as_user="ngozi")
        twice = await run(client, "completeGoal", {"goalId": gid("RecoveryGoal", goal_id)},
                          as_user="ngozi")
    reopened = await run(client, "updateGoal", {
        "goalId": gid("RecoveryGoal", goal_id), "status": "ACTIVE", "reason": "New target",
    }, as_user="ngozi")
    after = await run(client, "recordGoalProgress", {
        "goalId": gid("RecoveryGoal", goal_id), "text": "Back at it",
    }, as_user="ngozi")

    assert refusal(progress) == ("INVALID_TRANSITION", "goalId")
    assert refusal(twice) == ("INVALID_TRANSITION", "goalId")
    assert reopened["goal"]["status"] == "ACTIVE"
    assert reopened["goal"]["completedAt"] is None
    assert after["userErrors"] == []


async def test_someone_elses_goal_cannot_be_completed(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    goal_id = await records.goal(world)

    async with unchanged():
        payload = await run(client, "completeGoal", {"goalId": gid("RecoveryGoal", goal_id)},
                            as_user="belu")

    assert refusal(payload) == ("NOT_FOUND", "goalId")
