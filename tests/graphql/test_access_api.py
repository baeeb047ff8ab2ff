"""Access mutations through the API: restrictions, break-glass and representatives, and what
each changes for the very next request."""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Any

import pytest

from core.db import Database
from core.models import AuditEvent
from core.services.break_glass import BREAK_GLASS_HOURS
from tests.support import access, records
from tests.support.graphql import GraphQLClient, Result, gid
from tests.support.operations import refusal
from tests.support.stored import stored_rows
from tests.support.world import World

_ERRORS = "userErrors { field code message }"
_RESTRICTION = """restriction {
  id categories reason active liftedAt
  person { id } team { name } organisation { name } recordedBy { displayName }
}"""
_REPRESENTATIVE = """representative {
  id name basis access categories status invitationExpiresAt acceptedAt revokedAt
  person { id } recordedBy { displayName }
}"""

DOCUMENTS = {
    "restrictAccess": ("RestrictAccessInput", _RESTRICTION),
    "liftRestriction": ("LiftRestrictionInput", _RESTRICTION),
    "breakGlass": ("BreakGlassInput", "person { id givenName } expiresAt"),
    "inviteRepresentative": ("InviteRepresentativeInput",
                             f"{_REPRESENTATIVE} invitationCode"),
    # A carer may not read the link's details unless they were given "consent" too.
    "acceptRepresentativeInvitation": ("AcceptRepresentativeInvitationInput",
                                       "representative { id }"),
    "revokeRepresentative": ("RevokeRepresentativeInput", _REPRESENTATIVE),
}

NGOZI_READS = """query Read($id: ID!) { person(id: $id) {
  givenName email
  goals { edges { node { title } } }
  budgets { id }
} }"""


async def _run(client: GraphQLClient, name: str, input: dict[str, Any], *,
               as_user: str | None, select: str | None = None) -> dict[str, Any]:
    input_type, selection = DOCUMENTS[name]
    document = (f"mutation($input: {input_type}!) {{ {name}(input: $input) "
                f"{{ {select or selection} {_ERRORS} }} }}")
    result = await client.execute(document, {"input": input}, as_user=as_user)
    return result.payload(name)


async def _read_ngozi(client: GraphQLClient, world: World, user: str) -> Result:
    return await client.execute(NGOZI_READS, {"id": gid("Person", world.ngozi)}, as_user=user)


def _refused(result: Result) -> dict[str, str]:
    """Field name -> the category it was refused for."""
    refused = {}
    for error in result.errors:
        assert error["extensions"]["code"] == "FORBIDDEN", error
        refused[error["path"][-1]] = error["extensions"]["category"]
    return refused


def _restrict(world: World, target: tuple[str, int], **changes: Any) -> dict[str, Any]:
    return {"personId": gid("Person", world.ngozi), "targetId": gid(*target),
            "categories": ["recovery_plan"], **changes}


def _invite(world: World, **changes: Any) -> dict[str, Any]:
    return {"personId": gid("Person", world.ngozi), "name": "Chidi Example", "basis": "CARER",
            "access": "VIEW", "categories": ["recovery_plan"], **changes}


# --- restrictions ---------------------------------------------------------------------------


@pytest.mark.parametrize(("reader", "target"), [("amara", "cmht"), ("gina", "gp")],
                         ids=["cmht-team", "gp-organisation"])
async def test_a_restriction_hides_a_category_from_the_next_request_until_lifted(
    world: World, client: GraphQLClient, reader: str, target: str
) -> None:
    await access.gp_clinician(world)
    kind = "Team" if target == "cmht" else "Organisation"
    before = await _read_ngozi(client, world, reader)
    assert before.data["person"]["goals"] == {"edges": []}

    payload = await _run(client, "restrictAccess", _restrict(
        world, (kind, getattr(world, target)), reason="Private"), as_user="ngozi")

    assert payload["userErrors"] == []
    restriction = payload["restriction"]
    assert (restriction["categories"], restriction["active"], restriction["reason"]) == (
        ["recovery_plan"], True, "Private")
    assert restriction["person"] == {"id": gid("Person", world.ngozi)}
    named = restriction["team"] if kind == "Team" else restriction["organisation"]
    assert named == {"name": "CMHT" if kind == "Team" else "Test Practice"}
    restricted = await _read_ngozi(client, world, reader)
    assert restricted.data["person"]["goals"] is None
    assert _refused(restricted).get("goals") == "recovery_plan"
    assert restricted.data["person"]["givenName"] == "Ngozi"

    lifted = await _run(client, "liftRestriction", {"restrictionId": restriction["id"]},
                        as_user="ngozi")

    assert lifted["userErrors"] == []
    assert lifted["restriction"]["active"] is False
    assert lifted["restriction"]["liftedAt"] is not None
    assert (await _read_ngozi(client, world, reader)).data == before.data


