"""Building the schema once, at start-up, with the security limits on every request."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.relay.fields import NodeExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.field import StrawberryField

from core.permissions import AccessRules
from core.plugins import Plugins

from .audit import AuditReads
from .composition import Contributions, collect_contributions, fields_added, merged_root
from .errors import MaskUnexpectedErrors, is_expected
from .guards import check_person_data_fields
from .limits import InputLimits
from .mutations.access import AccessMutations
from .mutations.budgets import BudgetMutations
from .mutations.consents import ConsentMutations
from .mutations.devices import DeviceMutations
from .mutations.goals import GoalMutations
from .mutations.medication import MedicationMutations
from .mutations.notifications import NotificationMutations
from .mutations.observations import ObservationMutations
from .queries import Query

__all__ = ["SchemaLimits", "build_schema"]


class _ReusableNodeExtension(NodeExtension):
    """``relay.node()`` that can be part of more than one schema.

    Strawberry applies field extensions each time a schema is built, and ``NodeExtension``
    asserts it runs once (strawberry#3823): a second ``create_app()`` in one process (a
    production and a development app, or different limits) failed. The resolver it installs
    depends only on the field's type, so the first one serves every schema.
    """

    def apply(self, field: StrawberryField) -> None:
        if field.base_resolver is None:
            super().apply(field)


def _reusable_node_fields(type_: type) -> None:
    for field in type_.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        field.extensions = [
            _ReusableNodeExtension() if type(extension) is NodeExtension else extension
            for extension in field.extensions
        ]


_reusable_node_fields(Query)


_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


class _Schema(strawberry.Schema):
    """No "Did you mean" hints at all: they map the schema for someone without introspection.

    Strawberry's ``disable_field_suggestions`` removes them only from unknown-field errors;
    graphql-core also suggests arguments, input fields, types and enum values.
    """

    @staticmethod
    def remove_field_suggestion(error: GraphQLError) -> None:
        error.message = _SUGGESTION.sub("", error.message)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Refusals and bad input are logged by the policy (with their rule), not as errors.
        unexpected = [error for error in errors if not is_expected(error)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


@dataclass(frozen=True, slots=True)
class SchemaLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000
    # Literals in the query itself (variables are checked on arrival: recovery_hub/limits.py).
    max_list_entries: int = 500
    max_text_length: int = 50_000


def build_schema(
    *,
    development: bool,
    rules: AccessRules,
    plugins: Plugins | None = None,
    limits: SchemaLimits | None = None,
) -> strawberry.Schema:
    """The API schema, core's and the plugins'. Production unless ``development``: no
    introspection, masked errors.

    Built once at start-up; refuses a person's field without a known data category, and any
    name two contributors share.
    """
    limits = limits or SchemaLimits()
    contributions = collect_contributions(plugins) if plugins else Contributions()
    core_mutation = merge_types("Mutation", (GoalMutations, BudgetMutations, ConsentMutations,
                                             AccessMutations, NotificationMutations,
                                             ObservationMutations, MedicationMutations,
                                             DeviceMutations))
    query = merged_root("Query", Query, contributions.queries)
    mutation = merged_root("Mutation", core_mutation, contributions.mutations)
    # Factories: Strawberry builds a fresh extension for each request.
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        InputLimits.factory(limits.max_list_entries, limits.max_text_length),
        AuditReads,
    ]
    if not development:
        extensions += [DisableIntrospection, MaskUnexpectedErrors]
    with fields_added(contributions.fields):
        schema = _Schema(
            query=query,
            mutation=mutation,
            types=contributions.types,
            extensions=extensions,
            config=StrawberryConfig(disable_field_suggestions=True),
        )
        check_person_data_fields(schema, set(rules.categories))
    return schema
