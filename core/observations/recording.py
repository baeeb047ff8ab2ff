"""Recording observations, and correcting them without ever deleting what was recorded.

The person and their representatives (with ``manage`` access) record their own tracking;
staff record what their role allows (``create`` on the kind's data category); a device writes
only for the person who connected it (core/devices/sync.py). Every write goes through the
policy engine and is audited like any other change.

A weight recorded with a height on the record also records the BMI it gives (``bmi``,
derived: ``derived_from_id`` names the weight), rounded to one decimal place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_access
from ..devices.models import Device, DeviceStatus
from ..errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from ..models import Person, RecordSource
from ..permissions import Action
from ..policy import AccessPolicy
from ..principal import PrincipalKind
from ..services._common import recorded_through, required_text
from ..unit_of_work import Transaction, UnitOfWork
from .kinds import Kinds
from .models import Observation, ObservationStatus
from .rules import CheckedReading, Reading, check_reading, kind_of

__all__ = [
    "MAX_READINGS",
    "Correction",
    "Recorded",
    "bmi_of",
    "insert_observations",
    "correct_observation",
    "new_observation",
    "record_observation",
    "record_readings",
]

_BMI_FROM_WEIGHT = "weight"
_REASON_LENGTH = 1000
# Readings in one call of ``record_readings`` (a phone's backlog, an import file's chunk).
MAX_READINGS = 5000


@dataclass(frozen=True)
class Recorded:
    observation: Observation
    # Readings worked out from it: the BMI of a weight.
    derived: Sequence[Observation] = field(default_factory=tuple)


@dataclass(frozen=True)
class Correction:
    corrected: Observation
    replacement: Observation | None
    # Readings derived from the corrected one, marked entered in error with it, then those
    # derived from the replacement.
    derived: Sequence[Observation] = field(default_factory=tuple)


def new_observation(person_id: int, checked: CheckedReading, **provenance: object
                    ) -> Observation:
    """An observation row for a checked reading (not yet added to a session)."""
    return Observation(
        person_id=person_id, kind=checked.kind.code, category=checked.kind.category,
        effective_at=checked.effective_at, effective_date=checked.effective_date,
        value=checked.value, second_value=checked.second_value, unit=checked.unit,
        value_code=checked.value_code, note=checked.note, status=ObservationStatus.FINAL,
        **provenance)


def bmi_of(kinds: Kinds, weight: Observation, height: float | None) -> Observation | None:
    """The BMI of a weight (already stored: it is named) and a height in cm, if plausible."""
    if weight.value is None or not height or "bmi" not in kinds:
        return None
    bmi = kinds["bmi"]
    value = round(weight.value / (height / 100) ** 2, 1)
    scale = bmi.scales[0]
    if scale.value is None or not scale.value.minimum <= value <= scale.value.maximum:
        return None  # an implausible BMI: one of the two readings is wrong, not the sum
    return Observation(
        person_id=weight.person_id, kind=bmi.code, category=bmi.category,
        effective_at=weight.effective_at, effective_date=weight.effective_date, value=value,
        unit=scale.unit, status=ObservationStatus.FINAL, derived_from_id=weight.id,
        device_id=weight.device_id, source=weight.source, by_person_id=weight.by_person_id,
        by_staff_id=weight.by_staff_id, by_team_id=weight.by_team_id,
        by_account_id=weight.by_account_id, client_id=weight.client_id,
        recorded_at=weight.recorded_at)


async def _derived_bmi(session: AsyncSession, kinds: Kinds, weight: Observation
                       ) -> Observation | None:
    """The BMI a weight gives with the person's latest height at that time, if any."""
    if weight.kind != _BMI_FROM_WEIGHT:
        return None
    height = await session.scalar(
        select(Observation.value).where(
            Observation.person_id == weight.person_id, Observation.kind == "height",
            Observation.status == ObservationStatus.FINAL,
            Observation.effective_at <= weight.effective_at)
        .order_by(Observation.effective_at.desc(), Observation.id.desc()).limit(1))
    return bmi_of(kinds, weight, height)


