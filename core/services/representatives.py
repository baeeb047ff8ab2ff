"""Representatives: a carer, attorney, nominee or deputy acting for a person, at the level
(view or manage) and on the categories the person chose.

The person (or staff whose role may change the person's consents, for them) invites someone by
name. The invitation comes with a one-time code, shown once: only its SHA-256 is stored. The
representative signs in with their own account (neither a person's nor a staff member's) and
accepts with the code; from the next request the policy lets them act for the person. The
person, their care team or the representative themselves can end it at any time.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_access
from ..categories import DataCategory
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import Person, Representative, RepresentativeAccess, RepresentativeBasis
from ..policy import AccessPolicy, Action
from ..principal import PrincipalKind
from ..unit_of_work import UnitOfWork
from ._common import chosen_categories, recorded_by, required_text

__all__ = [
    "INVITATION_DAYS",
    "Invitation",
    "RepresentativeStatus",
    "accept_invitation",
    "invite_representative",
    "people_represented",
    "representative_status",
    "representatives_by_ids",
    "representatives_for_people",
    "revoke_representative",
]

INVITATION_DAYS = 14


class RepresentativeStatus(enum.StrEnum):
    INVITED = "invited"  # waiting for the invitation to be accepted
    ACTIVE = "active"
    EXPIRED = "expired"  # the invitation was never accepted in time
    REVOKED = "revoked"


def representative_status(representative: Representative, at: dt.datetime) -> RepresentativeStatus:
    if representative.revoked_at is not None:
        return RepresentativeStatus.REVOKED
    if representative.accepted_at is not None:
        return RepresentativeStatus.ACTIVE
    expires = representative.invitation_expires_at
    if expires is not None and expires <= at:
        return RepresentativeStatus.EXPIRED
    return RepresentativeStatus.INVITED


@dataclass(frozen=True, slots=True)
class Invitation:
    representative: Representative
    # Shown once, to give to the representative; never stored.
    code: str


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _require_person_or_staff(policy: AccessPolicy, doing: str, *, field: str) -> None:
    if policy.principal.kind not in (PrincipalKind.PERSON, PrincipalKind.STAFF):
        raise Forbidden(f"Only the person, or their care team for them, can {doing}.",
                        field=field)


async def invite_representative(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    name: str,
    basis: RepresentativeBasis,
    access: RepresentativeAccess,
    categories: Sequence[str],
) -> Invitation:
    """Invite someone to act for a person; the code in the result is shown only this once."""
    chosen = chosen_categories(
        categories, policy.rules.categories,
        none_chosen="Choose at least one kind of information they may see.")
    code = secrets.token_urlsafe(24)
    representative = Representative(
        person_id=person_id,
        name=required_text(name, field="name", what="their name", max_length=200),
        basis=basis, access=access, categories=chosen, invitation_code_hash=_code_hash(code),
        invitation_expires_at=policy.now + dt.timedelta(days=INVITATION_DAYS),
        created_at=policy.now, **recorded_by(policy),
    )
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.UPDATE, person_id, [DataCategory.CONSENT],
                             field="personId")
        _require_person_or_staff(policy, "invite a representative", field="personId")
        tx.session.add(representative)
        await tx.session.flush()
        await record_access(tx.session, policy, person_id=person_id,
                            operation="invite_representative", categories=[DataCategory.CONSENT])
    return Invitation(representative, code)


async def accept_invitation(uow: UnitOfWork, policy: AccessPolicy, code: str) -> Representative:
    """The signed-in carer's account becomes the representative the invitation names."""
    principal = policy.principal
    if principal.kind is not PrincipalKind.REPRESENTATIVE or principal.account_id is None:
        raise Forbidden("Accept an invitation with a carer's or representative's own account, "
                        "not a person's or a staff member's.")
    # One answer for every bad code (wrong, expired, used, revoked), so codes cannot be probed.
    invalid = InvalidInput(
        "That invitation code is not valid. It may have expired or been used: ask for a new one.",
        code="INVALID_INVITATION", field="code")
    text = (code or "").strip()
    if not text:
        raise invalid
    async with uow.begin() as tx:
        representative = await tx.session.scalar(select(Representative).where(
            Representative.invitation_code_hash == _code_hash(text)))
        if representative is None or representative_status(
                representative, policy.now) is not RepresentativeStatus.INVITED:
            raise invalid
        representative.account_id = principal.account_id
        representative.accepted_at = policy.now
        representative.invitation_code_hash = None  # used: it can never match again
        await record_access(tx.session, policy, person_id=representative.person_id,
                            operation="accept_representative_invitation",
                            categories=[DataCategory.CONSENT])
    return representative


async def revoke_representative(
    uow: UnitOfWork, policy: AccessPolicy, representative_id: int
) -> Representative:
    """End a representative's access (or their invitation), effective on the next request."""
    principal = policy.principal
    async with uow.begin() as tx:
        representative = await tx.session.get(Representative, representative_id)
        if representative is None:
            raise NotFound("representative", field="representativeId")
        stepping_down = (principal.kind is PrincipalKind.REPRESENTATIVE
                         and principal.account_id is not None
                         and representative.account_id == principal.account_id)
        if not stepping_down:
            await policy.require(tx.session, Action.UPDATE, representative.person_id,
                                 [DataCategory.CONSENT], what="representative",
                                 field="representativeId")
            _require_person_or_staff(policy, "end someone else's access",
                                     field="representativeId")
        if representative.revoked_at is not None:
            raise Conflict("This representative's access has already ended.",
                           code="ALREADY_REVOKED", field="representativeId")
        representative.revoked_at = policy.now
        representative.invitation_code_hash = None
        await record_access(tx.session, policy, person_id=representative.person_id,
                            operation="revoke_representative", categories=[DataCategory.CONSENT])
    return representative


async def representatives_by_ids(
    session: AsyncSession, policy: AccessPolicy, ids: Sequence[int]
) -> dict[int, Representative]:
    """Batch getter for DataLoaders: unreadable or missing IDs are simply absent."""
    rows = await session.scalars(select(Representative).where(
        Representative.id.in_(set(ids)), policy.person_filter(Representative.person_id)))
    return {row.id: row for row in await policy.readable(session, rows, DataCategory.CONSENT)}


async def representatives_for_people(
    session: AsyncSession, policy: AccessPolicy, person_ids: Sequence[int]
) -> dict[int, list[Representative]]:
    """Each person's representatives and invitations, ended ones included, oldest first."""
    rows = await session.scalars(
        select(Representative)
        .where(Representative.person_id.in_(set(person_ids)),
               policy.person_filter(Representative.person_id))
        .order_by(Representative.id)
    )
    found: dict[int, list[Representative]] = defaultdict(list)
    for row in await policy.readable(session, rows, DataCategory.CONSENT):
        found[row.person_id].append(row)
    return found


async def people_represented(session: AsyncSession, policy: AccessPolicy) -> list[Person]:
    """The people a signed-in representative acts for now, by id."""
    if policy.principal.kind is not PrincipalKind.REPRESENTATIVE:
        return []
    rows = await session.scalars(
        select(Person).where(policy.person_filter(Person.id)).order_by(Person.id))
    return await policy.readable(session, rows, None, lambda person: person.id)
