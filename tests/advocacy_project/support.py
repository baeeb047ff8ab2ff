"""The Advocacy Project's test world, built on ELFT's: the pot's holder (the test charity) gets
a direct-payments team with Ada, a PHB advisor, whom Ngozi lets see her budget; Otto advises in
another organisation that has a case with Ngozi but no consent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from core.models import CareBasis, OrganisationKind
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import accounts, consents, organisations
from plugins.advocacy_project.models import PaymentCase
from tests.elft.support import ElftWorld
from tests.support.world import RULES

ADVISOR = "advocacy_project.phb_advisor"


@dataclass
class AdvocacyWorld:
    elft: ElftWorld
    ada: int
    otto: int
    consent: int  # Ngozi's consent to The Advocacy Project (budget)

    async def approved_case(self, amount: str, description: str) -> PaymentCase:
        """Ngozi's request, raised by Amara and approved (ELFT's sign-off rules)."""
        request = await self.elft.request(amount, description)
        approvers = ["james"] if int(amount) <= 250 else ["rosa", "james"]
        for who in approvers:
            await self.elft.approve(request, who)
        async with self.elft.db.reading() as session:
            case = await session.scalar(
                select(PaymentCase).where(PaymentCase.request_id == request))
        assert case is not None, "the case opens on approval"
        return case


async def _advisor(uow, system, username: str, team: int) -> int:  # type: ignore[no-untyped-def]
    member = await organisations.add_staff_member(uow, system, given_name=username.title(),
                                                  family_name="Advisor")
    await organisations.add_membership(uow, system, staff_member_id=member.id, team_id=team,
                                       roles=[ADVISOR])
    await accounts.create_account(uow, system, username=username, staff_member_id=member.id)
    return member.id


async def build_advocacy_world(elft: ElftWorld) -> AdvocacyWorld:
    world, uow = elft.world, elft.uow
    system = AccessPolicy(Principal.system(), RULES)
    start = system.now - dt.timedelta(days=1)
    payments = (await organisations.create_team(uow, system, organisation_id=world.charity,
                                                name="Direct payments")).id
    other_org = await organisations.create_organisation(
        uow, system, name="Other advocacy", kind=OrganisationKind.VOLUNTARY_ORGANISATION)
    other = (await organisations.create_team(uow, system, organisation_id=other_org.id,
                                             name="Payments")).id
    ada = await _advisor(uow, system, "ada", payments)
    otto = await _advisor(uow, system, "otto", other)
    for team in (payments, other):
        await organisations.start_care_relationship(
            uow, system, team_id=team, person_id=world.ngozi,
            basis=CareBasis.DIRECT_PAYMENT_CASE, starts_at=start)
    consent = await consents.grant_consent(
        uow, await world.policy("ngozi"), person_id=world.ngozi,
        grantee_organisation_id=world.charity, categories=["identity", "budget"],
        purpose="The Advocacy Project paying my direct payments")
    return AdvocacyWorld(elft=elft, ada=ada, otto=otto, consent=consent.id)
