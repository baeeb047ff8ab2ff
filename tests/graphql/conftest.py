"""Fixtures for the GraphQL API tests."""

from __future__ import annotations

import pytest

from tests.support.graphql import GraphQLClient
from tests.support.world import World


@pytest.fixture
def client(world: World) -> GraphQLClient:
    """Runs operations in-process, as a request would, as any user of the world."""
    return GraphQLClient(world.uow)
