"""Fixtures for the service tests (on top of tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.support.event_log import EventLog
from tests.support.world import World


@pytest.fixture
def events(world: World) -> EventLog:
    """Every domain event the world's unit of work dispatches once the world is built."""
    return EventLog.listening_to(world.uow)
