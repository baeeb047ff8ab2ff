"""Belu's Fitbit, in the test double: a platform whose devices speak to it, a client whose
requests happen at the test's time, and connecting his account the way a frontend does."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2

from core.devices.fitbit import FitbitSettings
from core.devices.registry import Devices
from core.devices.vault import new_key
from core.events import EventDispatcher
from core.models import CareBasis
from core.policy import AccessPolicy
from core.services import organisations
from core.services.accounts import principal_for_username
from core.unit_of_work import UnitOfWork
from schema.context import Context
from schema.loaders import Loaders
from tests.support import access, policies
from tests.support.fitbit_double import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FitbitDouble
from tests.support.graphql import GraphQLClient, Result, gid
from tests.support.world import RULES, World

__all__ = ["BELU_FITBIT", "NOW", "ClockedClient", "FitbitWorld", "fitbit_world"]

# The test's "now": a Tuesday evening, at the end of a month of Belu's Fitbit data.
NOW = dt.datetime(2026, 3, 31, 20, 0, tzinfo=dt.UTC)
BELU_FITBIT = "7QBELU"
SUBSCRIBER = "1"


class ClockedClient(GraphQLClient):
    """Runs operations as ``GraphQLClient`` does, with the policy deciding at ``now``."""

    def __init__(self, uow: UnitOfWork, now: dt.datetime) -> None:
        super().__init__(uow)
        self.now = now

    async def execute(self, query: str, variables: dict[str, Any] | None = None, *,
                      as_user: str | None) -> Result:
        async with self.uow.db.read_session() as session:
            principal = await principal_for_username(session, as_user or "")
            assert principal is not None, as_user
            await session.commit()
            context = Context.build(self.uow, session, principal, RULES)
            context.policy = AccessPolicy(principal, RULES, now=self.now)
            context.loaders = Loaders(session, context.policy)
            result = await self.schema.execute(query, variable_values=variables,
                                               context_value=context)
        return Result(data=result.data,
                      errors=[error.formatted for error in result.errors or []])


@dataclass
class FitbitWorld:
    world: World
    double: FitbitDouble
    uow: UnitOfWork
    client: ClockedClient
    keys: list[str]

    async def connect(self, user: str = "belu", person: int | None = None) -> dict[str, Any]:
        """connectDevice, the person approving at the double, completeDeviceConnection: the
        completion's payload."""
        state, code = await self.approve(user, person)
        return await self.complete(user, state, code)

    async def approve(self, user: str = "belu", person: int | None = None) -> tuple[str, str]:
        """connectDevice, then the person approves at the double: (state, code) as the
        provider sends them back."""
        started = await self.client.execute(
            """mutation($input: ConnectDeviceInput!) { connectDevice(input: $input) {
              authorizationUrl userErrors { field code message } } }""",
            {"input": {"personId": gid("Person", person or self.world.belu),
                       "provider": "fitbit"}}, as_user=user)
        url = started.payload("connectDevice")["authorizationUrl"]
        assert url is not None, started.data
        self.double.signed_in = BELU_FITBIT
        async with httpx2.AsyncClient(transport=self.double.transport) as browser:
            redirect = await browser.get(url)
        assert redirect.status_code == 302, redirect.text
        back = parse_qs(urlsplit(redirect.headers["location"]).query)
        return back["state"][0], back["code"][0]

    async def complete(self, user: str, state: str, code: str) -> dict[str, Any]:
        done = await self.client.execute(
            """mutation($input: CompleteDeviceConnectionInput!) {
              completeDeviceConnection(input: $input) {
                device { id provider label status connectedAt syncedThrough }
                userErrors { field code message } } }""",
            {"input": {"state": state, "code": code}}, as_user=user)
        return done.payload("completeDeviceConnection")

    def at(self, now: dt.datetime) -> None:
        """Move both clocks: ours (the client's) and Fitbit's."""
        self.double.now = self.client.now = now


async def fitbit_world(world: World, *, limit_per_hour: int = 150,
                       subscriber: bool = True) -> FitbitWorld:
    """Belu's Fitbit account in the double, and a platform that speaks to it. He has been in
    the CMHT's care since 2020, and Ngozi with her practice, where Gina is a GP (the test's
    time is before the world's own relationships began)."""
    since = dt.datetime(2020, 1, 6, tzinfo=dt.UTC)
    for team, person in ((world.cmht, world.belu), (world.gp_team, world.ngozi)):
        await organisations.start_care_relationship(
            world.uow, policies.system(), team_id=team, person_id=person,
            basis=CareBasis.CARE_COORDINATION, starts_at=since)
    await access.gp_clinician(world, "gina")
    double = FitbitDouble(NOW, limit_per_hour=limit_per_hour)
    double.account(BELU_FITBIT).a_month(NOW.date())
    keys = [new_key()]
    settings = FitbitSettings(
        CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, authorize_url="http://fitbit.test/oauth2/authorize",
        api_url="http://fitbit.test", verification_code=double.verification_code,
        subscriber_id=SUBSCRIBER if subscriber else None)
    uow = UnitOfWork(world.uow.db, EventDispatcher(), world.uow.plugins,
                     Devices.build(world.uow.plugins, token_keys=keys, fitbit=settings,
                                   transport=double.transport))
    return FitbitWorld(world, double, uow, ClockedClient(uow, NOW), keys)
