"""Cursor connections: opaque keyset cursors, a capped page size."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from strawberry import relay

from core.errors import InvalidInput
from core.paging import Page

from .errors import PublicError

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "connection", "window"]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_PREFIX = "cursor"
N = TypeVar("N")


def window(first: int | None, after: str | None) -> tuple[int, int | None]:
    """Validate ``first``/``after``: the page size and the id to continue after."""
    size = DEFAULT_PAGE_SIZE if first is None else first
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise PublicError(InvalidInput(
            f"first must be between 1 and {MAX_PAGE_SIZE}.", code="INVALID_PAGE_SIZE",
            field="first"))
    if after is None:
        return size, None
    try:
        prefix, raw = relay.from_base64(after)
        after_id = int(raw)
    except (ValueError, TypeError):
        after_id = -1
        prefix = ""
    if prefix != _PREFIX or after_id < 0:
        raise PublicError(InvalidInput("That cursor is not valid: use a cursor from pageInfo.",
                                       code="INVALID_CURSOR", field="after"))
    return size, after_id


def _cursor(pk: int) -> str:
    return relay.to_base64(_PREFIX, pk)


def connection(
    found: Page[Any], after: int | None, node: Callable[[Any], N] = lambda row: row
) -> relay.Connection[N]:
    items: Sequence[Any] = found.items
    edges = [relay.Edge(node=node(item), cursor=_cursor(item.id)) for item in items]
    return relay.Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=found.has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
