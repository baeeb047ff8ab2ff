"""Demo data drawn from the City & Hackney case studies.

Everything is created through the services, as the system principal, so demo data obeys the
same rules as real data. NHS numbers are in the 999 test range: never a real person's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from core.db import Database
from core.models import (
    CareBasis,
    ConsentRecordedHow,
    OrganisationKind,
    PaymentRoute,
    Person,
    UserAccount,
)
from core.notifications.service import Recipient, create_notification
from core.passwords import hash_password
from core.permissions import AccessRules
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import (
    accounts,
    budget_requests,
    consents,
    funding,
    goals,
    organisations,
    people,
)
from core.services.accounts import principal_for_username
from core.services.budget_requests import ItemInput
from core.unit_of_work import UnitOfWork

from .demo_health import load_health_records

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "DemoUser", "demo_is_loaded", "load_demo"]

# Every demo account signs in with this password (the OAuth consent screen, README). Demo
# data only: it is printed in the README.
DEMO_PASSWORD = "recovery-hub-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    who: str


DEMO_USERS = (
    DemoUser("ngozi", "Ngozi, 40: goals to lose weight and join sports sessions"),
    DemoUser("belu", "Belu, 60: tracks medication and moods, uses a Fitbit"),
    DemoUser("marcus", "Marcus, 24: finishing GCSE coursework, asking for a laptop"),
    DemoUser("aisha", "Aisha, 35: an African clothes-making course"),
    DemoUser("tomasz", "Tomasz, 52: staying connected with a phone and SIM card"),
    DemoUser("gp-priya", "Dr Priya Shah, GP at Somerford Grove Practice"),
    DemoUser("cc-amara", "Amara Okoye, ELFT care coordinator"),
    DemoUser("lead-james", "James Whitfield, ELFT team lead"),
    DemoUser("phb-lead-rosa", "Rosa Martins, ELFT PHB lead clinician"),
    DemoUser("ca-leon", "Leon Baptiste, Core Arts & Sports sessions coordinator"),
    DemoUser("tap-sam", "Sam Carter, The Advocacy Project PHB advisor"),
    DemoUser("comm-helen", "Helen Price, City & Hackney commissioner"),
)


async def demo_is_loaded(db: Database) -> bool:
    async with db.reading() as session:
        return bool(await session.scalar(select(func.count()).select_from(UserAccount)))


async def _as(db: Database, username: str, rules: AccessRules) -> AccessPolicy:
    async with db.reading() as session:
        principal = await principal_for_username(session, username)
    assert principal is not None
    return AccessPolicy(principal, rules)


async def load_demo(
    uow: UnitOfWork, rules: AccessRules, *, today: dt.date | None = None
) -> None:
    """Load the demo organisations, staff, people, goals, budgets and consents, then the
    plugins' demo data (hook ``load_demo_data``, with ``uow.plugins``), then the requests."""
    system = AccessPolicy(Principal.system(), rules)
    today = today or dt.date.today()
    # Hashed once (Argon2 is slow on purpose): the demo accounts share one password.
    password_hash = hash_password(DEMO_PASSWORD)
    now = system.now

    async def org(name: str, kind: OrganisationKind, ods: str) -> int:
        created = await organisations.create_organisation(uow, system, name=name, kind=kind,
                                                          ods_code=ods)
        return created.id

    async def team(organisation_id: int, name: str) -> int:
        return (await organisations.create_team(uow, system, organisation_id=organisation_id,
                                                name=name)).id

    async def staff(username: str, given: str, family: str, title: str, team_id: int,
                    roles: list[str]) -> int:
        member = await organisations.add_staff_member(uow, system, given_name=given,
                                                      family_name=family, job_title=title)
        await organisations.add_membership(uow, system, staff_member_id=member.id,
                                           team_id=team_id, roles=roles)
        await accounts.create_account(uow, system, username=username,
                                      staff_member_id=member.id, password_hash=password_hash)
        return member.id

    gp = await org("Somerford Grove Practice", OrganisationKind.GP_PRACTICE, "F84001")
    elft = await org("East London NHS Foundation Trust", OrganisationKind.MENTAL_HEALTH_TRUST,
                     "RWK")
    core_arts = await org("Core Arts & Sports", OrganisationKind.VOLUNTARY_ORGANISATION,
                          "CAS01")
    tap = await org("The Advocacy Project", OrganisationKind.VOLUNTARY_ORGANISATION, "TAP01")
    icb = await org("NHS North East London, City & Hackney", OrganisationKind.COMMISSIONER,
                    "QMF")

    gp_team = await team(gp, "Practice team")
    cmht = await team(elft, "City & Hackney Community Mental Health Team (North)")
    sessions = await team(core_arts, "Arts and sports sessions")
    payments = await team(tap, "PHB direct payments")
    commissioning = await team(icb, "Mental health commissioning")

    await staff("gp-priya", "Priya", "Shah", "GP partner", gp_team, ["gp.clinician"])
    await staff("cc-amara", "Amara", "Okoye", "Care coordinator", cmht,
                ["elft.care_coordinator"])
    await staff("lead-james", "James", "Whitfield", "Team lead", cmht, ["elft.team_lead"])
    await staff("phb-lead-rosa", "Rosa", "Martins", "PHB lead clinician", cmht,
                ["elft.phb_lead_clinician"])
    await staff("ca-leon", "Leon", "Baptiste", "Sessions coordinator", sessions,
                ["core_arts.sessions_coordinator"])
    await staff("tap-sam", "Sam", "Carter", "PHB advisor", payments,
                ["advocacy_project.phb_advisor"])
    await staff("comm-helen", "Helen", "Price", "Commissioning manager", commissioning,
                ["elft.commissioner"])

    async def person(username: str, given: str, family: str, nhs: str, age: int,
                     **contact: str) -> Person:
        created = await people.register_person(
            uow, system, given_name=given, family_name=family, nhs_number=nhs,
            date_of_birth=today.replace(year=today.year - age, day=1), **contact,
        )
        await accounts.create_account(uow, system, username=username, person_id=created.id,
                                      password_hash=password_hash)
        await organisations.start_care_relationship(
            uow, system, team_id=gp_team, person_id=created.id,
            basis=CareBasis.REGISTERED_PRACTICE, starts_at=now - dt.timedelta(days=3650))
        return created

    ngozi = await person("ngozi", "Ngozi", "Adeyemi", "9990000018", 40,
                         email="ngozi@example.org", phone="07700 900018", postcode="E8 1AA")
    belu = await person("belu", "Belu", "Tesfaye", "9990000026", 60, phone="07700 900026",
                        postcode="E5 0LL")
    marcus = await person("marcus", "Marcus", "Reid", "9990000034", 24,
                          email="marcus@example.org", postcode="N16 7AB")
    aisha = await person("aisha", "Aisha", "Bello", "9990000042", 35, preferred_name="Ash",
                         postcode="E9 6NP")
    tomasz = await person("tomasz", "Tomasz", "Nowak", "9990000050", 52, postcode="E8 3QR")

    for someone in (ngozi, belu, marcus, aisha, tomasz):
        await organisations.start_care_relationship(
            uow, system, team_id=cmht, person_id=someone.id,
            basis=CareBasis.CARE_COORDINATION, starts_at=now - dt.timedelta(days=400))
    for someone in (ngozi, belu, aisha):
        await organisations.start_care_relationship(
            uow, system, team_id=sessions, person_id=someone.id,
            basis=CareBasis.COMMUNITY_MEMBERSHIP, starts_at=now - dt.timedelta(days=200))
    await organisations.start_care_relationship(
        uow, system, team_id=payments, person_id=marcus.id,
        basis=CareBasis.DIRECT_PAYMENT_CASE, starts_at=now - dt.timedelta(days=30))

    # Consent-based partners see only what the person granted.
    ngozi_policy = await _as(uow.db, "ngozi", rules)
    await consents.grant_consent(
        uow, ngozi_policy, person_id=ngozi.id, grantee_organisation_id=core_arts,
        categories=["identity", "contact", "recovery_plan", "wellbeing"],
        purpose="Joining sports sessions and tracking how I feel",
        valid_until=now + dt.timedelta(days=365))
    belu_policy = await _as(uow.db, "belu", rules)
    await consents.grant_consent(
        uow, belu_policy, person_id=belu.id, grantee_organisation_id=core_arts,
        categories=["identity", "wellbeing"], purpose="Fitbit loan and bi-weekly questionnaires")
    amara = await _as(uow.db, "cc-amara", rules)
    await consents.grant_consent(
        uow, amara, person_id=marcus.id, grantee_organisation_id=tap,
        categories=["identity", "contact", "budget"], purpose="Paying my laptop direct payment",
        recorded_how=ConsentRecordedHow.PAPER)

    # Goals, in the person's own words.
    # Set when she started weighing herself weekly (recovery_hub/demo_health.py): the goal's
    # progress is read from the weights since.
    weight = await goals.create_goal(
        uow, AccessPolicy(ngozi_policy.principal, rules, now=now - dt.timedelta(weeks=16)),
        person_id=ngozi.id, title="Lose weight",
        what_matters_to_me="Feeling well in my body again, and keeping up with my kids.",
        steps=["Walk to the shops instead of the bus", "Swap fizzy drinks for water"])
    await goals.record_progress(uow, ngozi_policy, weight.id,
                                text="Walked every day this week.", progress_percent=20)
    sport = await goals.create_goal(
        uow, ngozi_policy, person_id=ngozi.id, title="Join sports sessions",
        what_matters_to_me="Meeting people, and having somewhere to go on Tuesdays.",
        steps=["Go to a taster table tennis session at Core Arts"])
    await goals.create_goal(
        uow, belu_policy, person_id=belu.id, title="Keep on top of my medication",
        what_matters_to_me="Staying well and out of hospital.")
    belu_connected = await goals.create_goal(
        uow, amara, person_id=belu.id, title="Stay connected",
        what_matters_to_me="Being able to call my sister and my care coordinator.")
    gcse = await goals.create_goal(
        uow, amara, person_id=marcus.id, title="Finish my GCSE English coursework",
        what_matters_to_me="Getting the qualification I missed when I was unwell.")
    sewing = await goals.create_goal(
        uow, amara, person_id=aisha.id, title="Learn African clothes-making",
        what_matters_to_me="Making clothes like my grandmother did, and maybe selling them.")
    connected = await goals.create_goal(
        uow, amara, person_id=tomasz.id, title="Stay in touch",
        what_matters_to_me="Not losing contact with my team when my phone breaks.")

    pot = await funding.create_funding_pot(
        uow, system, name="City & Hackney PHB pilot 2026/27", holder_organisation_id=tap,
        allocation_pence=2_000_000)

    async def budget(someone: Person, route: PaymentRoute) -> int:
        created = await funding.create_budget(
            uow, system, person_id=someone.id, funding_pot_id=pot.id, payment_route=route,
            period_start=today - dt.timedelta(days=60),
            period_end=today + dt.timedelta(days=305))
        return created.id

    async def request(budget_id: int, purpose: str, items: list[ItemInput]) -> int:
        created = await budget_requests.create_request(uow, amara, budget_id=budget_id,
                                                       purpose=purpose, items=items)
        return created.id

    ngozi_budget = await budget(ngozi, PaymentRoute.NOTIONAL)
    tomasz_budget = await budget(tomasz, PaymentRoute.DIRECT_PAYMENT)
    belu_budget = await budget(belu, PaymentRoute.DIRECT_PAYMENT)
    marcus_budget = await budget(marcus, PaymentRoute.DIRECT_PAYMENT)
    aisha_budget = await budget(aisha, PaymentRoute.NOTIONAL)

    # The plugins' demo data goes in now, before any request is submitted: a plugin may refuse
    # a submission without its own records (ELFT: a current eligibility assessment).
    for loading in uow.plugins.hook.load_demo_data(uow=uow, rules=rules,
                                                   config=uow.plugins.config):
        if loading is not None:
            await loading

    james = await _as(uow.db, "lead-james", rules)
    bat = await request(ngozi_budget, "Table tennis at Core Arts",
                        [ItemInput("Table tennis bat and balls", "35.00", sport.id)])
    await budget_requests.submit_request(uow, amara, bat)
    await budget_requests.approve_request(uow, james, bat, note="Fits the plan.")
    await budget_requests.mark_delivered(uow, james, bat)

    phone = await request(tomasz_budget, "Stay Connected",
                          [ItemInput("Mobile phone", "120.00", connected.id),
                           ItemInput("12 months SIM card", "60.00", connected.id)])
    await budget_requests.submit_request(uow, amara, phone)
    await budget_requests.approve_request(uow, james, phone)

    belu_phone = await request(belu_budget, "Stay Connected",
                               [ItemInput("SIM card, 12 months", "60.00", belu_connected.id)])
    await budget_requests.submit_request(uow, amara, belu_phone)

    laptop = await request(marcus_budget, "A laptop to finish GCSE coursework",
                           [ItemInput("Laptop", "600.00", gcse.id)])
    await budget_requests.submit_request(uow, amara, laptop)

    await request(aisha_budget, "African clothes-making course",
                  [ItemInput("12-week clothes-making course at Core Arts", "900.00",
                             sewing.id)])

    # Notifications (viewer { notifications }): what Ngozi and Belu see in their app. The
    # scheduled jobs add more (ELFT's reviews falling due, for cc-amara).
    async with uow.begin() as tx:
        await create_notification(
            tx, Recipient(person_id=ngozi.id), kind="budget_request.approved",
            title="Your request was approved", body="Your table tennis bat and balls are "
            "paid for: Core Arts will have them at your next session.",
            about=("BudgetRequest", bat), key=f"demo:approved:{bat}")
        await create_notification(
            tx, Recipient(person_id=belu.id), kind="budget_request.submitted",
            title="Your request is with your care team",
            body="Amara sent your Stay Connected request for sign-off.",
            about=("BudgetRequest", belu_phone), key=f"demo:submitted:{belu_phone}")

    # Months of measurements, medication and a Fitbit (recovery_hub/demo_health.py).
    await load_health_records(uow, rules, today=today, ngozi=ngozi.id, belu=belu.id,
                              core_arts=core_arts)
