"""The Advocacy Project's demo data: Sam Carter's direct-payment cases.

Marcus (who agreed on paper that The Advocacy Project sees his budget) was paid £90 for a
printer and ink for his GCSE coursework, sent his receipts, and has his first review ahead;
his laptop request is waiting for sign-off. Tomasz agrees too, so when his Stay Connected
phone is approved (core's demo requests, made after this) a case opens for Sam to pay.

Runs after ELFT's demo data (``trylast``): a request needs ELFT's eligibility assessment.
Everything goes through the services, as the people who would do it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.models import (
    Budget,
    CareBasis,
    ConsentRecordedHow,
    Organisation,
    Person,
    RecoveryGoal,
    Team,
)
from core.permissions import AccessRules
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import budget_requests, consents, organisations
from core.services.accounts import principal_for_username
from core.services.budget_requests import ItemInput
from core.unit_of_work import UnitOfWork

from .models import PaymentCase
from .monitoring import record_receipt
from .payments import Instalment, record_payment, schedule_payments
from .settings import AdvocacySettings

__all__ = ["load_advocacy_demo"]

TAP_ODS_CODE = "TAP01"  # core's demo organisation


async def _policy(uow: UnitOfWork, username: str, rules: AccessRules) -> AccessPolicy:
    async with uow.db.reading() as session:
        principal = await principal_for_username(session, username)
    assert principal is not None, f"core's demo user {username!r}"
    return AccessPolicy(principal, rules)


async def load_advocacy_demo(uow: UnitOfWork, rules: AccessRules,
                             settings: AdvocacySettings) -> None:
    system = AccessPolicy(Principal.system(), rules)
    async with uow.db.reading() as session:
        people = {person.given_name: person for person in await session.scalars(select(Person))}
        budgets = {budget.person_id: budget.id for budget in await session.scalars(select(Budget))}
        goals = {goal.title: goal.id for goal in await session.scalars(select(RecoveryGoal))}
        team = await session.scalar(
            select(Team).join(Organisation, Organisation.id == Team.organisation_id)
            .where(Organisation.ods_code == TAP_ODS_CODE))
    assert team is not None, "core's demo team at The Advocacy Project"
    marcus, tomasz = people["Marcus"], people["Tomasz"]

    # Tomasz agrees, on paper with his care coordinator, that Sam's team pays his phone.
    amara = await _policy(uow, "cc-amara", rules)
    await organisations.start_care_relationship(
        uow, system, team_id=team.id, person_id=tomasz.id, basis=CareBasis.DIRECT_PAYMENT_CASE,
        starts_at=system.now - dt.timedelta(days=7))
    await consents.grant_consent(
        uow, amara, person_id=tomasz.id, grantee_organisation_id=team.organisation_id,
        categories=["identity", "contact", "budget"], purpose="Paying my Stay Connected phone",
        recorded_how=ConsentRecordedHow.PAPER)

    # Marcus's printer: approved by one clinician, paid by Sam, receipts sent by Marcus.
    james = await _policy(uow, "lead-james", rules)
    printer = await budget_requests.create_request(
        uow, amara, budget_id=budgets[marcus.id], purpose="Printing GCSE coursework at home",
        items=[ItemInput("Printer", "75.00", goals["Finish my GCSE English coursework"]),
               ItemInput("Ink cartridges", "15.00", goals["Finish my GCSE English coursework"])])
    await budget_requests.submit_request(uow, amara, printer.id)
    await budget_requests.approve_request(uow, james, printer.id, note="Within the plan.")
    async with uow.db.reading() as session:
        case_id = await session.scalar(select(PaymentCase.id)
                                       .where(PaymentCase.request_id == printer.id))
    assert case_id is not None, "the case opens on approval"
    sam = await _policy(uow, "tap-sam", rules)
    [payment] = await schedule_payments(
        uow, sam, case_id=case_id, payee="person", account_reference="DP-MARCUS-01",
        instalments=[Instalment(9_000, sam.now.date())])
    await record_payment(uow, await _policy(uow, "tap-sam", rules), payment.id,
                         settings=settings)
    marcus_policy = await _policy(uow, "marcus", rules)
    for description, pence in (("Printer", 7_499), ("Ink cartridges", 1_501)):
        await record_receipt(uow, marcus_policy, payment_id=payment.id, person_id=marcus.id,
                             description=description, amount_pence=pence,
                             spent_on=marcus_policy.now.date())
