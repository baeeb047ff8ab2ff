"""``python -m bench generate --scale borough --database-url URL``: recreate, migrate, load."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

from core.plugins import load_plugins

from .load import Rows, open_writer, recreate_database
from .population import Population, build_population, nhs_numbers
from .records import PersonRecords, Pots
from .scales import PLUGINS_FILE, Scale
from .tracking import write_tracking
from .trail import write_trail

__all__ = ["Generated", "generate", "record"]

SEED = 20261101
_CHUNK = 2_000  # people per random stream: the data does not depend on batch sizes


@dataclass
class Generated:
    scale: str
    url: str
    seconds: float
    rows: dict[str, int]
    population: Population

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


async def generate(scale: Scale, url: str, *, log: bool = True,
                   recreate: bool = True) -> Generated:
    """Recreate the database at ``url`` and fill it with ``scale``'s data. Deterministic.

    ``recreate=False`` loads into an existing, migrated and empty database instead.
    """
    started = time.perf_counter()
    plugins = load_plugins(Path(PLUGINS_FILE))
    if recreate:
        await recreate_database(url, plugins)
    writer = await open_writer(url)
    rows = Rows(writer)
    population, assignment = build_population(scale, rows, random.Random(SEED))
    pots = Pots.open(rows, population)
    records = PersonRecords(population, rows, pots, plugins)
    numbers = nhs_numbers(scale.people)
    for chunk_start in range(0, scale.people, _CHUNK):
        rng = random.Random(SEED + 1 + chunk_start // _CHUNK)
        for index in range(chunk_start, min(chunk_start + _CHUNK, scale.people)):
            records.add(rng, index, assignment[index], numbers[index])
        await rows.flush()
        if log and chunk_start % 50_000 == 0 and chunk_start:
            print(f"  {chunk_start:,} people ({time.perf_counter() - started:.0f} s)")
    coordinator = population.mutation.workers[0]
    records.add_drafts(scale.drafts, coordinator)
    pots.close(rows)
    await rows.flush(full=True)
    await write_tracking(population, scale, rows, random.Random(SEED + 13))
    await rows.flush(full=True)
    await write_trail(population, rows, random.Random(SEED - 1))
    await writer.finish()
    seconds = time.perf_counter() - started
    counts = {table: count for table, count in rows.counts.items() if count}
    if log:
        print(f"generated {scale.name}: {sum(counts.values()):,} rows in {seconds:.1f} s")
    return Generated(scale.name, url, seconds, counts, population)


def record(generated: Generated, path: Path) -> None:
    """Remember how a database was generated, so that ``run --reuse`` can measure it again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"scale": generated.scale, "seconds": generated.seconds,
                                "rows": generated.rows}))
