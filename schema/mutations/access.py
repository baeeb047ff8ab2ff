"""Access mutations: restrictions, break-glass, and representatives."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core.services import break_glass, representatives, restrictions

from ..context import Context
from ..errors import UserError, attempt
from ..ids import decode_id, decode_typed_id
from ..types.access import Representative, RepresentativeAccess, RepresentativeBasis, Restriction
from ..types.people import Person

__all__ = ["AccessMutations"]


@strawberry.input
class RestrictAccessInput:
    person_id: strawberry.ID
    target_id: strawberry.ID = strawberry.field(
        description="The direct-care Organisation or Team to withhold the categories from."
    )
    categories: list[str] = strawberry.field(description='Data categories, e.g. "journal".')
    reason: str | None = None


@strawberry.input
class LiftRestrictionInput:
    restriction_id: strawberry.ID


@strawberry.type
class RestrictionPayload:
    restriction: Restriction | None
    user_errors: list[UserError]


@strawberry.input
class BreakGlassInput:
    nhs_number: str
    reason: str = strawberry.field(
        description="Why, in at least 10 characters. The person will see it."
    )


@strawberry.type
class BreakGlassPayload:
    person: Person | None
    expires_at: dt.datetime | None = strawberry.field(
        description="When the read-only opening ends."
    )
    user_errors: list[UserError]


@strawberry.input
class InviteRepresentativeInput:
    person_id: strawberry.ID
    name: str = strawberry.field(description="The name of the person being invited.")
    basis: RepresentativeBasis
    access: RepresentativeAccess
    categories: list[str]


@strawberry.type
class InviteRepresentativePayload:
    representative: Representative | None
    invitation_code: str | None = strawberry.field(
        description="Give this to the representative. It is shown only once and works for "
        "14 days."
    )
    user_errors: list[UserError]


@strawberry.input
class AcceptRepresentativeInvitationInput:
    code: str


@strawberry.input
class RevokeRepresentativeInput:
    representative_id: strawberry.ID


@strawberry.type
class RepresentativePayload:
    representative: Representative | None
    user_errors: list[UserError]


async def _restrict(info: Info[Context, None], input: RestrictAccessInput):  # type: ignore[no-untyped-def]
    ctx = info.context
    kind, target = decode_typed_id(input.target_id, ("Organisation", "Team"), field="targetId")
    return await restrictions.restrict_access(
        ctx.uow, ctx.policy,
        person_id=decode_id(input.person_id, "Person", field="personId"),
        team_id=target if kind == "Team" else None,
        organisation_id=target if kind == "Organisation" else None,
        categories=input.categories, reason=input.reason,
    )


@strawberry.type
class AccessMutations:
    @strawberry.mutation(
        description="Withhold categories of a person's data from a direct-care team or "
        "organisation. Effective on the next request."
    )
    async def restrict_access(
        self, info: Info[Context, None], input: RestrictAccessInput
    ) -> RestrictionPayload:
        restriction, errors = await attempt(info.context, lambda: _restrict(info, input))
        return RestrictionPayload(restriction=restriction, user_errors=errors)

    @strawberry.mutation(description="End a restriction. Effective on the next request.")
    async def lift_restriction(
        self, info: Info[Context, None], input: LiftRestrictionInput
    ) -> RestrictionPayload:
        ctx = info.context
        restriction, errors = await attempt(ctx, lambda: restrictions.lift_restriction(
            ctx.uow, ctx.policy,
            decode_id(input.restriction_id, "Restriction", field="restrictionId")))
        return RestrictionPayload(restriction=restriction, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="Open the record of someone your teams do not care for, in an emergency: "
        "read-only, for a few hours, flagged in the audit trail with your reason."
    )
    async def break_glass(self, info: Info[Context, None], input: BreakGlassInput
                          ) -> BreakGlassPayload:
        ctx = info.context
        opening, errors = await attempt(ctx, lambda: break_glass.break_glass(
            ctx.uow, ctx.policy, nhs_number=input.nhs_number, reason=input.reason))
        if opening is None:
            return BreakGlassPayload(person=None, expires_at=None, user_errors=errors)
        person = await ctx.loaders.person.load(opening.person_id)
        return BreakGlassPayload(person=person, expires_at=opening.expires_at,  # type: ignore[arg-type]
                                 user_errors=[])

    @strawberry.mutation(
        description="Invite a carer or representative to act for a person. The payload's "
        "invitationCode is shown once."
    )
    async def invite_representative(
        self, info: Info[Context, None], input: InviteRepresentativeInput
    ) -> InviteRepresentativePayload:
        ctx = info.context
        invitation, errors = await attempt(ctx, lambda: representatives.invite_representative(
            ctx.uow, ctx.policy,
            person_id=decode_id(input.person_id, "Person", field="personId"),
            name=input.name, basis=input.basis, access=input.access,
            categories=input.categories,
        ))
        if invitation is None:
            return InviteRepresentativePayload(representative=None, invitation_code=None,
                                               user_errors=errors)
        return InviteRepresentativePayload(
            representative=invitation.representative,  # type: ignore[arg-type]
            invitation_code=invitation.code, user_errors=[])

    @strawberry.mutation(
        description="Accept an invitation with its code, signed in with your own account."
    )
    async def accept_representative_invitation(
        self, info: Info[Context, None], input: AcceptRepresentativeInvitationInput
    ) -> RepresentativePayload:
        ctx = info.context
        representative, errors = await attempt(ctx, lambda: representatives.accept_invitation(
            ctx.uow, ctx.policy, input.code))
        return RepresentativePayload(representative=representative, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="End a representative's access or invitation: by the person, their care "
        "team, or the representative stepping down. Effective on the next request."
    )
    async def revoke_representative(
        self, info: Info[Context, None], input: RevokeRepresentativeInput
    ) -> RepresentativePayload:
        ctx = info.context
        representative, errors = await attempt(ctx, lambda: representatives.revoke_representative(
            ctx.uow, ctx.policy,
            decode_id(input.representative_id, "Representative", field="representativeId")))
        return RepresentativePayload(representative=representative, user_errors=errors)  # type: ignore[arg-type]
