"""Representatives: invited by the person, accepted with a one-time code, revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from sqlalchemy import update

from core.db import Database
from core.errors import DomainError, Forbidden, NotFound
from core.models import AuditEvent, Representative, RepresentativeAccess, RepresentativeBasis
from core.permissions import Action
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import goals, people, representatives
from core.services.representatives import INVITATION_DAYS, RepresentativeStatus
from tests.conftest import snapshot
from tests.support import access
from tests.support.stored import stored, stored_rows
from tests.support.world import World

VIEW, MANAGE = RepresentativeAccess.VIEW, RepresentativeAccess.MANAGE
UNKNOWN = 999_999


async def _decide(world: World, username: str, action: Action, category: str) -> bool:
    policy = await world.policy(username)
    async with world.uow.db.reading() as session:
        return (await policy.decide(session, action, world.ngozi, [category])).allowed


async def _accept(world: World, username: str, code: str) -> Representative:
    return await representatives.accept_invitation(world.uow, await world.policy(username), code)


async def _expire_invitation(world: World, representative_id: int) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    async with world.uow.begin() as tx:
        await tx.session.execute(update(Representative)
                                 .where(Representative.id == representative_id)
                                 .values(invitation_expires_at=past))


# --- invite_representative ------------------------------------------------------------------


async def test_a_person_invites_a_carer_with_a_one_time_code(world: World, db: Database) -> None:
    policy = await world.policy("ngozi")
    invitation = await representatives.invite_representative(
        world.uow, policy, person_id=world.ngozi, name="  Chidi Example ",
        basis=RepresentativeBasis.CARER, access=VIEW,
        categories=["recovery_plan", "identity", "recovery_plan"])

    row = await stored(db, Representative, invitation.representative.id)
    assert (row.person_id, row.name, row.basis, row.access) == (
        world.ngozi, "Chidi Example", RepresentativeBasis.CARER, VIEW)
    assert row.categories == ["identity", "recovery_plan"]
    assert (row.account_id, row.accepted_at, row.revoked_at) == (None, None, None)
    assert (row.by_person_id, row.by_staff_id) == (world.ngozi, None)
    assert row.invitation_expires_at == policy.now + dt.timedelta(days=INVITATION_DAYS)
    assert representatives.representative_status(row, policy.now) is RepresentativeStatus.INVITED
    # Only the code's hash is kept: the code itself is nowhere in the database.
    assert len(invitation.code) >= 32
    assert row.invitation_code_hash == hashlib.sha256(invitation.code.encode()).hexdigest()
    assert invitation.code not in repr(await snapshot(db))


async def test_staff_invite_for_the_person(world: World, db: Database) -> None:
    invitation = await access.invitation(world, by="amara")

    row = await stored(db, Representative, invitation.representative.id)
    assert (row.by_staff_id, row.by_person_id) == (world.amara, None)
    [event] = await stored_rows(db, AuditEvent, AuditEvent.operation == "invite_representative")
    assert (event.person_id, event.actor_staff_id, event.categories) == (
        world.ngozi, world.amara, ["consent"])


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"categories": []}, "NO_CATEGORIES", "categories"),
        ({"categories": ["recovery_plan", "astrology"]}, "UNKNOWN_CATEGORY", "categories"),
        ({"name": "   "}, "REQUIRED", "name"),
        ({"name": "x" * 201}, "TOO_LONG", "name"),
        ({"person": UNKNOWN}, "NOT_FOUND", "personId"),
    ],
    ids=["no-categories", "unknown-category", "empty-name", "long-name", "unknown-person"],
)
async def test_a_wrong_invitation_changes_nothing(
    world: World, unchanged: Any, changes: dict[str, Any], code: str, field: str
) -> None:
    arguments: dict[str, Any] = {"person": world.ngozi, "name": "Chidi",
                                 "categories": ["recovery_plan"], **changes}
    async with unchanged():
        with pytest.raises(DomainError) as error:
            await representatives.invite_representative(
                world.uow, await world.policy("ngozi"), person_id=arguments["person"],
                name=arguments["name"], basis=RepresentativeBasis.CARER, access=VIEW,
                categories=arguments["categories"])
    assert (error.value.code, error.value.field) == (code, field)


@pytest.mark.parametrize(("who", "code"), [("belu", "NOT_FOUND"), ("stranger", "NOT_FOUND"),
                                           ("anonymous", "NOT_FOUND"), ("gina", "FORBIDDEN"),
                                           ("carer", "FORBIDDEN")])
async def test_only_the_person_or_staff_who_manage_consent_invite(
    world: World, unchanged: Any, who: str, code: str
) -> None:
    await access.gp_clinician(world)
    await access.representative(world, access=MANAGE, categories=["consent"])
    policy = AccessPolicy(Principal.anonymous()) if who == "anonymous" else (
        await world.policy(who))

    async with unchanged():
        with pytest.raises(DomainError) as error:
            await representatives.invite_representative(
                world.uow, policy, person_id=world.ngozi, name="Chidi",
                basis=RepresentativeBasis.CARER, access=VIEW, categories=["recovery_plan"])
    assert error.value.code == code


# --- accept_invitation ----------------------------------------------------------------------


async def test_a_carer_accepts_and_then_views_what_they_were_given(
    world: World, db: Database
) -> None:
    invitation = await access.invitation(world, categories=["recovery_plan"])
    account_id = await access.carer(world)
    assert not await _decide(world, "carer", Action.READ, "recovery_plan")

    accepted = await _accept(world, "carer", f" {invitation.code} ")

    row = await stored(db, Representative, accepted.id)
    assert (row.account_id, row.invitation_code_hash) == (account_id, None)
    assert row.accepted_at is not None
    assert representatives.representative_status(row, row.accepted_at) is (
        RepresentativeStatus.ACTIVE)
    [event] = await stored_rows(db, AuditEvent,
                                AuditEvent.operation == "accept_representative_invitation")
    assert (event.actor_kind, event.actor_account_id, event.person_id) == (
        "representative", account_id, world.ngozi)
    assert await _decide(world, "carer", Action.READ, "recovery_plan")
    assert not await _decide(world, "carer", Action.READ, "budget")
    assert not await _decide(world, "carer", Action.CREATE, "recovery_plan")


async def test_a_viewing_carer_cannot_write(world: World, unchanged: Any) -> None:
    await access.representative(world, access=VIEW, categories=["recovery_plan"])

    async with unchanged():
        with pytest.raises(Forbidden):
            await goals.create_goal(world.uow, await world.policy("carer"),
                                    person_id=world.ngozi, title="Walk")


async def test_a_managing_carer_sets_a_goal(world: World, db: Database) -> None:
    await access.representative(world, access=MANAGE, categories=["recovery_plan"])

    goal = await goals.create_goal(world.uow, await world.policy("carer"),
                                   person_id=world.ngozi, title="Walk to the park")

    assert goal.person_id == world.ngozi
    assert not await _decide(world, "carer", Action.READ, "budget")


async def test_a_carer_sees_only_the_people_they_act_for(world: World) -> None:
    await access.representative(world)
    belus = await access.invitation(world, by="belu", person=world.belu)
    await _accept(world, "carer", belus.code)
    await access.carer(world, "other")

    async with world.uow.db.reading() as session:
        mine = await representatives.people_represented(session, await world.policy("carer"))
        others = await representatives.people_represented(session, await world.policy("other"))
        staff = await representatives.people_represented(session, await world.policy("amara"))
        with pytest.raises(NotFound):
            await people.get_person(session, await world.policy("carer"), world.zed)
    assert [p.id for p in mine] == [world.ngozi, world.belu]
    assert (others, staff) == ([], [])


async def _used(world: World) -> str:
    invitation = await access.invitation(world)
    await access.carer(world, "first")
    await _accept(world, "first", invitation.code)
    return invitation.code


async def _expired(world: World) -> str:
    invitation = await access.invitation(world)
    await _expire_invitation(world, invitation.representative.id)
    return invitation.code


async def _revoked(world: World) -> str:
    invitation = await access.invitation(world)
    await representatives.revoke_representative(world.uow, await world.policy("ngozi"),
                                                invitation.representative.id)
    return invitation.code


async def _wrong(world: World) -> str:
    await access.invitation(world)
    return "not-the-code"


async def _empty(world: World) -> str:
    await access.invitation(world)
    return "  "


@pytest.mark.parametrize("bad_code", [_wrong, _empty, _expired, _used, _revoked],
                         ids=["wrong", "empty", "expired", "used", "revoked"])
async def test_every_bad_code_gets_the_same_answer(
    world: World, unchanged: Any, bad_code: Any
) -> None:
    code = await bad_code(world)
    await access.carer(world)

    async with unchanged():
        with pytest.raises(DomainError) as error:
            await _accept(world, "carer", code)
    assert (error.value.code, error.value.field) == ("INVALID_INVITATION", "code")
    assert error.value.message == (
        "That invitation code is not valid. It may have expired or been used: ask for a new one.")


@pytest.mark.parametrize("who", ["ngozi", "belu", "amara", "stranger", "anonymous"])
async def test_people_and_staff_accounts_cannot_accept(
    world: World, unchanged: Any, who: str
) -> None:
    invitation = await access.invitation(world)
    policy = AccessPolicy(Principal.anonymous()) if who == "anonymous" else (
        await world.policy(who))

    async with unchanged():
        with pytest.raises(DomainError) as error:
            await representatives.accept_invitation(world.uow, policy, invitation.code)
    assert error.value.code == "FORBIDDEN"


# --- revoke_representative ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ngozi", "amara", "carer"])
async def test_revoking_ends_access_on_the_next_request(
    world: World, db: Database, who: str
) -> None:
    representative_id = await access.representative(world)
    assert await _decide(world, "carer", Action.READ, "recovery_plan")

    revoked = await representatives.revoke_representative(
        world.uow, await world.policy(who), representative_id)

    row = await stored(db, Representative, representative_id)
    assert row.revoked_at == revoked.revoked_at is not None
    assert representatives.representative_status(row, row.revoked_at) is (
        RepresentativeStatus.REVOKED)
    assert not await _decide(world, "carer", Action.READ, "recovery_plan")
    async with world.uow.db.reading() as session:
        assert await representatives.people_represented(
            session, await world.policy("carer")) == []


async def test_an_invitation_not_accepted_in_time_has_expired(world: World, db: Database) -> None:
    invitation = await access.invitation(world)
    await _expire_invitation(world, invitation.representative.id)

    row = await stored(db, Representative, invitation.representative.id)
    assert representatives.representative_status(row, dt.datetime.now(dt.UTC)) is (
        RepresentativeStatus.EXPIRED)


async def test_a_representative_is_revoked_once(world: World, unchanged: Any) -> None:
    representative_id = await access.representative(world)
    await representatives.revoke_representative(world.uow, await world.policy("ngozi"),
                                                representative_id)

    async with unchanged():
        with pytest.raises(DomainError) as error:
            await representatives.revoke_representative(
                world.uow, await world.policy("ngozi"), representative_id)
    assert (error.value.code, error.value.field) == ("ALREADY_REVOKED", "representativeId")


@pytest.mark.parametrize(("who", "which", "code"), [
    ("ngozi", UNKNOWN, "NOT_FOUND"), ("belu", None, "NOT_FOUND"),
    ("stranger", None, "NOT_FOUND"), ("gina", None, "FORBIDDEN"), ("other", None, "NOT_FOUND"),
    ("manager", None, "FORBIDDEN")])
async def test_revoking_someone_elses_representative_is_refused(
    world: World, unchanged: Any, who: str, which: int | None, code: str
) -> None:
    await access.gp_clinician(world)
    representative_id = await access.representative(world)
    await access.representative(world, username="manager", access=MANAGE,
                                categories=["consent"])
    await access.carer(world, "other")

    async with unchanged():
        with pytest.raises(DomainError) as error:
            await representatives.revoke_representative(
                world.uow, await world.policy(who), which or representative_id)
    assert (error.value.code, error.value.field) == (code, "representativeId")


# --- reading representatives ----------------------------------------------------------------


@pytest.mark.parametrize(("who", "sees"), [("ngozi", True), ("amara", True), ("belu", False),
                                           ("carer", False), ("manager", True)])
async def test_representatives_are_read_through_the_policy(
    world: World, who: str, sees: bool
) -> None:
    first = await access.representative(world)
    second = await access.representative(world, username="manager", access=MANAGE,
                                         categories=["consent"])
    pending = (await access.invitation(world)).representative.id

    policy = await world.policy(who)
    async with world.uow.db.reading() as session:
        grouped = await representatives.representatives_for_people(session, policy,
                                                                   [world.ngozi])
        by_id = await representatives.representatives_by_ids(session, policy,
                                                             [first, second, pending])

    expected = [first, second, pending] if sees else []
    assert [r.id for r in grouped.get(world.ngozi, [])] == expected
    assert sorted(by_id) == expected
