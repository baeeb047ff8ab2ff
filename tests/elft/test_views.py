"""What each role works from: the caseload, the co-sign and panel queues, the pot overview."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.models import CareBasis
from core.services import accounts, budget_requests, organisations, people
from core.services.budget_requests import ItemInput
from plugins.elft import eligibility, support_plans
from tests.support import policies
from tests.support.graphql import gid

from .support import SETTINGS, ElftClient, ElftWorld
from .test_support_plans import create

CASELOAD = """
query ($first: Int, $after: String, $overdueOnly: Boolean! = false) {
  elftCaseload(first: $first, after: $after, overdueOnly: $overdueOnly) {
    edges { cursor node { person { givenName } phbStatus requestsAwaitingSignOff
                          supportPlan { status } nextReview { kind dueOn }
                          overdueReviews { kind } eligibility { eligible } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

QUEUES = """
{ elftCoSignQueue { edges { node { request { purpose } signOff { route waitingFor }
                                   youMaySign } } }
  elftPanelQueue { edges { node { request { purpose } signOff { route waitingFor }
                                  youMaySign } } } }"""


def _names(result: Any) -> list[str]:
    return [edge["node"]["person"]["givenName"]
            for edge in result.data["elftCaseload"]["edges"]]


async def test_the_caseload_is_the_people_whose_care_the_team_coordinates(
    elft: ElftWorld, client: ElftClient
) -> None:
    result = await client.execute(CASELOAD, as_user="amara")
    assert not result.errors, result.errors
    rows = {edge["node"]["person"]["givenName"]: edge["node"]
            for edge in result.data["elftCaseload"]["edges"]}
    assert sorted(rows) == ["Belu", "Ngozi"]
    assert rows["Ngozi"]["phbStatus"] == "ELIGIBLE"  # assessed, no plan yet
    assert rows["Belu"]["phbStatus"] == "NOT_ASSESSED"
    assert rows["Belu"]["eligibility"] is None
    await elft.request("600", "Laptop")
    await create(elft)
    rows = {edge["node"]["person"]["givenName"]: edge["node"] for edge in (
        await client.execute(CASELOAD, as_user="amara")).data["elftCaseload"]["edges"]}
    assert (rows["Ngozi"]["phbStatus"], rows["Ngozi"]["requestsAwaitingSignOff"],
            rows["Ngozi"]["supportPlan"]) == ("PLAN_AWAITING_SIGN_OFF", 1, {"status": "DRAFT"})

    first = await client.execute(CASELOAD, {"first": 1}, as_user="amara")
    page = first.data["elftCaseload"]
    assert page["pageInfo"]["hasNextPage"] is True
    second = await client.execute(CASELOAD, {"first": 1, "after": page["pageInfo"]["endCursor"]},
                                  as_user="amara")
    assert _names(first) + _names(second) == ["Ngozi", "Belu"]

    # Someone with no relationship has an empty caseload; a person has none at all.
    assert _names(await client.execute(CASELOAD, as_user="stranger")) == []
    refused = await client.execute(CASELOAD, as_user="ngozi")
    assert refused.codes == ["FORBIDDEN"] and refused.data is None


async def test_overdue_reviews_show_on_the_caseload(elft: ElftWorld, client: ElftClient) -> None:
    today = dt.date.today()
    plan = await create(elft, period_start=today - dt.timedelta(days=200),
                        period_end=today + dt.timedelta(days=100))
    await support_plans.sign_off_plan(elft.uow, await elft.policy("james"), plan.id, version=1,
                                      settings=SETTINGS)
    result = await client.execute(CASELOAD, {"overdueOnly": True}, as_user="amara")
    [row] = [edge["node"] for edge in result.data["elftCaseload"]["edges"]]
    assert row["person"]["givenName"] == "Ngozi"
    assert row["overdueReviews"] == [{"kind": "START"}, {"kind": "MIDPOINT"}]
    assert row["nextReview"] == {"kind": "START",
                                 "dueOn": (today - dt.timedelta(days=110)).isoformat()}


async def test_the_queues_show_what_waits_for_each_role(
    elft: ElftWorld, client: ElftClient
) -> None:
    await elft.request("180", "Gym")  # one clinician: in neither queue
    await elft.request("600", "Laptop")
    await elft.request("900", "Clothes-making course")
    # Belu's panel request: the panel's outside members have no consent from her.
    amara = await elft.policy("amara")
    await eligibility.record_assessment(
        elft.uow, amara, person_id=elft.world.belu, receiving_elft_treatment=True,
        mental_health_cluster=6, ready_to_move_towards_discharge=True,
        section_117_aftercare=False)
    belus = await budget_requests.create_request(
        elft.uow, amara, budget_id=elft.world.notional_budget, purpose="Belu's course",
        items=[ItemInput("Pottery course", "800")])
    await budget_requests.submit_request(elft.uow, amara, belus.id)

    james = (await client.execute("{ elftCoSignQueue { edges { node { request { purpose } "
                                  "youMaySign signOff { waitingFor } } } } }",
                                  as_user="james")).data["elftCoSignQueue"]["edges"]
    assert [(e["node"]["request"]["purpose"], e["node"]["youMaySign"],
             e["node"]["signOff"]["waitingFor"]) for e in james] == [
        ("Getting fit", True, ["A clinician signs off", "A team lead co-signs"])]

    grace = await client.execute("{ elftPanelQueue { edges { node { request { purpose } "
                                 "youMaySign } } } }", as_user="grace")
    assert [e["node"]["request"]["purpose"] for e in grace.data["elftPanelQueue"]["edges"]] == [
        "Getting fit"]  # Ngozi's course, not Belu's
    rosa = await client.execute("{ elftPanelQueue { edges { node { request { purpose } } } } }",
                                as_user="rosa")
    assert [e["node"]["request"]["purpose"] for e in rosa.data["elftPanelQueue"]["edges"]] == [
        "Getting fit", "Belu's course"]  # the PHB lead is in the CMHT

    for user, field in (("amara", "elftCoSignQueue"), ("james", "elftPanelQueue"),
                        ("ngozi", "elftCoSignQueue")):
        refused = await client.execute(f"{{ {field} {{ edges {{ cursor }} }} }}", as_user=user)
        assert refused.codes == ["FORBIDDEN"], (user, field)


async def test_the_pot_overview_is_for_commissioners_and_phb_leads(
    elft: ElftWorld, client: ElftClient
) -> None:
    query = ("{ elftPotOverview { pot { name } allocated { pence } committed { pence } "
             "paid { pence } remaining { pence } awaitingSignOff { pence } "
             "requestsAwaitingSignOff requestsApproved requestsPaid averageDaysToPayment "
             "medianDaysToPayment longestDaysToPayment } }")
    gym = await elft.request("180", "Gym")
    await elft.approve(gym, "james")
    await elft.request("600", "Laptop")
    helen = await client.execute(query, as_user="helen")
    assert not helen.errors, helen.errors
    [pot] = helen.data["elftPotOverview"]
    assert pot == {
        "pot": {"name": "Test pot"}, "allocated": {"pence": 500_000},
        "committed": {"pence": 18_000}, "paid": {"pence": 0}, "remaining": {"pence": 482_000},
        "awaitingSignOff": {"pence": 60_000}, "requestsAwaitingSignOff": 1,
        "requestsApproved": 1, "requestsPaid": 0, "averageDaysToPayment": None,
        "medianDaysToPayment": None, "longestDaysToPayment": None}
    assert not (await client.execute(query, as_user="rosa")).errors
    for user in ("amara", "james", "grace", "ngozi"):
        assert (await client.execute(query, as_user=user)).codes == ["FORBIDDEN"], user


async def test_the_caseload_costs_the_same_statements_for_more_people(
    elft: ElftWorld, client: ElftClient, count_statements: Any
) -> None:
    query = CASELOAD.replace("person { givenName }",
                             "person { givenName goals { edges { node { title } } } }")

    async def statements() -> int:
        with count_statements() as counter:
            result = await client.execute(query, {"first": 50}, as_user="amara")
        assert not result.errors, result.errors
        return counter.count

    await create(elft)
    few = await statements()
    system = policies.system()
    for n, number in enumerate(("9990000042", "9990000050", "9990000069")):
        person = await people.register_person(elft.uow, system, given_name=f"Extra{n}",
                                              family_name="Person", nhs_number=number)
        await accounts.create_account(elft.uow, system, username=f"extra{n}",
                                      person_id=person.id)
        await organisations.start_care_relationship(
            elft.uow, system, team_id=elft.world.cmht, person_id=person.id,
            basis=CareBasis.CARE_COORDINATION, starts_at=system.now - dt.timedelta(days=1))
    assert await statements() == few
    assert few < 25


async def test_plans_reviews_and_assessments_are_nodes(
    elft: ElftWorld, client: ElftClient
) -> None:
    plan = await create(elft)
    await support_plans.sign_off_plan(elft.uow, await elft.policy("james"), plan.id, version=1,
                                      settings=SETTINGS)
    query = """
    query ($id: ID!) { node(id: $id) { __typename
      ... on ElftSupportPlan { status reviews { id } }
      ... on ElftReview { kind }
      ... on ElftEligibilityAssessment { eligible } } }"""
    found = await client.execute(query, {"id": gid("ElftSupportPlan", plan.id)},
                                 as_user="amara")
    node = found.data["node"]
    assert (node["__typename"], node["status"], len(node["reviews"])) == (
        "ElftSupportPlan", "AGREED", 3)
    review = await client.execute(query, {"id": node["reviews"][0]["id"]}, as_user="ngozi")
    assert review.data["node"] == {"__typename": "ElftReview", "kind": "START"}
    hidden = await client.execute(query, {"id": gid("ElftSupportPlan", plan.id)},
                                  as_user="stranger")
    assert hidden.data == {"node": None}

    # The commissioner, on the panel by Ngozi's consent, reads her budget, not her clinical
    # assessment: the field is null with FORBIDDEN and the category.
    assessment = await client.execute(
        "query ($id: ID!) { person(id: $id) { elftEligibility { eligible "
        "mentalHealthCluster } } }", {"id": gid("Person", elft.world.ngozi)}, as_user="helen")
    assert assessment.data == {"person": {"elftEligibility": {"eligible": True,
                                                              "mentalHealthCluster": None}}}
    assert [(e["extensions"]["code"], e["extensions"]["category"])
            for e in assessment.errors] == [("FORBIDDEN", "mental_health")]
