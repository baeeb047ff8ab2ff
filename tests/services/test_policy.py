"""The access policy's first floor: who may see and change whose record.

A person sees only their own record; staff see the people their teams have an *active* care
relationship with (and, in consent-based organisations, only with the person's consent);
nobody else learns that a person exists. Something you can see but may not do is FORBIDDEN.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from sqlalchemy import select

from core.errors import Forbidden, NotFound
from core.models import CareBasis, CareRelationship, Person, RecoveryGoal, StaffMember
from core.policy import AccessPolicy, Action
from core.principal import PrincipalKind
from core.services import accounts, consents, goals, organisations, people
from tests.support import policies
from tests.support.world import World

UNKNOWN = 999_999
DAY = dt.timedelta(days=1)


async def _visible(policy: AccessPolicy, world: World, ids: list[int]) -> set[int]:
    """Whom ``policy`` may read, asked three ways that must agree."""
    async with world.uow.db.reading() as session:
        listed = set(await session.scalars(
            select(Person.id).where(policy.person_filter(Person.id), Person.id.in_(ids))))
        batch = set(await people.people_by_ids(session, policy, ids))
        decided = {pid for pid in ids
                   if (await policy.decide(session, Action.READ, pid)).allowed}
    assert batch == decided, (batch, decided)
    assert batch <= listed  # the SQL filter may be coarser, never narrower
    return batch


async def _register(world: World, name: str) -> int:
    person = await people.register_person(world.uow, policies.system(), given_name=name,
                                          family_name="Example")
    return person.id


async def _staff(world: World, username: str, team_id: int | None, roles: list[str]) -> None:
    system = policies.system()
    staff = await organisations.add_staff_member(world.uow, system, given_name=username,
                                                 family_name="Tester")
    if team_id is not None:
        await organisations.add_membership(world.uow, system, staff_member_id=staff.id,
                                           team_id=team_id, roles=roles)
    await accounts.create_account(world.uow, system, username=username,
                                  staff_member_id=staff.id)


async def test_a_person_sees_only_their_own_record(world: World) -> None:
    ngozi = await world.policy("ngozi")
    assert await _visible(ngozi, world, [world.ngozi, world.belu, world.zed]) == {world.ngozi}
    async with world.uow.db.reading() as session:
        assert (await ngozi.decide(session, Action.UPDATE, world.ngozi, ["contact"])).allowed
        for action in Action:
            with pytest.raises(NotFound):  # not FORBIDDEN: that would say Belu exists
                await ngozi.require(session, action, world.belu, ["budget"])


async def test_staff_see_only_people_with_an_active_care_relationship(world: World) -> None:
    now = policies.system().now
    windows: dict[str, tuple[dt.datetime, dt.datetime | None]] = {
        "current": (now - 10 * DAY, None),
        "starts now": (now, None),
        "ends tomorrow": (now - 10 * DAY, now + DAY),
        "ended yesterday": (now - 10 * DAY, now - DAY),
        "ends now": (now - 10 * DAY, now),
        "starts tomorrow": (now + DAY, None),
        "future and over": (now + DAY, now + 2 * DAY),
    }
    person_of: dict[str, int] = {}
    for name, (starts, ends) in windows.items():
        person_of[name] = await _register(world, name.title())
        await organisations.start_care_relationship(
            world.uow, policies.system(), team_id=world.other_team, person_id=person_of[name],
            basis=CareBasis.CARE_COORDINATION, starts_at=starts, ends_at=ends)
        await goals.create_goal(world.uow, policies.system(), person_id=person_of[name],
                                title=f"Goal while {name}")
    stranger = policies.as_of(await world.policy("stranger"), now)
    expected = {person_of[n] for n in ("current", "starts now", "ends tomorrow")}
    assert await _visible(stranger, world, list(person_of.values())) == expected

    # Batch readers (DataLoaders) apply the same rule to the rows of those people.
    async with world.uow.db.reading() as session:
        goal_ids = list(await session.scalars(select(RecoveryGoal.id)))
        readable = await goals.goals_by_ids(session, stranger, goal_ids)
        with pytest.raises(NotFound):
            await stranger.require(session, Action.READ, person_of["ended yesterday"])
    assert {goal.person_id for goal in readable.values()} == expected

    # Ending a relationship ends access at once; a later policy no longer sees the person.
    async with world.uow.db.reading() as session:
        relationship = await session.scalar(select(CareRelationship.id).where(
            CareRelationship.person_id == person_of["current"]))
    assert relationship is not None
    await organisations.end_care_relationship(world.uow, policies.system(), relationship)
    later = await world.policy("stranger")
    assert await _visible(later, world, [person_of["current"]]) == set()


async def test_everyone_else_learns_nothing(world: World) -> None:
    await _staff(world, "loner", None, [])
    await _staff(world, "roleless", world.cmht, [])
    await accounts.create_account(world.uow, policies.system(), username="carer")
    everyone = [world.ngozi, world.belu, world.zed, UNKNOWN]
    for policy in [policies.anonymous(), await world.policy("stranger"),
                   await world.policy("loner"), await world.policy("roleless"),
                   await world.policy("carer")]:
        assert await _visible(policy, world, everyone) == set(), policy.principal
        async with world.uow.db.reading() as session:
            for action in Action:
                with pytest.raises(NotFound):
                    await policy.require(session, action, world.ngozi, ["recovery_plan"])
    carer = await world.policy("carer")
    assert carer.principal.kind is PrincipalKind.REPRESENTATIVE


async def test_the_system_may_do_anything(world: World) -> None:
    system = policies.system()
    assert await _visible(system, world, [world.ngozi, world.belu, world.zed]) == {
        world.ngozi, world.belu, world.zed}
    async with world.uow.db.reading() as session:
        for action in Action:
            assert (await system.decide(session, action, world.zed, ["budget"])).allowed


async def test_what_you_can_see_but_may_not_do_is_forbidden(world: World) -> None:
    await _staff(world, "gina", world.gp_team, ["gp.clinician"])
    cases: list[tuple[str, Action, str]] = [
        ("ngozi", Action.APPROVE, "budget"),  # nobody approves their own budget
        ("amara", Action.APPROVE, "budget"),  # a care coordinator does not sign off
        ("gina", Action.UPDATE, "recovery_plan"),  # the GP reads the recovery plan only
        ("gina", Action.READ, "budget"),  # and does not see the budget at all
    ]
    async with world.uow.db.reading() as session:
        for username, action, category in cases:
            policy = await world.policy(username)
            assert (await policy.decide(session, Action.READ, world.ngozi)).allowed
            with pytest.raises(Forbidden) as error:
                await policy.require(session, action, world.ngozi, [category],
                                     field="personId")
            assert (error.value.code, error.value.field) == ("FORBIDDEN", "personId")
            assert category in error.value.message, (username, action)
        james = await world.policy("james")
        assert (await james.decide(session, Action.APPROVE, world.ngozi, ["budget"])).allowed
        # Someone who cannot see the person gets NOT_FOUND even for what they could never do.
        with pytest.raises(NotFound):
            await (await world.policy("stranger")).require(session, Action.APPROVE,
                                                           world.ngozi, ["budget"])


async def test_a_consent_based_team_also_needs_the_persons_consent(world: World) -> None:
    await _staff(world, "coach", world.charity_team, ["core_arts.sessions_coordinator"])
    await organisations.start_care_relationship(
        world.uow, policies.system(), team_id=world.charity_team, person_id=world.ngozi,
        basis=CareBasis.COMMUNITY_MEMBERSHIP, starts_at=policies.system().now - DAY)
    assert await _visible(await world.policy("coach"), world, [world.ngozi]) == set()

    consent = await consents.grant_consent(
        world.uow, await world.policy("ngozi"), person_id=world.ngozi,
        grantee_organisation_id=world.charity, categories=["wellbeing"], purpose="Sessions")
    coach = await world.policy("coach")
    assert await _visible(coach, world, [world.ngozi]) == {world.ngozi}
    async with world.uow.db.reading() as session:
        assert (await coach.decide(session, Action.READ, world.ngozi, ["wellbeing"])).allowed
        with pytest.raises(Forbidden):  # a category the consent does not cover
            await coach.require(session, Action.READ, world.ngozi, ["recovery_plan"])

    await consents.revoke_consent(world.uow, await world.policy("ngozi"), consent.id)
    assert await _visible(await world.policy("coach"), world, [world.ngozi]) == set()


async def test_access_is_worked_out_in_a_fixed_number_of_statements(
    world: World, count_statements: Any
) -> None:
    many = [world.ngozi, world.belu, world.zed] + [
        await _register(world, f"Person {i}") for i in range(6)]
    for person_id in many[3:]:
        await organisations.start_care_relationship(
            world.uow, policies.system(), team_id=world.cmht, person_id=person_id,
            basis=CareBasis.CARE_COORDINATION)
    counts = []
    for ids in [many[:1], many]:
        policy = await world.policy("amara")
        async with world.uow.db.reading() as session:
            with count_statements() as priming:
                await policy.prime(session, ids)
            with count_statements() as deciding:
                decisions = [await policy.decide(session, Action.READ, pid) for pid in ids]
        counts.append(priming.count)
        assert deciding.count == 0  # answered from what prime learnt
        assert [d.allowed for d in decisions] == [pid != world.zed for pid in ids]
        team = policy.acting_team(world.ngozi)
        assert team is not None and team.team_id == world.cmht
    assert counts[0] == counts[1] > 0


# --- require_acting_for: actions for one organisation alone ----------------------------------

_NOT_HOLDER = ("NOT_FUND_HOLDER", "Only the organisation that holds the funding pot pays.")


async def _decided(policy: AccessPolicy, world: World, action: Action, person_id: int) -> Any:
    async with world.uow.db.reading() as session:
        return await policy.decide(session, action, person_id, ["budget"])


async def _acting_for(policy: AccessPolicy, world: World, person_id: int,
                      organisation_id: int) -> Any:
    async with world.uow.db.reading() as session:
        return await policy.require_acting_for(
            session, Action.UPDATE, person_id, "budget", organisation_id,
            what="budget request", field="requestId", refusal=_NOT_HOLDER)


async def test_require_acting_for_allows_staff_only_through_a_team_of_that_organisation(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Ada (a PHB advisor in the charity, with Ngozi's case and consent) acts for the charity;
    Amara (the trust) and Ngozi may update her budget too, but not for the charity; Dee holds
    the update in the trust and only reads it in the charity; the system always may."""
    await _staff(world, "ada", world.charity_team, ["advocacy_project.phb_advisor"])
    await _staff(world, "dee", world.charity_team, ["core_arts.sessions_coordinator"])
    async with world.uow.db.reading() as session:
        dee = await session.scalar(select(StaffMember.id).where(StaffMember.given_name == "dee"))
    assert dee is not None
    await organisations.add_membership(world.uow, policies.system(), staff_member_id=dee,
                                       team_id=world.cmht, roles=["elft.care_coordinator"])
    await organisations.start_care_relationship(
        world.uow, policies.system(), team_id=world.charity_team, person_id=world.ngozi,
        basis=CareBasis.DIRECT_PAYMENT_CASE, starts_at=policies.system().now - DAY)
    await consents.grant_consent(world.uow, await world.policy("ngozi"), person_id=world.ngozi,
                                 grantee_organisation_id=world.charity, categories=["budget"],
                                 purpose="Paying my direct payments")

    allowed = await _acting_for(await world.policy("ada"), world, world.ngozi, world.charity)
    assert (allowed.allowed, allowed.rule) == (True, "consent")
    for person_id in (world.ngozi, world.zed, UNKNOWN):
        system = await _acting_for(policies.system(), world, person_id, world.gp)
        assert system.allowed
    with caplog.at_level(logging.INFO, logger="recovery_hub.access"):
        for username, organisation_id in [("amara", world.charity), ("ngozi", world.charity),
                                          ("dee", world.charity), ("ada", world.trust)]:
            policy = await world.policy(username)
            assert (await _decided(policy, world, Action.UPDATE, world.ngozi)).allowed
            with pytest.raises(Forbidden) as refused:
                await _acting_for(policy, world, world.ngozi, organisation_id)
            assert (refused.value.code, refused.value.field, refused.value.message) == (
                "NOT_FUND_HOLDER", "requestId", _NOT_HOLDER[1]), username
    amara = (await world.policy("amara")).principal.staff_member_id
    messages = [r.getMessage() for r in caplog.records if r.name == "recovery_hub.access"]
    assert any(f"principal=staff:{amara} " in m and f"person={world.ngozi}" in m
               and "action=update" in m and "category=budget" in m
               and "rule=not_acting_for_organisation" in m for m in messages), messages
    assert sum("rule=not_acting_for_organisation" in m for m in messages) == 4


async def test_require_acting_for_refuses_first_as_require_does(world: World) -> None:
    """Who may not see the person gets NOT_FOUND; who may see but not update, FORBIDDEN."""
    await _staff(world, "gina", world.gp_team, ["gp.clinician"])
    for username, person_id in [("stranger", world.ngozi), ("amara", world.zed),
                                ("belu", world.ngozi), ("amara", UNKNOWN)]:
        with pytest.raises(NotFound) as hidden:
            await _acting_for(await world.policy(username), world, person_id, world.trust)
        assert (hidden.value.code, hidden.value.field) == ("NOT_FOUND", "requestId")
    with pytest.raises(Forbidden) as forbidden:  # the GP does not see the budget at all
        await _acting_for(await world.policy("gina"), world, world.ngozi, world.gp)
    assert (forbidden.value.code, forbidden.value.field) == ("FORBIDDEN", "requestId")
    assert "budget" in forbidden.value.message
