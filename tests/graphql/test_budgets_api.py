"""Budget request mutations through the API: create, submit, approve, reject, withdraw, and
what each does to the funding pot."""

from __future__ import annotations

from typing import Any

import pytest

from core.models import BudgetRequestStatus as S
from core.services import budget_requests
from tests.support import policies, records
from tests.support.graphql import GraphQLClient, gid
from tests.support.operations import refusal, run
from tests.support.world import World

POT = 500_000  # the world's funding pot, in pence


def _request(request_id: int) -> dict[str, str]:
    return {"requestId": gid("BudgetRequest", request_id)}


def _pot(request: dict[str, Any]) -> tuple[int, int]:
    """(committed, available) pence of the pot behind a request's budget."""
    pot = request["budget"]["fundingPot"]
    return pot["committed"]["pence"], pot["available"]["pence"]


# --- createBudgetRequest -------------------------------------------------------------------


async def test_person_drafts_a_request_in_pounds_as_typed(
    world: World, client: GraphQLClient
) -> None:
    goal_id = await records.goal(world, title="Swim once a week")

    payload = await run(client, "createBudgetRequest", {
        "budgetId": gid("Budget", world.budget),
        "purpose": " Swimming ",
        "items": [
            {"description": "Lessons", "amount": "180",
             "goalId": gid("RecoveryGoal", goal_id)},
            {"description": "Gym membership", "amount": "£1,250.50"},
            {"description": "Goggles", "amount": " 12.5 "},
        ],
    }, as_user="ngozi")

    assert payload["userErrors"] == []
    request = payload["budgetRequest"]
    assert request["status"] == "DRAFT"
    assert request["purpose"] == "Swimming"
    assert request["total"] == {"pence": 144_300, "formatted": "£1,443.00", "currency": "GBP"}
    assert request["items"] == [
        {"description": "Lessons", "amount": {"pence": 18_000},
         "goal": {"id": gid("RecoveryGoal", goal_id), "title": "Swim once a week"}},
        {"description": "Gym membership", "amount": {"pence": 125_050}, "goal": None},
        {"description": "Goggles", "amount": {"pence": 1_250}, "goal": None},
    ]
    assert request["person"] == {"id": gid("Person", world.ngozi)}
    assert request["budget"]["id"] == gid("Budget", world.budget)
    assert (request["approvalsRequired"], request["submittedAt"], request["decidedAt"]) == (
        None, None, None)
    assert request["approvals"] == []
    assert _pot(request) == (0, POT)  # a draft reserves nothing


async def test_care_coordinator_drafts_for_the_person(
    world: World, client: GraphQLClient
) -> None:
    payload = await run(client, "createBudgetRequest", {
        "budgetId": gid("Budget", world.notional_budget), "purpose": "Art classes",
        "items": [{"description": "Term of classes", "amount": "90"}],
    }, as_user="amara")

    assert payload["userErrors"] == []
    assert payload["budgetRequest"]["person"] == {"id": gid("Person", world.belu)}
    mine = await client.execute("{ me { budgetRequests { edges { node { purpose } } } } }",
                                as_user="belu")
    assert mine.data["me"]["budgetRequests"]["edges"] == [{"node": {"purpose": "Art classes"}}]


@pytest.mark.parametrize("user", ["belu", "zed", "stranger", None])
async def test_no_request_on_a_budget_you_may_not_see(
    world: World, client: GraphQLClient, unchanged: Any, user: str | None
) -> None:
    async with unchanged():
        payload = await run(client, "createBudgetRequest", {
            "budgetId": gid("Budget", world.budget), "purpose": "Mine",
            "items": [{"description": "Anything", "amount": "10"}],
        }, as_user=user)

    assert refusal(payload) == ("NOT_FOUND", "budgetId")


