"""Organisations, teams, staff, memberships and care relationships.

These shape who can see whom, so only trusted code (the system principal: the CLI, demo data,
an operator's integration) changes them for now. Self-service referral belongs to the access
policy work (issue #3), where it can be audited and consented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import (
    DEFAULT_LEGAL_BASIS,
    CareBasis,
    CareRelationship,
    LegalBasis,
    Membership,
    Organisation,
    OrganisationKind,
    Person,
    StaffMember,
    Team,
)
from ..policy import AccessPolicy
from ..principal import Principal, PrincipalKind, TeamRoles
from ..unit_of_work import UnitOfWork
from ._common import optional_text, required_text

__all__ = [
    "add_membership",
    "add_staff_member",
    "create_organisation",
    "create_team",
    "end_care_relationship",
    "organisations_by_ids",
    "staff_principal",
    "start_care_relationship",
    "teams_by_ids",
]


def _require_system(policy: AccessPolicy) -> None:
    if policy.principal.kind is not PrincipalKind.SYSTEM:
        raise Forbidden("Only an operator can change organisations, teams and care links.")


async def create_organisation(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    name: str,
    kind: OrganisationKind,
    legal_basis: LegalBasis | None = None,
    ods_code: str | None = None,
) -> Organisation:
    _require_system(policy)
    organisation = Organisation(
        name=required_text(name, field="name", what="a name", max_length=200),
        kind=kind,
        legal_basis=legal_basis or DEFAULT_LEGAL_BASIS[kind],
        ods_code=optional_text(ods_code, field="odsCode", what="an ODS code", max_length=10),
    )
    async with uow.begin() as tx:
        if organisation.ods_code is not None and await tx.session.scalar(
            select(Organisation.id).where(Organisation.ods_code == organisation.ods_code)
        ):
            raise Conflict("An organisation with that ODS code already exists.",
                           code="DUPLICATE_ODS_CODE", field="odsCode")
        tx.session.add(organisation)
    return organisation


async def create_team(
    uow: UnitOfWork, policy: AccessPolicy, *, organisation_id: int, name: str
) -> Team:
    _require_system(policy)
    team = Team(
        organisation_id=organisation_id,
        name=required_text(name, field="name", what="a team name", max_length=200),
    )
    async with uow.begin() as tx:
        if await tx.session.get(Organisation, organisation_id) is None:
            raise NotFound("organisation", field="organisationId")
        tx.session.add(team)
    return team


async def add_staff_member(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    given_name: str,
    family_name: str,
    job_title: str | None = None,
    email: str | None = None,
) -> StaffMember:
    _require_system(policy)
    staff = StaffMember(
        given_name=required_text(given_name, field="givenName", what="a first name",
                                 max_length=100),
        family_name=required_text(family_name, field="familyName", what="a last name",
                                  max_length=100),
        job_title=optional_text(job_title, field="jobTitle", what="a job title",
                                max_length=200),
        email=optional_text(email, field="email", what="an email address", max_length=254),
    )
    async with uow.begin() as tx:
        if staff.email is not None and await tx.session.scalar(
            select(StaffMember.id).where(StaffMember.email == staff.email)
        ):
            raise Conflict("A staff member with that email address already exists.",
                           code="DUPLICATE_EMAIL", field="email")
        tx.session.add(staff)
    return staff


async def add_membership(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    staff_member_id: int,
    team_id: int,
    roles: Iterable[str],
) -> Membership:
    _require_system(policy)
    membership = Membership(staff_member_id=staff_member_id, team_id=team_id,
                            roles=sorted(set(roles)))
    async with uow.begin() as tx:
        if await tx.session.get(StaffMember, staff_member_id) is None:
            raise NotFound("staff member", field="staffMemberId")
        if await tx.session.get(Team, team_id) is None:
            raise NotFound("team", field="teamId")
        if await tx.session.scalar(
            select(Membership.id).where(Membership.staff_member_id == staff_member_id,
                                        Membership.team_id == team_id)
        ):
            raise Conflict("This staff member is already in that team.",
                           code="ALREADY_MEMBER", field="teamId")
        tx.session.add(membership)
    return membership


async def start_care_relationship(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    team_id: int,
    person_id: int,
    basis: CareBasis,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
) -> CareRelationship:
    _require_system(policy)
    starts_at = starts_at or policy.now
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("A care relationship must end after it starts.",
                           code="INVALID_PERIOD", field="endsAt")
    relationship = CareRelationship(team_id=team_id, person_id=person_id, basis=basis,
                                    starts_at=starts_at, ends_at=ends_at)
    async with uow.begin() as tx:
        if await tx.session.get(Team, team_id) is None:
            raise NotFound("team", field="teamId")
        if await tx.session.get(Person, person_id) is None:
            raise NotFound("person", field="personId")
        tx.session.add(relationship)
    return relationship


async def end_care_relationship(
    uow: UnitOfWork, policy: AccessPolicy, relationship_id: int, *, at: dt.datetime | None = None
) -> CareRelationship:
    _require_system(policy)
    async with uow.begin() as tx:
        relationship = await tx.session.get(CareRelationship, relationship_id)
        if relationship is None:
            raise NotFound("care relationship")
        # Ending it again would move the end, and could give a team back lost access.
        if relationship.ends_at is not None and relationship.ends_at <= policy.now:
            raise Conflict("This care relationship has already ended.", code="ALREADY_ENDED")
        ends_at = at or policy.now
        if ends_at <= relationship.starts_at:
            raise InvalidInput("A care relationship must end after it starts.",
                               code="INVALID_PERIOD", field="at")
        relationship.ends_at = ends_at
    return relationship


async def staff_principal(
    session: AsyncSession, staff_member_id: int, *, username: str | None = None
) -> Principal:
    """The principal of a staff member, with the roles they hold in each team."""
    rows = await session.execute(
        select(Membership.team_id, Team.organisation_id, Membership.roles,
               Organisation.legal_basis)
        .join(Team, Team.id == Membership.team_id)
        .join(Organisation, Organisation.id == Team.organisation_id)
        .where(Membership.staff_member_id == staff_member_id)
        .order_by(Membership.id)
    )
    teams = tuple(
        TeamRoles(team_id=team_id, organisation_id=org_id, roles=frozenset(roles),
                  legal_basis=str(basis))
        for team_id, org_id, roles, basis in rows
    )
    return Principal(kind=PrincipalKind.STAFF, staff_member_id=staff_member_id, teams=teams,
                     username=username)


async def organisations_by_ids(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, Organisation]:
    """Organisations are public directory data: no person's data, no policy filter."""
    rows = await session.scalars(select(Organisation).where(Organisation.id.in_(set(ids))))
    return {row.id: row for row in rows}


async def teams_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Team]:
    rows = await session.scalars(select(Team).where(Team.id.in_(set(ids))))
    return {row.id: row for row in rows}
