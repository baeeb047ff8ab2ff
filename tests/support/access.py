"""The people around a record that the access tests need beyond the small world: a GP
clinician, a charity worker, carers with their own accounts, and the records that shape access
(restrictions, representatives, break-glass openings). All made through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import update

from core.models import BreakGlassAccess, RepresentativeAccess, RepresentativeBasis
from core.services import accounts, break_glass, organisations, representatives, restrictions
from core.services.representatives import Invitation

from .world import World

__all__ = [
    "accept",
    "carer",
    "charity_worker",
    "expire_opening",
    "gp_clinician",
    "invitation",
    "lift",
    "opening",
    "representative",
    "restriction",
    "revoke",
]


async def _staff(world: World, username: str, team_id: int, roles: list[str]) -> int:
    system = await world.policy("system")
    member = await organisations.add_staff_member(world.uow, system,
                                                  given_name=username.title(),
                                                  family_name="Tester")
    await organisations.add_membership(world.uow, system, staff_member_id=member.id,
                                       team_id=team_id, roles=roles)
    await accounts.create_account(world.uow, system, username=username,
                                  staff_member_id=member.id)
    return member.id


async def gp_clinician(world: World, username: str = "gina") -> int:
    """A GP in Ngozi's practice team: reads her consents but may not change them."""
    return await _staff(world, username, world.gp_team, ["gp.clinician"])


async def charity_worker(world: World, username: str = "cleo") -> int:
    """Staff of the charity, which reads only by consent."""
    return await _staff(world, username, world.charity_team, ["core_arts.sessions_coordinator"])


async def carer(world: World, username: str = "carer") -> int:
    """A signed-in account that is neither a person nor staff; returns its account id."""
    account = await accounts.create_account(world.uow, await world.policy("system"),
                                            username=username, display_name=username.title())
    return account.id


async def invitation(
    world: World,
    *,
    by: str = "ngozi",
    person: int | None = None,
    access: RepresentativeAccess = RepresentativeAccess.VIEW,
    categories: Sequence[str] = ("recovery_plan",),
    name: str = "Chidi Example",
) -> Invitation:
    """An invitation by ``by`` for someone to act for ``person`` (Ngozi unless given)."""
    return await representatives.invite_representative(
        world.uow, await world.policy(by), person_id=person or world.ngozi, name=name,
        basis=RepresentativeBasis.CARER, access=access, categories=categories)


async def representative(
    world: World,
    *,
    username: str = "carer",
    access: RepresentativeAccess = RepresentativeAccess.VIEW,
    categories: Sequence[str] = ("recovery_plan",),
) -> int:
    """A carer account ``username`` acting for Ngozi (invited by her, accepted); the link id."""
    invited = await invitation(world, access=access, categories=categories)
    return await accept(world, username, invited.code)


async def accept(world: World, username: str, code: str) -> int:
    """A new carer account ``username`` accepts the invitation; the link id."""
    await carer(world, username)
    accepted = await representatives.accept_invitation(world.uow, await world.policy(username),
                                                       code)
    return accepted.id


async def revoke(world: World, representative_id: int, *, by: str = "ngozi") -> None:
    await representatives.revoke_representative(world.uow, await world.policy(by),
                                                representative_id)


async def restriction(
    world: World,
    *,
    by: str = "ngozi",
    team: int | None = None,
    organisation: int | None = None,
    categories: Sequence[str] = ("recovery_plan",),
) -> int:
    """Ngozi withholds ``categories`` from a team (the CMHT unless an organisation is given)."""
    created = await restrictions.restrict_access(
        world.uow, await world.policy(by), person_id=world.ngozi,
        team_id=None if organisation else (team or world.cmht), organisation_id=organisation,
        categories=categories)
    return created.id


async def lift(world: World, restriction_id: int, *, by: str = "ngozi") -> None:
    await restrictions.lift_restriction(world.uow, await world.policy(by), restriction_id)


async def opening(world: World, *, by: str = "stranger", nhs_number: str = "9990000018",
                  reason: str = "Admitted to A&E, unconscious") -> int:
    """A break-glass opening of Ngozi's record (by her NHS number) by ``by``."""
    opened = await break_glass.break_glass(world.uow, await world.policy(by),
                                           nhs_number=nhs_number, reason=reason)
    return opened.id


async def expire_opening(world: World, opening_id: int) -> None:
    """Move an opening's end into the past, as if its hours had gone by."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    async with world.uow.begin() as tx:
        await tx.session.execute(update(BreakGlassAccess)
                                 .where(BreakGlassAccess.id == opening_id)
                                 .values(expires_at=past))
