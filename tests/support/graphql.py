"""Running GraphQL operations in-process, the way a request would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry import relay

from core.principal import Principal
from core.services.accounts import principal_for_username
from core.unit_of_work import UnitOfWork
from schema.build import build_schema
from schema.context import Context

from .world import RULES

__all__ = ["GraphQLClient", "Result", "gid"]

_SCHEMA: dict[bool, strawberry.Schema] = {}


def gid(type_name: str, pk: int) -> str:
    """The global ID of a row."""
    return relay.to_base64(type_name, pk)


@dataclass
class Result:
    data: Any
    errors: list[dict[str, Any]] = field(default_factory=list)

    def payload(self, name: str) -> dict[str, Any]:
        """A mutation's payload; asserts there were no GraphQL-level errors."""
        assert not self.errors, self.errors
        return self.data[name]  # type: ignore[no-any-return]

    @property
    def codes(self) -> list[str | None]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]


class GraphQLClient:
    def __init__(self, uow: UnitOfWork, *, development: bool = False) -> None:
        self.uow = uow
        if development not in _SCHEMA:
            _SCHEMA[development] = build_schema(development=development, rules=RULES)
        self.schema = _SCHEMA[development]

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, as_user: str | None
    ) -> Result:
        async with self.uow.db.read_session() as session:
            if as_user is None:
                principal = Principal.anonymous()
            else:
                found = await principal_for_username(session, as_user)
                assert found is not None, as_user
                principal = found
            await session.commit()
            context = Context.build(self.uow, session, principal, RULES)
            result = await self.schema.execute(query, variable_values=variables,
                                               context_value=context)
        errors = [error.formatted for error in result.errors or []]
        return Result(data=result.data, errors=errors)
