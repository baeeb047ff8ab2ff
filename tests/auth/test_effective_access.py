"""Effective access through an app = policy ∩ scopes ∩ the person's consent to that app; a
system integration gets what its registration names, and nothing an operator may do."""

from __future__ import annotations

import dataclasses

import pytest

from core.errors import Forbidden
from core.permissions import Action
from core.policy import AccessPolicy
from core.principal import Principal, PrincipalKind
from core.services import accounts, consents, oauth
from tests.support.world import RULES, World

SCOPES = frozenset({"patient/*.cruds", "user/*.cruds"})


async def _app(world: World, client_id: str = "helper", organisation_id: int | None = None,
               ) -> None:
    await oauth.register_client(world.uow, await world.policy("system"), name="Helper",
                                purpose="Helps", scopes=sorted(SCOPES),
                                redirect_uris=["https://helper.example/cb"],
                                organisation_id=organisation_id, client_id=client_id)


async def test_a_persons_app_needs_their_consent_per_category(world: World) -> None:
    await _app(world)
    ngozi = await world.policy("ngozi")
    through_app = AccessPolicy(dataclasses.replace(ngozi.principal, client_id="helper",
                                                   scopes=SCOPES), RULES)
    async with world.uow.db.reading() as session:
        refused = await through_app.decide(session, Action.READ, world.ngozi, ["identity"])
        assert (refused.allowed, refused.rule) == (False, "no_client_consent")

    consent = await consents.grant_consent(world.uow, ngozi, person_id=world.ngozi,
                                           categories=["identity"], purpose="Helps",
                                           grantee_client_id="helper")
    async with world.uow.db.reading() as session:
        policy = through_app.renewed()
        assert (await policy.decide(session, Action.READ, world.ngozi, ["identity"])).allowed
        budget = await policy.decide(session, Action.READ, world.ngozi, ["budget"])
        assert (budget.allowed, budget.rule) == (False, "no_client_consent")
        # Consent never widens the policy: the app cannot see anyone else.
        assert not (await policy.decide(session, Action.READ, world.belu, ["identity"])).allowed

    await consents.revoke_consent(world.uow, ngozi.renewed(), consent.id)
    async with world.uow.db.reading() as session:
        policy = through_app.renewed()
        assert not (await policy.decide(session, Action.READ, world.ngozi, [])).allowed


async def test_staff_through_another_organisations_app_need_the_persons_consent(
    world: World,
) -> None:
    await _app(world, "charity-app", organisation_id=world.charity)
    await _app(world, "trust-app", organisation_id=world.trust)
    amara = (await world.policy("amara")).principal
    foreign = AccessPolicy(dataclasses.replace(amara, client_id="charity-app", scopes=SCOPES,
                                               client_organisation_id=world.charity), RULES)
    own = AccessPolicy(dataclasses.replace(amara, client_id="trust-app", scopes=SCOPES,
                                           client_organisation_id=world.trust), RULES)
    async with world.uow.db.reading() as session:
        assert (await own.decide(session, Action.READ, world.ngozi, ["contact"])).allowed
        assert not (await foreign.decide(session, Action.READ, world.ngozi, ["contact"])).allowed


async def test_an_integration_gets_its_registered_scopes_and_no_operator_powers(
    world: World,
) -> None:
    feed = AccessPolicy(Principal(PrincipalKind.INTEGRATION, client_id="gp-feed",
                                  scopes=frozenset({"system/recovery_plan.rs"})), RULES)
    async with world.uow.db.reading() as session:
        assert (await feed.decide(session, Action.READ, world.zed, ["recovery_plan"])).allowed
        create = await feed.decide(session, Action.CREATE, world.zed, ["recovery_plan"])
        assert (create.allowed, create.rule) == (False, "scope_not_granted")
        assert not (await feed.decide(session, Action.READ, world.zed, ["identity"])).allowed
    with pytest.raises(Forbidden):
        await accounts.create_account(world.uow, feed, username="sneaky")
    unscoped = AccessPolicy(Principal(PrincipalKind.INTEGRATION, client_id="gp-feed"), RULES)
    async with world.uow.db.reading() as session:
        assert not (await unscoped.decide(session, Action.READ, world.zed, [])).allowed
