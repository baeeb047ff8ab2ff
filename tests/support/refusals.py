"""Checking that a use case refuses, with a coded error, and leaves the database as it was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import pytest

from core.errors import DomainError

__all__ = ["raises", "refused"]

E = TypeVar("E", bound=DomainError)


async def refused(
    unchanged: Callable[[], AbstractAsyncContextManager[None]],
    kind: type[E],
    call: Awaitable[Any],
) -> E:
    """Await ``call`` inside ``unchanged()``; it must raise ``kind``, which is returned."""
    async with unchanged():
        with pytest.raises(kind) as error:
            await call
    return error.value


async def raises(kind: type[E], call: Awaitable[Any]) -> E:
    """Await ``call``; it must raise ``kind``, which is returned. For a group of refusals
    inside one ``async with unchanged():`` (each use case is its own transaction, so one
    snapshot either side shows that none of them changed anything)."""
    with pytest.raises(kind) as error:
        await call
    return error.value
