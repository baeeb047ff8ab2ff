"""A team's caseload of any size, every person with a full record, built through the services.

For the statement-count benchmarks: what matters is that each person has one of everything
the caseload query follows (goals with steps and progress notes, a budget request with items
linked to a goal and a sign-off, a consent), so a relation loaded per row shows up as a count
that grows with the caseload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from core.models import CareBasis, PaymentRoute
from core.policy import AccessPolicy
from core.services import accounts, budget_requests, consents, funding, goals, organisations
from core.services import people as people_service
from core.services.budget_requests import ItemInput

from .world import World

__all__ = ["Caseload"]


@dataclass
class Caseload:
    """A CMHT of its own: ``lead`` (team lead, who signs off) and ``coordinator`` (care
    coordinator, who records everything), and the people the team cares for."""

    world: World
    lead: str = "casey"
    coordinator: str = "cora"
    people: list[int] = field(default_factory=list)
    _team: int = 0
    _policies: dict[str, AccessPolicy] = field(default_factory=dict)

    async def open(self) -> Caseload:
        world = self.world
        system = await world.policy("system")
        team = await organisations.create_team(world.uow, system, organisation_id=world.trust,
                                               name="Caseload CMHT")
        self._team = team.id
        for username, role in ((self.lead, "elft.team_lead"),
                               (self.coordinator, "elft.care_coordinator")):
            member = await organisations.add_staff_member(
                world.uow, system, given_name=username.title(), family_name="Staff")
            await organisations.add_membership(world.uow, system, staff_member_id=member.id,
                                               team_id=team.id, roles=[role])
            await accounts.create_account(world.uow, system, username=username,
                                          staff_member_id=member.id)
        self._policies = {name: await world.policy(name)
                          for name in ("system", self.lead, self.coordinator)}
        return self

    async def grow_to(self, size: int) -> None:
        """Add people until the team cares for ``size``."""
        while len(self.people) < size:
            self.people.append(await self._person(len(self.people) + 1))

    async def _person(self, number: int) -> int:
        uow, world = self.world.uow, self.world
        system, lead, coordinator = (self._policies[name]
                                     for name in ("system", self.lead, self.coordinator))
        today = system.now.date()
        person = await people_service.register_person(
            uow, system, given_name=f"Person{number}", family_name="Caseload")
        await organisations.start_care_relationship(
            uow, system, team_id=self._team, person_id=person.id,
            basis=CareBasis.CARE_COORDINATION, starts_at=system.now - dt.timedelta(days=1))
        budget = await funding.create_budget(
            uow, coordinator, person_id=person.id, funding_pot_id=world.pot,
            payment_route=PaymentRoute.DIRECT_PAYMENT, period_start=today,
            period_end=today + dt.timedelta(days=365))
        goal = await goals.create_goal(uow, coordinator, person_id=person.id,
                                       title=f"Goal of {number}", steps=["First", "Second"])
        await goals.record_progress(uow, coordinator, goal.id, text="Started",
                                    progress_percent=10)
        request = await budget_requests.create_request(
            uow, coordinator, budget_id=budget.id, purpose="Swimming",
            items=[ItemInput("Lessons", "10", goal.id), ItemInput("Goggles", "2.50")])
        await budget_requests.submit_request(uow, coordinator, request.id)
        await budget_requests.approve_request(uow, lead, request.id)
        await consents.grant_consent(uow, coordinator, person_id=person.id,
                                     grantee_organisation_id=world.charity,
                                     categories=["recovery_plan"], purpose="Sessions")
        return person.id
