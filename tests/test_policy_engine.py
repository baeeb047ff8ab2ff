"""The policy engine end to end: consent-based partners, revocation on the next request,
OAuth scopes narrowing access, and refusals logged with their rule."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import pytest

from core.models import CareBasis
from core.permissions import Action
from core.policy import AccessPolicy
from core.principal import Principal, PrincipalKind
from core.scopes import actions_granted_by_scopes, parse_scope
from core.services import accounts, consents, oauth, organisations
from tests.support.graphql import GraphQLClient, gid
from tests.support.world import RULES, World

PERSON_QUERY = """query Look($id: ID!) { person(id: $id) {
    givenName phone goals { edges { node { title } } } budgets { paymentRoute } } }"""


async def _charity_worker(world: World) -> str:
    """A Core Arts sessions coordinator whose team has a membership relationship with Ngozi."""
    system = await world.policy("system")
    staff = await organisations.add_staff_member(world.uow, system, given_name="Leon",
                                                 family_name="Baptiste")
    await organisations.add_membership(world.uow, system, staff_member_id=staff.id,
                                       team_id=world.charity_team,
                                       roles=["core_arts.sessions_coordinator"])
    await accounts.create_account(world.uow, system, username="leon", staff_member_id=staff.id)
    await organisations.start_care_relationship(
        world.uow, system, team_id=world.charity_team, person_id=world.ngozi,
        basis=CareBasis.COMMUNITY_MEMBERSHIP, starts_at=system.now - dt.timedelta(days=1))
    return "leon"


async def test_a_consent_based_partner_sees_only_what_was_granted_until_revoked(
    world: World,
) -> None:
    worker = await _charity_worker(world)
    client = GraphQLClient(world.uow)
    variables = {"id": gid("Person", world.ngozi)}

    before = await client.execute(PERSON_QUERY, variables, as_user=worker)
    assert before.data == {"person": None}
    assert before.codes == ["NOT_FOUND"]

    ngozi = await world.policy("ngozi")
    consent = await consents.grant_consent(
        world.uow, ngozi, person_id=world.ngozi, grantee_organisation_id=world.charity,
        categories=["identity", "recovery_plan"], purpose="Table tennis sessions")
    granted = await client.execute(PERSON_QUERY, variables, as_user=worker)
    assert granted.data["person"]["givenName"] == "Ngozi"
    assert granted.data["person"]["goals"] == {"edges": []}
    # Contact was not granted (the role could read it); budget the role cannot read at all.
    assert granted.data["person"]["phone"] is None
    assert granted.data["person"]["budgets"] is None
    refused = {(e["path"][-1], e["extensions"]["category"]) for e in granted.errors}
    assert refused == {("phone", "contact"), ("budgets", "budget")}
    assert set(granted.codes) == {"FORBIDDEN"}

    await consents.revoke_consent(world.uow, ngozi, consent.id)
    after = await client.execute(PERSON_QUERY, variables, as_user=worker)
    assert after.data == {"person": None}
    assert after.codes == ["NOT_FOUND"]


async def test_a_direct_care_team_reads_without_consent(world: World) -> None:
    result = await GraphQLClient(world.uow).execute(
        PERSON_QUERY, {"id": gid("Person", world.ngozi)}, as_user="amara")
    assert result.errors == []
    assert result.data["person"]["givenName"] == "Ngozi"


def test_smart_scopes_are_parsed_into_actions() -> None:
    assert parse_scope("patient/recovery_plan.rs") == (
        "patient", "recovery_plan", frozenset({Action.READ}))
    assert parse_scope("user/budget.cruds") == (
        "user", "budget", frozenset({Action.CREATE, Action.READ, Action.UPDATE, Action.APPROVE}))
    assert parse_scope("openid") is None
    assert parse_scope("patient/recovery_plan.x") is None
    assert actions_granted_by_scopes(["patient/*.r"], "journal") == {Action.READ}
    assert actions_granted_by_scopes(["patient/budget.r"], "journal") == frozenset()


async def test_an_app_acting_for_the_person_gets_no_more_than_its_scopes(world: World) -> None:
    system = await world.policy("system")
    await oauth.register_client(world.uow, system, name="Fitness", purpose="Steps",
                                scopes=["patient/*.cruds"], redirect_uris=["https://f.test/cb"],
                                client_id="fitness-app")
    # What the person consented to the app using: the app's scopes narrow it further.
    await consents.grant_consent(world.uow, await world.policy("ngozi"), person_id=world.ngozi,
                                 categories=["recovery_plan", "wellbeing", "budget"],
                                 purpose="Steps", grantee_client_id="fitness-app")
    person = Principal(PrincipalKind.PERSON, person_id=world.ngozi, client_id="fitness-app",
                       scopes=frozenset({"patient/recovery_plan.rs", "patient/wellbeing.cru"}))
    async with world.uow.db.reading() as session:
        policy = AccessPolicy(person, RULES)
        decide = policy.decide
        assert (await decide(session, Action.READ, world.ngozi, ["recovery_plan"])).allowed
        create_goal = await decide(session, Action.CREATE, world.ngozi, ["recovery_plan"])
        assert not create_goal.allowed
        assert create_goal.rule == "scope_not_granted"
        assert (await decide(session, Action.CREATE, world.ngozi, ["wellbeing"])).allowed
        budget = await decide(session, Action.READ, world.ngozi, ["budget"])
        assert (budget.allowed, budget.rule) == (False, "scope_not_granted")
        # Scopes never widen: the app cannot read someone else's record.
        other = await decide(session, Action.READ, world.belu, ["recovery_plan"])
        assert not other.allowed


async def test_staff_scopes_narrow_a_role_never_widen_it(world: World) -> None:
    async with world.uow.db.reading() as session:
        amara = (await world.policy("amara")).principal
        # The trust's own app: staff act under the trust's legal basis, no consent needed.
        narrowed = AccessPolicy(dataclasses.replace(
            amara, client_id="gp-feed", scopes=frozenset({"user/*.rs"}),
            client_organisation_id=world.trust), RULES)
        assert (await narrowed.decide(session, Action.READ, world.ngozi, ["contact"])).allowed
        assert not (await narrowed.decide(session, Action.UPDATE, world.ngozi,
                                          ["contact"])).allowed
        # A scope for something the role cannot do adds nothing.
        widened = AccessPolicy(dataclasses.replace(
            amara, client_id="gp-feed", scopes=frozenset({"user/journal.cruds"}),
            client_organisation_id=world.trust), RULES)
        journal = await widened.decide(session, Action.READ, world.ngozi, ["journal"])
        assert not journal.allowed


async def test_every_refusal_is_logged_with_its_rule(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    client = GraphQLClient(world.uow)
    with caplog.at_level(logging.INFO, logger="recovery_hub.access"):
        hidden = await client.execute(PERSON_QUERY, {"id": gid("Person", world.zed)},
                                      as_user="amara")
        forbidden = await client.execute(
            "query Log($id: ID!) { person(id: $id) { accessLog { edges { node { id: operation "
            "} } } } }", {"id": gid("Person", world.ngozi)}, as_user="amara")
    assert hidden.codes == ["NOT_FOUND"]
    assert forbidden.codes == ["FORBIDDEN"]
    messages = [r.getMessage() for r in caplog.records if r.name == "recovery_hub.access"]
    assert any(f"person={world.zed}" in m and "rule=no_care_relationship" in m
               for m in messages), messages
    assert any(f"person={world.ngozi}" in m and "category=access_log" in m
               and "rule=role_lacks_permission" in m for m in messages), messages