async def test_an_item_cannot_serve_another_persons_goal(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    belus_goal = await records.goal(world, by="belu", person=world.belu)

    async with unchanged():
        payload = await run(client, "createBudgetRequest", {
            "budgetId": gid("Budget", world.budget), "purpose": "Swimming",
            "items": [{"description": "Lessons", "amount": "10"},
                      {"description": "Paint", "amount": "10",
                       "goalId": gid("RecoveryGoal", belus_goal)}],
        }, as_user="amara")

    assert refusal(payload) == ("NOT_FOUND", "items.1.goalId")


# --- submitBudgetRequest -------------------------------------------------------------------


async def test_submitting_fixes_the_sign_offs_needed(world: World, client: GraphQLClient) -> None:
    request_id = await records.budget_request(world)

    payload = await run(client, "submitBudgetRequest", _request(request_id), as_user="ngozi")

    assert payload["userErrors"] == []
    request = payload["budgetRequest"]
    assert request["status"] == "SUBMITTED"
    assert request["approvalsRequired"] == 1
    assert request["submittedAt"] is not None
    assert _pot(request) == (0, POT)


async def test_a_request_larger_than_the_pot_cannot_be_submitted(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world, items=[("Car", "5000.01")])

    async with unchanged():
        payload = await run(client, "submitBudgetRequest", _request(request_id),
                            as_user="ngozi")

    assert refusal(payload) == ("POT_EXHAUSTED", "requestId")


async def test_a_submitted_request_cannot_be_submitted_again(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world, status=S.SUBMITTED)

    async with unchanged():
        payload = await run(client, "submitBudgetRequest", _request(request_id),
                            as_user="ngozi")

    assert refusal(payload) == ("INVALID_TRANSITION", "requestId")


async def test_only_the_persons_own_side_can_submit(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world)

    async with unchanged():
        payload = await run(client, "submitBudgetRequest", _request(request_id),
                            as_user="belu")

    assert refusal(payload) == ("NOT_FOUND", "requestId")


# --- approveBudgetRequest ------------------------------------------------------------------


async def test_approval_reserves_the_money(world: World, client: GraphQLClient) -> None:
    request_id = await records.budget_request(world, items=[("Lessons", "120.50")],
                                              status=S.SUBMITTED)

    payload = await run(client, "approveBudgetRequest", {
        **_request(request_id), "note": "Good plan",
    }, as_user="james")

    assert payload["userErrors"] == []
    request = payload["budgetRequest"]
    assert request["status"] == "APPROVED"
    assert request["decidedAt"] is not None
    assert request["approvals"] == [{"decision": "APPROVED", "note": "Good plan",
                                     "staffMember": {"displayName": "James Tester"}}]
    assert _pot(request) == (12_050, POT - 12_050)


async def test_the_person_cannot_approve_their_own_request(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world, status=S.SUBMITTED)

    async with unchanged():
        payload = await run(client, "approveBudgetRequest", _request(request_id),
                            as_user="ngozi")

    assert refusal(payload) == ("FORBIDDEN", "requestId")


async def test_staff_who_drafted_a_request_cannot_decide_on_it(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world, by="james", status=S.SUBMITTED)

    async with unchanged():
        approve = await run(client, "approveBudgetRequest", _request(request_id),
                            as_user="james")
        reject = await run(client, "rejectBudgetRequest", {**_request(request_id),
                                                           "reason": "No"}, as_user="james")

    assert refusal(approve) == ("SELF_APPROVAL", "requestId")
    assert refusal(reject) == ("SELF_APPROVAL", "requestId")


async def test_staff_without_a_relationship_cannot_approve(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world, status=S.SUBMITTED)

    async with unchanged():
        payload = await run(client, "approveBudgetRequest", _request(request_id),
                            as_user="stranger")

    assert refusal(payload) == ("NOT_FOUND", "requestId")


async def test_a_draft_cannot_be_approved(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world)

    async with unchanged():
        payload = await run(client, "approveBudgetRequest", _request(request_id),
                            as_user="james")

    assert refusal(payload) == ("INVALID_TRANSITION", "requestId")


# --- rejectBudgetRequest -------------------------------------------------------------------


async def test_rejection_records_the_reason(world: World, client: GraphQLClient) -> None:
    request_id = await records.budget_request(world, status=S.SUBMITTED)

    payload = await run(client, "rejectBudgetRequest", {
        **_request(request_id), "reason": "Please get three quotes",
    }, as_user="james")

    assert payload["userErrors"] == []
    request = payload["budgetRequest"]
    assert request["status"] == "REJECTED"
    assert request["decidedAt"] is not None
    assert request["approvals"] == [{"decision": "REJECTED", "note": "Please get three quotes",
                                     "staffMember": {"displayName": "James Tester"}}]
    assert _pot(request) == (0, POT)


async def test_a_rejection_needs_a_reason(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world, status=S.SUBMITTED)

    async with unchanged():
        payload = await run(client, "rejectBudgetRequest", {**_request(request_id),
                                                            "reason": "  "}, as_user="james")

    assert refusal(payload) == ("REQUIRED", "reason")


@pytest.mark.parametrize(("user", "code"), [("ngozi", "FORBIDDEN"), ("stranger", "NOT_FOUND")])
async def test_only_the_care_team_can_reject(
    world: World, client: GraphQLClient, unchanged: Any, user: str, code: str
) -> None:
    request_id = await records.budget_request(world, status=S.SUBMITTED)

    async with unchanged():
        payload = await run(client, "rejectBudgetRequest", {**_request(request_id),
                                                            "reason": "No"}, as_user=user)

    assert refusal(payload) == (code, "requestId")


async def test_an_approved_request_cannot_be_rejected(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world, status=S.APPROVED)

    async with unchanged():
        payload = await run(client, "rejectBudgetRequest", {**_request(request_id),
                                                            "reason": "Changed my mind"},
                            as_user="james")

    assert refusal(payload) == ("INVALID_TRANSITION", "requestId")


# --- withdrawBudgetRequest -----------------------------------------------------------------


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED])
async def test_person_withdraws_an_open_request(
    world: World, client: GraphQLClient, status: S
) -> None:
    request_id = await records.budget_request(world, status=status)

    payload = await run(client, "withdrawBudgetRequest", {**_request(request_id),
                                                          "reason": "Found a free class"},
                        as_user="ngozi")

    assert payload["userErrors"] == []
    assert payload["budgetRequest"]["status"] == "WITHDRAWN"
    assert _pot(payload["budgetRequest"]) == (0, POT)


