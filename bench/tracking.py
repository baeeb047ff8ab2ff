"""A year of daily self-tracking for the people who track (``Scale.tracked_people``, the
benchmark person first): a weight from smart scales every morning and a mood every evening,
as the wearables and apps of an SMI population would send them.

Rows go straight to the loader (COPY on PostgreSQL), in the columns the API stores; the
series scenario then aggregates a year of them for one person (bench/scenarios.py).
"""

from __future__ import annotations

import datetime as dt
import random

from core.observations.rules import start_of_day

from .load import Rows
from .population import Population
from .scales import HISTORY_ENDS, Scale

__all__ = ["TRACKED_DAYS", "write_tracking"]

TRACKED_DAYS = 365
_FLUSH_EVERY = 100  # people: a year of two kinds each is 730 rows


def _people(population: Population, scale: Scale) -> list[int]:
    first = population.bench_person
    others = [pid for pid in range(1, scale.people + 1) if pid != first]
    return [first, *others][:scale.tracked_people]


async def write_tracking(population: Population, scale: Scale, rows: Rows,
                         rng: random.Random) -> None:
    if not scale.tracked_people or not rows.has("observation"):
        return
    last = HISTORY_ENDS.date() - dt.timedelta(days=1)
    days = [last - dt.timedelta(days=n) for n in range(TRACKED_DAYS - 1, -1, -1)]
    midnights = [start_of_day(day) for day in days]
    for n, pid in enumerate(_people(population, scale), start=1):
        weight = rng.uniform(60, 130)
        mood = rng.randint(2, 4)
        for day, midnight in zip(days, midnights, strict=True):
            weight = min(340.0, max(25.0, weight + rng.uniform(-0.25, 0.22)))
            mood = min(5, max(1, mood + rng.choice((-1, 0, 0, 0, 1))))
            weighed = midnight + dt.timedelta(hours=7, minutes=rng.randint(0, 59))
            rated = midnight + dt.timedelta(hours=21, minutes=rng.randint(0, 59))
            rows.add("observation", (rows.next_id("observation"), pid, "weight",
                                     "physical_health", weighed, day, round(weight, 1), "kg",
                                     "final", "device", weighed))
            rows.add("observation", (rows.next_id("observation"), pid, "mood", "wellbeing",
                                     rated, day, float(mood), "{score_1_5}", "final",
                                     "person", rated))
        if n % _FLUSH_EVERY == 0:
            await rows.flush()
