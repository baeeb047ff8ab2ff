"""The Advocacy Project's top-level queries: the cases, the pipeline and the timeline."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.errors import DomainError, InvalidInput
from schema.context import Context
from schema.errors import PublicError
from schema.ids import decode_id
from schema.pagination import connection, window

from .. import cases, views
from .types import (
    AdvocacyProjectCaseStatus,
    AdvocacyProjectPaymentCase,
    AdvocacyProjectPipeline,
    AdvocacyProjectTimeline,
    AdvocacyProjectTimelineEntry,
)

__all__ = ["AdvocacyProjectQueries"]

# A timeline longer than this is a mistake in the input, and a slow query.
_MAX_WINDOW_DAYS = 3 * 366


@strawberry.type
class AdvocacyProjectQueries:
    @strawberry.field(description="The direct-payment cases you may see, oldest first: for a "
                      "PHB advisor, those of the people who let your organisation see their "
                      "budget; for a person, their own.")
    async def advocacy_project_payment_cases(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        person_id: strawberry.ID | None = None,
        status: AdvocacyProjectCaseStatus | None = None,  # type: ignore[valid-type]
    ) -> relay.Connection[AdvocacyProjectPaymentCase]:
        ctx = info.context
        size, after_id = window(first, after)
        try:
            person = None if person_id is None else decode_id(person_id, "Person",
                                                              field="personId")
        except DomainError as error:
            raise PublicError(error) from None
        found = await cases.readable_cases(ctx.session, ctx.policy, first=size, after=after_id,
                                           person_id=person, status=status)
        return connection(found, after_id)  # type: ignore[return-value]

    @strawberry.field(description="Direct-payment requests from referral to payment: how many "
                      "at each stage, and each one.")
    def advocacy_project_pipeline(self) -> AdvocacyProjectPipeline:
        return AdvocacyProjectPipeline()

    @strawberry.field(description="Days from authorisation to the first payment, as a "
                      "distribution, for the requests approved in a window (by default the "
                      "last 12 months) that you may see. Per request: "
                      "AdvocacyProjectPaymentCase.daysToFirstPayment.")
    async def advocacy_project_timeline(
        self, info: Info[Context, None], approved_from: dt.date | None = None,
        approved_to: dt.date | None = None,
    ) -> AdvocacyProjectTimeline:
        ctx = info.context
        end = approved_to or ctx.policy.now.date()
        start = approved_from or end - dt.timedelta(days=365)
        if start > end or (end - start).days > _MAX_WINDOW_DAYS:
            raise PublicError(InvalidInput(
                "Choose a window that starts before it ends, of at most three years.",
                code="INVALID_WINDOW", field="approvedFrom"))
        line = await views.timeline(ctx.session, ctx.policy, approved_from=start,
                                    approved_to=end)
        return AdvocacyProjectTimeline(
            approved_from=line.approved_from, approved_to=line.approved_to,
            distribution=[AdvocacyProjectTimelineEntry(days=d, requests=n)
                          for d, n in line.distribution.items()],
            paid_requests=sum(line.distribution.values()), median_days=line.median_days,
            mean_days=line.mean_days, waiting=line.waiting,
            longest_wait_days=line.longest_wait_days)