async def test_withdrawing_an_approved_request_gives_the_money_back(
    world: World, client: GraphQLClient
) -> None:
    request_id = await records.budget_request(world, items=[("Lessons", "300")],
                                              status=S.APPROVED)

    payload = await run(client, "withdrawBudgetRequest", _request(request_id), as_user="amara")

    assert payload["userErrors"] == []
    assert payload["budgetRequest"]["status"] == "WITHDRAWN"
    assert _pot(payload["budgetRequest"]) == (0, POT)


@pytest.mark.parametrize("status", [S.REJECTED, S.WITHDRAWN])
async def test_a_closed_request_cannot_be_withdrawn(
    world: World, client: GraphQLClient, unchanged: Any, status: S
) -> None:
    if status is S.WITHDRAWN:
        request_id = await records.budget_request(world)
        await run(client, "withdrawBudgetRequest", _request(request_id), as_user="ngozi")
    else:
        request_id = await records.budget_request(world, status=status)

    async with unchanged():
        payload = await run(client, "withdrawBudgetRequest", _request(request_id),
                            as_user="ngozi")

    assert refusal(payload) == ("INVALID_TRANSITION", "requestId")


async def test_someone_elses_request_cannot_be_withdrawn(
    world: World, client: GraphQLClient, unchanged: Any
) -> None:
    request_id = await records.budget_request(world)

    async with unchanged():
        payload = await run(client, "withdrawBudgetRequest", _request(request_id),
                            as_user="zed")

    assert refusal(payload) == ("NOT_FOUND", "requestId")


# --- payments in part --------------------------------------------------------------------------

_PAID = """query($id: ID!) { node(id: $id) { ... on BudgetRequest {
  status total { pence } paid { pence formatted } repaid { pence } } } }"""


@pytest.mark.parametrize("user", ["ngozi", "amara"])
async def test_what_was_paid_and_repaid_reads_for_whoever_may_read_the_budget(
    world: World, client: GraphQLClient, user: str
) -> None:
    request_id = await records.budget_request(world, items=[("Lessons", "200")],
                                              status=S.APPROVED)
    system = policies.system()
    async with world.uow.begin() as tx:  # as the fund holder's payment workflow would
        await budget_requests.pay_towards_request(tx, system, request_id, 5_000, at=system.now)
        await budget_requests.repay_towards_request(tx, system, request_id, 1_250,
                                                    at=system.now)

    result = await client.execute(_PAID, {"id": gid("BudgetRequest", request_id)},
                                  as_user=user)

    assert result.errors == []
    assert result.data == {"node": {"status": "APPROVED", "total": {"pence": 20_000},
                                    "paid": {"pence": 5_000, "formatted": "£50.00"},
                                    "repaid": {"pence": 1_250}}}
