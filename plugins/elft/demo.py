"""ELFT's demo data: eligibility, support plans and reviews for the demo people, and the
E-Approval panel's lived-experience reviewer.

Loaded after core's demo people, goals and budgets, before core's demo requests are submitted
(which need a current eligibility assessment). Everything goes through the services.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.models import (
    Budget,
    CareBasis,
    Organisation,
    OrganisationKind,
    PaymentRoute,
    Person,
    RecoveryGoal,
    Team,
)
from core.permissions import AccessRules
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import accounts, consents, organisations
from core.services.accounts import principal_for_username
from core.unit_of_work import UnitOfWork

from . import eligibility, reviews, support_plans
from .due import notify_falling_due
from .models import Review, ReviewKind
from .settings import ElftSettings
from .sign_off import LIVED_EXPERIENCE_REVIEWER
from .support_plans import PlanContent, PlanItemInput

__all__ = ["load_elft_demo"]


async def _policy(uow: UnitOfWork, username: str, rules: AccessRules) -> AccessPolicy:
    async with uow.db.reading() as session:
        principal = await principal_for_username(session, username)
    assert principal is not None, f"core's demo user {username!r}"
    return AccessPolicy(principal, rules)


async def load_elft_demo(uow: UnitOfWork, rules: AccessRules, settings: ElftSettings) -> None:
    system = AccessPolicy(Principal.system(), rules)
    now = system.now
    today = now.date()
    async with uow.db.reading() as session:
        people = {person.given_name: person for person in await session.scalars(select(Person))}
        goals = {goal.title: goal.id for goal in await session.scalars(select(RecoveryGoal))}
        budgets = {budget.person_id: budget for budget in await session.scalars(select(Budget))}
        commissioning = await session.scalar(
            select(Team).join(Organisation, Organisation.id == Team.organisation_id)
            .where(Organisation.kind == OrganisationKind.COMMISSIONER))
    assert commissioning is not None, "core's demo commissioning team"
    amara = await _policy(uow, "cc-amara", rules)
    james = await _policy(uow, "lead-james", rules)
    amara_id = amara.principal.staff_member_id
    assert amara_id is not None

    # The lived-experience reviewer on the E-Approval panel belongs to a peer organisation.
    peers = await organisations.create_organisation(
        uow, system, name="Hackney Lived Experience Network",
        kind=OrganisationKind.VOLUNTARY_ORGANISATION, ods_code="HLEN1")
    panel = await organisations.create_team(uow, system, organisation_id=peers.id,
                                            name="E-Approval panel reviewers")
    grace = await organisations.add_staff_member(uow, system, given_name="Grace",
                                                 family_name="Mensah",
                                                 job_title="Lived-experience reviewer")
    await organisations.add_membership(uow, system, staff_member_id=grace.id, team_id=panel.id,
                                       roles=[LIVED_EXPERIENCE_REVIEWER])
    await accounts.create_account(uow, system, username="ler-grace", staff_member_id=grace.id)

    # Aisha's course goes to the panel: she agreed that its members outside ELFT see her plan
    # and her budget while they decide.
    aisha = people["Aisha"]
    aisha_policy = await _policy(uow, "aisha", rules)
    for team in (panel.id, commissioning.id):
        await organisations.start_care_relationship(
            uow, system, team_id=team, person_id=aisha.id, basis=CareBasis.COMMISSIONING,
            starts_at=now - dt.timedelta(days=1))
    for organisation_id in (peers.id, commissioning.organisation_id):
        await consents.grant_consent(
            uow, aisha_policy, person_id=aisha.id, grantee_organisation_id=organisation_id,
            categories=["recovery_plan", "budget"],
            purpose="The E-Approval panel deciding my clothes-making course")

    # Eligibility: everyone with a demo budget request is eligible; Marcus through Section 117.
    for name, cluster, section_117 in (("Ngozi", 5, False), ("Belu", 4, False),
                                       ("Marcus", 11, True), ("Aisha", 6, False),
                                       ("Tomasz", 4, False)):
        await eligibility.record_assessment(
            uow, amara, person_id=people[name].id, receiving_elft_treatment=True,
            mental_health_cluster=cluster, ready_to_move_towards_discharge=True,
            section_117_aftercare=section_117)

    # Ngozi's plan: agreed at the start of her budget; her reviews are ahead of her.
    ngozi = people["Ngozi"]
    ngozi_budget = budgets[ngozi.id]
    plan = await support_plans.create_plan(
        uow, amara, person_id=ngozi.id, budget_id=ngozi_budget.id, content=PlanContent(
            what_matters_to_me="Feeling well in my body again, keeping up with my kids, and "
                               "having somewhere to go on Tuesdays.",
            budget_purpose="Sport at Core Arts: equipment, and sessions to get fit with others.",
            held_as=PaymentRoute.NOTIONAL, care_coordinator_id=amara_id,
            period_start=ngozi_budget.period_start, period_end=ngozi_budget.period_end,
            goal_ids=[goals["Lose weight"], goals["Join sports sessions"]],
            items=[PlanItemInput("Table tennis bat and balls", "35.00",
                                 goals["Join sports sessions"]),
                   PlanItemInput("Ten swimming sessions", "45.00", goals["Lose weight"])]))
    await support_plans.sign_off_plan(uow, james, plan.id, version=1, settings=settings)

    # Marcus's plan started months ago: his start review was held, his midpoint is overdue.
    marcus = people["Marcus"]
    marcus_plan = await support_plans.create_plan(
        uow, amara, person_id=marcus.id, budget_id=budgets[marcus.id].id, content=PlanContent(
            what_matters_to_me="Getting the qualification I missed when I was unwell.",
            budget_purpose="A laptop to write and hand in my GCSE English coursework.",
            held_as=PaymentRoute.DIRECT_PAYMENT, care_coordinator_id=amara_id,
            period_start=today - dt.timedelta(days=200),
            period_end=today + dt.timedelta(days=165),
            goal_ids=[goals["Finish my GCSE English coursework"]],
            items=[PlanItemInput("Laptop", "600.00", goals["Finish my GCSE English coursework"])]))
    await support_plans.sign_off_plan(uow, james, marcus_plan.id, version=1, settings=settings)
    async with uow.db.reading() as session:
        start_review = await session.scalar(select(Review.id).where(
            Review.plan_id == marcus_plan.id, Review.kind == ReviewKind.START))
    assert start_review is not None
    await reviews.record_review(
        uow, amara, start_review, held_on=today - dt.timedelta(days=115),
        dialog=[4, 5, 3, 5, 4, 4, 3, 6, 5, 4, 5],
        goal_scores=[reviews.GoalScoreInput(goals["Finish my GCSE English coursework"], 3)],
        clinical_note="Settled on the plan; attending college two days a week. Coursework "
                      "started on a borrowed computer.")
    # What cc-amara's app shows: Marcus's midpoint review has fallen due (the hourly job
    # would say the same).
    await notify_falling_due(uow, today, settings)
