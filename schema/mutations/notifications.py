"""Marking one's own notifications read."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from core.notifications import service

from ..context import Context
from ..errors import UserError, attempt
from ..ids import decode_id
from ..types.notifications import Notification

__all__ = ["NotificationMutations"]


@strawberry.input
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] = strawberry.field(
        description=f"Your notifications to mark read (at most {service.MAX_MARKED_AT_ONCE}).")


@strawberry.type
class MarkNotificationsReadPayload:
    notifications: list[Notification]
    user_errors: list[UserError]


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Mark some of your notifications read. An ID that is not "
                         "one of yours is NOT_FOUND, and nothing is marked.")
    async def mark_notifications_read(
        self, info: Info[Context, None], input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        ctx = info.context

        marked, errors = await attempt(ctx, lambda: service.mark_read(
            ctx.uow, ctx.policy,
            [decode_id(value, "Notification", field=f"ids.{index}")
             for index, value in enumerate(input.ids)]))
        return MarkNotificationsReadPayload(
            notifications=marked or [], user_errors=errors)  # type: ignore[arg-type]
