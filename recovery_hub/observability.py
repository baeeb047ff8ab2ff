"""``/healthz``, ``/readyz`` and Prometheus ``/metrics`` (prometheus-client).

Metrics follow Prometheus' naming conventions (``_total`` counters, ``_seconds`` histograms,
base units). With several worker processes, each process writes its samples to files in
``PROMETHEUS_MULTIPROC_DIR`` (set by ``recovery-hub serve --workers N``) and ``/metrics``,
whichever worker answers, adds them up (prometheus-client's multiprocess mode).

- ``recovery_hub_requests_total{route, operation, outcome}``: requests; outcome ``ok``,
  ``error`` (GraphQL errors), ``refused`` (4xx), ``timeout``, ``failed`` (5xx)
- ``recovery_hub_request_duration_seconds{route, operation}``: their latency
- ``recovery_hub_db_connections{state}``: the pools over all processes, ``in_use`` and
  ``capacity``
- ``recovery_hub_audit_write_seconds``: appending to the audit trail (lock, chain, insert)
- ``recovery_hub_jobs{status}``: background jobs by status (``queued``: the queue depth)
- ``recovery_hub_job_runs_total{job, outcome}``, ``recovery_hub_job_duration_seconds{job}``
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from sqlalchemy import func, select, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.db import Database
from core.jobs.models import BackgroundJob, JobStatus
from core.metrics import metrics
from core.migrate import Heads

__all__ = ["OperationNames", "RequestMetrics", "healthz", "metrics_response", "readiness",
           "record_request"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class OperationNames:
    """Operation names as metric labels, bounded: clients choose them, and each new label
    value is a new time series. Past ``limit`` distinct names, the rest count as ``other``."""

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if not _NAME.match(name):
            return "other"
        if name in self.seen:
            return name
        if len(self.seen) >= self.limit:
            return "other"
        self.seen.add(name)
        return name


def record_request(route: str, operation: str, outcome: str, seconds: float) -> None:
    metrics().requests.labels(route=route, operation=operation, outcome=outcome).inc()
    metrics().request_duration.labels(route=route, operation=operation).observe(seconds)


async def healthz(_request: Request) -> Response:
    """The process is alive and serving: nothing else is asked."""
    return JSONResponse({"status": "ok"})


async def readiness(db: Database, heads: Heads) -> list[str]:
    """What stops this process from serving: empty when ready."""
    problems: list[str] = []
    try:
        async with db.reading() as session:
            await session.execute(text("SELECT 1"))
            found = set(await session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception as error:  # any failure to answer is "not ready", said plainly
        return [f"the database does not answer: {type(error).__name__}"]
    missing = heads.missing(found)
    if missing:
        problems.append(f"the database is not migrated to {', '.join(missing)}: run "
                        "`recovery-hub db upgrade`")
    return problems


async def metrics_response(db: Database) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client import REGISTRY as DEFAULT

    await _read_job_counts(db)
    registry: Any = DEFAULT
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def _read_job_counts(db: Database) -> None:
    async with db.reading() as session:
        counts = dict((await session.execute(
            select(BackgroundJob.status, func.count()).group_by(BackgroundJob.status))).all())
    for status in JobStatus:
        metrics().jobs.labels(status=status.value).set(counts.get(status, 0))


_ROUTES = ("/graphql", "/oauth/token", "/healthz", "/readyz", "/metrics")


def _route(path: str) -> str:
    if path in _ROUTES:
        return path
    return "/oauth/*" if path.startswith("/oauth/") else "other"


def _outcome(status: int, state: dict[str, Any]) -> str:
    if status == 503 and state.get("timed_out"):
        return "timeout"
    if status >= 500:
        return "failed"
    if status >= 400:
        return "refused"
    return "error" if state.get("graphql_errors") else "ok"


class RequestMetrics:
    """ASGI middleware: each request counted by route, GraphQL operation and outcome, and
    timed. The operation name is the one the client sent (bounded: ``OperationNames``)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.operations = OperationNames()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watching(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watching)
        finally:
            state = scope.get("state", {})
            record_request(_route(scope["path"]), self.operations.label(
                state.get("operation_name")), _outcome(status, state),
                time.perf_counter() - started)
