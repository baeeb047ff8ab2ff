"""Recording the domain events a unit of work dispatches."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.events import DomainEvent
from core.unit_of_work import UnitOfWork

__all__ = ["EventLog"]


@dataclass
class EventLog:
    """Subscribes to ``uow.events`` and keeps every event it is given, in order."""

    events: list[DomainEvent] = field(default_factory=list)

    @classmethod
    def listening_to(cls, uow: UnitOfWork) -> EventLog:
        log = cls()
        uow.events.subscribe(log.events.append)
        return log

    def of(self, kind: type[DomainEvent]) -> list[DomainEvent]:
        return [event for event in self.events if isinstance(event, kind)]

    def clear(self) -> None:
        self.events.clear()
