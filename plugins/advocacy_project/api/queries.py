"""The Advocacy Project's top-level queries."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.errors import DomainError
from schema.context import Context
from schema.errors import PublicError
from schema.ids import decode_id, encode_id

from .. import services
from .types import (
    AdvocacyProjectFlag,
    AdvocacyProjectPaymentCase,
    AdvocacyProjectTimeline,
    AdvocacyProjectTimelineEntry,
)

__all__ = ["AdvocacyProjectQueries"]


@strawberry.type
class AdvocacyProjectQueries:
    @strawberry.field(description="The direct-payment cases you may see (the people who "
                      "consented to The Advocacy Project for their budget).")
    async def advocacy_project_payment_cases(
        self, info: Info[Context, None], person_id: strawberry.ID | None = None
    ) -> list[AdvocacyProjectPaymentCase]:
        ctx = info.context
        try:
            person = None if person_id is None else decode_id(person_id, "Person",
                                                              field="personId")
            return await services.cases(ctx.session, ctx.policy,  # type: ignore[return-value]
                                        person)
        except DomainError as error:
            raise PublicError(error) from None

    @strawberry.field(description="Monitoring flags on a case: spend not in the plan, unspent "
                      "money building up, overdue reviews.")
    async def advocacy_project_flags(
        self, info: Info[Context, None], case_id: strawberry.ID
    ) -> list[AdvocacyProjectFlag]:
        ctx = info.context
        try:
            found = await services.flags_in(
                ctx.session, ctx.policy,
                decode_id(case_id, "AdvocacyProjectPaymentCase", field="caseId"))
        except DomainError as error:
            raise PublicError(error) from None
        return [AdvocacyProjectFlag(code=f.code, message=f.message) for f in found]

    @strawberry.field(description="Days from authorisation to payment, per request you may "
                      "see and as a distribution (for the commissioner and the advisor).")
    async def advocacy_project_timeline(
        self, info: Info[Context, None]
    ) -> AdvocacyProjectTimeline:
        ctx = info.context
        line = await services.timeline_in(ctx.session, ctx.policy)
        return AdvocacyProjectTimeline(
            median_days=line.median_days,
            distribution=[AdvocacyProjectTimelineEntry(days=d, requests=n)
                          for d, n in line.distribution.items()],
            request_ids=[strawberry.ID(encode_id("BudgetRequest", r))
                         for r in line.days_by_request],
            days=list(line.days_by_request.values()))
