"""The person and what hangs off their record."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry import relay
from strawberry.types import Info

from core import models
from core.categories import DataCategory as C
from core.models import AuditEvent
from core.paging import page

from ..context import Context
from ..guards import data, data_of
from ..pagination import connection, window
from . import medication as medication_fields
from . import observations as observation_fields
from ._node import ModelNode
from .access_log import AccessLogEntry
from .devices import Device
from .medication import AdherenceWeek, Medication
from .observations import (
    Observation,
    ObservationSeries,
    SeriesBucket,
    SeriesComponent,
    kind_category,
)

if TYPE_CHECKING:
    from .access import Representative, Restriction
    from .budgets import Budget, BudgetRequest
    from .consents import Consent
    from .goals import GoalStatus, RecoveryGoal

__all__ = ["Person"]

_Goal = Annotated["RecoveryGoal", strawberry.lazy("schema.types.goals")]
_GoalStatus = Annotated["GoalStatus", strawberry.lazy("schema.types.goals")]
_Budget = Annotated["Budget", strawberry.lazy("schema.types.budgets")]
_Request = Annotated["BudgetRequest", strawberry.lazy("schema.types.budgets")]
_Consent = Annotated["Consent", strawberry.lazy("schema.types.consents")]
_Restriction = Annotated["Restriction", strawberry.lazy("schema.types.access")]
_Representative = Annotated["Representative", strawberry.lazy("schema.types.access")]


@strawberry.type(description="A person whose recovery record this is.")
class Person(ModelNode, relay.Node):
    __model__ = models.Person
    __person_data__ = True
    loader_name = "person"

    id: relay.NodeID[int]
    nhs_number: str | None = data(C.IDENTITY,
                                  description="Ten digits, validated (modulus 11).")
    given_name: str | None = data(C.IDENTITY)
    family_name: str | None = data(C.IDENTITY)
    preferred_name: str | None = data(C.IDENTITY, description="What they like to be called.")
    date_of_birth: dt.date | None = data(C.IDENTITY)
    email: str | None = data(C.CONTACT)
    phone: str | None = data(C.CONTACT)
    address: str | None = data(C.CONTACT)
    postcode: str | None = data(C.CONTACT)

    @data(C.IDENTITY, description="Preferred (or given) name and family name.")
    def display_name(self: Any) -> str | None:
        return str(self.display_name)

    @data(C.RECOVERY_PLAN, description="Recovery goals, oldest first.")
    async def goals(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[_Goal] | None:
        size, after_id = window(first, after)
        found = await info.context.loaders.goals_of_person.load((self.id, size, after_id))
        return connection(found, after_id)

    @data(C.BUDGET, description="Personal Health Budgets, newest first.")
    async def budgets(self: Any, info: Info[Context, None]) -> list[_Budget] | None:
        return await info.context.loaders.budgets_of_person.load(self.id)

    @data(C.BUDGET, description="Budget requests across all budgets, oldest first.")
    async def budget_requests(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[_Request] | None:
        size, after_id = window(first, after)
        found = await info.context.loaders.requests_of_person.load((self.id, size, after_id))
        return connection(found, after_id)

    @data(C.ACCESS_LOG, description="Who read or changed this record, newest first. Only the "
          "person (and those they allow) may see it.")
    async def access_log(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[AccessLogEntry] | None:
        size, after_id = window(first, after)
        statement = select(AuditEvent).where(AuditEvent.person_id == self.id)
        found = await page(info.context.session, statement, AuditEvent.id, first=size,
                           after=after_id, newest_first=True)
        return connection(found, after_id)

    @data(C.CONSENT, description="Consents the person has given, oldest first.")
    async def consents(
        self: Any,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[_Consent] | None:
        size, after_id = window(first, after)
        found = await info.context.loaders.consents_of_person.load((self.id, size, after_id))
        return connection(found, after_id)

    @data(C.CONSENT, description="Categories withheld from direct-care teams, oldest first.")
    async def restrictions(self: Any, info: Info[Context, None]) -> list[_Restriction] | None:
        return await info.context.loaders.restrictions_of_person.load(self.id)

    @data(C.CONSENT, description="Carers and others acting for the person, and invitations, "
          "oldest first.")
    async def representatives(
        self: Any, info: Info[Context, None]
    ) -> list[_Representative] | None:
        return await info.context.loaders.representatives_of_person.load(self.id)

    # --- the health record (docs/health-record.md) ---------------------------------------

    @data_of(kind_category, described="the category of the kind asked for",
             description="Readings of one kind, newest first; `from` included, `to` not. "
             "Readings entered in error only with `includeEnteredInError`.")
    async def observations(
        self: Any,
        info: Info[Context, None],
        kind: str,
        since: Annotated[dt.datetime | None, strawberry.argument(name="from")] = None,
        until: Annotated[dt.datetime | None, strawberry.argument(name="to")] = None,
        include_entered_in_error: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> relay.Connection[Observation] | None:
        return await observation_fields.observation_connection(
            info, self.id, kind, since, until, include_entered_in_error, first, after)

    @data_of(kind_category, described="the category of the kind asked for",
             description="A kind's readings bucketed for a chart, between two days (both "
             "included): count, min, max, mean and last per bucket; buckets without readings "
             "are gaps.")
    async def observation_series(
        self: Any,
        info: Info[Context, None],
        kind: str,
        since: Annotated[dt.date, strawberry.argument(name="from")],
        until: Annotated[dt.date, strawberry.argument(name="to")],
        bucket: SeriesBucket = SeriesBucket.WEEK,  # type: ignore[attr-defined]
        unit: str | None = None,
        component: SeriesComponent = SeriesComponent.VALUE,
    ) -> ObservationSeries | None:
        return await observation_fields.observation_series(info, self.id, kind, since,
                                                           until, bucket, unit, component)

    @data(C.MEDICATION, description="The medication list, in the order added; stopped ones "
          "too with `includeStopped`.")
    async def medications(
        self: Any, info: Info[Context, None], include_stopped: bool = False
    ) -> list[Medication] | None:
        return await info.context.loaders.record.medications.load((self.id, include_stopped))

    @data(C.MEDICATION, description="Doses taken of those expected, week by week, between two "
          "days (both included).")
    async def medication_adherence(
        self: Any,
        info: Info[Context, None],
        since: Annotated[dt.date, strawberry.argument(name="from")],
        until: Annotated[dt.date, strawberry.argument(name="to")],
    ) -> list[AdherenceWeek] | None:
        return await medication_fields.adherence(info, self.id, since, until)

    @data(C.PHYSICAL_HEALTH, description="Devices connected or lent, in the order added.")
    async def devices(self: Any, info: Info[Context, None]) -> list[Device] | None:
        return await info.context.loaders.record.devices.load((self.id, None))
