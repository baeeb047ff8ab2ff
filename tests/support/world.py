"""A small, fast world for tests: built through the services, like real data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.models import CareBasis, OrganisationKind, PaymentRoute
from core.plugins import access_rules, build_plugin_manager
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import accounts, funding, organisations, people
from core.services.accounts import principal_for_username
from core.unit_of_work import UnitOfWork

__all__ = ["PLUGINS", "RULES", "World", "build_world"]

# The partner plugins, and their roles and categories, as the app builds them at start-up.
PLUGINS = build_plugin_manager()
RULES = access_rules(PLUGINS)


@dataclass
class World:
    uow: UnitOfWork
    gp: int  # organisation ids
    trust: int
    charity: int
    gp_team: int  # team ids
    cmht: int
    other_team: int
    charity_team: int
    amara: int  # staff: care coordinator in the CMHT
    james: int  # staff: team lead in the CMHT
    stranger: int  # staff: a team with no relationship to anyone here
    ngozi: int  # person: cared for by the CMHT and the GP
    belu: int  # person: cared for by the CMHT
    zed: int  # person: no care relationship with any test team
    pot: int
    budget: int  # Ngozi's direct-payment budget
    notional_budget: int  # Belu's notional budget

    async def policy(self, username: str) -> AccessPolicy:
        """The access policy of a user, as a request would build it."""
        if username == "system":
            return AccessPolicy(Principal.system(), RULES)
        async with self.uow.db.reading() as session:
            principal = await principal_for_username(session, username)
        assert principal is not None, username
        return AccessPolicy(principal, RULES)


async def build_world(uow: UnitOfWork, *, pot_pence: int = 500_000) -> World:
    system = AccessPolicy(Principal.system())
    now = system.now
    today = now.date()

    async def org(name: str, kind: OrganisationKind) -> int:
        return (await organisations.create_organisation(uow, system, name=name, kind=kind)).id

    async def team(organisation_id: int, name: str) -> int:
        created = await organisations.create_team(uow, system, organisation_id=organisation_id,
                                                  name=name)
        return created.id

    async def staff(username: str, team_id: int, roles: list[str]) -> int:
        member = await organisations.add_staff_member(uow, system, given_name=username.title(),
                                                      family_name="Tester")
        await organisations.add_membership(uow, system, staff_member_id=member.id,
                                           team_id=team_id, roles=roles)
        await accounts.create_account(uow, system, username=username, staff_member_id=member.id)
        return member.id

    async def person(username: str, given: str, nhs: str, teams: list[int]) -> int:
        created = await people.register_person(uow, system, given_name=given,
                                               family_name="Example", nhs_number=nhs)
        await accounts.create_account(uow, system, username=username, person_id=created.id)
        for team_id in teams:
            await organisations.start_care_relationship(
                uow, system, team_id=team_id, person_id=created.id,
                basis=CareBasis.CARE_COORDINATION, starts_at=now - dt.timedelta(days=10))
        return created.id

    gp = await org("Test Practice", OrganisationKind.GP_PRACTICE)
    trust = await org("Test Trust", OrganisationKind.MENTAL_HEALTH_TRUST)
    charity = await org("Test Charity", OrganisationKind.VOLUNTARY_ORGANISATION)
    gp_team = await team(gp, "Practice team")
    cmht = await team(trust, "CMHT")
    other_team = await team(trust, "Other CMHT")
    charity_team = await team(charity, "Sessions")
    amara = await staff("amara", cmht, ["elft.care_coordinator"])
    james = await staff("james", cmht, ["elft.team_lead"])
    stranger = await staff("stranger", other_team, ["elft.care_coordinator"])
    ngozi = await person("ngozi", "Ngozi", "9990000018", [cmht, gp_team])
    belu = await person("belu", "Belu", "9990000026", [cmht])
    zed = await person("zed", "Zed", "9990000034", [])
    pot = await funding.create_funding_pot(uow, system, name="Test pot",
                                           holder_organisation_id=charity,
                                           allocation_pence=pot_pence)
    budget = await funding.create_budget(
        uow, system, person_id=ngozi, funding_pot_id=pot.id,
        payment_route=PaymentRoute.DIRECT_PAYMENT, period_start=today - dt.timedelta(days=1),
        period_end=today + dt.timedelta(days=364))
    notional = await funding.create_budget(
        uow, system, person_id=belu, funding_pot_id=pot.id,
        payment_route=PaymentRoute.NOTIONAL, period_start=today - dt.timedelta(days=1),
        period_end=today + dt.timedelta(days=364))
    return World(uow=uow, gp=gp, trust=trust, charity=charity, gp_team=gp_team, cmht=cmht,
                 other_team=other_team, charity_team=charity_team, amara=amara, james=james,
                 stranger=stranger, ngozi=ngozi, belu=belu, zed=zed, pot=pot.id,
                 budget=budget.id, notional_budget=notional.id)
