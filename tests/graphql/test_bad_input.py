"""Everything a person (or a frontend) can get wrong, and what the API answers.

Each row is one mistake: the mutation answers with exactly one ``userErrors`` entry naming the
code and the input field at fault, with a message to show, and the database is unchanged.
Malformed GraphQL is answered with GraphQL ``errors``, never an exception.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from core.models import BudgetRequestStatus as S
from core.services import goals
from tests.support import records
from tests.support.graphql import GraphQLClient, gid
from tests.support.operations import MUTATIONS, UNKNOWN, refusal
from tests.support.world import World

# What a row needs in the database before the mistake, by name; each returns a row id.
Setup = Callable[[World], Awaitable[int]]


async def _nothing(world: World) -> int:
    return 0


async def _goal(world: World) -> int:
    return await records.goal(world)


async def _belus_goal(world: World) -> int:
    return await records.goal(world, by="belu", person=world.belu)


async def _completed_goal(world: World) -> int:
    goal_id = await records.goal(world)
    await goals.complete_goal(world.uow, await world.policy("ngozi"), goal_id)
    return goal_id


async def _draft(world: World) -> int:
    return await records.budget_request(world)


async def _submitted(world: World) -> int:
    return await records.budget_request(world, status=S.SUBMITTED)


async def _submitted_by_james(world: World) -> int:
    return await records.budget_request(world, by="james", status=S.SUBMITTED)


async def _approved(world: World) -> int:
    return await records.budget_request(world, status=S.APPROVED)


async def _belus_draft(world: World) -> int:
    return await records.budget_request(world, by="belu", budget=world.notional_budget)


async def _revoked_consent(world: World) -> int:
    return await records.consent(world, revoked=True)


async def _belus_consent(world: World) -> int:
    return await records.consent(world, by="belu", person=world.belu)


@dataclass(frozen=True)
class Mistake:
    id: str
    mutation: str
    input: Callable[[World, int], dict[str, Any]]  # (world, the set-up row's id) -> input
    code: str
    field: str
    user: str = "ngozi"
    setup: Setup = _nothing


def _new_goal(**changes: Any) -> Callable[[World, int], dict[str, Any]]:
    return lambda w, _: {"personId": gid("Person", w.ngozi), "title": "Walk", **changes}


def _new_request(*items: dict[str, Any], budget: str = "budget"
                 ) -> Callable[[World, int], dict[str, Any]]:
    return lambda w, _: {"budgetId": gid("Budget", getattr(w, budget)), "purpose": "Fitness",
                         "items": list(items)}


def _item(amount: str) -> dict[str, Any]:
    return {"description": "Swimming lessons", "amount": amount}


def _new_consent(**changes: Any) -> Callable[[World, int], dict[str, Any]]:
    return lambda w, _: {"personId": gid("Person", w.ngozi),
                         "granteeId": gid("Organisation", w.charity),
                         "categories": ["budget"], "purpose": "Sessions", **changes}


def _goal_id(value: Callable[[World, int], str] = lambda _, pk: gid("RecoveryGoal", pk),
             **rest: Any) -> Callable[[World, int], dict[str, Any]]:
    return lambda w, pk: {"goalId": value(w, pk), **rest}


def _request_id(value: Callable[[World, int], str] = lambda _, pk: gid("BudgetRequest", pk),
                **rest: Any) -> Callable[[World, int], dict[str, Any]]:
    return lambda w, pk: {"requestId": value(w, pk), **rest}


def _consent_id(value: Callable[[World, int], str] = lambda _, pk: gid("Consent", pk)
                ) -> Callable[[World, int], dict[str, Any]]:
    return lambda w, pk: {"consentId": value(w, pk)}


MISTAKES = [
    # Text a person must give.
    Mistake("empty-goal-title", "createGoal", _new_goal(title=""), "REQUIRED", "title"),
    Mistake("whitespace-goal-title", "createGoal", _new_goal(title=" \t\n "), "REQUIRED",
            "title"),
    Mistake("goal-title-too-long", "createGoal", _new_goal(title="x" * 201), "TOO_LONG",
            "title"),
    Mistake("whitespace-title-on-update", "updateGoal", _goal_id(title="   "), "REQUIRED",
            "title", setup=_goal),
    Mistake("empty-progress-note", "recordGoalProgress", _goal_id(text=""), "REQUIRED", "text",
            setup=_goal),
    Mistake("empty-request-purpose", "createBudgetRequest",
            lambda w, _: {"budgetId": gid("Budget", w.budget), "purpose": " ",
                          "items": [_item("10")]},
            "REQUIRED", "purpose"),
    Mistake("empty-item-description", "createBudgetRequest",
            _new_request(_item("10"), {"description": "", "amount": "10"}),
            "REQUIRED", "items.1.description"),
    Mistake("empty-rejection-reason", "rejectBudgetRequest", _request_id(reason=""),
            "REQUIRED", "reason", user="james", setup=_submitted),
    # Money, typed in pounds.
    Mistake("zero-amount", "createBudgetRequest", _new_request(_item("0")),
            "AMOUNT_NOT_POSITIVE", "items.0.amount"),
    Mistake("zero-pence-amount", "createBudgetRequest", _new_request(_item("0.00")),
            "AMOUNT_NOT_POSITIVE", "items.0.amount"),
    Mistake("negative-amount", "createBudgetRequest",
            _new_request(_item("10"), _item("-5")), "AMOUNT_NOT_POSITIVE", "items.1.amount"),
    Mistake("fractional-penny", "createBudgetRequest", _new_request(_item("10.005")),
            "FRACTIONAL_PENNY", "items.0.amount"),
    Mistake("long-fractional-penny", "createBudgetRequest",
            _new_request(_item("1.00000000000000000000000000001")),
            "FRACTIONAL_PENNY", "items.0.amount"),
    Mistake("non-numeric-amount", "createBudgetRequest", _new_request(_item("ten pounds")),
            "INVALID_AMOUNT", "items.0.amount"),
    Mistake("empty-amount", "createBudgetRequest", _new_request(_item("")),
            "INVALID_AMOUNT", "items.0.amount"),
    Mistake("not-a-number-amount", "createBudgetRequest", _new_request(_item("NaN")),
            "INVALID_AMOUNT", "items.0.amount"),
    Mistake("infinite-amount", "createBudgetRequest", _new_request(_item("Infinity")),
            "INVALID_AMOUNT", "items.0.amount"),
    Mistake("amount-too-large", "createBudgetRequest", _new_request(_item("1000000.01")),
            "AMOUNT_TOO_LARGE", "items.0.amount"),
    Mistake("astronomical-amount", "createBudgetRequest", _new_request(_item("1e999999")),
            "AMOUNT_TOO_LARGE", "items.0.amount"),
    Mistake("no-items", "createBudgetRequest", _new_request(), "NO_ITEMS", "items"),
    Mistake("progress-over-100", "recordGoalProgress", _goal_id(text="Hi", progressPercent=101),
            "INVALID_PROGRESS", "progressPercent", setup=_goal),
    # A transition not allowed from the current state.
    Mistake("submit-twice", "submitBudgetRequest", _request_id(), "INVALID_TRANSITION",
            "requestId", setup=_submitted),
    Mistake("approve-a-draft", "approveBudgetRequest", _request_id(), "INVALID_TRANSITION",
            "requestId", user="james", setup=_draft),
    Mistake("reject-a-draft", "rejectBudgetRequest", _request_id(reason="No"),
            "INVALID_TRANSITION", "requestId", user="james", setup=_draft),
    Mistake("withdraw-a-rejected-request", "withdrawBudgetRequest", _request_id(),
            "INVALID_TRANSITION", "requestId",
            setup=lambda w: records.budget_request(w, status=S.REJECTED)),
    Mistake("pause-a-completed-goal", "updateGoal", _goal_id(status="PAUSED"),
            "INVALID_TRANSITION", "status", setup=_completed_goal),
    Mistake("complete-a-completed-goal", "completeGoal", _goal_id(), "INVALID_TRANSITION",
            "goalId", setup=_completed_goal),
    Mistake("progress-on-a-completed-goal", "recordGoalProgress", _goal_id(text="More"),
            "INVALID_TRANSITION", "goalId", setup=_completed_goal),
    Mistake("request-over-the-pot", "submitBudgetRequest", _request_id(), "POT_EXHAUSTED",
            "requestId", setup=lambda w: records.budget_request(w, items=[("Car", "6000")])),
    # IDs: unknown, malformed, of the wrong type, or someone else's.
    Mistake("unknown-goal-id", "updateGoal", _goal_id(lambda _, __: gid("RecoveryGoal", UNKNOWN),
                                                      title="X"), "NOT_FOUND", "goalId"),
    Mistake("malformed-goal-id", "addGoalStep",
            _goal_id(lambda _, __: "not-an-id", description="X"), "NOT_FOUND", "goalId"),
    Mistake("empty-goal-id", "completeGoal", _goal_id(lambda _, __: ""), "NOT_FOUND",
            "goalId"),
    Mistake("non-numeric-goal-id", "completeGoal",
            _goal_id(lambda _, __: gid("RecoveryGoal", "x")), "NOT_FOUND", "goalId"),
    Mistake("budget-id-as-goal-id", "updateGoal",
            _goal_id(lambda w, _: gid("Budget", w.budget), title="X"), "NOT_FOUND", "goalId"),
    Mistake("goal-id-as-person-id", "createGoal",
            lambda w, pk: {"personId": gid("RecoveryGoal", pk), "title": "X"},
            "NOT_FOUND", "personId", setup=_goal),
    Mistake("unknown-person-id", "createGoal",
            lambda w, _: {"personId": gid("Person", UNKNOWN), "title": "X"},
            "NOT_FOUND", "personId"),
    Mistake("malformed-budget-id", "createBudgetRequest",
            lambda w, _: {"budgetId": "QnVkZ2V0", "purpose": "X", "items": [_item("1")]},
            "NOT_FOUND", "budgetId"),
    Mistake("unknown-request-id", "submitBudgetRequest",
            _request_id(lambda _, __: gid("BudgetRequest", UNKNOWN)), "NOT_FOUND", "requestId"),
    Mistake("consent-id-as-request-id", "withdrawBudgetRequest",
            _request_id(lambda _, pk: gid("Consent", pk)), "NOT_FOUND", "requestId",
            setup=lambda w: records.consent(w)),
    Mistake("malformed-item-goal-id", "createBudgetRequest",
            _new_request({**_item("5"), "goalId": "nope"}), "NOT_FOUND", "items.0.goalId"),
    Mistake("unknown-consent-id", "revokeConsent",
            _consent_id(lambda _, __: gid("Consent", UNKNOWN)), "NOT_FOUND", "consentId"),
    Mistake("person-id-as-grantee", "grantConsent",
            lambda w, _: {**_new_consent()(w, 0), "granteeId": gid("Person", w.belu)},
            "NOT_FOUND", "granteeId"),
    Mistake("someone-elses-goal", "updateGoal", _goal_id(title="Mine"), "NOT_FOUND", "goalId",
            setup=_belus_goal),
    Mistake("someone-elses-budget", "createBudgetRequest", _new_request(
        _item("10"), budget="notional_budget"), "NOT_FOUND", "budgetId"),
    Mistake("someone-elses-request", "withdrawBudgetRequest", _request_id(), "NOT_FOUND",
            "requestId", setup=_belus_draft),
    Mistake("someone-elses-goal-on-an-item", "createBudgetRequest",
            lambda w, pk: {"budgetId": gid("Budget", w.budget), "purpose": "X",
                           "items": [{**_item("5"), "goalId": gid("RecoveryGoal", pk)}]},
            "NOT_FOUND", "items.0.goalId", setup=_belus_goal),
    Mistake("someone-elses-consent", "revokeConsent", _consent_id(), "NOT_FOUND", "consentId",
            setup=_belus_consent),
    Mistake("consent-for-someone-else", "grantConsent",
            lambda w, _: {"personId": gid("Person", w.belu),
                          "granteeId": gid("Organisation", w.charity),
                          "categories": ["budget"], "purpose": "X"},
            "NOT_FOUND", "personId"),
    # Sign-off rules.
    Mistake("person-approves-own-request", "approveBudgetRequest", _request_id(), "FORBIDDEN",
            "requestId", setup=_submitted),
    Mistake("staff-approves-request-they-made", "approveBudgetRequest", _request_id(),
            "SELF_APPROVAL", "requestId", user="james", setup=_submitted_by_james),
    Mistake("staff-rejects-request-they-made", "rejectBudgetRequest", _request_id(reason="No"),
            "SELF_APPROVAL", "requestId", user="james", setup=_submitted_by_james),
    Mistake("approve-twice", "approveBudgetRequest", _request_id(), "INVALID_TRANSITION",
            "requestId", user="james", setup=_approved),
    # Consents.
    Mistake("revoke-twice", "revokeConsent", _consent_id(), "ALREADY_REVOKED", "consentId",
            setup=_revoked_consent),
    Mistake("unknown-consent-category", "grantConsent",
            _new_consent(categories=["budget", "horoscope"]), "UNKNOWN_CATEGORY",
            "categories"),
    Mistake("no-consent-category", "grantConsent", _new_consent(categories=[]),
            "NO_CATEGORIES", "categories"),
    Mistake("consent-ends-before-it-starts", "grantConsent", _new_consent(
        validFrom="2030-06-01T00:00:00Z", validUntil="2030-05-31T23:59:59Z"),
        "INVALID_PERIOD", "validUntil"),
    Mistake("consent-ends-as-it-starts", "grantConsent", _new_consent(
        validFrom="2030-06-01T00:00:00Z", validUntil="2030-06-01T01:00:00+01:00"),
        "INVALID_PERIOD", "validUntil"),
    Mistake("consent-ended-in-the-past", "grantConsent",
            _new_consent(validUntil="2020-01-01T00:00:00Z"), "INVALID_PERIOD", "validUntil"),
    Mistake("consent-time-without-zone", "grantConsent",
            _new_consent(validFrom="2030-06-01T00:00:00"), "TIMEZONE_REQUIRED", "validFrom"),
    Mistake("person-records-consent-on-paper", "grantConsent",
            _new_consent(recordedHow="PAPER"), "INVALID_RECORDED_HOW", "recordedHow"),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
async def test_mistake_is_a_user_error_and_changes_nothing(
    world: World, client: GraphQLClient, unchanged: Any, mistake: Mistake
) -> None:
    pk = await mistake.setup(world)
    document, _ = MUTATIONS[mistake.mutation]

    async with unchanged():
        result = await client.execute(document, {"input": mistake.input(world, pk)},
                                      as_user=mistake.user)

    assert refusal(result.payload(mistake.mutation)) == (mistake.code, mistake.field)


def test_every_mutation_has_a_mistake_in_the_table() -> None:
    assert {m.mutation for m in MISTAKES} == set(MUTATIONS)


# --- malformed GraphQL ---------------------------------------------------------------------

# As a staff member, so that an operation which got as far as reading the caseload would
# leave audit events behind: malformed ones must not get that far.
MALFORMED = {
    "syntax-error": ("{ people { edges { node { givenName } }", None),
    "unknown-field": ("{ people { edges { node { givenName favouriteColour } } } }", None),
    "unknown-mutation": ("mutation { deleteEverything { ok } }", None),
    "wrong-argument-type": ('{ people(first: "ten") { edges { node { givenName } } } }', None),
    "missing-required-input-field": (
        'mutation { createGoal(input: {title: "Walk"}) { goal { id } } }', None),
    "variable-of-the-wrong-type": (
        "mutation($input: CreateGoalInput!) { createGoal(input: $input) { goal { id } } }",
        {"input": {"personId": "x", "title": 42}}),
    "unknown-enum-value": (
        "mutation($input: UpdateGoalInput!) { updateGoal(input: $input) { goal { id } } }",
        {"input": {"goalId": "x", "status": "FINISHED"}}),
    "subselection-on-a-scalar": ("{ people { edges { node { givenName { x } } } } }", None),
}


@pytest.mark.parametrize("case", MALFORMED.values(), ids=list(MALFORMED))
async def test_malformed_graphql_is_a_graphql_error(
    world: World, client: GraphQLClient, unchanged: Any,
    case: tuple[str, dict[str, Any] | None],
) -> None:
    document, variables = case

    async with unchanged():
        result = await client.execute(document, variables, as_user="amara")

    assert result.data is None
    assert result.errors
    for error in result.errors:
        assert error["message"]
        # Production answers never suggest names: that would map the schema for a stranger.
        assert "Did you mean" not in error["message"]
