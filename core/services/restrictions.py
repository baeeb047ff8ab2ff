"""Restrictions: a person withholds categories of their data from a direct-care team or
organisation (their GP practice, the trust), which otherwise reads under implied consent.

Consent-based organisations see only what the person granted, so they are never restricted:
the person revokes the consent instead. Staff whose role may change the person's consents may
record a restriction for them. A restriction (and lifting it) takes effect on the next request:
the policy reads the active restrictions afresh each time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_access
from ..categories import DataCategory
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import LegalBasis, Organisation, Restriction, Team
from ..policy import AccessPolicy, Action
from ..principal import PrincipalKind
from ..unit_of_work import UnitOfWork
from ._common import chosen_categories, optional_text, recorded_by

__all__ = [
    "lift_restriction",
    "restrict_access",
    "restrictions_by_ids",
    "restrictions_for_people",
]


def _require_person_or_staff(policy: AccessPolicy, *, field: str) -> None:
    if policy.principal.kind not in (PrincipalKind.PERSON, PrincipalKind.STAFF):
        raise Forbidden("Only the person, or their care team for them, can change restrictions.",
                        field=field)


async def _direct_care_target(
    session: AsyncSession, team_id: int | None, organisation_id: int | None
) -> None:
    """Refuse a team or organisation that does not exist or reads only by consent."""
    if team_id is not None:
        team = await session.get(Team, team_id)
        if team is None:
            raise NotFound("team", field="targetId")
        organisation = await session.get_one(Organisation, team.organisation_id)
        name = team.name
    else:
        found = await session.get(Organisation, organisation_id)
        if found is None:
            raise NotFound("organisation", field="targetId")
        organisation, name = found, found.name
    if organisation.legal_basis != LegalBasis.DIRECT_CARE:
        raise InvalidInput(
            f"{name} only sees what you granted: revoke the consent instead.",
            code="NOT_DIRECT_CARE", field="targetId",
        )


async def restrict_access(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    categories: Sequence[str],
    team_id: int | None = None,
    organisation_id: int | None = None,
    reason: str | None = None,
) -> Restriction:
    """Withhold ``categories`` of a person's data from one direct-care team or organisation."""
    if (team_id is None) == (organisation_id is None):
        raise InvalidInput("Choose one team or one organisation to restrict.",
                           code="INVALID_TARGET", field="targetId")
    chosen = chosen_categories(categories, policy.rules.categories,
                               none_chosen="Choose at least one kind of information to withhold.")
    restriction = Restriction(
        person_id=person_id, team_id=team_id, organisation_id=organisation_id,
        categories=chosen, created_at=policy.now,
        reason=optional_text(reason, field="reason", what="a reason", max_length=2000),
        **recorded_by(policy),
    )
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.UPDATE, person_id, [DataCategory.CONSENT],
                             field="personId")
        _require_person_or_staff(policy, field="personId")
        await _direct_care_target(tx.session, team_id, organisation_id)
        tx.session.add(restriction)
        await tx.session.flush()
        await record_access(tx.session, policy, person_id=person_id,
                            operation="restrict_access", categories=[DataCategory.CONSENT])
    return restriction


async def lift_restriction(
    uow: UnitOfWork, policy: AccessPolicy, restriction_id: int
) -> Restriction:
    """End a restriction: the team or organisation reads those categories again."""
    async with uow.begin() as tx:
        restriction = await tx.session.get(Restriction, restriction_id)
        if restriction is None:
            raise NotFound("restriction", field="restrictionId")
        await policy.require(tx.session, Action.UPDATE, restriction.person_id,
                             [DataCategory.CONSENT], what="restriction", field="restrictionId")
        _require_person_or_staff(policy, field="restrictionId")
        if restriction.lifted_at is not None:
            raise Conflict("This restriction has already been lifted.", code="ALREADY_LIFTED",
                           field="restrictionId")
        restriction.lifted_at = policy.now
        await record_access(tx.session, policy, person_id=restriction.person_id,
                            operation="lift_restriction", categories=[DataCategory.CONSENT])
    return restriction


async def restrictions_by_ids(
    session: AsyncSession, policy: AccessPolicy, ids: Sequence[int]
) -> dict[int, Restriction]:
    """Batch getter for DataLoaders: unreadable or missing IDs are simply absent."""
    rows = await session.scalars(select(Restriction).where(
        Restriction.id.in_(set(ids)), policy.person_filter(Restriction.person_id)))
    return {row.id: row for row in await policy.readable(session, rows, DataCategory.CONSENT)}


async def restrictions_for_people(
    session: AsyncSession, policy: AccessPolicy, person_ids: Sequence[int]
) -> dict[int, list[Restriction]]:
    """Each person's restrictions, lifted ones included, oldest first."""
    rows = await session.scalars(
        select(Restriction)
        .where(Restriction.person_id.in_(set(person_ids)),
               policy.person_filter(Restriction.person_id))
        .order_by(Restriction.id)
    )
    found: dict[int, list[Restriction]] = defaultdict(list)
    for row in await policy.readable(session, rows, DataCategory.CONSENT):
        found[row.person_id].append(row)
    return found