async def test_staff_record_a_restriction_that_the_person_sees(
    world: World, client: GraphQLClient
) -> None:
    payload = await _run(client, "restrictAccess", _restrict(world, ("Organisation", world.gp)),
                         as_user="amara")

    assert payload["restriction"]["recordedBy"] == {"displayName": "Amara Tester"}
    result = await client.execute(
        "{ me { restrictions { id active organisation { name } team { name } } } }",
        as_user="ngozi")
    assert result.data["me"]["restrictions"] == [{
        "id": payload["restriction"]["id"], "active": True,
        "organisation": {"name": "Test Practice"}, "team": None}]


@pytest.mark.parametrize("target", [("Team", "charity_team"), ("Organisation", "charity")])
async def test_a_consent_based_team_cannot_be_restricted(
    world: World, client: GraphQLClient, unchanged: Any, target: tuple[str, str]
) -> None:
    async with unchanged():
        payload = await _run(client, "restrictAccess", _restrict(
            world, (target[0], getattr(world, target[1]))), as_user="ngozi")

    assert refusal(payload) == ("NOT_DIRECT_CARE", "targetId")
    assert payload["userErrors"][0]["message"].endswith(
        "only sees what you granted: revoke the consent instead.")


# --- break-glass ----------------------------------------------------------------------------


async def test_break_glass_lets_a_stranger_read_for_hours_but_not_write(
    world: World, client: GraphQLClient, db: Database
) -> None:
    assert (await _read_ngozi(client, world, "stranger")).codes == ["NOT_FOUND"]

    payload = await _run(client, "breakGlass", {"nhsNumber": "999 000 0018",
                                                "reason": "Found collapsed at the clinic"},
                         as_user="stranger")

    assert payload["userErrors"] == []
    assert payload["person"] == {"id": gid("Person", world.ngozi), "givenName": "Ngozi"}
    ends = dt.datetime.fromisoformat(payload["expiresAt"])
    hours = (ends - dt.datetime.now(dt.UTC)) / dt.timedelta(hours=1)
    assert BREAK_GLASS_HOURS - 0.1 < hours <= BREAK_GLASS_HOURS
    read = await _read_ngozi(client, world, "stranger")
    assert read.data["person"]["givenName"] == "Ngozi"
    assert read.data["person"]["goals"] == {"edges": []}
    write = await client.execute(
        "mutation($input: CreateGoalInput!) { createGoal(input: $input) "
        "{ goal { id } userErrors { code field } } }",
        {"input": {"personId": gid("Person", world.ngozi), "title": "Rest"}}, as_user="stranger")
    assert write.data["createGoal"]["userErrors"] == [{"code": "FORBIDDEN", "field": "personId"}]

    refused, opened, *reads = await stored_rows(db, AuditEvent,
                                                AuditEvent.actor_staff_id == world.stranger)
    assert (refused.operation, refused.outcome, refused.break_glass) == ("Read", "refused", False)
    assert (opened.operation, opened.purpose, opened.break_glass) == (
        "break_glass", "Found collapsed at the clinic", True)
    assert [(e.operation, e.break_glass) for e in reads] == [("Read", True)]
    assert {"identity", "recovery_plan"} <= set(reads[0].categories)


async def test_break_glass_ends_when_its_time_is_up(world: World, client: GraphQLClient) -> None:
    await access.expire_opening(world, await access.opening(world))

    assert (await _read_ngozi(client, world, "stranger")).codes == ["NOT_FOUND"]


# --- representatives ------------------------------------------------------------------------


async def _carer_acts_for_ngozi(client: GraphQLClient, world: World, level: str) -> str:
    """Ngozi invites, the carer accepts; the representative's global ID."""
    invited = await _run(client, "inviteRepresentative", _invite(world, access=level),
                         as_user="ngozi")
    assert invited["userErrors"] == []
    await access.carer(world)
    accepted = await _run(client, "acceptRepresentativeInvitation",
                          {"code": invited["invitationCode"]}, as_user="carer")
    assert accepted["userErrors"] == []
    assert accepted["representative"]["id"] == invited["representative"]["id"]
    return str(invited["representative"]["id"])


async def _create_goal(client: GraphQLClient, world: World, user: str) -> dict[str, Any]:
    result = await client.execute(
        "mutation($input: CreateGoalInput!) { createGoal(input: $input) "
        "{ goal { title } userErrors { code field } } }",
        {"input": {"personId": gid("Person", world.ngozi), "title": "Walk"}}, as_user=user)
    return result.payload("createGoal")


