"""Recording and correcting observations."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from core.observations import recording
from core.observations.rules import Reading

from ..context import Context
from ..errors import UserError, attempt
from ..ids import decode_id
from ..types.observations import Observation

__all__ = ["ObservationMutations"]


@strawberry.input(description="A reading as a person typed it. Which fields a kind takes is in "
                  "`observationKinds`.")
class ReadingInput:
    value: float | None = strawberry.field(default=None, description="The number: weight, "
                                           "systolic, minutes asleep, mood score, ...")
    second_value: float | None = strawberry.field(default=None, description="The second "
                                                  "number: diastolic, time in bed, portions.")
    unit: str | None = strawberry.field(default=None, description="The kind's default unit "
                                        "if left out; for mood, the scale.")
    value_code: str | None = strawberry.field(default=None, description="For a coded kind.")
    note: str | None = None
    effective_at: dt.datetime | None = strawberry.field(
        default=None, description="When it was true (with its time zone); now if left out.")

    def reading(self, kind: str) -> Reading:
        return Reading(kind=kind, value=self.value, second_value=self.second_value,
                       unit=self.unit, value_code=self.value_code, note=self.note,
                       effective_at=self.effective_at)


@strawberry.input
class RecordObservationInput(ReadingInput):
    person_id: strawberry.ID
    kind: str = strawberry.field(description="`weight`, `blood_pressure`, `mood`, ...")
    device_id: strawberry.ID | None = strawberry.field(
        default=None, description="One of the person's devices it was measured with.")


@strawberry.input
class CorrectObservationInput:
    observation_id: strawberry.ID
    reason: str = strawberry.field(description="Why it is wrong: the history shows it.")
    replacement: ReadingInput | None = strawberry.field(
        default=None, description="The right reading, if there is one (same kind).")


@strawberry.type
class RecordObservationPayload:
    observation: Observation | None
    derived: list[Observation] | None = strawberry.field(
        description="Readings worked out from it: the BMI of a weight, with a height on record.")
    user_errors: list[UserError]


@strawberry.type
class CorrectObservationPayload:
    corrected: Observation | None = strawberry.field(
        description="The reading, now entered in error.")
    replacement: Observation | None
    derived: list[Observation] | None = strawberry.field(
        description="Derived readings entered in error with it, and those of the replacement.")
    user_errors: list[UserError]


@strawberry.type
class ObservationMutations:
    @strawberry.mutation(description="Record a measurement or a piece of self-tracking.")
    async def record_observation(
        self, info: Info[Context, None], input: RecordObservationInput
    ) -> RecordObservationPayload:
        ctx = info.context
        recorded, errors = await attempt(ctx, lambda: recording.record_observation(
            ctx.uow, ctx.policy,
            person_id=decode_id(input.person_id, "Person", field="personId"),
            reading=input.reading(input.kind),
            device_id=(decode_id(input.device_id, "Device", field="deviceId")
                       if input.device_id is not None else None)))
        if recorded is None:
            return RecordObservationPayload(observation=None, derived=None, user_errors=errors)
        return RecordObservationPayload(
            observation=recorded.observation,  # type: ignore[arg-type]
            derived=list(recorded.derived), user_errors=[])  # type: ignore[arg-type]

    @strawberry.mutation(description="Mark a reading as entered in error, with the reason, and "
                         "record the right one if given. Nothing is deleted.")
    async def correct_observation(
        self, info: Info[Context, None], input: CorrectObservationInput
    ) -> CorrectObservationPayload:
        ctx = info.context
        correction, errors = await attempt(ctx, lambda: recording.correct_observation(
            ctx.uow, ctx.policy,
            decode_id(input.observation_id, "Observation", field="observationId"),
            reason=input.reason,
            replacement=input.replacement.reading("") if input.replacement else None))
        if correction is None:
            return CorrectObservationPayload(corrected=None, replacement=None, derived=None,
                                             user_errors=errors)
        return CorrectObservationPayload(
            corrected=correction.corrected,  # type: ignore[arg-type]
            replacement=correction.replacement,  # type: ignore[arg-type]
            derived=list(correction.derived), user_errors=[])  # type: ignore[arg-type]
