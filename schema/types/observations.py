"""Observations: kinds (directory data), readings (a person's data, each in its own
category), connections of readings, and series for charts."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core import models
from core.errors import InvalidInput
from core.observations import kinds as registry
from core.observations.models import Observation as ObservationRow
from core.observations.models import ObservationStatus as ObservationStatusValue
from core.observations.reading import Bucket, ObservationWindow, SeriesPoint, SeriesQuery
from core.observations.rules import kind_of
from core.paging import Page

from ..context import Context
from ..errors import PublicError
from ..guards import data_of
from ..pagination import window
from ._node import ModelNode
from .organisations import StaffMember, Team

if TYPE_CHECKING:
    from .devices import Device
    from .people import Person

__all__ = [
    "Observation",
    "ObservationKind",
    "ObservationSeries",
    "ObservationStatus",
    "RecordSource",
    "SeriesBucket",
    "SeriesComponent",
    "kind_category",
    "observation_connection",
    "observation_series",
]

_Person = Annotated["Person", strawberry.lazy("schema.types.people")]
_Device = Annotated["Device", strawberry.lazy("schema.types.devices")]

ObservationStatus = strawberry.enum(ObservationStatusValue, name="ObservationStatus")
RecordSource = strawberry.enum(models.RecordSource, name="RecordSource",
                               description="Through whom a record came.")
SeriesBucket = strawberry.enum(Bucket, name="SeriesBucket",
                               description="Weeks run Monday to Sunday; days are London's.")


@strawberry.enum(description="Which number of a reading: the value (weight, systolic, minutes "
                 "asleep) or the second value (diastolic, time in bed).")
class SeriesComponent(enum.Enum):
    VALUE = "value"
    SECOND_VALUE = "second_value"


# --- kinds: what can be recorded (not a person's data) --------------------------------------


@strawberry.type(description="One number of a reading and its plausible range (inclusive).")
class ObservationQuantity:
    name: str
    display: str
    minimum: float
    maximum: float
    decimals: int
    required: bool
    unit: str | None = strawberry.field(description="Set where it differs from the scale's.")
    loinc: str | None
    snomed: str | None


@strawberry.type(description="A unit a kind is recorded in (UCUM) and its numbers.")
class ObservationScale:
    unit: str
    value: ObservationQuantity | None
    second_value: ObservationQuantity | None


@strawberry.type(description="One answer of a coded kind (smoking status).")
class ObservationCode:
    code: str
    display: str
    snomed: str | None


@strawberry.type(description="A kind of observation: core's, or a plugin's (`<plugin>.<kind>`).")
class ObservationKind:
    code: str
    display: str
    category: str = strawberry.field(description="The data category of its readings.")
    description: str
    unit: str | None = strawberry.field(description="The default unit.")
    takes_note: bool
    loinc: str | None
    snomed: str | None

    @strawberry.field
    def scales(self: Any) -> list[ObservationScale]:
        return list(self.scales)  # the dataclasses have the same shape

    @strawberry.field
    def codes(self: Any) -> list[ObservationCode]:
        return [ObservationCode(code=code, display=value.display, snomed=value.snomed)
                for code, value in self.codes.items()]


def kinds_of(info: Info[Context, None]) -> registry.Kinds:
    return info.context.uow.plugins.observation_kinds


def kind_named(info: Info[Context, None], code: str) -> registry.ObservationKind:
    """The kind a field's argument names, or an ``UNKNOWN_KIND`` error."""
    try:
        return kind_of(kinds_of(info), code)
    except InvalidInput as error:
        raise PublicError(error) from None


def kind_category(_root: Any, info: Info[Context, None], arguments: dict[str, Any]) -> str:
    """The category of the kind a field asks for (``kind:``)."""
    return kind_named(info, arguments["kind"]).category


def _own_category(row: Any, _info: Any, _arguments: dict[str, Any]) -> str:
    return str(row.category)


def _own(**kwargs: Any) -> Any:
    return data_of(_own_category, described="the observation's own category", **kwargs)


# --- a reading ------------------------------------------------------------------------------


@strawberry.type(description="One number of a reading, named and in its unit.")
class ObservationComponent:
    name: str
    display: str
    value: float
    unit: str


@strawberry.type(description="A measurement or a piece of self-tracking, in the category of "
                 "its kind (weight: physical_health; mood: wellbeing).")
