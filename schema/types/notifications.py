"""Notifications: what the platform tells the signed-in person or staff member."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.notifications.models import Notification as NotificationRow

from ..context import Context
from ..ids import encode_id
from ._node import ModelNode

__all__ = ["Notification"]


@strawberry.type(description="Something the platform tells you: a review falling due, a "
                 "request decided. Its words carry no health detail; open `aboutId` with "
                 "`node(id:)` to see what it is about, if you may.")
class Notification(ModelNode, relay.Node):
    __model__ = NotificationRow
    loader_name = "notification"

    id: relay.NodeID[int]
    kind: str = strawberry.field(description='What happened, e.g. "elft.review_due".')
    title: str
    body: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @strawberry.field(description="Whether you have read it.")
    def read(self: Any) -> bool:
        return self.read_at is not None

    @strawberry.field(description="The global ID of what it is about (open it with "
                      "`node(id:)`; you may not be allowed to), if anything.")
    def about_id(self: Any, info: Info[Context, None]) -> strawberry.ID | None:
        if self.about_type is None or self.about_id is None:
            return None
        return strawberry.ID(encode_id(self.about_type, self.about_id))
