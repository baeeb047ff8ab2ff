"""Consents: a person lets an organisation, a team or an app (OAuth client) use some
categories of their data.

The person grants online; staff may record a consent given on paper, by phone or in person on
the person's behalf (marked as such, and shown to the person). Revoking is effective at once.
A consent to an app is made on the consent screen (auth/), with the OAuth grant it goes with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_access
from ..categories import DataCategory
from ..errors import Conflict, InvalidInput, NotFound
from ..events import ConsentGranted, ConsentRevoked
from ..models import Consent, ConsentRecordedHow, OAuthClient, Organisation, Person, Team
from ..policy import AccessPolicy, Action
from ..principal import PrincipalKind
from ..unit_of_work import UnitOfWork
from ._common import aware, recorded_by, required_text

__all__ = ["consents_by_ids", "grant_consent", "revoke_consent"]


def _categories(requested: Sequence[str], known: frozenset[str]) -> list[str]:
    if not requested:
        raise InvalidInput("Choose at least one kind of information to share.",
                           code="NO_CATEGORIES", field="categories")
    unknown = sorted(set(requested) - known)
    if unknown:
        raise InvalidInput(
            f"Unknown kind of information: {', '.join(unknown)}. "
            f"Known kinds: {', '.join(sorted(known))}.",
            code="UNKNOWN_CATEGORY", field="categories",
        )
    return sorted(set(requested))


async def grant_consent(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    categories: Sequence[str],
    purpose: str,
    grantee_organisation_id: int | None = None,
    grantee_team_id: int | None = None,
    grantee_client_id: str | None = None,
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
    recorded_how: ConsentRecordedHow | None = None,
) -> Consent:
    principal = policy.principal
    grantees = (grantee_organisation_id, grantee_team_id, grantee_client_id)
    if sum(grantee is not None for grantee in grantees) != 1:
        raise InvalidInput("Choose one organisation, team or app to share with.",
                           code="INVALID_GRANTEE", field="grantee")
    chosen = _categories(categories, frozenset(policy.rules.categories))
    purpose_text = required_text(purpose, field="purpose",
                                 what="what the information will be used for", max_length=2000)
    starts = aware(valid_from, field="validFrom") or policy.now
    valid_until = aware(valid_until, field="validUntil")
    if valid_until is not None and valid_until <= starts:
        raise InvalidInput("The consent must end after it starts.", code="INVALID_PERIOD",
                           field="validUntil")
    if principal.kind is PrincipalKind.STAFF:
        # Staff record a consent the person gave them; it is never "online".
        how = recorded_how or ConsentRecordedHow.PAPER
        if how is ConsentRecordedHow.ONLINE:
            raise InvalidInput("Staff record consent given on paper, by phone or in person.",
                               code="INVALID_RECORDED_HOW", field="recordedHow")
    else:
        how = ConsentRecordedHow.ONLINE
        if recorded_how not in (None, ConsentRecordedHow.ONLINE):
            raise InvalidInput("Only staff record consent given on paper or by phone.",
                               code="INVALID_RECORDED_HOW", field="recordedHow")
    consent = Consent(person_id=person_id, grantee_organisation_id=grantee_organisation_id,
                      grantee_team_id=grantee_team_id, grantee_client_id=grantee_client_id,
                      categories=chosen,
                      purpose=purpose_text, valid_from=starts, valid_until=valid_until,
                      recorded_how=how, created_at=policy.now, **recorded_by(policy))
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.CREATE, person_id, [DataCategory.CONSENT],
                             field="personId")
        if await tx.session.get(Person, person_id) is None:  # the system passes any ID
            raise NotFound("person", field="personId")
        if grantee_organisation_id is not None and await tx.session.get(
            Organisation, grantee_organisation_id
        ) is None:
            raise NotFound("organisation", field="granteeId")
        if grantee_team_id is not None and await tx.session.get(Team, grantee_team_id) is None:
            raise NotFound("team", field="granteeId")
        if grantee_client_id is not None and await tx.session.scalar(
            select(OAuthClient.id).where(OAuthClient.client_id == grantee_client_id,
                                         OAuthClient.removed_at.is_(None))
        ) is None:
            raise NotFound("app", field="granteeId")
        tx.session.add(consent)
        await tx.session.flush()
        await record_access(tx.session, policy, person_id=person_id, operation="grant_consent",
                      categories=chosen)
        tx.emit(ConsentGranted(person_id=person_id, consent_id=consent.id))
    return consent


async def revoke_consent(
    uow: UnitOfWork, policy: AccessPolicy, consent_id: int
) -> Consent:
    async with uow.begin() as tx:
        consent = await tx.session.get(Consent, consent_id)
        if consent is None:
            raise NotFound("consent", field="consentId")
        await policy.require(tx.session, Action.UPDATE, consent.person_id, [DataCategory.CONSENT],
                             what="consent", field="consentId")
        if consent.revoked_at is not None:
            raise Conflict("This consent has already been revoked.", code="ALREADY_REVOKED",
                           field="consentId")
        consent.revoked_at = policy.now
        consent.revoked_by_person_id = policy.principal.person_id
        consent.revoked_by_staff_id = policy.principal.staff_member_id
        await record_access(tx.session, policy, person_id=consent.person_id,
                      operation="revoke_consent", categories=consent.categories)
        tx.emit(ConsentRevoked(person_id=consent.person_id, consent_id=consent.id))
    return consent


async def consents_by_ids(
    session: AsyncSession, policy: AccessPolicy, ids: Sequence[int]
) -> dict[int, Consent]:
    rows = await session.scalars(
        select(Consent).where(Consent.id.in_(set(ids)), policy.person_filter(Consent.person_id))
    )
    return {row.id: row for row in await policy.readable(session, rows, DataCategory.CONSENT)}
