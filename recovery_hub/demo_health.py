"""The demo's health records: a few months of Ngozi's and Belu's believable measurements.

Ngozi (40) weighs herself weekly on the way to her goal of 85 kg and tracks mood, sleep,
activity and healthy eating every day; her GP did her annual physical health check ten weeks
ago. Belu (60) takes olanzapine at night and metformin twice a day (not always the evening
one), rates his mood 0 to 10, and wears the Fitbit Core Arts lent him.

Created through the services as the people and staff would, in a few batches (``make run``
stays fast): one ``record_readings`` per person, one ``record_doses``, one device import.
The numbers come from a seeded generator: the same every time.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from core.devices import connections
from core.devices.providers import DeviceReading
from core.devices.sync import import_readings
from core.medication import services as medication
from core.medication.models import DoseStatus
from core.models import RecoveryGoal
from core.observations.recording import record_observation, record_readings
from core.observations.rules import Reading, start_of_day
from core.permissions import AccessRules
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import consents, goals
from core.services.accounts import principal_for_username
from core.unit_of_work import UnitOfWork

__all__ = ["load_health_records"]

WEEKS = 16


async def _as(uow: UnitOfWork, username: str, rules: AccessRules) -> AccessPolicy:
    async with uow.db.reading() as session:
        principal = await principal_for_username(session, username)
    assert principal is not None, username
    return AccessPolicy(principal, rules)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return start_of_day(day) + dt.timedelta(hours=hour, minutes=minute)


async def load_health_records(uow: UnitOfWork, rules: AccessRules, *, today: dt.date,
                              ngozi: int, belu: int, core_arts: int) -> None:
    rng = random.Random(13)
    await _ngozi(uow, rules, rng, today, ngozi, core_arts)
    await _belu(uow, rules, rng, today, belu, core_arts)


async def _ngozi(uow: UnitOfWork, rules: AccessRules, rng: random.Random, today: dt.date,
                 ngozi: int, core_arts: int) -> None:
    gp, her = await _as(uow, "gp-priya", rules), await _as(uow, "ngozi", rules)
    check = today - dt.timedelta(weeks=10)
    # The annual physical health check, recorded by her GP.
    for reading in (Reading("height", value=165, effective_at=_at(check, 10)),
                    Reading("weight", value=95.1, effective_at=_at(check, 10, 5)),
                    Reading("blood_pressure", value=138, second_value=88,
                            effective_at=_at(check, 10, 10)),
                    Reading("pulse", value=78, effective_at=_at(check, 10, 10)),
                    Reading("smoking_status", value_code="ex", effective_at=_at(check, 10, 15)),
                    Reading("alcohol_units", value=6, effective_at=_at(check, 10, 15))):
        await record_observation(uow, gp, person_id=ngozi, reading=reading)
    start = today - dt.timedelta(weeks=WEEKS)
    readings = []
    for n in range((today - start).days):  # up to yesterday: today's evening is to come
        day = start + dt.timedelta(days=n)
        if day.weekday() == 6:  # Sunday mornings, on the bathroom scales
            kg = 95.6 - 0.42 * n / 7 + rng.uniform(-0.4, 0.4)
            readings.append(Reading("weight", value=round(kg, 1), effective_at=_at(day, 8)))
        low = n % 23 in (5, 6)  # a hard couple of days every few weeks
        readings += [
            Reading("mood", value=2 if low else rng.choice((3, 3, 4, 4, 4, 5)),
                    note="Didn't sleep, everything felt heavy" if low and n % 23 == 5 else None,
                    effective_at=_at(day, 21)),
            Reading("sleep", value=(asleep := rng.randint(330, 450) - (60 if low else 0)),
                    second_value=asleep + rng.randint(20, 70), effective_at=_at(day, 7)),
            Reading("active_minutes", value=min(90, 10 + n // 3 + rng.randint(0, 20)),
                    effective_at=_at(day, 20)),
            Reading("healthy_eating", value=rng.choice((2, 3, 3, 4, 4, 5)),
                    second_value=rng.randint(2, 6), effective_at=_at(day, 20, 30)),
        ]
    await record_readings(uow, her, person_id=ngozi, readings=readings)
    async with uow.db.reading() as session:
        goal_id = await session.scalar(select(RecoveryGoal.id).where(
            RecoveryGoal.person_id == ngozi, RecoveryGoal.title == "Lose weight"))
    if goal_id is not None:
        await goals.update_goal(uow, her, goal_id, target_date=today + dt.timedelta(weeks=12),
                                target_measurement=goals.MeasurementTarget("weight", 85))
    await consents.grant_consent(
        uow, her, person_id=ngozi, grantee_organisation_id=core_arts,
        categories=["physical_health"],
        purpose="So my coaches can see my weight and blood pressure",
        valid_until=AccessPolicy(Principal.system(), rules).now + dt.timedelta(days=365))


async def _belu(uow: UnitOfWork, rules: AccessRules, rng: random.Random, today: dt.date,
                belu: int, core_arts: int) -> None:
    him, gp = await _as(uow, "belu", rules), await _as(uow, "gp-priya", rules)
    amara = await _as(uow, "cc-amara", rules)
    year_ago = today - dt.timedelta(days=365)
    olanzapine = await medication.add_medication(
        uow, amara, person_id=belu, name="Olanzapine", dose="10 mg", doses_per_day=1,
        instructions="At night", started_on=year_ago)
    metformin = await medication.add_medication(
        uow, gp, person_id=belu, name="Metformin", dose="500 mg", doses_per_day=2,
        instructions="With breakfast and with the evening meal", started_on=year_ago)
    await medication.add_medication(uow, him, person_id=belu, name="Paracetamol",
                                    dose="500 mg, one or two tablets", doses_per_day=None,
                                    instructions="For headaches; at most 8 tablets a day")
    weeks = 8
    start = today - dt.timedelta(weeks=weeks)
    doses, moods = [], []
    for n in range((today - start).days):  # today's doses are still to come
        day = start + dt.timedelta(days=n)
        weekend = day.weekday() >= 5
        doses.append(medication.DoseEntry(
            olanzapine.id, DoseStatus.LATE if rng.random() < 0.08 else DoseStatus.TAKEN,
            day, 1))
        doses.append(medication.DoseEntry(metformin.id, DoseStatus.TAKEN, day, 1))
        evening = rng.random()
        if evening < (0.3 if weekend else 0.12):
            doses.append(medication.DoseEntry(metformin.id, DoseStatus.SKIPPED, day, 2,
                                              note="Ate out" if weekend else None))
        elif evening < 0.9:
            doses.append(medication.DoseEntry(metformin.id, DoseStatus.TAKEN, day, 2))
        # else: not recorded at all (missed)
        moods.append(Reading("mood", value=rng.choice((5, 6, 6, 7, 7, 8)),
                             unit="{score_0_10}", effective_at=_at(day, 19)))
    await medication.record_doses(uow, him, doses)
    await record_readings(uow, him, person_id=belu, readings=moods)

    system = AccessPolicy(Principal.system(), rules)
    fitbit = await connections.register_device(
        uow, system, person_id=belu, kind="wearable", label="Fitbit Inspire 3",
        lent_by_organisation_id=core_arts)
    imported = []
    for n in range(1, 12 * 7 + 1):
        day = today - dt.timedelta(days=n)
        imported += [
            DeviceReading(f"steps:{day}", Reading("steps", value=rng.randint(3500, 9500),
                                                  effective_at=start_of_day(day))),
            DeviceReading(f"resting_heart_rate:{day}", Reading(
                "resting_heart_rate", value=rng.randint(66, 74),
                effective_at=start_of_day(day))),
            DeviceReading(f"sleep:{day}", Reading(
                "sleep", value=(asleep := rng.randint(360, 440)),
                second_value=asleep + rng.randint(25, 60), effective_at=_at(day, 6, 50))),
        ]
        if day.weekday() in (0, 3):
            imported.append(DeviceReading(f"weight:{day}", Reading(
                "weight", value=round(101.5 + n / 60 + rng.uniform(-0.3, 0.3), 1),
                effective_at=_at(day, 7, 30))))
    await import_readings(uow, fitbit.id, imported)
