"""Break-glass: a direct-care professional opens the record of someone their teams have no
relationship with, in an emergency, giving a reason.

The opening lasts ``BREAK_GLASS_HOURS`` and is read-only; the person's restrictions still
apply (the policy engine enforces both). The opening, and every read during it, is flagged
``break_glass`` in the audit trail with the reason, so the person can see it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..audit import record_access
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import BreakGlassAccess, CareRelationship, LegalBasis, Person
from ..nhs_number import normalise_nhs_number
from ..policy import AccessPolicy, Action
from ..principal import PrincipalKind, TeamRoles
from ..unit_of_work import UnitOfWork

__all__ = ["BREAK_GLASS_HOURS", "MIN_REASON_LENGTH", "break_glass"]

# How long an opening lasts. Long enough for a shift's emergency, short enough to need renewing.
BREAK_GLASS_HOURS = 4
MIN_REASON_LENGTH = 10
_WITHHELD = ("This person has withheld what your role reads from your team; break-glass does "
             "not override that.")


def _direct_care_teams(policy: AccessPolicy) -> list[TeamRoles]:
    """The principal's direct-care teams whose roles read something."""
    if policy.principal.kind is not PrincipalKind.STAFF:
        return []
    return [team for team in policy.principal.teams
            if team.legal_basis == LegalBasis.DIRECT_CARE
            and policy.rules.readable_categories(team.roles)]


def _reason(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) < MIN_REASON_LENGTH:
        raise InvalidInput(
            f"Say why you need to open this record, in at least {MIN_REASON_LENGTH} "
            "characters: the person will see it.",
            code="REASON_TOO_SHORT", field="reason",
        )
    if len(text) > 2000:
        raise InvalidInput("The reason is too long: at most 2000 characters.", code="TOO_LONG",
                           field="reason")
    return text


async def break_glass(
    uow: UnitOfWork, policy: AccessPolicy, *, nhs_number: str, reason: str
) -> BreakGlassAccess:
    """Open a person's record, found by NHS number, for ``BREAK_GLASS_HOURS``, read-only."""
    teams = _direct_care_teams(policy)
    if not teams:
        raise Forbidden("Only staff in a direct-care team can open a record in an emergency.")
    nhs = normalise_nhs_number(nhs_number)
    why = _reason(reason)
    async with uow.begin() as tx:
        person_id = await tx.session.scalar(select(Person.id).where(Person.nhs_number == nhs))
        if person_id is None:
            raise NotFound("person", field="nhsNumber")
        if (await policy.decide(tx.session, Action.READ, person_id)).allowed:
            raise Conflict("You can already see this person's record.",
                           code="ALREADY_HAS_ACCESS", field="nhsNumber")
        relationships = await tx.session.scalars(select(CareRelationship).where(
            CareRelationship.person_id == person_id,
            CareRelationship.team_id.in_([t.team_id for t in teams])))
        related = {r.team_id for r in relationships if r.is_active(policy.now)}
        team = next((t for t in teams if t.team_id not in related), None)
        if team is None:  # the person's restrictions hide them from every one of your teams
            raise Forbidden(_WITHHELD)
        opening = BreakGlassAccess(staff_member_id=policy.principal.staff_member_id,
                                   team_id=team.team_id, person_id=person_id, reason=why,
                                   created_at=policy.now,
                                   expires_at=policy.now + dt.timedelta(hours=BREAK_GLASS_HOURS))
        tx.session.add(opening)
        await tx.session.flush()
        # Audit with the access the opening gives, so the event names the team and rule.
        opened = AccessPolicy(policy.principal, policy.rules, now=policy.now,
                              journal=policy.journal)
        await opened.prime(tx.session, [person_id])
        access = opened.known(person_id)
        if access is None or not access.visible:
            raise Forbidden(_WITHHELD)
        # The event lists what the opening lets them read.
        await record_access(tx.session, opened, person_id=person_id, operation="break_glass",
                            categories=sorted(access.actions), purpose=why, break_glass=True)
    return opening