async def _add(tx: Transaction, kinds: Kinds, observation: Observation) -> list[Observation]:
    """Add a reading and what derives from it; the derived ones are returned."""
    tx.session.add(observation)
    await tx.session.flush()
    bmi = await _derived_bmi(tx.session, kinds, observation)
    if bmi is None:
        return []
    tx.session.add(bmi)
    await tx.session.flush()
    return [bmi]


async def _usable_device(session: AsyncSession, device_id: int, person_id: int) -> None:
    """A reading taken with a device names one of the person's own, in use."""
    device = await session.get(Device, device_id)
    if (device is None or device.person_id != person_id
            or device.status is not DeviceStatus.CONNECTED):
        raise NotFound("device", field="deviceId")


async def record_observation(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    reading: Reading,
    device_id: int | None = None,
) -> Recorded:
    """Record one reading on a person's record, checked against its kind. ``device_id``: one
    of the person's devices it was measured with (a blood-pressure monitor they were lent)."""
    kind = kind_of(uow.plugins.observation_kinds, reading.kind)
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.CREATE, person_id, [kind.category],
                             what="person's record", field="personId")
        person = await tx.session.get(Person, person_id)
        if person is None:  # the system passes any ID
            raise NotFound("person", field="personId")
        checked = check_reading(kind, reading, now=policy.now, born=person.date_of_birth)
        if device_id is not None:
            await _usable_device(tx.session, device_id, person_id)
        observation = new_observation(person_id, checked, device_id=device_id,
                                      **recorded_through(policy, person_id))
        derived = await _add(tx, uow.plugins.observation_kinds, observation)
        await record_access(tx.session, policy, person_id=person_id,
                            operation="record_observation",
                            categories=sorted({kind.category, *(d.category for d in derived)}))
    return Recorded(observation, derived)


async def record_readings(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    readings: Sequence[Reading],
) -> int:
    """Record many readings of a person at once (a phone's backlog, an import): each is
    checked as ``record_observation`` checks one, and a bad one refuses them all, naming
    its place (``readings.3.value``). Weights get their BMI. A few statements whatever the
    number (``insert_observations``); one audit event. Returns how many readings were stored,
    derived ones included."""
    if not 1 <= len(readings) <= MAX_READINGS:
        raise InvalidInput(f"Send from 1 to {MAX_READINGS} readings at a time.",
                           code="TOO_MANY_READINGS", field="readings")
    kinds = uow.plugins.observation_kinds
    chosen = [kind_of(kinds, r.kind, field=f"readings.{n}.kind")
              for n, r in enumerate(readings)]
    async with uow.begin() as tx:
        categories = sorted({kind.category for kind in chosen})
        await policy.require(tx.session, Action.CREATE, person_id, categories,
                             what="person's record", field="personId")
        person = await tx.session.get(Person, person_id)
        if person is None:
            raise NotFound("person", field="personId")
        provenance = recorded_through(policy, person_id)
        rows = [new_observation(person_id, check_reading(
            kind, reading, now=policy.now, born=person.date_of_birth,
            prefix=f"readings.{n}."), **provenance)
            for n, (kind, reading) in enumerate(zip(chosen, readings, strict=True))]
        weights = [row for row in rows if row.kind == _BMI_FROM_WEIGHT]
        heights: list[Observation] = []
        if weights:
            heights = sorted([*await tx.session.scalars(
                select(Observation).where(Observation.person_id == person_id,
                                          Observation.kind == "height",
                                          Observation.status == ObservationStatus.FINAL)),
                *(row for row in rows if row.kind == "height")],
                key=lambda h: h.effective_at)
        await insert_observations(tx.session, rows)
        derived = [bmi for weight in weights if (bmi := bmi_of(kinds, weight, next(
            (h.value for h in reversed(heights) if h.effective_at <= weight.effective_at),
            None))) is not None]
        await insert_observations(tx.session, derived)
        await record_access(tx.session, policy, person_id=person_id,
                            operation="record_observations",
                            categories=sorted({*categories, *(d.category for d in derived)}))
    return len(rows) + len(derived)


_COLUMNS = [column.key for column in Observation.__table__.columns if column.key != "id"]


