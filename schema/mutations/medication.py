"""The medication list and doses."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core.medication import services as medication

from ..context import Context
from ..errors import UserError, attempt
from ..ids import decode_id
from ..types.medication import DoseStatus, Medication, MedicationDose

__all__ = ["MedicationMutations"]


@strawberry.input
class AddMedicationInput:
    person_id: strawberry.ID
    name: str
    dose: str = strawberry.field(description="How much: '10 mg', 'two 500 mg tablets'.")
    doses_per_day: int | None = strawberry.field(
        default=None, description="1 to 12; leave out for a medicine taken when needed.")
    instructions: str | None = None
    started_on: dt.date | None = strawberry.field(default=None, description="Today if left out.")


@strawberry.input
class StopMedicationInput:
    medication_id: strawberry.ID
    stopped_on: dt.date | None = strawberry.field(
        default=None, description="No dose is expected from this day; today if left out.")
    reason: str | None = None


@strawberry.input
class RecordMedicationDoseInput:
    medication_id: strawberry.ID
    status: DoseStatus
    scheduled_date: dt.date | None = strawberry.field(
        default=None, description="The day the dose was for; today if left out.")
    slot: int | None = strawberry.field(
        default=None, description="Which of the day's doses (1, 2, ...); the next one not "
        "recorded if left out.")
    taken_at: dt.datetime | None = None
    note: str | None = None


@strawberry.type
class MedicationPayload:
    medication: Medication | None
    user_errors: list[UserError]


@strawberry.type
class RecordMedicationDosePayload:
    dose: MedicationDose | None
    medication: Medication | None
    user_errors: list[UserError]


@strawberry.type
class MedicationMutations:
    @strawberry.mutation(description="Put a medicine on the person's list.")
    async def add_medication(
        self, info: Info[Context, None], input: AddMedicationInput
    ) -> MedicationPayload:
        ctx = info.context
        added, errors = await attempt(ctx, lambda: medication.add_medication(
            ctx.uow, ctx.policy, person_id=decode_id(input.person_id, "Person",
                                                     field="personId"),
            name=input.name, dose=input.dose, doses_per_day=input.doses_per_day,
            instructions=input.instructions, started_on=input.started_on))
        return MedicationPayload(medication=added, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Take a medicine off the list; it stays in the history.")
    async def stop_medication(
        self, info: Info[Context, None], input: StopMedicationInput
    ) -> MedicationPayload:
        ctx = info.context
        stopped, errors = await attempt(ctx, lambda: medication.stop_medication(
            ctx.uow, ctx.policy, decode_id(input.medication_id, "Medication",
                                           field="medicationId"),
            stopped_on=input.stopped_on, reason=input.reason))
        return MedicationPayload(medication=stopped, user_errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Record a dose as taken, taken late, or skipped.")
    async def record_medication_dose(
        self, info: Info[Context, None], input: RecordMedicationDoseInput
    ) -> RecordMedicationDosePayload:
        ctx = info.context
        dose, errors = await attempt(ctx, lambda: medication.record_dose(
            ctx.uow, ctx.policy, decode_id(input.medication_id, "Medication",
                                           field="medicationId"),
            status=input.status, scheduled_date=input.scheduled_date, slot=input.slot,
            taken_at=input.taken_at, note=input.note))
        taken = await ctx.loaders.record.medication.load(dose.medication_id) if dose else None
        return RecordMedicationDosePayload(dose=dose, medication=taken,  # type: ignore[arg-type]
                                           user_errors=errors)
