"""The medication list (add, stop) and doses (taken, late, skipped); adherence per week.

Category ``medication`` throughout. The person and representatives with ``manage`` access
keep their own list and record their doses; staff whose role may (the GP, ELFT's care team)
too. A dose is for a medication on the person's list that day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..audit import record_access
from ..categories import DataCategory
from ..errors import Conflict, InvalidInput, InvalidTransition, NotFound
from ..inputs import aware
from ..models import Person
from ..observations.reading import Bucket, bucket_end, bucket_of, bucket_start
from ..observations.rules import FUTURE_LEEWAY, local_date
from ..permissions import Action
from ..policy import AccessPolicy
from ..services._common import optional_text, recorded_through, required_text
from ..unit_of_work import UnitOfWork
from .models import DoseStatus, Medication, MedicationDose

__all__ = [
    "CATEGORY",
    "MAX_DOSES_PER_DAY",
    "AdherenceWeek",
    "DoseEntry",
    "add_medication",
    "adherence_for_people",
    "doses_for_medications",
    "medications_by_ids",
    "medications_for_people",
    "record_dose",
    "record_doses",
    "stop_medication",
]

CATEGORY = DataCategory.MEDICATION
MAX_DOSES_PER_DAY = 12
MAX_WEEKS = 260  # five years of weekly adherence


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _doses_per_day(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_DOSES_PER_DAY:
        raise InvalidInput(f"Doses a day is from 1 to {MAX_DOSES_PER_DAY}; leave it out for "
                           "a medicine taken only when needed.", code="INVALID_DOSES_PER_DAY",
                           field="dosesPerDay")
    return value


async def add_medication(
    uow: UnitOfWork,
    policy: AccessPolicy,
    *,
    person_id: int,
    name: str,
    dose: str,
    doses_per_day: int | None,
    instructions: str | None = None,
    started_on: dt.date | None = None,
) -> Medication:
    """Put a medication on the person's list. ``doses_per_day`` None: taken when needed
    (not counted in adherence)."""
    given: dict[str, Any] = {
        "name": required_text(name, field="name", what="the medicine's name", max_length=200),
        "dose": required_text(dose, field="dose", what="the dose, e.g. 10 mg", max_length=200),
        "instructions": optional_text(instructions, field="instructions", what="instructions",
                                      max_length=2000),
        "doses_per_day": _doses_per_day(doses_per_day),
    }
    start: dt.date = started_on or local_date(policy.now)
    async with uow.begin() as tx:
        await policy.require(tx.session, Action.CREATE, person_id, [CATEGORY],
                             what="person's record", field="personId")
        person = await tx.session.get(Person, person_id)
        if person is None:
            raise NotFound("person", field="personId")
        if person.date_of_birth and start < person.date_of_birth:
            raise InvalidInput("That date is before the person was born.",
                               code="BEFORE_BIRTH", field="startedOn")
        medication = Medication(person_id=person_id, started_on=start, **given,
                                **recorded_through(policy, person_id))
        tx.session.add(medication)
        await record_access(tx.session, policy, person_id=person_id,
                            operation="add_medication", categories=[CATEGORY])
    return medication


async def _medication(session: AsyncSession, policy: AccessPolicy, medication_id: int,
                      action: Action, *, field: str = "medicationId") -> Medication:
    medication = await session.get(Medication, medication_id)
    if medication is None:
        raise NotFound("medication", field=field)
    await policy.require(session, action, medication.person_id, [CATEGORY],
                         what="medication", field=field)
    return medication


async def stop_medication(
    uow: UnitOfWork,
    policy: AccessPolicy,
    medication_id: int,
    *,
    stopped_on: dt.date | None = None,
    reason: str | None = None,
) -> Medication:
    """Take a medication off the list from ``stopped_on`` (today unless given): no dose is
    expected or recorded from that day. It stays in the history."""
    why = optional_text(reason, field="reason", what="the reason", max_length=2000)
    async with uow.begin() as tx:
        medication = await _medication(tx.session, policy, medication_id, Action.UPDATE)
        if medication.stopped_on is not None:
            raise InvalidTransition(f"{medication.name} was stopped on "
                                    f"{_day(medication.stopped_on)} already.",
                                    code="ALREADY_STOPPED", field="medicationId")
        day = stopped_on or local_date(policy.now)
        if day < medication.started_on:
            raise InvalidInput(f"{medication.name} started on "
                               f"{_day(medication.started_on)}: it cannot stop before.",
                               code="INVALID_DATE", field="stoppedOn")
        medication.stopped_on = day
        medication.stop_reason = why
        medication.stopped_at = policy.now
        medication.stopped_by_person_id = policy.principal.person_id
        medication.stopped_by_staff_id = policy.principal.staff_member_id
        await record_access(tx.session, policy, person_id=medication.person_id,
                            operation="stop_medication", categories=[CATEGORY])
    return medication


def _on_list(medication: Medication, day: dt.date) -> bool:
    return medication.started_on <= day and (medication.stopped_on is None
                                            or day < medication.stopped_on)


@dataclass(frozen=True)
class DoseEntry:
    """One dose to record: of which medication, taken, late or skipped, for which day (today
    unless given) and slot (the next one not yet recorded unless given)."""

    medication_id: int
    status: DoseStatus
    scheduled_date: dt.date | None = None
    slot: int | None = None
    taken_at: dt.datetime | None = None
    note: str | None = None


async def record_dose(
    uow: UnitOfWork,
    policy: AccessPolicy,
    medication_id: int,
    *,
    status: DoseStatus,
    scheduled_date: dt.date | None = None,
    slot: int | None = None,
    taken_at: dt.datetime | None = None,
    note: str | None = None,
) -> MedicationDose:
    """Record one dose of a medication on the list: taken, late or skipped. ``slot`` is
    which of the day's doses (the next one not yet recorded unless given)."""
    [dose] = await record_doses(uow, policy, [DoseEntry(
        medication_id, status, scheduled_date, slot, taken_at, note)], prefix=None)
    return dose


