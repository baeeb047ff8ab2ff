"""The Advocacy Project's test world, built on ELFT's: the pot's holder (the test charity) gets
a direct-payments team with Ada and Abe, PHB advisors, whom Ngozi lets see her budget; Otto
advises in another organisation that has a case with Ngozi but no consent. Ngozi has a
nominee, Chidi, who receives direct payments for her; Belu has one too (Bisi)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.models import (
    CareBasis,
    OrganisationKind,
    RepresentativeAccess,
    RepresentativeBasis,
)
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import accounts, consents, organisations, representatives
from plugins.advocacy_project import PHB_ADVISOR, payments
from plugins.advocacy_project.models import Payee, Payment, PaymentCase
from tests.elft.support import ElftWorld
from tests.support.world import RULES

__all__ = ["AdvocacyWorld", "build_advocacy_world"]


@dataclass
class AdvocacyWorld:
    elft: ElftWorld
    payments_team: int  # the charity's direct-payments team (it holds the pot)
    ada: int
    abe: int
    otto: int
    consent: int  # Ngozi's consent to the charity (identity, budget)
    chidi: int  # Ngozi's nominee (a Representative)
    bisi: int  # Belu's nominee

    @property
    def ngozi(self) -> int:
        return self.elft.world.ngozi

    async def policy(self, username: str) -> AccessPolicy:
        return await self.elft.policy(username)

    async def approved_request(self, amount: str, description: str) -> int:
        """Ngozi's direct-payment request, raised by Amara and approved (ELFT's rules)."""
        request = await self.elft.request(amount, description)
        approvers = ["james"] if int(amount) <= 250 else ["rosa", "james"]
        for who in approvers:
            await self.elft.approve(request, who)
        return request

    async def approved_case(self, amount: str, description: str) -> PaymentCase:
        """The case that opened when Ngozi's request was approved."""
        request = await self.approved_request(amount, description)
        async with self.elft.db.reading() as session:
            case = await session.scalar(
                select(PaymentCase).where(PaymentCase.request_id == request))
        assert case is not None, "the case opens on approval"
        return case


    async def scheduled(self, case: PaymentCase) -> Payment:
        """Ada schedules the whole approved amount to Ngozi, for today, in one payment."""
        [payment] = await payments.schedule_payments(
            self.elft.uow, await self.policy("ada"), case_id=case.id, payee=Payee.PERSON,
            account_reference=f"DP-{case.id}",
            instalments=[payments.Instalment(case.approved_pence, dt.date.today())])
        return payment

    async def paid(self, case: PaymentCase) -> Payment:
        """The whole approved amount, scheduled and paid to Ngozi today."""
        payment = await self.scheduled(case)
        return await payments.record_payment(self.elft.uow, await self.policy("ada"),
                                             payment.id)


async def _advisor(uow: Any, system: AccessPolicy, username: str, team: int) -> int:
    member = await organisations.add_staff_member(uow, system, given_name=username.title(),
                                                  family_name="Advisor")
    await organisations.add_membership(uow, system, staff_member_id=member.id, team_id=team,
                                       roles=[PHB_ADVISOR])
    await accounts.create_account(uow, system, username=username, staff_member_id=member.id)
    return member.id


async def _nominee(world: Any, person: int, who: str, name: str) -> int:
    invitation = await representatives.invite_representative(
        world.uow, await world.policy(who), person_id=person, name=name,
        basis=RepresentativeBasis.NOMINEE, access=RepresentativeAccess.VIEW,
        categories=["budget"])
    return invitation.representative.id


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
    abe = await _advisor(uow, system, "abe", payments)
    otto = await _advisor(uow, system, "otto", other)
    for team in (payments, other):
        await organisations.start_care_relationship(
            uow, system, team_id=team, person_id=world.ngozi,
            basis=CareBasis.DIRECT_PAYMENT_CASE, starts_at=start)
    consent = await consents.grant_consent(
        uow, await world.policy("ngozi"), person_id=world.ngozi,
        grantee_organisation_id=world.charity, categories=["identity", "budget"],
        purpose="The Advocacy Project paying my direct payments")
    chidi = await _nominee(world, world.ngozi, "ngozi", "Chidi Okafor")
    bisi = await _nominee(world, world.belu, "amara", "Bisi Tesfaye")
    return AdvocacyWorld(elft=elft, payments_team=payments, ada=ada, abe=abe, otto=otto,
                         consent=consent.id, chidi=chidi, bisi=bisi)

