"""The platform's Prometheus metrics (prometheus-client), in one place.

Core records what only core sees (audit writes, the database pool, job attempts); the HTTP
layer (recovery_hub/observability.py) records requests and serves ``/metrics``. Names follow
Prometheus' conventions: ``recovery_hub_`` prefix, base units, ``_total`` for counters,
``_seconds`` for durations. Gauges say how they add up over worker processes
(``multiprocess_mode``), used when ``PROMETHEUS_MULTIPROC_DIR`` is set.

The metrics are made on first use (``metrics()``), not at import: prometheus-client reads
``PROMETHEUS_MULTIPROC_DIR`` when it is imported, which ``recovery-hub serve --workers N``
sets first.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["Metrics", "instrument_pool", "metrics", "timed"]

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass(frozen=True)
class Metrics:
    requests: Any  # Counter recovery_hub_requests_total{route, operation, outcome}
    request_duration: Any  # Histogram recovery_hub_request_duration_seconds{route, operation}
    db_connections: Any  # Gauge recovery_hub_db_connections{state}: in_use, capacity
    audit_write: Any  # Histogram recovery_hub_audit_write_seconds
    jobs: Any  # Gauge recovery_hub_jobs{status}: queued is the queue depth
    job_runs: Any  # Counter recovery_hub_job_runs_total{job, outcome}
    job_duration: Any  # Histogram recovery_hub_job_duration_seconds{job}


@functools.cache
def metrics() -> Metrics:
    from prometheus_client import Counter, Gauge, Histogram

    return Metrics(
        requests=Counter("recovery_hub_requests", "Requests served, by outcome.",
                         ["route", "operation", "outcome"]),
        request_duration=Histogram("recovery_hub_request_duration_seconds",
                                   "Time to answer a request.", ["route", "operation"],
                                   buckets=_LATENCY),
        db_connections=Gauge("recovery_hub_db_connections", "Database connections by state.",
                             ["state"], multiprocess_mode="livesum"),
        audit_write=Histogram("recovery_hub_audit_write_seconds",
                              "Time to append events to the audit trail (lock, chain, insert).",
                              buckets=_LATENCY),
        jobs=Gauge("recovery_hub_jobs", "Background jobs by status; queued is the queue depth.",
                   ["status"], multiprocess_mode="mostrecent"),
        job_runs=Counter("recovery_hub_job_runs", "Background job attempts, by outcome.",
                         ["job", "outcome"]),
        job_duration=Histogram("recovery_hub_job_duration_seconds",
                               "Time a job attempt took.", ["job"],
                               buckets=(*_LATENCY, 60, 300)),
    )


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
    gauge = metrics().db_connections
    gauge.labels(state="capacity").inc(capacity)
    in_use = gauge.labels(state="in_use")

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(*_args: Any) -> None:
        in_use.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(*_args: Any) -> None:
        in_use.dec()
