"""Relay ``Node`` support for types whose values are SQLAlchemy rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from core.errors import NotFound

from ..context import Context
from ..errors import PublicError

__all__ = ["ModelNode", "resolve_model_nodes"]


def _parse(node_id: str) -> int | None:
    try:
        pk = int(node_id)
    except ValueError:
        return None
    return pk if pk > 0 else None


async def resolve_model_nodes(
    loader: DataLoader[int, Any], node_ids: Iterable[str], required: bool
) -> list[Any]:
    """Load rows for ``node(id)``; a row you may not see is indistinguishable from none."""
    keys = [_parse(node_id) for node_id in node_ids]
    found = await loader.load_many([key for key in keys if key is not None])
    by_key = dict(zip([k for k in keys if k is not None], found, strict=True))
    rows = [by_key.get(key) if key is not None else None for key in keys]
    if required and any(row is None for row in rows):
        raise PublicError(NotFound("record"))
    return rows


class ModelNode:
    """Mixin for Strawberry node types backed by a model class ``__model__``.

    ``loader_name`` names the ``Loaders`` attribute that fetches rows by id through the policy;
    a plugin's type whose loaders live elsewhere overrides ``loader``.
    """

    __model__: type[Any]
    loader_name: str

    @classmethod
    def loader(cls, info: Info[Context, None]) -> DataLoader[int, Any]:
        return getattr(info.context.loaders, cls.loader_name)  # type: ignore[no-any-return]

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, cls | cls.__model__)

    @classmethod
    def resolve_id(cls, root: Any, *, info: Info) -> str:
        return str(root.id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await resolve_model_nodes(cls.loader(info), node_ids, required)