async def insert_observations(session: AsyncSession, rows: Sequence[Observation]) -> None:
    """Store new readings in bulk. Weights get their ids (a BMI names its weight): one
    ``INSERT ... RETURNING`` on PostgreSQL (one per row on SQLite, which cannot match returned
    ids to rows in a batch); every other reading goes in one executemany, without ids."""
    named = [row for row in rows if row.kind == _BMI_FROM_WEIGHT]
    rest = [row for row in rows if row.kind != _BMI_FROM_WEIGHT]
    if named:
        ids = await session.scalars(
            insert(Observation).returning(Observation.id, sort_by_parameter_order=True),
            [{key: getattr(row, key) for key in _COLUMNS} for row in named])
        for row, pk in zip(named, ids, strict=True):
            row.id = pk
    if rest:
        await session.execute(insert(Observation),
                              [{key: getattr(row, key) for key in _COLUMNS} for row in rest])


def _may_correct(policy: AccessPolicy, observation: Observation) -> bool:
    """The person (or a representative managing for them) corrects what was recorded on
    their behalf: by them, a representative, a device or an import. Staff correct what they
    or their team recorded. The system corrects anything."""
    principal = policy.principal
    if principal.kind is PrincipalKind.SYSTEM:
        return True
    if principal.kind is PrincipalKind.STAFF:
        return (observation.by_staff_id == principal.staff_member_id
                or observation.by_team_id in principal.team_ids)
    if principal.kind in (PrincipalKind.PERSON, PrincipalKind.REPRESENTATIVE):
        return observation.source is not RecordSource.STAFF
    return observation.source is RecordSource.IMPORT


def _enter_in_error(observation: Observation, policy: AccessPolicy, reason: str) -> None:
    observation.status = ObservationStatus.ENTERED_IN_ERROR
    observation.entered_in_error_at = policy.now
    observation.entered_in_error_reason = reason
    observation.error_by_person_id = policy.principal.person_id
    observation.error_by_staff_id = policy.principal.staff_member_id


async def correct_observation(
    uow: UnitOfWork,
    policy: AccessPolicy,
    observation_id: int,
    *,
    reason: str,
    replacement: Reading | None = None,
) -> Correction:
    """Mark a reading entered in error, with the reason; with a ``replacement`` (of the same
    kind), record the right value too. Nothing is deleted: the history shows both."""
    why = required_text(reason, field="reason", what="why it is wrong",
                        max_length=_REASON_LENGTH)
    kinds = uow.plugins.observation_kinds
    async with uow.begin() as tx:
        observation = await tx.session.get(Observation, observation_id)
        if observation is None:
            raise NotFound("observation", field="observationId")
        await policy.require(tx.session, Action.UPDATE, observation.person_id,
                             [observation.category], what="observation",
                             field="observationId")
        if observation.status is ObservationStatus.ENTERED_IN_ERROR:
            raise InvalidTransition("That reading is already marked as entered in error.",
                                    code="ALREADY_ENTERED_IN_ERROR", field="observationId")
        if not _may_correct(policy, observation):
            raise Forbidden("Only whoever recorded this reading (or their team) can mark it "
                            "as wrong.", code="NOT_YOURS_TO_CORRECT", field="observationId")
        new: Observation | None = None
        if replacement is not None:
            kind = kind_of(kinds, observation.kind, field="observationId")
            person = await tx.session.get(Person, observation.person_id)
            checked = check_reading(
                kind, replacement, now=policy.now,
                born=person.date_of_birth if person else None, prefix="replacement.")
            new = new_observation(observation.person_id, checked,
                                  device_id=observation.device_id,
                                  **recorded_through(policy, observation.person_id))
        _enter_in_error(observation, policy, why)
        derived = list(await tx.session.scalars(
            select(Observation).where(Observation.person_id == observation.person_id,
                                      Observation.derived_from_id == observation.id,
                                      Observation.status == ObservationStatus.FINAL)))
        for reading in derived:
            _enter_in_error(reading, policy, f"Worked out from a reading entered in error: "
                                             f"{why}")
        if new is not None:
            derived += await _add(tx, kinds, new)
            observation.replaced_by_id = new.id
        await record_access(tx.session, policy, person_id=observation.person_id,
                            operation="correct_observation",
                            categories=sorted({observation.category,
                                                *(d.category for d in derived)}))
    return Correction(observation, new, derived)