async def record_doses(uow: UnitOfWork, policy: AccessPolicy, entries: Sequence[DoseEntry],
                       *, prefix: str | None = "doses") -> list[MedicationDose]:
    """Record many doses at once (a phone's backlog, a blister pack's week), each checked as
    ``record_dose`` checks one: a bad one refuses them all, naming its place
    (``doses.3.slot``). One INSERT; one audit event per person."""
    checked = [_checked(policy, entry, "" if prefix is None else f"{prefix}.{n}.")
               for n, entry in enumerate(entries)]
    doses: list[MedicationDose] = []
    async with uow.begin() as tx:
        medications: dict[int, Medication] = {}
        recorded: dict[tuple[int, dt.date], list[int]] = {}
        for (entry, day, when, text, where) in checked:
            medication = medications.get(entry.medication_id)
            if medication is None:
                medication = medications[entry.medication_id] = await _medication(
                    tx.session, policy, entry.medication_id, Action.CREATE,
                    field=f"{where}medicationId")
            if not _on_list(medication, day):
                raise InvalidInput(f"{medication.name} was not on the medication list on "
                                   f"{_day(day)}.", code="MEDICATION_NOT_ON_LIST",
                                   field=f"{where}medicationId")
            key = (medication.id, day)
            if key not in recorded:
                recorded[key] = list(await tx.session.scalars(select(MedicationDose.slot).where(
                    MedicationDose.medication_id == medication.id,
                    MedicationDose.scheduled_date == day)))
            chosen = _slot(medication, day, entry.slot, recorded[key], f"{where}slot")
            recorded[key].append(chosen)
            doses.append(MedicationDose(
                medication_id=medication.id, person_id=medication.person_id,
                scheduled_date=day, slot=chosen, status=entry.status,
                taken_at=when if entry.status is not DoseStatus.SKIPPED else None, note=text,
                **recorded_through(policy, medication.person_id)))
        tx.session.add_all(doses)
        try:
            await tx.session.flush()
        except IntegrityError:  # recorded at the same moment elsewhere
            raise Conflict("A dose was recorded at the same moment elsewhere: look again.",
                           code="DOSE_ALREADY_RECORDED",
                           field="slot" if prefix is None else prefix) from None
        for person_id in sorted({m.person_id for m in medications.values()}):
            await record_access(tx.session, policy, person_id=person_id,
                                operation="record_medication_dose", categories=[CATEGORY])
    return doses


