"""Mapping domain errors to GraphQL.

* In a mutation, an error the user caused becomes a ``userErrors`` entry (field, code, message)
  in the payload, and nothing changed.
* In a query, it becomes a GraphQL error whose ``extensions.code`` is the same stable code.
* Anything else is unexpected: in production the client sees only a correlation id; the
  details go to the server log under that id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import ExecutionResult

from core.errors import DomainError

from .context import Context

__all__ = [
    "ExpectedError",
    "MaskUnexpectedErrors",
    "PublicError",
    "UserError",
    "attempt",
    "is_expected",
]

log = logging.getLogger("recovery_hub.graphql")
T = TypeVar("T")


@strawberry.type(description="A problem with the input that the user can fix.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    code: str = strawberry.field(description="Stable, machine-readable: branch on this.")
    message: str = strawberry.field(description="Plain words to show a person.")

    @classmethod
    def from_domain(cls, error: DomainError) -> UserError:
        return cls(field=error.field, code=error.code, message=error.message)


class ExpectedError(GraphQLError):
    """An error the client caused or may see: shown as it is, never masked or logged as a
    server error."""


class PublicError(ExpectedError):
    """An expected domain error in a query (NOT_FOUND, INVALID_CURSOR, ...)."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message, extensions={"code": error.code, "field": error.field})


async def attempt(
    context: Context, action: Callable[[], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Run one use case: its result, or the user errors it raised (and nothing changed)."""
    await context.release_connection()  # the use case takes its own (write) connection
    try:
        result = await action()
    except DomainError as error:
        return None, [UserError.from_domain(error)]
    await context.after_write()
    return result, []


def is_expected(error: GraphQLError) -> bool:
    # Validation and parse errors have no original error; ours are PublicError. A malformed
    # global ID (``node(id: "garbage")``) is the client's mistake, not ours.
    return (
        error.original_error is None
        or isinstance(error, ExpectedError)
        or isinstance(error.original_error, ExpectedError | GlobalIDValueError)
    )


class MaskUnexpectedErrors(SchemaExtension):
    """Replace unexpected errors with a message and a correlation id; log the original."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        # By now this is usually graphql-core's result, not Strawberry's.
        if isinstance(result, ExecutionResult | GraphQLExecutionResult) and result.errors:
            result.errors = [self._mask(error) for error in result.errors]

    def _mask(self, error: GraphQLError) -> GraphQLError:
        if isinstance(error.original_error, GlobalIDValueError):
            # The client's mistake, but its message tells which type names exist.
            return GraphQLError(
                "No record with that ID was found.", nodes=error.nodes, source=error.source,
                positions=error.positions, path=error.path, extensions={"code": "NOT_FOUND"},
            )
        if is_expected(error):
            return error
        correlation_id = uuid.uuid4().hex[:16]
        log.error("unexpected error %s", correlation_id, exc_info=error.original_error)
        extensions: dict[str, Any] = {"code": "INTERNAL_ERROR", "correlationId": correlation_id}
        return GraphQLError(
            f"Something went wrong on our side. If it keeps happening, quote {correlation_id}.",
            nodes=error.nodes, source=error.source, positions=error.positions,
            path=error.path, extensions=extensions,
        )
