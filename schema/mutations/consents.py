"""Consent mutations: grant and revoke."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core.services import consents

from ..context import Context
from ..errors import UserError, attempt
from ..ids import decode_id, decode_typed_id
from ..types.consents import Consent, ConsentRecordedHow

__all__ = ["ConsentMutations"]


@strawberry.input
class GrantConsentInput:
    person_id: strawberry.ID
    grantee_id: strawberry.ID = strawberry.field(
        description="The Organisation or Team that may use the data."
    )
    categories: list[str] = strawberry.field(description='Data categories, e.g. "budget".')
    purpose: str
    valid_from: dt.datetime | None = strawberry.field(default=None,
                                                      description="Defaults to now.")
    valid_until: dt.datetime | None = strawberry.field(default=None,
                                                       description="Open-ended if left out.")
    recorded_how: ConsentRecordedHow | None = strawberry.field(
        default=None,
        description="Staff: PAPER, PHONE or IN_PERSON when recording for the person.",
    )


@strawberry.input
class RevokeConsentInput:
    consent_id: strawberry.ID


@strawberry.type
class ConsentPayload:
    consent: Consent | None
    user_errors: list[UserError]


async def _grant(info: Info[Context, None], input: GrantConsentInput):  # type: ignore[no-untyped-def]
    ctx = info.context
    kind, grantee = decode_typed_id(input.grantee_id, ("Organisation", "Team"),
                                    field="granteeId")
    return await consents.grant_consent(
        ctx.uow, ctx.policy,
        person_id=decode_id(input.person_id, "Person", field="personId"),
        grantee_organisation_id=grantee if kind == "Organisation" else None,
        grantee_team_id=grantee if kind == "Team" else None,
        categories=input.categories, purpose=input.purpose, valid_from=input.valid_from,
        valid_until=input.valid_until, recorded_how=input.recorded_how,
    )


@strawberry.type
class ConsentMutations:
    @strawberry.mutation(description="Let an organisation or team use some of a person's data.")
    async def grant_consent(
        self, info: Info[Context, None], input: GrantConsentInput
    ) -> ConsentPayload:
        consent, errors = await attempt(info.context, lambda: _grant(info, input))
        return ConsentPayload(consent=consent, user_errors=errors)

    @strawberry.mutation(description="Take a consent back. Effective on the next request.")
    async def revoke_consent(
        self, info: Info[Context, None], input: RevokeConsentInput
    ) -> ConsentPayload:
        ctx = info.context
        consent, errors = await attempt(ctx, lambda: consents.revoke_consent(
            ctx.uow, ctx.policy, decode_id(input.consent_id, "Consent", field="consentId")))
        return ConsentPayload(consent=consent, user_errors=errors)  # type: ignore[arg-type]
