"""One transaction per use case; domain events go out only after it commits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from .db import Database
from .devices.registry import Devices
from .events import DomainEvent, EventDispatcher
from .plugins import Plugins, load_plugins

if TYPE_CHECKING:
    from .jobs.definitions import JobRegistry
    from .notifications.mail import MailSettings

__all__ = ["JobDelivery", "Transaction", "UnitOfWork"]

# Hands jobs committed by a transaction to this process's job runner (core.jobs.runner).
JobDelivery = Callable[[Sequence[int]], Awaitable[None]]


@dataclass
class Transaction:
    session: AsyncSession
    uow: UnitOfWork
    events: list[DomainEvent] = field(default_factory=list)
    # Background jobs enqueued in this transaction (core.jobs.enqueue), by row id.
    enqueued: list[int] = field(default_factory=list)

    def emit(self, event: DomainEvent) -> None:
        self.events.append(event)


class UnitOfWork:
    """What services need from the platform: the database, where events go, the plugins'
    rules (approval steps, item checks), and the device providers with their token vault."""

    def __init__(
        self,
        db: Database,
        events: EventDispatcher | None = None,
        plugins: Plugins | None = None,
        devices: Devices | None = None,
    ) -> None:
        self.db = db
        self.events = events or EventDispatcher()
        # None configured unless the platform built them (core/devices/registry.py).
        self.devices = devices or Devices()
        # Core's defaults alone unless the platform loaded plugins.
        self.plugins = plugins or load_plugins(None, entries=[], entry_points=False)
        self.events.subscribe(lambda event: self.plugins.dispatch(event, self))
        self._jobs: JobRegistry | None = None
        # Set by a running job runner (core.jobs.runner.JobRunner) in this process.
        self.job_delivery: JobDelivery | None = None
        # Where notifications are emailed; None: no email (set from the SMTP settings).
        self.mail: MailSettings | None = None

    @property
    def jobs(self) -> JobRegistry:
        """Every background job core and the plugins define, collected once."""
        if self._jobs is None:
            from .jobs.definitions import job_registry

            self._jobs = job_registry(self.plugins)
        return self._jobs

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Transaction]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite). Rolls back on any error."""
        async with self.db.write_session() as session:
            tx = Transaction(session, self)
            async with session.begin():
                yield tx
        if tx.enqueued and self.job_delivery is not None:
            await self.job_delivery(tx.enqueued)
        await self.events.dispatch(tx.events)
