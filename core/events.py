"""Domain events: facts that happened, dispatched to subscribers only after the commit."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "BudgetRequestApproved",
    "BudgetRequestRejected",
    "BudgetRequestSubmitted",
    "BudgetRequestWithdrawn",
    "ConsentGranted",
    "ConsentRevoked",
    "DomainEvent",
    "EventDispatcher",
    "GoalCompleted",
]

log = logging.getLogger("recovery_hub.events")


@dataclass(frozen=True, slots=True)
class DomainEvent:
    name: ClassVar[str]
    person_id: int


@dataclass(frozen=True, slots=True)
class GoalCompleted(DomainEvent):
    name = "goal_completed"
    goal_id: int


@dataclass(frozen=True, slots=True)
class BudgetRequestSubmitted(DomainEvent):
    name = "budget_request_submitted"
    request_id: int


@dataclass(frozen=True, slots=True)
class BudgetRequestApproved(DomainEvent):
    name = "budget_request_approved"
    request_id: int
    total_pence: int
    payment_route: str


@dataclass(frozen=True, slots=True)
class BudgetRequestRejected(DomainEvent):
    name = "budget_request_rejected"
    request_id: int


@dataclass(frozen=True, slots=True)
class BudgetRequestWithdrawn(DomainEvent):
    name = "budget_request_withdrawn"
    request_id: int


@dataclass(frozen=True, slots=True)
class ConsentGranted(DomainEvent):
    name = "consent_granted"
    consent_id: int


@dataclass(frozen=True, slots=True)
class ConsentRevoked(DomainEvent):
    name = "consent_revoked"
    consent_id: int


Subscriber = Callable[[DomainEvent], Awaitable[None] | None]


class EventDispatcher:
    """Calls each subscriber with each event, after the transaction that raised it committed.

    A failing subscriber is logged and does not stop the others: the change it reacts to has
    already happened and cannot be undone by a plugin's error.
    """

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    async def dispatch(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            for subscriber in self._subscribers:
                try:
                    result = subscriber(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    log.exception("event subscriber failed on %s", event.name)
