"""ELFT's demo data, loaded with core's as ``recovery-hub demo load`` does."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import (
    BudgetRequest,
    BudgetRequestStatus,
    FundingPot,
    FundingPotEntry,
    Person,
)
from core.unit_of_work import UnitOfWork
from plugins.elft.models import EligibilityAssessment, PlanStatus, Review, SupportPlan
from recovery_hub.app import load_demo_world
from tests.support.world import PLUGINS, RULES

from .support import ElftClient


async def test_the_demo_world_with_elft(uow: UnitOfWork) -> None:
    await load_demo_world(uow, RULES, PLUGINS)
    async with uow.db.reading() as session:
        names = dict((await session.execute(select(Person.id, Person.given_name))).all())
        assessed = {names[a.person_id]: a.eligible
                    for a in await session.scalars(select(EligibilityAssessment))}
        plans = {names[p.person_id]: p.status for p in await session.scalars(select(SupportPlan))}
        held = await session.scalar(select(func.count()).select_from(Review)
                                    .where(Review.held_on.is_not(None)))
        requests = {r.purpose: r for r in await session.scalars(select(BudgetRequest))}
        [pot] = (await session.scalars(select(FundingPot))).all()
        ledger = await session.scalar(select(func.sum(FundingPotEntry.available_delta_pence)))
    assert assessed == dict.fromkeys(["Ngozi", "Belu", "Marcus", "Aisha", "Tomasz"], True)
    assert plans == {"Ngozi": PlanStatus.AGREED, "Marcus": PlanStatus.AGREED}
    assert held == 1  # Marcus's start review

    # Core's demo requests went through ELFT's rules: Tomasz's phone on the fast track.
    async with uow.db.reading() as session:
        stay_connected = list(await session.scalars(
            select(BudgetRequest).where(BudgetRequest.purpose == "Stay Connected")))
    assert {r.status for r in stay_connected} == {BudgetRequestStatus.APPROVED,
                                                  BudgetRequestStatus.SUBMITTED}
    assert all(r.approval_steps and r.approval_steps[0]["name"] == "stay_connected_fast_track"
               for r in stay_connected)
    laptop = requests["A laptop to finish GCSE coursework"]
    assert [s["name"] for s in laptop.approval_steps or []] == ["clinician", "team_lead_co_sign"]
    # Ngozi's bat and Tomasz's phone; Marcus's printer (The Advocacy Project's demo data).
    assert ledger == pot.available_pence == 2_000_000 - 3_500 - 18_000 - 9_000

    client = ElftClient(uow)
    caseload = await client.execute(
        "{ elftCaseload(overdueOnly: true) { edges { node { person { givenName } "
        "overdueReviews { kind } } } } }", as_user="cc-amara")
    assert [(e["node"]["person"]["givenName"], e["node"]["overdueReviews"])
            for e in caseload.data["elftCaseload"]["edges"]] == [
        ("Marcus", [{"kind": "MIDPOINT"}])]
    queue = await client.execute("{ elftCoSignQueue { edges { node { request { purpose } } } } }",
                                 as_user="lead-james")
    assert [e["node"]["request"]["purpose"] for e in queue.data["elftCoSignQueue"]["edges"]] == [
        "A laptop to finish GCSE coursework"]
    panel = await client.execute("{ elftPanelQueue { edges { cursor } } }", as_user="ler-grace")
    assert panel.data == {"elftPanelQueue": {"edges": []}}
