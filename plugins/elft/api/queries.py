"""ELFT's top-level queries: the views each role works from."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.errors import DomainError
from core.paging import Page
from schema.context import Context
from schema.errors import PublicError
from schema.pagination import connection, window

from .. import views
from .types import ElftCaseloadEntry, ElftPotOverview, ElftSignOffQueueEntry

__all__ = ["ElftQueries"]


async def _queue(info: Info[Context, None], which: str, first: int | None,
                 after: str | None) -> relay.Connection[ElftSignOffQueueEntry]:
    ctx = info.context
    size, after_id = window(first, after)
    fetch = views.co_sign_queue if which == "co_sign" else views.panel_queue
    try:
        found: Page[views.QueueEntry] = await fetch(ctx.session, ctx.policy, first=size,
                                                    after=after_id)
    except DomainError as error:
        raise PublicError(error) from None
    for entry in found.items:
        ctx.loaders.budget_request.prime(entry.request.id, entry.request)
    return connection(found, after_id)  # type: ignore[return-value]


@strawberry.type
class ElftQueries:
    @strawberry.field(description="A care coordinator's caseload: the people whose care your "
                      "teams coordinate, their PHB status, plan and reviews.")
    async def elft_caseload(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        overdue_only: bool = False,
    ) -> relay.Connection[ElftCaseloadEntry]:
        ctx = info.context
        size, after_id = window(first, after)
        try:
            found = await views.caseload(ctx.session, ctx.policy, first=size, after=after_id,
                                         overdue_only=overdue_only)
        except DomainError as error:
            raise PublicError(error) from None
        return connection(found, after_id)  # type: ignore[return-value]

    @strawberry.field(description="Requests waiting for a team lead to co-sign.")
    async def elft_co_sign_queue(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[ElftSignOffQueueEntry]:
        return await _queue(info, "co_sign", first, after)

    @strawberry.field(description="Requests waiting for the E-Approval panel.")
    async def elft_panel_queue(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> relay.Connection[ElftSignOffQueueEntry]:
        return await _queue(info, "panel", first, after)

    @strawberry.field(description="For commissioners and PHB leads: each funding pot's "
                      "allocated, committed, paid and remaining money, and days to payment.")
    async def elft_pot_overview(self, info: Info[Context, None]) -> list[ElftPotOverview]:
        ctx = info.context
        try:
            return await views.pot_overviews(ctx.session, ctx.policy)  # type: ignore[return-value]
        except DomainError as error:
            raise PublicError(error) from None
