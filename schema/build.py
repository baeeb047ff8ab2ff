"""Building the schema once, at start-up, with the security limits on every request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from .errors import MaskUnexpectedErrors
from .mutations.budgets import BudgetMutations
from .mutations.consents import ConsentMutations
from .mutations.goals import GoalMutations
from .queries import Query

__all__ = ["SchemaLimits", "build_schema"]


@dataclass(frozen=True, slots=True)
class SchemaLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000


def build_schema(*, development: bool, limits: SchemaLimits | None = None) -> strawberry.Schema:
    """The API schema. Production unless ``development``: no introspection, masked errors."""
    limits = limits or SchemaLimits()
    mutation = merge_types("Mutation", (GoalMutations, BudgetMutations, ConsentMutations))
    # Factories: Strawberry builds a fresh extension for each request.
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
    ]
    if not development:
        extensions += [DisableIntrospection, MaskUnexpectedErrors]
    return strawberry.Schema(
        query=Query,
        mutation=mutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=True),
    )