class Observation(ModelNode, relay.Node):
    __model__ = ObservationRow
    __person_data__ = True
    loader_name = "observation"

    id: relay.NodeID[int]
    kind: str | None = _own(description="The kind's code: `weight`, `mood`, `gp.hba1c`.")
    value: float | None = _own(description="The number: a weight, a systolic pressure, minutes "
                               "asleep, a mood score.")
    second_value: float | None = _own(description="The second number, for kinds with two: "
                                      "the diastolic pressure, time in bed, portions.")
    unit: str | None = _own(description="UCUM; for mood, the scale.")
    value_code: str | None = _own(description="For a coded kind: smoking status `never`, ...")
    note: str | None = _own()
    effective_at: dt.datetime | None = _own(description="When it was true.")
    effective_date: dt.date | None = _own(description="The day it was true for (London).")
    recorded_at: dt.datetime | None = _own(description="When it was recorded here.")
    status: ObservationStatus | None = _own()
    source: RecordSource | None = _own()
    amended_at: dt.datetime | None = _own(description="A device reading the provider revised "
                                          "(today's steps growing) was last changed then.")
    entered_in_error_at: dt.datetime | None = _own()
    entered_in_error_reason: str | None = _own()

    @classmethod
    def loader(cls, info: Info[Context, None]) -> DataLoader[int, Any]:
        return info.context.loaders.record.observation

    @_own(description="Whose record this is.")
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @_own(description="The numbers, named: [systolic, diastolic] of a blood pressure.")
    def components(self: Any, info: Info[Context, None]) -> list[ObservationComponent] | None:
        kind = kinds_of(info).get(self.kind)
        scale = kind.scale(self.unit) if kind else None
        if scale is None:
            return []
        found = []
        for quantity, value in ((scale.value, self.value),
                                (scale.second_value, self.second_value)):
            if quantity is not None and value is not None:
                found.append(ObservationComponent(name=quantity.name, display=quantity.display,
                                                  value=value, unit=quantity.unit or scale.unit))
        return found

    @_own(description="The staff member who recorded it, if staff did.")
    async def recorded_by(self: Any, info: Info[Context, None]) -> StaffMember | None:
        if self.by_staff_id is None:
            return None
        return await info.context.loaders.staff_member.load(self.by_staff_id)

    @_own(description="Their team.")
    async def recorded_by_team(self: Any, info: Info[Context, None]) -> Team | None:
        if self.by_team_id is None:
            return None
        return await info.context.loaders.team.load(self.by_team_id)

    @_own(description="The device it came from or was measured with.")
    async def device(self: Any, info: Info[Context, None]) -> _Device | None:
        if self.device_id is None:
            return None
        return await info.context.loaders.record.device.load(self.device_id)

    @_own(description="For a derived reading (a BMI): the reading it was worked out from.")
    async def derived_from(self: Any, info: Info[Context, None]) -> Observation | None:
        if self.derived_from_id is None:
            return None
        return await info.context.loaders.record.observation.load(self.derived_from_id)

    @_own(description="For a reading entered in error: the one that replaced it, if any.")
    async def replaced_by(self: Any, info: Info[Context, None]) -> Observation | None:
        if self.replaced_by_id is None:
            return None
        return await info.context.loaders.record.observation.load(self.replaced_by_id)


# --- many readings --------------------------------------------------------------------------

_CURSOR = "reading"


def _cursor(row: ObservationRow) -> str:
    return relay.to_base64(_CURSOR, f"{row.effective_at.isoformat()}|{row.id}")


def _after(cursor: str | None) -> tuple[dt.datetime, int] | None:
    if cursor is None:
        return None
    try:
        prefix, raw = relay.from_base64(cursor)
        at, pk = raw.split("|")
        found = (dt.datetime.fromisoformat(at), int(pk))
        if prefix != _CURSOR or found[0].tzinfo is None:
            raise ValueError(cursor)
    except (ValueError, TypeError):
        raise PublicError(InvalidInput("That cursor is not valid: use a cursor from pageInfo.",
                                       code="INVALID_CURSOR", field="after")) from None
    return found


def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise PublicError(InvalidInput("Give the time with its time zone, e.g. "
                                       "2026-12-01T09:00:00Z.", code="TIMEZONE_REQUIRED",
                                       field=field))
    return value


async def observation_connection(
    info: Info[Context, None], person_id: int, kind: str, since: dt.datetime | None,
    until: dt.datetime | None, include_entered_in_error: bool, first: int | None,
    after: str | None,
) -> relay.Connection[Observation]:
    """A page of a person's readings of a kind, newest first."""
    size, _ = window(first, None)
    query = ObservationWindow(kind_named(info, kind).code, _aware(since, "from"),
                              _aware(until, "to"), include_entered_in_error, size,
                              _after(after))
    found: Page[Any] = await info.context.loaders.record.observation_pages.load(
        (person_id, query))
    edges = [relay.Edge(node=row, cursor=_cursor(row)) for row in found.items]
    return relay.Connection(edges=edges, page_info=relay.PageInfo(
        has_next_page=found.has_next, has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None))


@strawberry.type(name="SeriesPoint", description="One bucket of a series. A gap (no readings) "
                 "has count 0 and no figures: draw it as a gap, not as zero.")
class SeriesPointType:
    start: dt.date
    end: dt.date
    count: int
    min: float | None
    max: float | None
    mean: float | None
    last: float | None = strawberry.field(description="The latest reading in the bucket.")


@strawberry.type(description="Readings of one kind bucketed by day, week or month for a chart, "
                 "aggregated by the database.")
class ObservationSeries:
    kind: ObservationKind
    unit: str
    bucket: SeriesBucket
    component: SeriesComponent
    start: dt.date = strawberry.field(name="from")
    end: dt.date = strawberry.field(name="to")
    points: list[SeriesPointType]


def _point(point: SeriesPoint, decimals: int) -> SeriesPointType:
    return SeriesPointType(start=point.start, end=point.end, count=point.count,
                           min=point.minimum, max=point.maximum,
                           mean=None if point.mean is None else round(point.mean, decimals + 1),
                           last=point.last)


async def observation_series(
    info: Info[Context, None], person_id: int, kind: str, since: dt.date, until: dt.date,
    bucket: Bucket, unit: str | None, component: SeriesComponent,
) -> ObservationSeries:
    second = component == SeriesComponent.SECOND_VALUE
    try:
        query = SeriesQuery(kind_named(info, kind), since, until, bucket, unit,
                            second).checked()
    except InvalidInput as error:
        raise PublicError(error) from None
    points = await info.context.loaders.record.series.load((person_id, query))
    scale = query.kind.scale(query.unit)
    quantity = (scale.second_value if second else scale.value) if scale else None
    decimals = quantity.decimals if quantity else 1
    return ObservationSeries(
        kind=query.kind, unit=query.unit or "", bucket=bucket,  # type: ignore[arg-type]
        component=component, start=since, end=until,
        points=[_point(point, decimals) for point in points])


