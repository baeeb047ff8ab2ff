"""Organisations, teams, staff, memberships and care relationships (the operator's work)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from core.db import Database
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import (
    CareBasis,
    CareRelationship,
    LegalBasis,
    Membership,
    Organisation,
    OrganisationKind,
    StaffMember,
    Team,
)
from core.policy import AccessPolicy
from core.principal import PrincipalKind
from core.services import organisations, people
from core.unit_of_work import UnitOfWork
from tests.support import policies
from tests.support.refusals import raises, refused
from tests.support.stored import stored, stored_rows
from tests.support.world import World

UNKNOWN = 999_999
SYSTEM = policies.system()


async def _organisation(uow: UnitOfWork, name: str = "Homerton Practice",
                        kind: OrganisationKind = OrganisationKind.GP_PRACTICE) -> int:
    return (await organisations.create_organisation(uow, SYSTEM, name=name, kind=kind)).id


async def _team(uow: UnitOfWork) -> int:
    organisation_id = await _organisation(uow)
    team = await organisations.create_team(uow, SYSTEM, organisation_id=organisation_id,
                                           name="Reception")
    return team.id


async def _person(uow: UnitOfWork) -> int:
    return (await people.register_person(uow, SYSTEM, given_name="Ngozi",
                                         family_name="Adeyemi")).id


# --- organisations -----------------------------------------------------------------------------


async def test_an_organisation_reads_on_the_legal_basis_of_its_kind(
    uow: UnitOfWork, db: Database
) -> None:
    for number, (kind, basis) in enumerate([
        (OrganisationKind.GP_PRACTICE, LegalBasis.DIRECT_CARE),
        (OrganisationKind.MENTAL_HEALTH_TRUST, LegalBasis.DIRECT_CARE),
        (OrganisationKind.VOLUNTARY_ORGANISATION, LegalBasis.CONSENT),
        (OrganisationKind.COMMISSIONER, LegalBasis.CONSENT),
    ]):
        created = await organisations.create_organisation(
            uow, SYSTEM, name=" East London ", kind=kind, ods_code=f" RW{number} ")
        organisation = await stored(db, Organisation, created.id)
        assert (organisation.name, organisation.kind, organisation.legal_basis) == (
            "East London", kind, basis)
        assert organisation.ods_code == f"RW{number}"


async def test_an_operator_may_choose_a_different_legal_basis(
    uow: UnitOfWork, db: Database
) -> None:
    created = await organisations.create_organisation(
        uow, SYSTEM, name="Research unit", kind=OrganisationKind.MENTAL_HEALTH_TRUST,
        legal_basis=LegalBasis.CONSENT, ods_code="  ")
    organisation = await stored(db, Organisation, created.id)
    assert (organisation.legal_basis, organisation.ods_code) == (LegalBasis.CONSENT, None)


async def test_create_organisation_refuses_bad_input(uow: UnitOfWork, unchanged: Any) -> None:
    await organisations.create_organisation(uow, SYSTEM, name="Trust",
                                            kind=OrganisationKind.MENTAL_HEALTH_TRUST,
                                            ods_code="RWK")
    async with unchanged():
        for arguments, code, field in [
            ({"name": " "}, "REQUIRED", "name"),
            ({"name": "x" * 201}, "TOO_LONG", "name"),
            ({"ods_code": "RWK12345678"}, "TOO_LONG", "odsCode"),
        ]:
            error = await raises(InvalidInput, organisations.create_organisation(
                uow, SYSTEM, **{"name": "Other", "kind": OrganisationKind.GP_PRACTICE,
                                **arguments}))
            assert (error.code, error.field) == (code, field), arguments
    error = await refused(unchanged, Conflict, organisations.create_organisation(
        uow, SYSTEM, name="Other", kind=OrganisationKind.GP_PRACTICE, ods_code=" RWK "))
    assert (error.code, error.field) == ("DUPLICATE_ODS_CODE", "odsCode")


# --- teams, staff and memberships --------------------------------------------------------------


async def test_a_team_belongs_to_an_organisation(uow: UnitOfWork, db: Database) -> None:
    organisation_id = await _organisation(uow)
    created = await organisations.create_team(uow, SYSTEM, organisation_id=organisation_id,
                                              name=" Practice nurses ")
    team = await stored(db, Team, created.id)
    assert (team.organisation_id, team.name) == (organisation_id, "Practice nurses")


async def test_create_team_refuses_a_missing_name_or_organisation(
    uow: UnitOfWork, unchanged: Any
) -> None:
    organisation_id = await _organisation(uow)
    error = await refused(unchanged, InvalidInput, organisations.create_team(
        uow, SYSTEM, organisation_id=organisation_id, name=""))
    assert (error.code, error.field) == ("REQUIRED", "name")
    error = await refused(unchanged, NotFound, organisations.create_team(
        uow, SYSTEM, organisation_id=UNKNOWN, name="Nurses"))
    assert (error.code, error.field) == ("NOT_FOUND", "organisationId")


async def test_add_staff_member_with_optional_details(uow: UnitOfWork, db: Database) -> None:
    created = await organisations.add_staff_member(
        uow, SYSTEM, given_name=" Amara ", family_name="Okafor", job_title="Care coordinator",
        email="amara@example.nhs.uk")
    bare = await organisations.add_staff_member(uow, SYSTEM, given_name="Sam",
                                                family_name="Lee", job_title=" ", email="")
    staff = await stored(db, StaffMember, created.id)
    assert (staff.display_name, staff.job_title, staff.email) == (
        "Amara Okafor", "Care coordinator", "amara@example.nhs.uk")
    unnamed = await stored(db, StaffMember, bare.id)
    assert (unnamed.job_title, unnamed.email) == (None, None)


async def test_add_staff_member_refuses_bad_input(uow: UnitOfWork, unchanged: Any) -> None:
    await organisations.add_staff_member(uow, SYSTEM, given_name="Amara", family_name="Okafor",
                                         email="amara@example.nhs.uk")
    async with unchanged():
        for arguments, code, field in [
            ({"given_name": ""}, "REQUIRED", "givenName"),
            ({"family_name": "  "}, "REQUIRED", "familyName"),
            ({"job_title": "x" * 201}, "TOO_LONG", "jobTitle"),
            ({"email": "x" * 255}, "TOO_LONG", "email"),
        ]:
            error = await raises(InvalidInput, organisations.add_staff_member(
                uow, SYSTEM, **{"given_name": "Sam", "family_name": "Lee", **arguments}))
            assert (error.code, error.field) == (code, field), arguments
    error = await refused(unchanged, Conflict, organisations.add_staff_member(
        uow, SYSTEM, given_name="Sam", family_name="Lee", email="amara@example.nhs.uk"))
    assert (error.code, error.field) == ("DUPLICATE_EMAIL", "email")


async def test_a_membership_holds_each_role_once(uow: UnitOfWork, db: Database) -> None:
    team_id = await _team(uow)
    staff = await organisations.add_staff_member(uow, SYSTEM, given_name="James",
                                                 family_name="Reid")
    created = await organisations.add_membership(
        uow, SYSTEM, staff_member_id=staff.id, team_id=team_id,
        roles=["elft.team_lead", "elft.care_coordinator", "elft.team_lead"])
    membership = await stored(db, Membership, created.id)
    assert (membership.staff_member_id, membership.team_id) == (staff.id, team_id)
    assert membership.roles == ["elft.care_coordinator", "elft.team_lead"]


async def test_add_membership_refuses_unknown_ids_and_a_second_membership(
    uow: UnitOfWork, unchanged: Any
) -> None:
    team_id = await _team(uow)
    staff = await organisations.add_staff_member(uow, SYSTEM, given_name="James",
                                                 family_name="Reid")
    error = await refused(unchanged, NotFound, organisations.add_membership(
        uow, SYSTEM, staff_member_id=UNKNOWN, team_id=team_id, roles=[]))
    assert (error.code, error.field) == ("NOT_FOUND", "staffMemberId")
    error = await refused(unchanged, NotFound, organisations.add_membership(
        uow, SYSTEM, staff_member_id=staff.id, team_id=UNKNOWN, roles=[]))
    assert (error.code, error.field) == ("NOT_FOUND", "teamId")
    await organisations.add_membership(uow, SYSTEM, staff_member_id=staff.id, team_id=team_id,
                                       roles=["elft.team_lead"])
    error = await refused(unchanged, Conflict, organisations.add_membership(
        uow, SYSTEM, staff_member_id=staff.id, team_id=team_id, roles=["gp.clinician"]))
    assert (error.code, error.field) == ("ALREADY_MEMBER", "teamId")


async def test_staff_principal_lists_each_team_with_its_roles(uow: UnitOfWork) -> None:
    first = await _team(uow)
    organisation_id = await _organisation(uow, "Core Arts",
                                          OrganisationKind.VOLUNTARY_ORGANISATION)
    second = (await organisations.create_team(uow, SYSTEM, organisation_id=organisation_id,
                                              name="Sessions")).id
    staff = await organisations.add_staff_member(uow, SYSTEM, given_name="Amara",
                                                 family_name="Okafor")
    loner = await organisations.add_staff_member(uow, SYSTEM, given_name="Sam",
                                                 family_name="Lee")
    await organisations.add_membership(uow, SYSTEM, staff_member_id=staff.id, team_id=first,
                                       roles=["gp.clinician"])
    await organisations.add_membership(uow, SYSTEM, staff_member_id=staff.id, team_id=second,
                                       roles=["core_arts.sessions_coordinator", "x.helper"])
    async with uow.db.reading() as session:
        principal = await organisations.staff_principal(session, staff.id, username="amara")
        alone = await organisations.staff_principal(session, loner.id)
    assert (principal.kind, principal.staff_member_id, principal.username) == (
        PrincipalKind.STAFF, staff.id, "amara")
    first_team = await stored(uow.db, Team, first)
    assert [(t.team_id, t.organisation_id, t.roles) for t in principal.teams] == [
        (first, first_team.organisation_id, frozenset({"gp.clinician"})),
        (second, organisation_id, frozenset({"core_arts.sessions_coordinator", "x.helper"})),
    ]
    assert [t.legal_basis for t in principal.teams] == ["direct_care", "consent"]
    assert principal.team_ids == (first, second)
    assert (alone.kind, alone.teams) == (PrincipalKind.STAFF, ())


# --- care relationships ----------------------------------------------------------------------


async def test_a_care_relationship_starts_now_unless_told(uow: UnitOfWork, db: Database) -> None:
    team_id, person_id = await _team(uow), await _person(uow)
    policy = policies.system()
    started = await organisations.start_care_relationship(
        uow, policy, team_id=team_id, person_id=person_id, basis=CareBasis.REGISTERED_PRACTICE)
    relationship = await stored(db, CareRelationship, started.id)
    assert (relationship.team_id, relationship.person_id, relationship.basis) == (
        team_id, person_id, CareBasis.REGISTERED_PRACTICE)
    assert (relationship.starts_at, relationship.ends_at) == (policy.now, None)
    assert relationship.is_active(policy.now)

    later = policy.now + dt.timedelta(days=30)
    fixed = await organisations.start_care_relationship(
        uow, policy, team_id=team_id, person_id=person_id, basis=CareBasis.COMMISSIONING,
        starts_at=later, ends_at=later + dt.timedelta(days=1))
    stored_fixed = await stored(db, CareRelationship, fixed.id)
    assert (stored_fixed.starts_at, stored_fixed.ends_at) == (later, later + dt.timedelta(days=1))
    assert not stored_fixed.is_active(policy.now)


async def test_start_care_relationship_refuses_bad_input(
    uow: UnitOfWork, unchanged: Any
) -> None:
    team_id, person_id = await _team(uow), await _person(uow)
    now = SYSTEM.now
    async with unchanged():
        for ends_at in [now, now - dt.timedelta(seconds=1)]:
            error = await raises(InvalidInput, organisations.start_care_relationship(
                uow, SYSTEM, team_id=team_id, person_id=person_id,
                basis=CareBasis.CARE_COORDINATION, starts_at=now, ends_at=ends_at))
            assert (error.code, error.field) == ("INVALID_PERIOD", "endsAt")
    async with unchanged():
        for arguments, field in [({"team_id": UNKNOWN}, "teamId"),
                                 ({"person_id": UNKNOWN}, "personId")]:
            error = await raises(NotFound, organisations.start_care_relationship(
                uow, SYSTEM, **{"team_id": team_id, "person_id": person_id,
                                "basis": CareBasis.CARE_COORDINATION, **arguments}))
            assert (error.code, error.field) == ("NOT_FOUND", field)


async def test_ending_a_care_relationship(uow: UnitOfWork, db: Database) -> None:
    team_id, person_id = await _team(uow), await _person(uow)
    started = await organisations.start_care_relationship(
        uow, SYSTEM, team_id=team_id, person_id=person_id, basis=CareBasis.CARE_COORDINATION,
        starts_at=SYSTEM.now - dt.timedelta(days=5), ends_at=SYSTEM.now + dt.timedelta(days=90))
    policy = policies.system()
    await organisations.end_care_relationship(uow, policy, started.id)
    ended = await stored(db, CareRelationship, started.id)
    assert ended.ends_at == policy.now
    assert not ended.is_active(policy.now)

    other = await organisations.start_care_relationship(
        uow, SYSTEM, team_id=team_id, person_id=person_id, basis=CareBasis.COMMISSIONING,
        starts_at=SYSTEM.now - dt.timedelta(days=5))
    at = policy.now + dt.timedelta(days=7)
    await organisations.end_care_relationship(uow, policy, other.id, at=at)
    assert (await stored(db, CareRelationship, other.id)).ends_at == at


async def test_end_care_relationship_refuses_what_cannot_end(
    uow: UnitOfWork, unchanged: Any
) -> None:
    team_id, person_id = await _team(uow), await _person(uow)
    starts = SYSTEM.now - dt.timedelta(days=5)
    current = await organisations.start_care_relationship(
        uow, SYSTEM, team_id=team_id, person_id=person_id, basis=CareBasis.CARE_COORDINATION,
        starts_at=starts)
    error = await refused(unchanged, NotFound,
                          organisations.end_care_relationship(uow, SYSTEM, UNKNOWN))
    assert error.code == "NOT_FOUND"
    error = await refused(unchanged, InvalidInput, organisations.end_care_relationship(
        uow, SYSTEM, current.id, at=starts - dt.timedelta(days=1)))
    assert (error.code, error.field) == ("INVALID_PERIOD", "at")

    await organisations.end_care_relationship(uow, SYSTEM, current.id,
                                              at=SYSTEM.now - dt.timedelta(days=1))
    # Ending it again would move the end and give the team back access it has lost.
    async with unchanged():
        for at in [None, policies.system().now + dt.timedelta(days=30)]:
            error = await raises(Conflict, organisations.end_care_relationship(
                uow, policies.system(), current.id, at=at))
            assert error.code == "ALREADY_ENDED"


# --- only the operator -------------------------------------------------------------------------


OPERATIONS: dict[str, Callable[[World, AccessPolicy], Awaitable[Any]]] = {
    "create_organisation": lambda w, p: organisations.create_organisation(
        w.uow, p, name="New", kind=OrganisationKind.GP_PRACTICE),
    "create_team": lambda w, p: organisations.create_team(w.uow, p, organisation_id=w.trust,
                                                          name="New team"),
    "add_staff_member": lambda w, p: organisations.add_staff_member(
        w.uow, p, given_name="New", family_name="Staff"),
    "add_membership": lambda w, p: organisations.add_membership(
        w.uow, p, staff_member_id=w.stranger, team_id=w.cmht, roles=["elft.team_lead"]),
    "start_care_relationship": lambda w, p: organisations.start_care_relationship(
        w.uow, p, team_id=w.other_team, person_id=w.zed, basis=CareBasis.CARE_COORDINATION),
}


async def test_only_the_operator_changes_who_can_see_whom(
    world: World, unchanged: Any
) -> None:
    [relationship] = await stored_rows(world.uow.db, CareRelationship,
                                       CareRelationship.person_id == world.belu)
    operations = {**OPERATIONS, "end_care_relationship": lambda w, p: (
        organisations.end_care_relationship(w.uow, p, relationship.id))}
    async with unchanged():
        for policy in [await world.policy("james"), await world.policy("ngozi"),
                       policies.anonymous()]:
            for name, operation in operations.items():
                error = await raises(Forbidden, operation(world, policy))
                assert error.code == "FORBIDDEN", (policy.principal.kind, name)


# --- directory reads ---------------------------------------------------------------------------


async def test_organisations_and_teams_by_ids(world: World) -> None:
    async with world.uow.db.reading() as session:
        found = await organisations.organisations_by_ids(session, [world.gp, world.charity,
                                                                   UNKNOWN])
        teams = await organisations.teams_by_ids(session, [world.cmht, UNKNOWN, world.cmht])
    assert {k: v.name for k, v in found.items()} == {world.gp: "Test Practice",
                                                     world.charity: "Test Charity"}
    assert {k: (v.name, v.organisation_id) for k, v in teams.items()} == {
        world.cmht: ("CMHT", world.trust)}
