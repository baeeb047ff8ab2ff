"""Bad input through the API, with ELFT's rules on: a coded ``userErrors`` entry, and nothing in
the database changes. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.services import budget_requests
from plugins.elft.models import Review, ReviewKind
from tests.support.graphql import gid
from tests.support.stored import stored_rows

from .support import ElftClient, ElftWorld
from .test_reviews import agreed_plan_reviews

CREATE = """
mutation ($amount: String!, $description: String! = "Swimming lessons") {
  createBudgetRequest(input: {budgetId: "%s", purpose: "Getting fit",
                              items: [{description: $description, amount: $amount}]}) {
    budgetRequest { id } userErrors { field code message }
  }
}"""

DECIDE = """
mutation ($id: ID!) {
  approveBudgetRequest(input: {requestId: $id}) {
    budgetRequest { id status } userErrors { field code message }
  }
}"""

SUBMIT = """
mutation ($id: ID!) {
  submitBudgetRequest(input: {requestId: $id}) {
    budgetRequest { id status } userErrors { field code message }
  }
}"""


def _codes(result: Any, name: str) -> list[tuple[str | None, str]]:
    payload = result.payload(name)
    assert payload[next(key for key in payload if key != "userErrors")] is None
    return [(error["field"], error["code"]) for error in payload["userErrors"]]


@pytest.mark.parametrize(("amount", "description", "code"), [
    ("0", "Swimming lessons", "AMOUNT_NOT_POSITIVE"),
    ("-20", "Swimming lessons", "AMOUNT_NOT_POSITIVE"),
    ("12.345", "Swimming lessons", "FRACTIONAL_PENNY"),
    ("0.001", "Swimming lessons", "FRACTIONAL_PENNY"),
    ("£12.50p", "Swimming lessons", "INVALID_AMOUNT"),
    ("20", "Lottery tickets", "NOT_FUNDABLE_GAMBLING"),
    ("20", "Cigarettes", "NOT_FUNDABLE_TOBACCO"),
    ("20", "Repay my payday loan", "NOT_FUNDABLE_DEBT_REPAYMENT"),
    ("20", "Prescription charges", "NOT_FUNDABLE_PRIMARY_CARE"),
    ("20", "Ambulance to A&E", "NOT_FUNDABLE_EMERGENCY_CARE"),
    ("20", "Cannabis", "NOT_FUNDABLE_ILLEGAL"),
])
async def test_amounts_and_purchases_that_are_refused(
    elft: ElftWorld, client: ElftClient, unchanged: Any, amount: str, description: str,
    code: str
) -> None:
    field = "items.0.amount" if "AMOUNT" in code or "PENNY" in code else "items.0.description"
    async with unchanged():
        result = await client.execute(CREATE % gid("Budget", elft.world.budget),
                                      {"amount": amount, "description": description},
                                      as_user="amara")
    assert _codes(result, "createBudgetRequest") == [(field, code)]


async def test_sign_off_mistakes_change_nothing(
    elft: ElftWorld, client: ElftClient, unchanged: Any
) -> None:
    pot_holds = 500_000
    over = await elft.request(f"{pot_holds // 100 + 1}", submit=False)
    mine = await elft.request("180", by="james")
    panel = await elft.request("900", "Clothes-making course")
    await elft.approve(panel, "grace")
    laptop = await elft.request("600", "Laptop", by="ngozi")
    await elft.approve(laptop, "james")
    withdrawn = await elft.request("100")
    await budget_requests.withdraw_request(elft.uow, await elft.policy("ngozi"), withdrawn)
    cases = [
        (SUBMIT, over, "amara", "submitBudgetRequest", "POT_EXHAUSTED"),  # over the pot
        (DECIDE, mine, "james", "approveBudgetRequest", "SELF_APPROVAL"),  # the requester
        (DECIDE, mine, "amara", "approveBudgetRequest", "FORBIDDEN"),  # raises, never signs
        (DECIDE, panel, "james", "approveBudgetRequest", "WRONG_ROLE"),  # not on the panel
        (DECIDE, laptop, "rosa", "approveBudgetRequest", "WRONG_ROLE"),  # co-sign: team lead
        (DECIDE, laptop, "james", "approveBudgetRequest", "ALREADY_DECIDED"),  # twice
        (DECIDE, panel, "grace", "approveBudgetRequest", "WRONG_ROLE"),  # her seat is filled
        (DECIDE, withdrawn, "james", "approveBudgetRequest", "INVALID_TRANSITION"),
    ]
    async with unchanged():
        for operation, request_id, user, name, code in cases:
            result = await client.execute(operation, {"id": gid("BudgetRequest", request_id)},
                                          as_user=user)
            assert _codes(result, name) == [("requestId", code)], (user, code)


async def test_a_review_outside_the_plan_changes_nothing(
    elft: ElftWorld, client: ElftClient, unchanged: Any
) -> None:
    today = dt.date.today()
    ids = await agreed_plan_reviews(elft, period_start=today - dt.timedelta(days=30),
                                    period_end=today + dt.timedelta(days=335))
    dialog = {name: 4 for name in (
        "mentalHealth", "physicalHealth", "jobSituation", "accommodation", "leisureActivities",
        "partnerOrFamily", "friendships", "personalSafety", "medication", "practicalHelp",
        "meetingsWithProfessionals")}
    operation = """
    mutation ($input: ElftRecordReviewInput!) {
      elftRecordReview(input: $input) { review { id } userErrors { field code message } }
    }"""

    def review(**changes: Any) -> dict[str, Any]:
        return {"input": {"reviewId": gid("ElftReview", ids[ReviewKind.START]),
                          "heldOn": today.isoformat(), "dialog": dialog,
                          "goalOutcomes": [{"goalId": gid("RecoveryGoal", elft.weight_goal),
                                            "score": 5}],
                          "clinicalNote": "Doing well.", **changes}}

    cases = [
        (review(heldOn=(today - dt.timedelta(days=31)).isoformat()), "heldOn",
         "REVIEW_OUTSIDE_PLAN_PERIOD"),
        (review(heldOn=(today + dt.timedelta(days=1)).isoformat()), "heldOn",
         "REVIEW_IN_FUTURE"),
        (review(dialog={**dialog, "medication": 8}), "dialog.medication",
         "DIALOG_SCORE_OUT_OF_RANGE"),
        (review(goalOutcomes=[{"goalId": gid("RecoveryGoal", elft.weight_goal),
                               "score": 11}]), "goalOutcomes.0.score",
         "GOAL_SCORE_OUT_OF_RANGE"),
        (review(reviewId=gid("ElftReview", 999_999)), "reviewId", "NOT_FOUND"),
        (review(reviewId="not-an-id"), "reviewId", "NOT_FOUND"),
    ]
    async with unchanged():
        for variables, field, code in cases:
            result = await client.execute(operation, variables, as_user="amara")
            assert _codes(result, "elftRecordReview") == [(field, code)], code
    assert all(r.held_on is None for r in await stored_rows(elft.db, Review))


async def test_plan_mistakes_name_the_field_in_the_plan(
    elft: ElftWorld, client: ElftClient, unchanged: Any
) -> None:
    operation = """
    mutation ($input: ElftCreateSupportPlanInput!) {
      elftCreateSupportPlan(input: $input) { supportPlan { id }
                                             userErrors { field code message } }
    }"""
    today = dt.date.today()
    plan = {"whatMattersToMe": "Being well", "budgetPurpose": "Sport",
            "heldAs": "NOTIONAL", "careCoordinatorId": gid("StaffMember", elft.world.amara),
            "periodStart": today.isoformat(), "periodEnd": today.isoformat(),
            "goalIds": [gid("RecoveryGoal", elft.weight_goal)], "items": []}
    async with unchanged():
        result = await client.execute(operation, {"input": {
            "personId": gid("Person", elft.world.ngozi), "plan": plan}}, as_user="amara")
        assert _codes(result, "elftCreateSupportPlan") == [("plan.periodEnd",
                                                            "INVALID_PERIOD")]
        result = await client.execute(operation, {"input": {
            "personId": gid("Person", elft.world.ngozi),
            "plan": {**plan, "periodEnd": "2099-01-01",
                     "careCoordinatorId": gid("Person", 1)}}}, as_user="amara")
        assert _codes(result, "elftCreateSupportPlan") == [("plan.careCoordinatorId",
                                                            "NOT_FOUND")]
