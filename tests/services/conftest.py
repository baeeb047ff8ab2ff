"""Fixtures for the service tests (on top of tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.models import CareBasis
from core.services import accounts, consents, organisations
from plugins.advocacy_project import PHB_ADVISOR
from tests.support import policies
from tests.support.event_log import EventLog
from tests.support.world import World


@pytest.fixture
def events(world: World) -> EventLog:
    """Every domain event the world's unit of work dispatches once the world is built."""
    return EventLog.listening_to(world.uow)


async def add_staff(world: World, username: str, team_id: int, roles: list[str]) -> int:
    """A staff member with an account, holding ``roles`` in the team."""
    system = policies.system()
    member = await organisations.add_staff_member(world.uow, system, given_name=username.title(),
                                                  family_name="Tester")
    await organisations.add_membership(world.uow, system, staff_member_id=member.id,
                                       team_id=team_id, roles=roles)
    await accounts.create_account(world.uow, system, username=username,
                                  staff_member_id=member.id)
    return member.id


@pytest.fixture
async def ada(world: World) -> int:
    """Ada, a PHB advisor in the charity's team (the charity holds the pot: she pays from it),
    with a direct-payment case for Ngozi and Belu, who both let the charity see their
    budget."""
    ada = await add_staff(world, "ada", world.charity_team, [PHB_ADVISOR])
    day = dt.timedelta(days=1)
    for person, username in [(world.ngozi, "ngozi"), (world.belu, "belu")]:
        await organisations.start_care_relationship(
            world.uow, policies.system(), team_id=world.charity_team, person_id=person,
            basis=CareBasis.DIRECT_PAYMENT_CASE, starts_at=policies.system().now - day)
        await consents.grant_consent(
            world.uow, await world.policy(username), person_id=person,
            grantee_organisation_id=world.charity, categories=["identity", "budget"],
            purpose="Paying my direct payments")
    return ada