def _checked(policy: AccessPolicy, entry: DoseEntry, where: str
             ) -> tuple[DoseEntry, dt.date, dt.datetime | None, str | None, str]:
    """What can be checked before the transaction: (entry, day, taken at, note, field
    prefix)."""
    when = aware(entry.taken_at, field=f"{where}takenAt")
    text = optional_text(entry.note, field=f"{where}note", what="the note", max_length=2000)
    if when is not None and entry.status is DoseStatus.SKIPPED:
        raise InvalidInput("A skipped dose was not taken: leave out when.",
                           code="VALUE_NOT_TAKEN", field=f"{where}takenAt")
    if when is not None and when > policy.now + FUTURE_LEEWAY:
        raise InvalidInput("That time is in the future.", code="FUTURE_TIME",
                           field=f"{where}takenAt")
    day = entry.scheduled_date or (local_date(when) if when else local_date(policy.now))
    if day > local_date(policy.now):
        raise InvalidInput("That day has not come yet.", code="FUTURE_DATE",
                           field=f"{where}scheduledDate")
    return entry, day, when, text, where


def _slot(medication: Medication, day: dt.date, slot: int | None, taken: list[int],
          field: str) -> int:
    per_day = medication.doses_per_day
    if slot is not None and (slot < 1 or (per_day is not None and slot > per_day)):
        raise InvalidInput(f"{medication.name} has {per_day} dose(s) a day.",
                           code="INVALID_SLOT", field=field)
    chosen = slot if slot is not None else max(taken, default=0) + 1
    if chosen in taken or (per_day is not None and chosen > per_day):
        raise Conflict(f"Every dose of {medication.name} for {_day(day)} is recorded "
                       "already." if slot is None else
                       f"Dose {chosen} of {medication.name} for {_day(day)} is "
                       "recorded already.", code="DOSE_ALREADY_RECORDED", field=field)
    return chosen


# --- batch readers -------------------------------------------------------------------------


async def medications_by_ids(session: AsyncSession, policy: AccessPolicy,
                             ids: Sequence[int]) -> dict[int, Medication]:
    rows = await session.scalars(select(Medication).where(
        Medication.id.in_(set(ids)), policy.person_filter(Medication.person_id)))
    return {row.id: row for row in await policy.readable(session, rows, CATEGORY)}


async def medications_for_people(session: AsyncSession, policy: AccessPolicy,
                                 person_ids: Sequence[int], *, include_stopped: bool,
                                 ) -> dict[int, list[Medication]]:
    """Each person's list, in the order added; stopped medications only if asked."""
    statement = select(Medication).where(Medication.person_id.in_(set(person_ids)),
                                         policy.person_filter(Medication.person_id))
    if not include_stopped:
        statement = statement.where(Medication.stopped_on.is_(None))
    rows = await session.scalars(statement.order_by(Medication.person_id, Medication.id))
    grouped: dict[int, list[Medication]] = defaultdict(list)
    for row in await policy.readable(session, rows, CATEGORY):
        grouped[row.person_id].append(row)
    return grouped


async def doses_for_medications(session: AsyncSession, policy: AccessPolicy,
                                medication_ids: Sequence[int], since: dt.date,
                                until: dt.date) -> dict[int, list[MedicationDose]]:
    rows = await session.scalars(
        select(MedicationDose).where(MedicationDose.medication_id.in_(set(medication_ids)),
                                     MedicationDose.scheduled_date.between(since, until),
                                     policy.person_filter(MedicationDose.person_id))
        .order_by(MedicationDose.medication_id, MedicationDose.scheduled_date,
                  MedicationDose.slot))
    grouped: dict[int, list[MedicationDose]] = defaultdict(list)
    for row in await policy.readable(session, rows, CATEGORY):
        grouped[row.medication_id].append(row)
    return grouped


