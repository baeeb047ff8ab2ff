"""The operations a partner frontend sends, written once for every API test.

Each mutation selects its payload's object and ``userErrors``; ``run`` sends one and returns
the payload, failing the test on any GraphQL-level error (those are never expected from a
well-formed mutation).
"""

from __future__ import annotations

from typing import Any

from .graphql import GraphQLClient

__all__ = [
    "ADD_GOAL_STEP",
    "APPROVE_BUDGET_REQUEST",
    "COMPLETE_GOAL",
    "CREATE_BUDGET_REQUEST",
    "CREATE_GOAL",
    "GRANT_CONSENT",
    "MUTATIONS",
    "RECORD_GOAL_PROGRESS",
    "REJECT_BUDGET_REQUEST",
    "REVOKE_CONSENT",
    "SUBMIT_BUDGET_REQUEST",
    "UNKNOWN",
    "UPDATE_GOAL",
    "WITHDRAW_BUDGET_REQUEST",
    "refusal",
    "run",
]

# A row id no test world reaches: global IDs with it name nothing.
UNKNOWN = 2_000_000_000

_ERRORS = "userErrors { field code message }"

_GOAL = """goal {
  id title whatMattersToMe status targetDate completedAt
  person { id }
  steps { description position doneAt }
  statusHistory { fromStatus toStatus reason }
  progressNotes { edges { node { text progressPercent } } }
}"""

_REQUEST = """budgetRequest {
  id status purpose approvalsRequired submittedAt decidedAt
  total { pence formatted currency }
  person { id }
  budget { id fundingPot { committed { pence } available { pence } } }
  items { description amount { pence } goal { id title } }
  approvals { decision note staffMember { displayName } }
}"""

_CONSENT = """consent {
  id categories purpose status validFrom validUntil recordedHow recordedOnBehalf revokedAt
  person { id }
  granteeOrganisation { name }
  granteeTeam { name }
  recordedBy { displayName }
}"""


def _mutation(name: str, input_type: str, selection: str) -> str:
    return (f"mutation($input: {input_type}!) {{ {name}(input: $input) "
            f"{{ {selection} {_ERRORS} }} }}")


CREATE_GOAL = _mutation("createGoal", "CreateGoalInput", _GOAL)
UPDATE_GOAL = _mutation("updateGoal", "UpdateGoalInput", _GOAL)
ADD_GOAL_STEP = _mutation("addGoalStep", "AddGoalStepInput",
                          f"step {{ description position }} {_GOAL}")
RECORD_GOAL_PROGRESS = _mutation("recordGoalProgress", "RecordGoalProgressInput",
                                 f"progressNote {{ text progressPercent createdAt }} {_GOAL}")
COMPLETE_GOAL = _mutation("completeGoal", "CompleteGoalInput", _GOAL)
CREATE_BUDGET_REQUEST = _mutation("createBudgetRequest", "CreateBudgetRequestInput", _REQUEST)
SUBMIT_BUDGET_REQUEST = _mutation("submitBudgetRequest", "BudgetRequestInput", _REQUEST)
APPROVE_BUDGET_REQUEST = _mutation("approveBudgetRequest", "ApproveBudgetRequestInput",
                                   _REQUEST)
REJECT_BUDGET_REQUEST = _mutation("rejectBudgetRequest", "RejectBudgetRequestInput", _REQUEST)
WITHDRAW_BUDGET_REQUEST = _mutation("withdrawBudgetRequest", "WithdrawBudgetRequestInput",
                                    _REQUEST)
GRANT_CONSENT = _mutation("grantConsent", "GrantConsentInput", _CONSENT)
REVOKE_CONSENT = _mutation("revokeConsent", "RevokeConsentInput", _CONSENT)

# mutation field name -> (document, the payload's changed object)
MUTATIONS: dict[str, tuple[str, str]] = {
    "createGoal": (CREATE_GOAL, "goal"),
    "updateGoal": (UPDATE_GOAL, "goal"),
    "addGoalStep": (ADD_GOAL_STEP, "step"),
    "recordGoalProgress": (RECORD_GOAL_PROGRESS, "progressNote"),
    "completeGoal": (COMPLETE_GOAL, "goal"),
    "createBudgetRequest": (CREATE_BUDGET_REQUEST, "budgetRequest"),
    "submitBudgetRequest": (SUBMIT_BUDGET_REQUEST, "budgetRequest"),
    "approveBudgetRequest": (APPROVE_BUDGET_REQUEST, "budgetRequest"),
    "rejectBudgetRequest": (REJECT_BUDGET_REQUEST, "budgetRequest"),
    "withdrawBudgetRequest": (WITHDRAW_BUDGET_REQUEST, "budgetRequest"),
    "grantConsent": (GRANT_CONSENT, "consent"),
    "revokeConsent": (REVOKE_CONSENT, "consent"),
}


async def run(client: GraphQLClient, name: str, input: dict[str, Any], *,
              as_user: str | None) -> dict[str, Any]:
    """Send mutation ``name`` with ``input``; its payload."""
    document, _ = MUTATIONS[name]
    result = await client.execute(document, {"input": input}, as_user=as_user)
    return result.payload(name)


def refusal(payload: dict[str, Any]) -> tuple[str, str | None]:
    """The code and field of a refused mutation's one user error. Checks that the error has a
    message to show and that the payload carries no object alongside it."""
    assert all(value is None for key, value in payload.items() if key != "userErrors"), payload
    assert len(payload["userErrors"]) == 1, payload["userErrors"]
    error = payload["userErrors"][0]
    assert isinstance(error["message"], str) and error["message"].strip(), error
    return error["code"], error["field"]
