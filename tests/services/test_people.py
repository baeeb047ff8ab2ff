"""People: registering a person, their contact details, and reading them through the policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.db import Database
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import AuditEvent, Person
from core.services import people
from tests.support import policies
from tests.support.refusals import raises, refused
from tests.support.stored import stored, stored_rows
from tests.support.world import World

UNKNOWN = 999_999


async def _readable(world: World, username: str | None) -> set[int]:
    policy = await world.policy(username) if username else policies.anonymous()
    async with world.uow.db.reading() as session:
        return {p.id for p in await session.scalars(people.readable_people_statement(policy))}


# --- register_person ------------------------------------------------------------------------


async def test_staff_register_a_person_with_their_details(world: World, db: Database) -> None:
    created = await people.register_person(
        world.uow, await world.policy("amara"), given_name="  Aisha ", family_name="Bello",
        nhs_number="943 476 5919", preferred_name="Ash", date_of_birth=dt.date(1990, 5, 17),
        email="ash@example.org", phone="07700 900042", address="1 Mare Street, London",
        postcode="E8 1AA",
    )
    person = await stored(db, Person, created.id)
    assert (person.given_name, person.family_name, person.preferred_name) == (
        "Aisha", "Bello", "Ash")
    assert person.display_name == "Ash Bello"
    assert person.nhs_number == "9434765919"
    assert person.date_of_birth == dt.date(1990, 5, 17)
    assert (person.email, person.phone, person.address, person.postcode) == (
        "ash@example.org", "07700 900042", "1 Mare Street, London", "E8 1AA")
    [audit] = await stored_rows(db, AuditEvent, AuditEvent.person_id == created.id)
    assert (audit.operation, audit.actor_staff_id) == ("register_person", world.amara)
    assert audit.categories == ["contact", "identity"]


async def test_the_system_registers_a_person_without_an_nhs_number(
    world: World, db: Database
) -> None:
    created = await people.register_person(
        world.uow, policies.system(), given_name="Tomasz", family_name="Nowak",
        nhs_number="", preferred_name="  ", email=" ",
    )
    person = await stored(db, Person, created.id)
    assert person.nhs_number is None
    assert (person.preferred_name, person.email, person.phone) == (None, None, None)
    assert person.display_name == "Tomasz Nowak"


async def test_only_staff_register_people(world: World, unchanged: Any) -> None:
    async with unchanged():
        for policy in [await world.policy("ngozi"), policies.anonymous()]:
            error = await raises(Forbidden, people.register_person(
                world.uow, policy, given_name="Aisha", family_name="Bello"))
            assert error.code == "FORBIDDEN"


INVALID_DETAILS: list[tuple[dict[str, Any], str, str]] = [
    ({"nhs_number": "943 476 5918"}, "INVALID_NHS_NUMBER", "nhsNumber"),
    ({"nhs_number": "12345"}, "INVALID_NHS_NUMBER", "nhsNumber"),
    ({"given_name": "   "}, "REQUIRED", "givenName"),
    ({"family_name": ""}, "REQUIRED", "familyName"),
    ({"family_name": "x" * 101}, "TOO_LONG", "familyName"),
    ({"preferred_name": "x" * 101}, "TOO_LONG", "preferredName"),
    ({"email": "x" * 255}, "TOO_LONG", "email"),
    ({"phone": "0" * 33}, "TOO_LONG", "phone"),
    ({"address": "x" * 501}, "TOO_LONG", "address"),
    ({"postcode": "E8 1AA E8 1AA"}, "TOO_LONG", "postcode"),
    ({"date_of_birth": dt.date.today() + dt.timedelta(days=2)}, "INVALID_DATE_OF_BIRTH",
     "dateOfBirth"),
    ({"date_of_birth": dt.date(1899, 12, 31)}, "INVALID_DATE_OF_BIRTH", "dateOfBirth"),
]


async def test_register_refuses_invalid_details(world: World, unchanged: Any) -> None:
    amara = await world.policy("amara")
    async with unchanged():
        for details, code, field in INVALID_DETAILS:
            arguments: dict[str, Any] = {"given_name": "Aisha", "family_name": "Bello", **details}
            error = await raises(InvalidInput,
                                 people.register_person(world.uow, amara, **arguments))
            assert (error.code, error.field) == (code, field), details


async def test_an_nhs_number_is_registered_once(world: World, unchanged: Any) -> None:
    ngozi = await stored(world.uow.db, Person, world.ngozi)
    assert ngozi.nhs_number is not None
    typed = f"{ngozi.nhs_number[:3]} {ngozi.nhs_number[3:6]} {ngozi.nhs_number[6:]}"
    error = await refused(unchanged, Conflict, people.register_person(
        world.uow, await world.policy("amara"), given_name="Other", family_name="Person",
        nhs_number=typed))
    assert (error.code, error.field) == ("DUPLICATE_NHS_NUMBER", "nhsNumber")


# --- update_contact_details ------------------------------------------------------------------


async def test_a_person_changes_their_own_contact_details(world: World, db: Database) -> None:
    ngozi = await world.policy("ngozi")
    await people.update_contact_details(world.uow, ngozi, world.ngozi, email="n@example.org",
                                        phone="07700 900018", postcode="E8 1AA")
    await people.update_contact_details(world.uow, ngozi, world.ngozi, preferred_name="Ngo",
                                        phone="")
    person = await stored(db, Person, world.ngozi)
    assert person.email == "n@example.org"  # None left it as it was
    assert person.phone is None  # an empty string cleared it
    assert (person.postcode, person.display_name) == ("E8 1AA", "Ngo Example")
    # A person acting on their own record is not an access by someone else.
    assert await stored_rows(db, AuditEvent, AuditEvent.person_id == world.ngozi,
                             AuditEvent.operation == "update_contact_details") == []


async def test_their_care_team_changes_contact_details_and_it_is_audited(
    world: World, db: Database
) -> None:
    await people.update_contact_details(world.uow, await world.policy("amara"), world.belu,
                                        address="2 Well Street")
    assert (await stored(db, Person, world.belu)).address == "2 Well Street"
    [audit] = await stored_rows(db, AuditEvent, AuditEvent.person_id == world.belu,
                                AuditEvent.operation == "update_contact_details")
    assert (audit.actor_staff_id, audit.categories) == (world.amara, ["contact"])


async def test_contact_details_of_someone_you_cannot_see_are_not_found(
    world: World, unchanged: Any
) -> None:
    async with unchanged():
        for username, person_id in [("stranger", world.ngozi), ("amara", world.zed),
                                    ("ngozi", world.belu), ("amara", UNKNOWN),
                                    ("system", UNKNOWN)]:
            error = await raises(NotFound, people.update_contact_details(
                world.uow, await world.policy(username), person_id, email="x@example.org"))
            assert error.code == "NOT_FOUND", (username, person_id)


async def test_update_refuses_a_too_long_detail(world: World, unchanged: Any) -> None:
    error = await refused(unchanged, InvalidInput, people.update_contact_details(
        world.uow, await world.policy("ngozi"), world.ngozi, email="ok@example.org",
        postcode="E8 1AA E8 1AA"))
    assert (error.code, error.field) == ("TOO_LONG", "postcode")


# --- reading -----------------------------------------------------------------------------------


async def test_get_person_follows_the_policy(world: World) -> None:
    async with world.uow.db.reading() as session:
        own = await people.get_person(session, await world.policy("ngozi"), world.ngozi)
        cared_for = await people.get_person(session, await world.policy("amara"), world.belu)
        for username, person_id in [("ngozi", world.belu), ("stranger", world.ngozi),
                                    ("amara", world.zed), ("amara", UNKNOWN),
                                    ("system", UNKNOWN)]:
            with pytest.raises(NotFound):
                await people.get_person(session, await world.policy(username), person_id)
    assert (own.given_name, cared_for.given_name) == ("Ngozi", "Belu")


async def test_readable_people_are_yourself_or_your_teams_caseload(world: World) -> None:
    assert await _readable(world, "ngozi") == {world.ngozi}
    assert await _readable(world, "amara") == {world.ngozi, world.belu}
    assert await _readable(world, "stranger") == set()
    assert await _readable(world, "system") == {world.ngozi, world.belu, world.zed}
    assert await _readable(world, None) == set()


async def test_people_by_ids_leaves_out_the_unreadable_and_the_missing(world: World) -> None:
    wanted = [world.ngozi, world.belu, world.zed, UNKNOWN, world.ngozi]
    async with world.uow.db.reading() as session:
        for_amara = await people.people_by_ids(session, await world.policy("amara"), wanted)
        for_belu = await people.people_by_ids(session, await world.policy("belu"), wanted)
    assert {pid: p.given_name for pid, p in for_amara.items()} == {
        world.ngozi: "Ngozi", world.belu: "Belu"}
    assert list(for_belu) == [world.belu]
