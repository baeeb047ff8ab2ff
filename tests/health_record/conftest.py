"""Fixtures for the health record's tests (on top of tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.support.graphql import GraphQLClient
from tests.support.world import World


@pytest.fixture
def client(world: World) -> GraphQLClient:
    return GraphQLClient(world.uow)
