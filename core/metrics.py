"""The platform's Prometheus metrics (prometheus-client), in one place.

Core records what only core sees (audit writes, the database pool, job attempts); the HTTP
layer (recovery_hub/observability.py) records requests and serves ``/metrics``. Names follow
Prometheus' conventions: ``recovery_hub_`` prefix, base units, ``_total`` for counters,
``_seconds`` for durations. Gauges say how they add up over worker processes
(``multiprocess_mode``), used when ``PROMETHEUS_MULTIPROC_DIR`` is set.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "AUDIT_WRITE",
    "DB_CONNECTIONS",
    "JOBS",
    "JOB_DURATION",
    "JOB_RUNS",
    "REQUESTS",
    "REQUEST_DURATION",
    "instrument_pool",
    "timed",
]

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Counter("recovery_hub_requests", "Requests served, by outcome.",
                   ["route", "operation", "outcome"])
REQUEST_DURATION = Histogram("recovery_hub_request_duration_seconds",
                             "Time to answer a request.", ["route", "operation"],
                             buckets=_LATENCY)
DB_CONNECTIONS = Gauge("recovery_hub_db_connections", "Database connections by state.",
                       ["state"], multiprocess_mode="livesum")
AUDIT_WRITE = Histogram("recovery_hub_audit_write_seconds",
                        "Time to append events to the audit trail (lock, chain, insert).",
                        buckets=_LATENCY)
JOBS = Gauge("recovery_hub_jobs", "Background jobs by status; queued is the queue depth.",
             ["status"], multiprocess_mode="mostrecent")
JOB_RUNS = Counter("recovery_hub_job_runs", "Background job attempts, by outcome.",
                   ["job", "outcome"])
JOB_DURATION = Histogram("recovery_hub_job_duration_seconds", "Time a job attempt took.",
                         ["job"], buckets=(*_LATENCY, 60, 300))


@contextmanager
def timed(histogram: Any) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)


def instrument_pool(engine: AsyncEngine, capacity: int) -> None:
    """Count connections in use (checked out of the pool) as they come and go, beside how
    many the pool may open (``capacity``: size and overflow)."""
    DB_CONNECTIONS.labels(state="capacity").set(capacity)
    in_use = DB_CONNECTIONS.labels(state="in_use")

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(*_args: Any) -> None:
        in_use.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(*_args: Any) -> None:
        in_use.dec()
