"""Restrictions: a person withholds categories from a direct-care team or organisation."""

from __future__ import annotations

from typing import Any

import pytest

from core.db import Database
from core.errors import DomainError
from core.models import AuditEvent, RepresentativeAccess, Restriction
from core.permissions import Action
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import restrictions
from tests.support import access
from tests.support.stored import stored, stored_rows
from tests.support.world import World

UNKNOWN = 999_999


async def _may_read(world: World, username: str, category: str) -> tuple[bool, str]:
    policy = await world.policy(username)
    async with world.uow.db.reading() as session:
        decision = await policy.decide(session, Action.READ, world.ngozi, [category])
    return decision.allowed, decision.rule


# --- restrict_access ------------------------------------------------------------------------


async def test_a_person_restricts_a_team_from_a_category(world: World, db: Database) -> None:
    created = await restrictions.restrict_access(
        world.uow, await world.policy("ngozi"), person_id=world.ngozi, team_id=world.cmht,
        categories=["recovery_plan", "contact", "recovery_plan"], reason="  Too personal ")

    row = await stored(db, Restriction, created.id)
    assert (row.person_id, row.team_id, row.organisation_id) == (world.ngozi, world.cmht, None)
    assert row.categories == ["contact", "recovery_plan"]
    assert row.reason == "Too personal"
    assert (row.by_person_id, row.by_staff_id, row.lifted_at) == (world.ngozi, None, None)
    # On her own record, nothing to audit.
    assert await stored_rows(db, AuditEvent, AuditEvent.operation == "restrict_access") == []
    assert await _may_read(world, "amara", "recovery_plan") == (False, "restricted_by_person")
    assert await _may_read(world, "amara", "contact") == (False, "restricted_by_person")
    assert await _may_read(world, "amara", "identity") == (True, "direct_care")


async def test_restricting_an_organisation_covers_each_of_its_teams(world: World) -> None:
    await access.restriction(world, organisation=world.trust, categories=["budget"])

    assert await _may_read(world, "amara", "budget") == (False, "restricted_by_person")
    assert await _may_read(world, "james", "budget") == (False, "restricted_by_person")
    assert await _may_read(world, "amara", "recovery_plan") == (True, "direct_care")


async def test_a_restriction_of_one_team_leaves_the_others(world: World) -> None:
    await access.gp_clinician(world)
    await access.restriction(world, team=world.cmht, categories=["recovery_plan"])

    assert await _may_read(world, "gina", "recovery_plan") == (True, "direct_care")


async def test_staff_record_a_restriction_for_the_person(world: World, db: Database) -> None:
    restriction_id = await access.restriction(world, by="amara", organisation=world.gp,
                                              categories=["mental_health"])

    row = await stored(db, Restriction, restriction_id)
    assert (row.organisation_id, row.by_staff_id, row.by_person_id) == (world.gp, world.amara,
                                                                       None)
    [audit] = await stored_rows(db, AuditEvent, AuditEvent.operation == "restrict_access")
    assert (audit.operation, audit.actor_staff_id, audit.actor_team_id) == (
        "restrict_access", world.amara, world.cmht)
    assert (audit.categories, audit.rule) == (["consent"], "direct_care")


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"categories": []}, "NO_CATEGORIES", "categories"),
        ({"categories": ["budget", "horoscope"]}, "UNKNOWN_CATEGORY", "categories"),
        ({"team": None}, "INVALID_TARGET", "targetId"),
        ({"organisation": "trust"}, "INVALID_TARGET", "targetId"),
        ({"team": UNKNOWN}, "NOT_FOUND", "targetId"),
        ({"team": None, "organisation": UNKNOWN}, "NOT_FOUND", "targetId"),
        ({"team": "charity_team"}, "NOT_DIRECT_CARE", "targetId"),
        ({"team": None, "organisation": "charity"}, "NOT_DIRECT_CARE", "targetId"),
        ({"person": UNKNOWN}, "NOT_FOUND", "personId"),
        ({"reason": "x" * 2001}, "TOO_LONG", "reason"),
    ],
    ids=["no-categories", "unknown-category", "no-target", "two-targets", "unknown-team",
         "unknown-organisation", "consent-based-team", "consent-based-organisation",
         "unknown-person", "long-reason"],
)
async def test_a_wrong_restriction_changes_nothing(
    world: World, unchanged: Any, changes: dict[str, Any], code: str, field: str
) -> None:
    def named(value: Any) -> Any:
        return getattr(world, value) if isinstance(value, str) else value

    arguments: dict[str, Any] = {"person": world.ngozi, "team": world.cmht, "organisation": None,
                                 "categories": ["journal"], "reason": None}
    arguments.update({key: named(value) if key in ("team", "organisation") else value
                      for key, value in changes.items()})
    async with unchanged():
        with pytest.raises(DomainError) as error:
            await restrictions.restrict_access(
                world.uow, await world.policy("ngozi"), person_id=arguments["person"],
                team_id=arguments["team"], organisation_id=arguments["organisation"],
                categories=arguments["categories"], reason=arguments["reason"])
    assert (error.value.code, error.value.field) == (code, field)
    assert error.value.message.strip()


