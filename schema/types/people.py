"""The person and what hangs off their record."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import models

from ..context import Context
from ..pagination import connection, window
from ._node import ModelNode

if TYPE_CHECKING:
    from .budgets import Budget, BudgetRequest
    from .consents import Consent
    from .goals import GoalStatus, RecoveryGoal

__all__ = ["Person"]

_Goal = Annotated["RecoveryGoal", strawberry.lazy("schema.types.goals")]
_GoalStatus = Annotated["GoalStatus", strawberry.lazy("schema.types.goals")]
_Budget = Annotated["Budget", strawberry.lazy("schema.types.budgets")]
_Request = Annotated["BudgetRequest", strawberry.lazy("schema.types.budgets")]
_Consent = Annotated["Consent", strawberry.lazy("schema.types.consents")]


@strawberry.type(description="A person whose recovery record this is.")
class Person(ModelNode, relay.Node):
    __model__ = models.Person
    loader_name = "person"

    id: relay.NodeID[int]
    nhs_number: str | None = strawberry.field(description="Ten digits, validated (modulus 11).")
    given_name: str
    family_name: str
    preferred_name: str | None = strawberry.field(description="What they like to be called.")
    date_of_birth: dt.date | None
    email: str | None
    phone: str | None
    address: str | None
    postcode: str | None

    @strawberry.field(description="Preferred (or given) name and family name.")
    def display_name(self: Any) -> str:
        return str(self.display_name)

    @strawberry.field(description="Recovery goals, oldest first.")
    async def goals(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[_Goal]:
        size, after_id = window(first, after)
        found = await info.context.loaders.goals_of_person.load((self.id, size, after_id))
        return connection(found, after_id)

    @strawberry.field(description="Personal Health Budgets, newest first.")
    async def budgets(self: Any, info: Info[Context, None]) -> list[_Budget]:
        return await info.context.loaders.budgets_of_person.load(self.id)

    @strawberry.field(description="Budget requests across all budgets, oldest first.")
    async def budget_requests(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[_Request]:
        size, after_id = window(first, after)
        found = await info.context.loaders.requests_of_person.load((self.id, size, after_id))
        return connection(found, after_id)

    @strawberry.field(description="Consents the person has given, oldest first.")
    async def consents(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[_Consent]:
        size, after_id = window(first, after)
        found = await info.context.loaders.consents_of_person.load((self.id, size, after_id))
        return connection(found, after_id)
