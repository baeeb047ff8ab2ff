"""The demo data: what the README and ``recovery-hub demo tokens`` promise is really there."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.models import FundingPot, FundingPotEntry, Person, RecoveryGoal, UserAccount
from core.services.accounts import principal_for_username
from core.unit_of_work import UnitOfWork
from recovery_hub.demo import DEMO_USERS, demo_is_loaded, load_demo
from tests.support.graphql import GraphQLClient
from tests.support.world import RULES

DEMO_PEOPLE = {("Ngozi", "Adeyemi"), ("Belu", "Tesfaye"), ("Marcus", "Reid"),
               ("Aisha", "Bello"), ("Tomasz", "Nowak")}
NGOZI_GOALS = {"Lose weight", "Join sports sessions"}


@pytest.fixture
async def demo(db: Database) -> UnitOfWork:
    uow = UnitOfWork(db)
    assert not await demo_is_loaded(db)
    await load_demo(uow, RULES)
    assert await demo_is_loaded(db)
    return uow


async def test_every_documented_user_has_an_account(demo: UnitOfWork) -> None:
    async with demo.db.reading() as session:
        for user in DEMO_USERS:
            assert await principal_for_username(session, user.username) is not None, user
        usernames = set(await session.scalars(select(UserAccount.username)))
    assert usernames == {user.username for user in DEMO_USERS}  # and no undocumented ones


async def test_ngozi_has_her_two_goals(demo: UnitOfWork) -> None:
    async with demo.db.reading() as session:
        ngozi = await session.scalar(select(Person).where(Person.given_name == "Ngozi"))
        assert ngozi is not None
        titles = set(await session.scalars(
            select(RecoveryGoal.title).where(RecoveryGoal.person_id == ngozi.id)
        ))
    assert titles == NGOZI_GOALS

    me = await GraphQLClient(demo).execute(
        "{ me { givenName goals { edges { node { title } } } } }", as_user="ngozi"
    )
    assert not me.errors, me.errors
    assert me.data["me"]["givenName"] == "Ngozi"
    assert {e["node"]["title"] for e in me.data["me"]["goals"]["edges"]} == NGOZI_GOALS


async def test_the_funding_pot_ledger_sums_to_its_available_balance(demo: UnitOfWork) -> None:
    async with demo.db.reading() as session:
        [pot] = (await session.scalars(select(FundingPot))).all()
        ledger = await session.scalar(
            select(func.sum(FundingPotEntry.available_delta_pence))
            .where(FundingPotEntry.pot_id == pot.id)
        )
    assert ledger == pot.available_pence
    assert pot.allocated_pence == 2_000_000
    # The approved requests (a table tennis bat, Tomasz's phone and SIM) drew on it.
    assert pot.available_pence == 2_000_000 - 3_500 - 18_000


async def test_cc_amara_caseload_is_the_five_demo_people(demo: UnitOfWork) -> None:
    caseload = await GraphQLClient(demo).execute(
        "{ people(first: 50) { edges { node { givenName familyName } } "
        "pageInfo { hasNextPage } } }",
        as_user="cc-amara",
    )
    assert not caseload.errors, caseload.errors
    people = caseload.data["people"]
    names = [(e["node"]["givenName"], e["node"]["familyName"]) for e in people["edges"]]
    assert len(names) == 5
    assert set(names) == DEMO_PEOPLE
    assert people["pageInfo"]["hasNextPage"] is False
