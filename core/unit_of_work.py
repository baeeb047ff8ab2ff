"""One transaction per use case; domain events go out only after it commits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from .db import Database
from .devices.registry import Devices
from .events import DomainEvent, EventDispatcher
from .plugins import Plugins, load_plugins

__all__ = ["Transaction", "UnitOfWork"]


@dataclass
class Transaction:
    session: AsyncSession
    events: list[DomainEvent] = field(default_factory=list)

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

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[Transaction]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite). Rolls back on any error."""
        async with self.db.write_session() as session:
            tx = Transaction(session)
            async with session.begin():
                yield tx
        await self.events.dispatch(tx.events)
