"""Fixtures for the authorization server's tests: the app in production mode over HTTP, on
SQLite and PostgreSQL, with three registered clients and the world's accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.oauth import Hub, hub
from tests.support.world import World


@pytest.fixture
async def oauth_hub(world: World, database_url: str) -> AsyncIterator[Hub]:
    async with hub(world, database_url) as running:
        yield running