async def test_an_invitation_shows_its_code_once(world: World, client: GraphQLClient) -> None:
    payload = await _run(client, "inviteRepresentative", _invite(world), as_user="ngozi")

    representative = payload["representative"]
    assert len(payload["invitationCode"]) >= 32
    assert (representative["name"], representative["basis"], representative["access"]) == (
        "Chidi Example", "CARER", "VIEW")
    assert (representative["status"], representative["acceptedAt"]) == ("INVITED", None)
    assert representative["invitationExpiresAt"] is not None
    listed = await client.execute("{ me { representatives { id status } } }", as_user="ngozi")
    assert listed.data["me"]["representatives"] == [
        {"id": representative["id"], "status": "INVITED"}]
    schema = str(client.schema)
    assert "invitationCode:" in schema and "invitationCodeHash" not in schema


async def test_a_viewing_carer_reads_goals_but_not_the_budget_and_cannot_write(
    world: World, client: GraphQLClient
) -> None:
    await records.goal(world, title="Swim once a week")
    await _carer_acts_for_ngozi(client, world, "VIEW")

    read = await _read_ngozi(client, world, "carer")

    assert read.data["person"]["goals"] == {"edges": [{"node": {"title": "Swim once a week"}}]}
    assert read.data["person"]["budgets"] is None
    assert _refused(read) == {"givenName": "identity", "email": "contact", "budgets": "budget"}
    assert await _create_goal(client, world, "carer") == {
        "goal": None, "userErrors": [{"code": "FORBIDDEN", "field": "personId"}]}
    viewer = await client.execute("{ viewer { kind representing { id } } }", as_user="carer")
    assert viewer.data["viewer"] == {"kind": "REPRESENTATIVE",
                                     "representing": [{"id": gid("Person", world.ngozi)}]}


async def test_a_managing_carer_sets_a_goal(world: World, client: GraphQLClient) -> None:
    await _carer_acts_for_ngozi(client, world, "MANAGE")

    assert await _create_goal(client, world, "carer") == {"goal": {"title": "Walk"},
                                                          "userErrors": []}
    read = await _read_ngozi(client, world, "carer")
    assert read.data["person"]["goals"] == {"edges": [{"node": {"title": "Walk"}}]}


@pytest.mark.parametrize("who", ["ngozi", "amara", "carer"])
async def test_revoking_a_representative_ends_access_on_the_next_request(
    world: World, client: GraphQLClient, who: str
) -> None:
    representative_id = await _carer_acts_for_ngozi(client, world, "VIEW")

    payload = await _run(client, "revokeRepresentative",
                         {"representativeId": representative_id}, as_user=who,
                         select="representative { id }")

    assert payload["userErrors"] == []
    assert (await _read_ngozi(client, world, "carer")).codes == ["NOT_FOUND"]
    viewer = await client.execute("{ viewer { representing { id } } }", as_user="carer")
    assert viewer.data["viewer"] == {"representing": []}
    listed = await client.execute("{ me { representatives { status revokedAt } } }",
                                  as_user="ngozi")
    [status] = listed.data["me"]["representatives"]
    assert status["status"] == "REVOKED" and status["revokedAt"] is not None


# --- every refusal, with nothing changed ----------------------------------------------------


async def _restriction_id(world: World) -> str:
    return gid("Restriction", await access.restriction(world))


async def _lifted_restriction_id(world: World) -> str:
    restriction_id = await access.restriction(world)
    await access.lift(world, restriction_id)
    return gid("Restriction", restriction_id)


async def _representative_id(world: World) -> str:
    return gid("Representative", await access.representative(world, username="chidi"))


async def _revoked_representative_id(world: World) -> str:
    representative_id = await access.representative(world, username="chidi")
    await access.revoke(world, representative_id)
    return gid("Representative", representative_id)


async def _used_code(world: World) -> str:
    invitation = await access.invitation(world)
    await access.accept(world, "chidi", invitation.code)
    return invitation.code


async def _code(world: World) -> str:
    return (await access.invitation(world)).code


