"""Ngozi's story, end to end through the GraphQL API, as ELFT's staff and Ngozi would live it.

Ngozi, 40, wants to lose weight and join sports sessions. Amara, her care coordinator, checks
she is eligible for a Personal Health Budget and writes "Me and My Goals" with her; James, the
team lead, signs the plan off. Then: gym membership for £180 (one sign-off), a £600 laptop for
online classes (a clinician, and a team lead co-signs), a £900 course (the E-Approval panel of
three), and a bottle of wine (refused). Her start review is overdue until Amara records it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from strawberry import relay

from core.services import budget_requests
from tests.support.graphql import Result, gid

from .support import ElftClient, ElftWorld, ledger_balanced

TODAY = dt.date.today()

ELIGIBILITY = """
mutation ($input: ElftRecordEligibilityInput!) {
  elftRecordEligibility(input: $input) {
    assessment { eligible basis current mentalHealthCluster unmetCriteria
                 assessedBy { displayName } }
    userErrors { field code message }
  }
}"""

CREATE_PLAN = """
mutation ($input: ElftCreateSupportPlanInput!) {
  elftCreateSupportPlan(input: $input) {
    supportPlan { id status currentVersion
                  latest { version whatMattersToMe heldAs goals { title }
                           items { description amount { pence } goal { title } }
                           plannedTotal { formatted } careCoordinator { displayName } } }
    userErrors { field code message }
  }
}"""

SIGN_OFF_PLAN = """
mutation ($input: ElftSignOffSupportPlanInput!) {
  elftSignOffSupportPlan(input: $input) {
    supportPlan { status reviews { id kind dueOn overdue }
                  versions { version signedOffBy { displayName } } }
    userErrors { field code message }
  }
}"""

CREATE_REQUEST = """
mutation ($input: CreateBudgetRequestInput!) {
  createBudgetRequest(input: $input) {
    budgetRequest { id status }
    userErrors { field code message }
  }
}"""

SUBMIT = """
mutation ($id: ID!) {
  submitBudgetRequest(input: {requestId: $id}) {
    budgetRequest { status approvalsRequired
                    elftSignOff { route fastTrack waitingFor steps { name roles } } }
    userErrors { field code message }
  }
}"""

APPROVE = """
mutation ($id: ID!) {
  approveBudgetRequest(input: {requestId: $id}) {
    budgetRequest { status elftSignOff { waitingFor steps { name signedBy { givenName } } } }
    userErrors { field code message }
  }
}"""

QUEUE = """
query ($which: Boolean!) {
  coSign: elftCoSignQueue @include(if: $which) { ...entries }
  panel: elftPanelQueue @skip(if: $which) { ...entries }
}
fragment entries on ElftSignOffQueueEntryConnection {
  edges { node { request { id purpose total { pence } }
                 signOff { route waitingFor } youMaySign } }
}"""

CASELOAD = """
query ($overdueOnly: Boolean!) {
  elftCaseload(overdueOnly: $overdueOnly) {
    edges { node {
      person { givenName goals { edges { node { title } } } }
      phbStatus requestsAwaitingSignOff
      eligibility { eligible }
      supportPlan { status currentVersion }
      nextReview { id kind dueOn }
      overdueReviews { kind dueOn }
    } }
  }
}"""

RECORD_REVIEW = """
mutation ($input: ElftRecordReviewInput!) {
  elftRecordReview(input: $input) {
    review { kind heldOn overdue clinicalNote dialog { mentalHealth friendships mean }
             goalOutcomes { score goal { title } } recordedBy { givenName } }
    userErrors { field code message }
  }
}"""

POT_OVERVIEW = """
{ elftPotOverview { pot { name } allocated { pence } committed { pence } paid { pence }
                    remaining { pence } requestsAwaitingSignOff requestsApproved requestsPaid
                    averageDaysToPayment longestDaysToPayment } }"""


def _ok(result: Result, name: str) -> dict[str, Any]:
    payload = result.payload(name)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def _request(client: ElftClient, elft: ElftWorld, by: str, description: str,
                   amount: str, goal: int) -> str:
    created = _ok(await client.execute(CREATE_REQUEST, {"input": {
        "budgetId": gid("Budget", elft.world.budget), "purpose": description,
        "items": [{"description": description, "amount": amount,
                   "goalId": gid("RecoveryGoal", goal)}]}}, as_user=by), "createBudgetRequest")
    request_id: str = created["budgetRequest"]["id"]
    return request_id


async def _approve(client: ElftClient, request_id: str, by: str) -> dict[str, Any]:
    return _ok(await client.execute(APPROVE, {"id": request_id}, as_user=by),
               "approveBudgetRequest")["budgetRequest"]


async def test_ngozis_story(elft_without_eligibility: ElftWorld) -> None:
    elft = elft_without_eligibility
    world = elft.world
    client = ElftClient(world.uow)
    ngozi = gid("Person", world.ngozi)

    # No request goes for sign-off before her eligibility is checked.
    early = await _request(client, elft, "ngozi", "Gym membership, 3 months", "180",
                           elft.weight_goal)
    refused = (await client.execute(SUBMIT, {"id": early}, as_user="ngozi")).payload(
        "submitBudgetRequest")
    assert [e["code"] for e in refused["userErrors"]] == ["NO_ELIGIBILITY_ASSESSMENT"]

    # 1. Eligibility: ELFT treatment, cluster 5, ready to move towards discharge.
    assessed = _ok(await client.execute(ELIGIBILITY, {"input": {
        "personId": ngozi, "receivingElftTreatment": True, "mentalHealthCluster": 5,
        "readyToMoveTowardsDischarge": True, "section117Aftercare": False,
    }}, as_user="amara"), "elftRecordEligibility")["assessment"]
    assert assessed == {"eligible": True, "basis": "PILOT_CRITERIA", "current": True,
                        "mentalHealthCluster": 5, "unmetCriteria": [],
                        "assessedBy": {"displayName": "Amara Tester"}}

    # 2. "Me and My Goals", written with Ngozi; it began 100 days ago with her sessions.
    plan = _ok(await client.execute(CREATE_PLAN, {"input": {
        "personId": ngozi, "budgetId": gid("Budget", world.budget), "plan": {
            "whatMattersToMe": "Feeling well in my body again and keeping up with my kids.",
            "budgetPurpose": "Getting fit with others, and learning new things online.",
            "heldAs": "DIRECT_PAYMENT", "careCoordinatorId": gid("StaffMember", world.amara),
            "periodStart": (TODAY - dt.timedelta(days=100)).isoformat(),
            "periodEnd": (TODAY + dt.timedelta(days=265)).isoformat(),
            "goalIds": [gid("RecoveryGoal", elft.weight_goal)],
            "items": [{"description": "Gym membership, 3 months", "amount": "180",
                       "goalId": gid("RecoveryGoal", elft.weight_goal)},
                      {"description": "Laptop for online classes", "amount": "600",
                       "goalId": gid("RecoveryGoal", elft.sport_goal)}],
        }}}, as_user="amara"), "elftCreateSupportPlan")["supportPlan"]
    assert (plan["status"], plan["currentVersion"]) == ("DRAFT", 1)
    assert plan["latest"]["goals"] == [{"title": "Lose weight"},
                                       {"title": "Join sports sessions"}]
    assert plan["latest"]["plannedTotal"] == {"formatted": "£780.00"}
    assert plan["latest"]["careCoordinator"] == {"displayName": "Amara Tester"}

    signed = _ok(await client.execute(SIGN_OFF_PLAN, {"input": {
        "planId": plan["id"], "version": 1}}, as_user="james"),
        "elftSignOffSupportPlan")["supportPlan"]
    assert signed["status"] == "AGREED"
    assert signed["versions"] == [{"version": 1, "signedOffBy": {"displayName": "James Tester"}}]
    reviews = {review["kind"]: review for review in signed["reviews"]}
    assert {kind: review["dueOn"] for kind, review in reviews.items()} == {
        "START": (TODAY - dt.timedelta(days=10)).isoformat(),
        "MIDPOINT": (TODAY + dt.timedelta(days=82)).isoformat(),
        "END": (TODAY + dt.timedelta(days=265)).isoformat()}
    assert reviews["START"]["overdue"] is True

    # 3. £180 of gym membership, asked for by Ngozi herself: one clinician signs off.
    submitted = _ok(await client.execute(SUBMIT, {"id": early}, as_user="ngozi"),
                    "submitBudgetRequest")["budgetRequest"]
    assert submitted["elftSignOff"]["route"] == "SINGLE_CLINICIAN"
    assert submitted["approvalsRequired"] == 1
    assert (await _approve(client, early, "james"))["status"] == "APPROVED"

    # 4. A £600 laptop: a clinician (Rosa), then a team lead co-signs from his queue.
    laptop = await _request(client, elft, "amara", "Laptop for online classes", "600",
                            elft.sport_goal)
    submitted = _ok(await client.execute(SUBMIT, {"id": laptop}, as_user="amara"),
                    "submitBudgetRequest")["budgetRequest"]
    assert submitted["elftSignOff"]["route"] == "TEAM_LEAD_CO_SIGN"
    assert submitted["elftSignOff"]["waitingFor"] == ["A clinician signs off",
                                                      "A team lead co-signs"]
    assert (await _approve(client, laptop, "rosa"))["status"] == "AWAITING_APPROVAL"
    queue = (await client.execute(QUEUE, {"which": True}, as_user="james")).data
    [entry] = [edge["node"] for edge in queue["coSign"]["edges"]]
    assert (entry["request"]["id"], entry["signOff"]["waitingFor"], entry["youMaySign"]) == (
        laptop, ["A team lead co-signs"], True)
    approved = await _approve(client, laptop, "james")
    assert approved["status"] == "APPROVED"
    assert [step["signedBy"] for step in approved["elftSignOff"]["steps"]] == [
        {"givenName": "Rosa"}, {"givenName": "James"}]
    queue = (await client.execute(QUEUE, {"which": True}, as_user="james")).data
    assert queue["coSign"]["edges"] == []

    # 5. A £900 course: the E-Approval panel, three distinct people in three roles.
    course = await _request(client, elft, "amara", "Digital skills course", "900",
                            elft.sport_goal)
    submitted = _ok(await client.execute(SUBMIT, {"id": course}, as_user="amara"),
                    "submitBudgetRequest")["budgetRequest"]
    assert (submitted["elftSignOff"]["route"], submitted["approvalsRequired"]) == ("PANEL", 3)
    wrong = (await client.execute(APPROVE, {"id": course}, as_user="james")).payload(
        "approveBudgetRequest")
    assert [e["code"] for e in wrong["userErrors"]] == ["WRONG_ROLE"]
    for member, left in (("grace", 2), ("helen", 1)):
        panel = (await client.execute(QUEUE, {"which": False}, as_user=member)).data
        [entry] = [edge["node"] for edge in panel["panel"]["edges"]]
        assert entry["request"]["id"] == course and entry["youMaySign"] is True
        after = await _approve(client, course, member)
        assert len(after["elftSignOff"]["waitingFor"]) == left
    assert (await _approve(client, course, "rosa"))["status"] == "APPROVED"

    # 6. A bottle of wine: a PHB cannot buy alcohol; nothing is saved.
    wine = (await client.execute(CREATE_REQUEST, {"input": {
        "budgetId": gid("Budget", world.budget), "purpose": "A treat",
        "items": [{"description": "A bottle of wine", "amount": "12.50"}]}},
        as_user="ngozi")).payload("createBudgetRequest")
    assert wine["budgetRequest"] is None
    assert wine["userErrors"] == [{
        "field": "items.0.description", "code": "NOT_FUNDABLE_ALCOHOL",
        "message": "A Personal Health Budget cannot pay for alcohol."}]

    # 7. Reviews: the start review is overdue on Amara's caseload until she records it.
    caseload = (await client.execute(CASELOAD, {"overdueOnly": True}, as_user="amara")).data
    [row] = [edge["node"] for edge in caseload["elftCaseload"]["edges"]]
    assert row["person"]["givenName"] == "Ngozi"
    assert {e["node"]["title"] for e in row["person"]["goals"]["edges"]} == {
        "Lose weight", "Join sports sessions"}
    assert (row["phbStatus"], row["eligibility"], row["supportPlan"]) == (
        "PLAN_AGREED", {"eligible": True}, {"status": "AGREED", "currentVersion": 1})
    assert row["overdueReviews"] == [{"kind": "START", "dueOn": reviews["START"]["dueOn"]}]
    assert row["nextReview"]["kind"] == "START"

    done = _ok(await client.execute(RECORD_REVIEW, {"input": {
        "reviewId": reviews["START"]["id"], "heldOn": TODAY.isoformat(),
        "dialog": {"mentalHealth": 5, "physicalHealth": 4, "jobSituation": 3,
                   "accommodation": 5, "leisureActivities": 5, "partnerOrFamily": 6,
                   "friendships": 4, "personalSafety": 6, "medication": 5,
                   "practicalHelp": 5, "meetingsWithProfessionals": 6},
        "goalOutcomes": [{"goalId": gid("RecoveryGoal", elft.weight_goal), "score": 3},
                         {"goalId": gid("RecoveryGoal", elft.sport_goal), "score": 5}],
        "clinicalNote": "Going to the gym twice a week. Laptop ordered for the course.",
    }}, as_user="amara"), "elftRecordReview")["review"]
    assert (done["kind"], done["heldOn"], done["overdue"]) == ("START", TODAY.isoformat(),
                                                                False)
    assert done["dialog"] == {"mentalHealth": 5, "friendships": 4, "mean": 4.91}
    assert done["goalOutcomes"] == [{"score": 3, "goal": {"title": "Lose weight"}},
                                    {"score": 5, "goal": {"title": "Join sports sessions"}}]
    caseload = (await client.execute(CASELOAD, {"overdueOnly": True}, as_user="amara")).data
    assert caseload["elftCaseload"]["edges"] == []
    caseload = (await client.execute(CASELOAD, {"overdueOnly": False}, as_user="amara")).data
    ngozi_row = next(edge["node"] for edge in caseload["elftCaseload"]["edges"]
                     if edge["node"]["person"]["givenName"] == "Ngozi")
    assert ngozi_row["nextReview"]["kind"] == "MIDPOINT"

    # 8. The commissioner's view of the pot, once the gym membership is paid.
    await budget_requests.mark_paid(world.uow, await world.policy("system"),  # the pot holder
                                    int(relay.from_base64(early)[1]))
    overview = (await client.execute(POT_OVERVIEW, as_user="helen")).data["elftPotOverview"]
    [pot] = [row for row in overview if row["pot"]["name"] == "Test pot"]
    balanced = await ledger_balanced(world.uow.db, world.pot)
    assert pot["committed"]["pence"] == 60_000 + 90_000
    assert pot["paid"]["pence"] == 18_000
    assert pot["remaining"]["pence"] == balanced.available_pence == (
        pot["allocated"]["pence"] - 168_000)
    assert (pot["requestsApproved"], pot["requestsPaid"], pot["requestsAwaitingSignOff"]) == (
        3, 1, 0)
    assert pot["averageDaysToPayment"] == pot["longestDaysToPayment"] == 0.0

    # Ngozi sees her own plan and eligibility.
    mine = (await client.execute(
        "{ me { elftEligibility { eligible } elftSupportPlan { status latest { version } } } }",
        as_user="ngozi")).data["me"]
    assert mine == {"elftEligibility": {"eligible": True},
                    "elftSupportPlan": {"status": "AGREED", "latest": {"version": 1}}}


async def test_fixture_world_has_no_assessment_yet(elft_without_eligibility: ElftWorld) -> None:
    client = ElftClient(elft_without_eligibility.uow)
    mine = await client.execute("{ me { elftEligibility { eligible } } }", as_user="ngozi")
    assert mine.data == {"me": {"elftEligibility": None}}
