"""The medication list, doses and adherence (category ``medication``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.categories import DataCategory as C
from core.errors import InvalidInput
from core.medication import models
from core.medication.services import AdherenceWeek as AdherenceFigures
from core.medication.services import check_period

from ..context import Context
from ..errors import PublicError
from ..guards import data
from ._node import ModelNode
from .observations import RecordSource
from .organisations import StaffMember

if TYPE_CHECKING:
    from .people import Person

__all__ = ["AdherenceWeek", "DoseStatus", "Medication", "MedicationDose", "adherence"]

_Person = Annotated["Person", strawberry.lazy("schema.types.people")]

DoseStatus = strawberry.enum(models.DoseStatus, name="DoseStatus")


@strawberry.type(description="One dose: taken, taken late, or skipped.")
class MedicationDose:
    __person_data__ = True

    scheduled_date: dt.date | None = data(C.MEDICATION, description="The day it was for.")
    slot: int | None = data(C.MEDICATION, description="Which of the day's doses: 1, 2, ...")
    status: DoseStatus | None = data(C.MEDICATION)
    taken_at: dt.datetime | None = data(C.MEDICATION)
    note: str | None = data(C.MEDICATION)
    recorded_at: dt.datetime | None = data(C.MEDICATION)
    source: RecordSource | None = data(C.MEDICATION)


@strawberry.type(description="A medicine on the person's list.")
class Medication(ModelNode, relay.Node):
    __model__ = models.Medication
    __person_data__ = True
    loader_name = "medication"

    id: relay.NodeID[int]
    name: str | None = data(C.MEDICATION)
    dose: str | None = data(C.MEDICATION, description="How much: '10 mg'.")
    instructions: str | None = data(C.MEDICATION)
    doses_per_day: int | None = data(C.MEDICATION, description="Null: taken when needed.")
    started_on: dt.date | None = data(C.MEDICATION)
    stopped_on: dt.date | None = data(C.MEDICATION, description="No dose from this day.")
    stop_reason: str | None = data(C.MEDICATION)
    recorded_at: dt.datetime | None = data(C.MEDICATION)
    source: RecordSource | None = data(C.MEDICATION)

    @classmethod
    def loader(cls, info: Info[Context, None]) -> DataLoader[int, Any]:
        return info.context.loaders.record.medication

    @data(C.MEDICATION)
    async def person(self: Any, info: Info[Context, None]) -> _Person | None:
        return await info.context.loaders.person.load(self.person_id)

    @data(C.MEDICATION, description="Who added it, if staff did.")
    async def added_by(self: Any, info: Info[Context, None]) -> StaffMember | None:
        if self.by_staff_id is None:
            return None
        return await info.context.loaders.staff_member.load(self.by_staff_id)

    @data(C.MEDICATION, description="Doses recorded between two days (both included), by day "
          "and slot.")
    async def doses(
        self: Any, info: Info[Context, None],
        since: Annotated[dt.date, strawberry.argument(name="from")],
        until: Annotated[dt.date, strawberry.argument(name="to")],
    ) -> list[MedicationDose] | None:
        _period(since, until)
        return await info.context.loaders.record.doses.load((self.id, (since, until)))


@strawberry.type(description="A week's adherence (Monday to Sunday, cut to the period asked "
                 "for). Medicines taken when needed are not counted.")
class AdherenceWeek:
    start: dt.date
    end: dt.date
    expected: int = strawberry.field(description="Doses the list expected.")
    taken: int
    late: int
    skipped: int
    missed: int = strawberry.field(description="Expected and not recorded at all.")
    percent: int | None = strawberry.field(
        description="Taken (on time or late) of those expected, 0-100; null if none were.")


def _period(since: dt.date, until: dt.date) -> None:
    try:
        check_period(since, until)
    except InvalidInput as error:
        raise PublicError(error) from None


async def adherence(info: Info[Context, None], person_id: int, since: dt.date,
                    until: dt.date) -> list[AdherenceWeek]:
    _period(since, until)
    weeks: list[AdherenceFigures] = await info.context.loaders.record.adherence.load(
        (person_id, (since, until)))
    return [AdherenceWeek(start=w.start, end=w.end, expected=w.expected, taken=w.taken,
                          late=w.late, skipped=w.skipped, missed=w.missed, percent=w.percent)
            for w in weeks]