@dataclass(frozen=True)
class AdherenceWeek:
    """One week (Monday to Sunday, cut to the period asked for): doses expected by the
    list, and what was recorded. ``missed`` were expected and not recorded at all."""

    start: dt.date
    end: dt.date
    expected: int
    taken: int
    late: int
    skipped: int

    @property
    def missed(self) -> int:
        return max(0, self.expected - self.taken - self.late - self.skipped)

    @property
    def percent(self) -> int | None:
        """Doses taken (on time or late) of those expected, 0-100; None if none expected."""
        if not self.expected:
            return None
        return min(100, round(100 * (self.taken + self.late) / self.expected))


def check_period(since: dt.date, until: dt.date) -> None:
    if until < since:
        raise InvalidInput("The period ends before it starts.", code="INVALID_RANGE",
                           field="to")
    if (until - since).days > MAX_WEEKS * 7:
        raise InvalidInput(f"Ask for at most {MAX_WEEKS} weeks at a time.",
                           code="TOO_MANY_BUCKETS", field="from")


def _expected(medications: Sequence[Medication], start: dt.date, end: dt.date) -> int:
    total = 0
    for medication in medications:
        first = max(start, medication.started_on)
        last = end if medication.stopped_on is None else min(
            end, medication.stopped_on - dt.timedelta(days=1))
        if medication.doses_per_day and last >= first:
            total += medication.doses_per_day * ((last - first).days + 1)
    return total


async def adherence_for_people(session: AsyncSession, policy: AccessPolicy,
                               person_ids: Sequence[int], since: dt.date, until: dt.date,
                               ) -> dict[int, list[AdherenceWeek]]:
    """Adherence per week between two days (both included) for each person, in two
    statements: the lists, and the doses counted by week and status by the database.
    Medications taken when needed are left out. The caller checked ``medication`` read."""
    check_period(since, until)
    wanted = set(person_ids)
    filtered = policy.person_filter(Medication.person_id)
    medications = list(await session.scalars(select(Medication).where(
        Medication.person_id.in_(wanted), Medication.doses_per_day.is_not(None),
        Medication.started_on <= until,
        or_(Medication.stopped_on.is_(None), Medication.stopped_on > since), filtered)))
    week = bucket_start(Bucket.WEEK, MedicationDose.scheduled_date)
    counts = await session.execute(
        select(MedicationDose.person_id, week, MedicationDose.status, func.count())
        .join(Medication, Medication.id == MedicationDose.medication_id)
        .where(MedicationDose.person_id.in_(wanted),
               MedicationDose.scheduled_date.between(since, until),
               Medication.doses_per_day.is_not(None), filtered)
        .group_by(MedicationDose.person_id, week, MedicationDose.status))
    recorded: dict[tuple[int, dt.date], dict[DoseStatus, int]] = defaultdict(dict)
    for person_id, start, status, count in counts:
        day = start if isinstance(start, dt.date) else dt.date.fromisoformat(start)
        recorded[(person_id, day)][DoseStatus(status)] = count
    lists: dict[int, list[Medication]] = defaultdict(list)
    for medication in medications:
        lists[medication.person_id].append(medication)
    found: dict[int, list[AdherenceWeek]] = {}
    for person_id in person_ids:
        weeks, start = [], bucket_of(Bucket.WEEK, since)
        while start <= until:
            first, last = max(start, since), min(bucket_end(Bucket.WEEK, start), until)
            counted = recorded[(person_id, start)]
            weeks.append(AdherenceWeek(
                first, last, _expected(lists[person_id], first, last),
                counted.get(DoseStatus.TAKEN, 0), counted.get(DoseStatus.LATE, 0),
                counted.get(DoseStatus.SKIPPED, 0)))
            start += dt.timedelta(days=7)
        found[person_id] = weeks
    return found
