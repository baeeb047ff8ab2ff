"""The ELFT tests' world: the test world (tests/support/world.py) plus the people ELFT needs —
a second team lead and a PHB lead clinician in the CMHT, the E-Approval panel's
lived-experience reviewer (a peer organisation) and commissioner (the ICB), whom Ngozi agreed
may see her plan and budget — and Ngozi's goals and eligibility."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy import func, select

from core.db import Database
from core.models import (
    BudgetRequest,
    CareBasis,
    FundingPot,
    FundingPotEntry,
    OrganisationKind,
)
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import accounts, budget_requests, consents, goals, organisations
from core.services.accounts import principal_for_username
from core.services.budget_requests import ItemInput
from core.unit_of_work import UnitOfWork
from plugins.elft import eligibility
from plugins.elft.settings import ElftSettings
from schema.build import build_schema
from schema.context import Context
from tests.support.graphql import Result
from tests.support.world import PLUGINS, RULES, World

__all__ = [
    "SETTINGS",
    "ElftClient",
    "ElftWorld",
    "build_elft_world",
    "ledger_balanced",
]

SETTINGS: ElftSettings = PLUGINS.config.settings("elft")
_SCHEMA: list[strawberry.Schema] = []


@dataclass
class ElftWorld:
    world: World
    rosa: int  # PHB lead clinician, CMHT
    tariq: int  # a second team lead, CMHT
    grace: int  # lived-experience reviewer, Hackney Lived Experience Network
    helen: int  # commissioner, the ICB
    weight_goal: int  # Ngozi's goals
    sport_goal: int
    panel_team: int
    commissioning_team: int

    @property
    def uow(self) -> UnitOfWork:
        return self.world.uow

    @property
    def db(self) -> Database:
        return self.world.uow.db

    async def policy(self, username: str) -> AccessPolicy:
        return await self.world.policy(username)

    async def request(self, amount: str, description: str = "Swimming lessons", *,
                      by: str = "amara", budget: int | None = None, submit: bool = True) -> int:
        """A request for one item on Ngozi's budget, raised (and submitted) by ``by``."""
        policy = await self.policy(by)
        created = await budget_requests.create_request(
            self.uow, policy, budget_id=budget or self.world.budget, purpose="Getting fit",
            items=[ItemInput(description, amount, self.weight_goal)])
        if submit:
            await budget_requests.submit_request(self.uow, policy, created.id)
        return created.id

    async def approve(self, request_id: int, by: str) -> BudgetRequest:
        return await budget_requests.approve_request(self.uow, await self.policy(by),
                                                     request_id)


async def _staff(uow: UnitOfWork, system: AccessPolicy, username: str, team: int,
                 role: str) -> int:
    member = await organisations.add_staff_member(uow, system, given_name=username.title(),
                                                  family_name="Tester")
    await organisations.add_membership(uow, system, staff_member_id=member.id, team_id=team,
                                       roles=[role])
    await accounts.create_account(uow, system, username=username, staff_member_id=member.id)
    return member.id


async def build_elft_world(world: World, *, eligible: bool = True) -> ElftWorld:
    uow = world.uow
    system = AccessPolicy(Principal.system(), RULES)
    now = system.now
    rosa = await _staff(uow, system, "rosa", world.cmht, "elft.phb_lead_clinician")
    tariq = await _staff(uow, system, "tariq", world.cmht, "elft.team_lead")
    peers = await organisations.create_organisation(
        uow, system, name="Peer network", kind=OrganisationKind.VOLUNTARY_ORGANISATION)
    icb = await organisations.create_organisation(uow, system, name="ICB",
                                                  kind=OrganisationKind.COMMISSIONER)
    panel_team = (await organisations.create_team(uow, system, organisation_id=peers.id,
                                                  name="Panel reviewers")).id
    commissioning = (await organisations.create_team(uow, system, organisation_id=icb.id,
                                                     name="Commissioning")).id
    grace = await _staff(uow, system, "grace", panel_team, "elft.lived_experience_reviewer")
    helen = await _staff(uow, system, "helen", commissioning, "elft.commissioner")
    ngozi = await world.policy("ngozi")
    for team, organisation in ((panel_team, peers.id), (commissioning, icb.id)):
        await organisations.start_care_relationship(
            uow, system, team_id=team, person_id=world.ngozi, basis=CareBasis.COMMISSIONING,
            starts_at=now - dt.timedelta(days=1))
        await consents.grant_consent(uow, ngozi, person_id=world.ngozi,
                                     grantee_organisation_id=organisation,
                                     categories=["recovery_plan", "budget"],
                                     purpose="The E-Approval panel deciding my requests")
    weight = await goals.create_goal(uow, ngozi, person_id=world.ngozi, title="Lose weight")
    sport = await goals.create_goal(uow, ngozi, person_id=world.ngozi,
                                    title="Join sports sessions")
    if eligible:
        await eligibility.record_assessment(
            uow, await world.policy("amara"), person_id=world.ngozi,
            receiving_elft_treatment=True, mental_health_cluster=5,
            ready_to_move_towards_discharge=True, section_117_aftercare=False)
    return ElftWorld(world=world, rosa=rosa, tariq=tariq, grace=grace, helen=helen,
                     weight_goal=weight.id, sport_goal=sport.id, panel_team=panel_team,
                     commissioning_team=commissioning)


async def ledger_balanced(db: Database, pot_id: int) -> FundingPot:
    """The pot's ledger sums to its available balance, and it is not overspent."""
    async with db.reading() as session:
        pot = await session.get_one(FundingPot, pot_id)
        ledger = await session.scalar(
            select(func.coalesce(func.sum(FundingPotEntry.available_delta_pence), 0))
            .where(FundingPotEntry.pot_id == pot_id))
    assert ledger == pot.available_pence, (ledger, pot.available_pence)
    assert pot.available_pence >= 0 and pot.committed_pence >= 0 and pot.paid_pence >= 0
    return pot


class ElftClient:
    """GraphQL in-process with the partner plugins' schema (ELFT's types and fields)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        if not _SCHEMA:
            _SCHEMA.append(build_schema(development=False, rules=RULES, plugins=PLUGINS))
        self.schema = _SCHEMA[0]

    async def execute(self, query: str, variables: dict[str, Any] | None = None, *,
                      as_user: str | None) -> Result:
        async with self.uow.db.read_session() as session:
            if as_user is None:
                principal = Principal.anonymous()
            else:
                found = await principal_for_username(session, as_user)
                assert found is not None, as_user
                principal = found
            await session.commit()
            context = Context.build(self.uow, session, principal, RULES)
            result = await self.schema.execute(query, variable_values=variables,
                                               context_value=context)
        return Result(data=result.data, errors=[e.formatted for e in result.errors or []])