async def test_a_consent_based_organisation_is_refused_with_what_to_do(
    world: World, unchanged: Any
) -> None:
    async with unchanged():
        with pytest.raises(DomainError) as error:
            await access.restriction(world, team=world.charity_team)
    assert error.value.message == (
        "Sessions only sees what you granted: revoke the consent instead.")


@pytest.mark.parametrize(("who", "code"), [("belu", "NOT_FOUND"), ("stranger", "NOT_FOUND"),
                                           ("anonymous", "NOT_FOUND"), ("gina", "FORBIDDEN"),
                                           ("carer", "FORBIDDEN")])
async def test_only_the_person_or_staff_who_manage_consent_restrict(
    world: World, unchanged: Any, who: str, code: str
) -> None:
    await access.gp_clinician(world)
    # A carer who may even manage Ngozi's consents still cannot restrict her care team.
    await access.representative(world, access=RepresentativeAccess.MANAGE,
                                categories=["consent", "recovery_plan"])
    policy = AccessPolicy(Principal.anonymous()) if who == "anonymous" else (
        await world.policy(who))
    async with unchanged():
        with pytest.raises(DomainError) as error:
            await restrictions.restrict_access(world.uow, policy, person_id=world.ngozi,
                                               team_id=world.cmht, categories=["journal"])
    assert error.value.code == code


# --- lift_restriction -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ngozi", "amara"])
async def test_lifting_a_restriction_gives_access_back(
    world: World, db: Database, who: str
) -> None:
    restriction_id = await access.restriction(world)
    assert await _may_read(world, "amara", "recovery_plan") == (False, "restricted_by_person")

    lifted = await restrictions.lift_restriction(world.uow, await world.policy(who),
                                                 restriction_id)

    assert (await stored(db, Restriction, restriction_id)).lifted_at == lifted.lifted_at
    assert lifted.lifted_at is not None
    assert await _may_read(world, "amara", "recovery_plan") == (True, "direct_care")


async def test_a_restriction_is_lifted_once(world: World, unchanged: Any) -> None:
    restriction_id = await access.restriction(world)
    await restrictions.lift_restriction(world.uow, await world.policy("ngozi"), restriction_id)

    async with unchanged():
        with pytest.raises(DomainError) as error:
            await restrictions.lift_restriction(world.uow, await world.policy("ngozi"),
                                                restriction_id)
    assert (error.value.code, error.value.field) == ("ALREADY_LIFTED", "restrictionId")


@pytest.mark.parametrize(("who", "which", "code"), [
    ("ngozi", UNKNOWN, "NOT_FOUND"), ("belu", None, "NOT_FOUND"),
    ("stranger", None, "NOT_FOUND"), ("gina", None, "FORBIDDEN")])
async def test_lifting_someone_elses_restriction_is_refused(
    world: World, unchanged: Any, who: str, which: int | None, code: str
) -> None:
    await access.gp_clinician(world)
    restriction_id = await access.restriction(world)

    async with unchanged():
        with pytest.raises(DomainError) as error:
            await restrictions.lift_restriction(world.uow, await world.policy(who),
                                                which or restriction_id)
    assert (error.value.code, error.value.field) == (code, "restrictionId")


# --- reading restrictions -------------------------------------------------------------------


@pytest.mark.parametrize(("who", "sees"), [("ngozi", "ngozi"), ("amara", "both"),
                                           ("belu", "belu"), ("stranger", "none")])
async def test_restrictions_are_read_through_the_policy(
    world: World, who: str, sees: str
) -> None:
    first = await access.restriction(world)
    second = await access.restriction(world, organisation=world.gp, categories=["journal"])
    belus = (await restrictions.restrict_access(
        world.uow, await world.policy("belu"), person_id=world.belu, team_id=world.cmht,
        categories=["journal"])).id

    policy = await world.policy(who)
    async with world.uow.db.reading() as session:
        grouped = await restrictions.restrictions_for_people(session, policy,
                                                             [world.ngozi, world.belu])
        by_id = await restrictions.restrictions_by_ids(session, policy, [first, second, belus])

    ngozis = [first, second] if sees in ("ngozi", "both") else []
    belus_seen = [belus] if sees in ("belu", "both") else []
    assert [r.id for r in grouped.get(world.ngozi, [])] == ngozis
    assert [r.id for r in grouped.get(world.belu, [])] == belus_seen
    assert sorted(by_id) == ngozis + belus_seen