REFUSALS: list[tuple[str, str, Any, str, str | None, str]] = [
    # (id, mutation, input (or a function of the world giving it), user, field, code)
    ("restrict-no-categories", "restrictAccess",
     lambda w: _restrict(w, ("Team", w.cmht), categories=[]), "ngozi", "categories",
     "NO_CATEGORIES"),
    ("restrict-unknown-category", "restrictAccess",
     lambda w: _restrict(w, ("Team", w.cmht), categories=["tarot"]), "ngozi", "categories",
     "UNKNOWN_CATEGORY"),
    ("restrict-unknown-team", "restrictAccess",
     lambda w: _restrict(w, ("Team", 999_999)), "ngozi", "targetId", "NOT_FOUND"),
    ("restrict-a-person", "restrictAccess",
     lambda w: _restrict(w, ("Person", w.belu)), "ngozi", "targetId", "NOT_FOUND"),
    ("restrict-by-gp", "restrictAccess",
     lambda w: _restrict(w, ("Team", w.cmht)), "gina", "personId", "FORBIDDEN"),
    ("restrict-someone-else", "restrictAccess",
     lambda w: _restrict(w, ("Team", w.cmht)), "belu", "personId", "NOT_FOUND"),
    ("lift-twice", "liftRestriction",
     _lifted_restriction_id, "ngozi", "restrictionId", "ALREADY_LIFTED"),
    ("lift-someone-elses", "liftRestriction",
     _restriction_id, "belu", "restrictionId", "NOT_FOUND"),
    ("glass-by-a-person", "breakGlass",
     {"nhsNumber": "9990000018", "reason": "Found collapsed"}, "belu", None, "FORBIDDEN"),
    ("glass-by-consent-staff", "breakGlass",
     {"nhsNumber": "9990000018", "reason": "Found collapsed"}, "cleo", None, "FORBIDDEN"),
    ("glass-bad-nhs-number", "breakGlass",
     {"nhsNumber": "999 000 0019", "reason": "Found collapsed"}, "stranger", "nhsNumber",
     "INVALID_NHS_NUMBER"),
    ("glass-unknown-nhs-number", "breakGlass",
     {"nhsNumber": "9990000042", "reason": "Found collapsed"}, "stranger", "nhsNumber",
     "NOT_FOUND"),
    ("glass-empty-reason", "breakGlass",
     {"nhsNumber": "9990000018", "reason": "   "}, "stranger", "reason", "REASON_TOO_SHORT"),
    ("glass-short-reason", "breakGlass",
     {"nhsNumber": "9990000018", "reason": " urgent!  "}, "stranger", "reason",
     "REASON_TOO_SHORT"),
    ("invite-no-categories", "inviteRepresentative",
     lambda w: _invite(w, categories=[]), "ngozi", "categories", "NO_CATEGORIES"),
    ("invite-unknown-category", "inviteRepresentative",
     lambda w: _invite(w, categories=["tarot"]), "ngozi", "categories", "UNKNOWN_CATEGORY"),
    ("invite-no-name", "inviteRepresentative",
     lambda w: _invite(w, name=" "), "ngozi", "name", "REQUIRED"),
    ("invite-for-someone-else", "inviteRepresentative",
     lambda w: _invite(w), "stranger", "personId", "NOT_FOUND"),
    ("accept-wrong-code", "acceptRepresentativeInvitation",
     {"code": "guess"}, "carer", "code", "INVALID_INVITATION"),
    ("accept-used-code", "acceptRepresentativeInvitation",
     _used_code, "carer", "code", "INVALID_INVITATION"),
    ("accept-as-a-person", "acceptRepresentativeInvitation",
     _code, "belu", None, "FORBIDDEN"),
    ("accept-as-staff", "acceptRepresentativeInvitation",
     _code, "amara", None, "FORBIDDEN"),
    ("revoke-twice", "revokeRepresentative",
     _revoked_representative_id, "ngozi", "representativeId", "ALREADY_REVOKED"),
    ("revoke-someone-elses", "revokeRepresentative",
     _representative_id, "carer", "representativeId", "NOT_FOUND"),
]

_KEYS = {"liftRestriction": "restrictionId", "acceptRepresentativeInvitation": "code",
         "revokeRepresentative": "representativeId"}


@pytest.mark.parametrize(("mutation", "make_input", "user", "field", "code"),
                         [row[1:] for row in REFUSALS], ids=[row[0] for row in REFUSALS])
async def test_a_refused_access_mutation_changes_nothing(
    world: World, client: GraphQLClient, unchanged: Any, mutation: str, make_input: Any,
    user: str, field: str | None, code: str
) -> None:
    await access.gp_clinician(world)
    await access.charity_worker(world)
    await access.carer(world)
    made = make_input(world) if callable(make_input) else make_input
    if inspect.isawaitable(made):
        made = await made
    input = made if isinstance(made, dict) else {_KEYS[mutation]: made}

    async with unchanged():
        payload = await _run(client, mutation, input, as_user=user)

    assert refusal(payload) == (code, field)
