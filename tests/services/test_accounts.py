"""Sign-in accounts, and the principal each one signs in as."""

from __future__ import annotations

from typing import Any

from core.db import Database
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import UserAccount
from core.principal import PrincipalKind
from core.services import accounts, organisations, people
from tests.support import policies
from tests.support.refusals import raises, refused
from tests.support.stored import stored
from tests.support.world import World

UNKNOWN = 999_999


async def test_accounts_for_a_person_a_staff_member_and_a_carer(
    world: World, db: Database
) -> None:
    system = policies.system()
    person = await people.register_person(world.uow, system, given_name="Aisha",
                                          family_name="Bello")
    staff = await organisations.add_staff_member(world.uow, system, given_name="Sam",
                                                 family_name="Lee")
    for_person = await accounts.create_account(world.uow, system, username="  Aisha.Bello ",
                                               person_id=person.id, password_hash="hashed")
    for_staff = await accounts.create_account(world.uow, system, username="sam",
                                              staff_member_id=staff.id)
    for_carer = await accounts.create_account(world.uow, system, username="Carer",
                                              display_name=" Aisha's sister ")
    account = await stored(db, UserAccount, for_person.id)
    assert (account.username, account.person_id, account.staff_member_id) == (
        "aisha.bello", person.id, None)
    assert account.password_hash == "hashed"
    staff_account = await stored(db, UserAccount, for_staff.id)
    assert (staff_account.person_id, staff_account.staff_member_id) == (None, staff.id)
    carer = await stored(db, UserAccount, for_carer.id)
    assert (carer.username, carer.person_id, carer.staff_member_id, carer.display_name) == (
        "carer", None, None, "Aisha's sister")


async def test_only_an_operator_creates_accounts(world: World, unchanged: Any) -> None:
    person = await people.register_person(world.uow, policies.system(), given_name="Aisha",
                                          family_name="Bello")
    async with unchanged():
        for policy in [await world.policy("amara"), await world.policy("ngozi"),
                       policies.anonymous()]:
            error = await raises(Forbidden, accounts.create_account(
                world.uow, policy, username="aisha", person_id=person.id))
            assert error.code == "FORBIDDEN"


async def test_create_account_refuses_bad_input(world: World, unchanged: Any) -> None:
    person = await people.register_person(world.uow, policies.system(), given_name="Aisha",
                                          family_name="Bello")
    system = policies.system()
    error = await refused(unchanged, InvalidInput, accounts.create_account(
        world.uow, system, username="both", person_id=person.id,
        staff_member_id=world.amara))
    assert (error.code, error.field) == ("INVALID_ACCOUNT_OWNER", None)
    async with unchanged():
        for username in ["   ", "x" * 101]:
            error = await raises(InvalidInput, accounts.create_account(
                world.uow, system, username=username, person_id=person.id))
            assert (error.code, error.field) == ("INVALID_USERNAME", "username")
    error = await refused(unchanged, InvalidInput, accounts.create_account(
        world.uow, system, username="carer", display_name="x" * 201))
    assert (error.code, error.field) == ("TOO_LONG", "displayName")
    error = await refused(unchanged, Conflict, accounts.create_account(
        world.uow, system, username=" NGOZI ", person_id=person.id))
    assert (error.code, error.field) == ("USERNAME_TAKEN", "username")


async def test_an_account_belongs_to_someone_who_exists_and_has_no_other(
    world: World, unchanged: Any
) -> None:
    system = policies.system()
    async with unchanged():
        for arguments, field in [({"person_id": UNKNOWN}, "personId"),
                                 ({"staff_member_id": UNKNOWN}, "staffMemberId")]:
            error = await raises(NotFound, accounts.create_account(
                world.uow, system, username="someone", **arguments))
            assert (error.code, error.field) == ("NOT_FOUND", field)
    async with unchanged():
        for arguments, field in [({"person_id": world.ngozi}, "personId"),
                                 ({"staff_member_id": world.amara}, "staffMemberId")]:
            error = await raises(Conflict, accounts.create_account(
                world.uow, system, username="second", **arguments))
            assert (error.code, error.field) == ("ALREADY_HAS_ACCOUNT", field)


async def test_principal_for_username(world: World) -> None:
    carer = await accounts.create_account(world.uow, policies.system(), username="carer")
    async with world.uow.db.reading() as session:
        ngozi = await accounts.principal_for_username(session, " Ngozi ")
        amara = await accounts.principal_for_username(session, "AMARA")
        representative = await accounts.principal_for_username(session, "carer")
        nobody = await accounts.principal_for_username(session, "nobody")
    assert nobody is None
    assert ngozi is not None and amara is not None and representative is not None
    assert (ngozi.kind, ngozi.person_id, ngozi.staff_member_id, ngozi.username) == (
        PrincipalKind.PERSON, world.ngozi, None, "ngozi")
    assert ngozi.teams == ()
    assert (amara.kind, amara.staff_member_id, amara.person_id, amara.username) == (
        PrincipalKind.STAFF, world.amara, None, "amara")
    assert [(t.team_id, t.organisation_id, t.roles) for t in amara.teams] == [
        (world.cmht, world.trust, frozenset({"elft.care_coordinator"}))]
    assert (representative.kind, representative.account_id, representative.person_id,
            representative.staff_member_id) == (PrincipalKind.REPRESENTATIVE, carer.id, None,
                                                None)
    assert ngozi.account_id is not None and amara.account_id is not None
    assert len({ngozi.account_id, amara.account_id, carer.id}) == 3
