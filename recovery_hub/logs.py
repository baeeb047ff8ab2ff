"""Logging, configured once per process with structlog.

Everything goes through the standard library's ``logging`` (core, plugins, uvicorn, SQLAlchemy,
APScheduler log there) and out of one handler on stderr, rendered by structlog: one JSON
object a line in production (for a log collector), readable lines in development. Every line
logged while a request is served carries its ``request_id`` (structlog's context variables),
so an operator can follow one request, and an error's ``correlation_id`` leads to its lines.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal, TextIO

import structlog

__all__ = ["bind_request", "configure_logging", "get_logger"]

_LOUD_LIBRARIES = {
    # A line per job and per schedule pass at INFO: useful when debugging, noise otherwise.
    "apscheduler": logging.WARNING,
    "alembic": logging.WARNING,  # /readyz reads the migrations once: its set-up lines
    "aiosqlite": logging.WARNING,
    "asyncio": logging.WARNING,
}


def _drop_color_message(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """uvicorn passes a coloured copy of some messages as the extra ``color_message``; the
    message itself is already there, so the copy (with its escape codes) is dropped."""
    event.pop("color_message", None)
    return event


def configure_logging(
    *, format: Literal["json", "console"] = "json", level: str = "INFO",
    stream: TextIO | None = None,
) -> None:
    """Send every logger's records to ``stream`` (stderr), rendered as ``format``.

    Safe to call again (tests, a worker process after the parent): it replaces the handler.
    """
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
        # Which worker process wrote it (``serve --workers N``).
        structlog.processors.CallsiteParameterAdder(
            [structlog.processors.CallsiteParameter.PROCESS]),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (structlog.processors.JSONRenderer() if format == "json"
                     else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    ))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name, floor in _LOUD_LIBRARIES.items():
        logging.getLogger(name).setLevel(max(floor, logging.getLevelName(level)))
    # uvicorn installs its own handlers; its records go through ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True


def bind_request(request_id: str) -> None:
    """Tag every line logged from now on in this task (one request) with its id."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)


def get_logger(name: str) -> Any:
    """A structlog logger (``log.info("event", key=value)``) that ends in the same handler."""
    return structlog.stdlib.get_logger(name)
