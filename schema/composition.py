"""Composing the schema from core and plugin contributions, once, at start-up.

Plugins contribute types, fields on core types, queries and mutations (core/hookspecs.py).
Names carry the plugin's prefix — ``CoreArtsSession``, ``coreArtsSessions`` — and a clash
stops start-up naming both contributors. A field added to a person-data type must declare a
known data category (``schema.guards.data``): it gets the policy engine's check like core's
own, and ``check_person_data_fields`` runs on the result as well.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.types.base import (
    StrawberryObjectDefinition,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case, to_snake_case

from core.hookspecs import FieldContribution
from core.permissions import ConfigurationError
from core.plugins import Plugins, data_categories

from .guards import CategoryGuard, CategoryOf
from .types.budgets import Budget, BudgetRequest, FundingPot
from .types.consents import Consent
from .types.goals import RecoveryGoal
from .types.organisations import Organisation, StaffMember, Team
from .types.people import Person

__all__ = ["Contributions", "collect_contributions", "fields_added", "merged_root"]

# Core types plugins may add fields to, by GraphQL name.
EXTENSIBLE_TYPES: dict[str, type] = {
    t.__strawberry_definition__.name: t  # type: ignore[attr-defined]
    for t in (Person, RecoveryGoal, Budget, BudgetRequest, Consent, FundingPot, Organisation,
              Team, StaffMember)
}


@dataclass
class Contributions:
    types: list[type] = field(default_factory=list)
    queries: list[tuple[str, type]] = field(default_factory=list)
    mutations: list[tuple[str, type]] = field(default_factory=list)
    fields: list[tuple[str, FieldContribution]] = field(default_factory=list)


def type_prefix(plugin: str) -> str:
    """``core_arts`` -> ``CoreArts``: the start of the plugin's GraphQL type names."""
    camel = to_camel_case(plugin)
    return camel[:1].upper() + camel[1:]


def _definition(cls: type, plugin: str, what: str) -> StrawberryObjectDefinition:
    if not has_object_definition(cls):
        raise ConfigurationError(f"plugin {plugin!r}: {what} {cls!r} is not a Strawberry type")
    return cls.__strawberry_definition__  # type: ignore[attr-defined,no-any-return]


def _check_category(plugin: str, contribution: FieldContribution,
                    categories: dict[str, str]) -> None:
    """A field on a person's data declares a known category and can be null when refused."""
    if not getattr(EXTENSIBLE_TYPES[contribution.on], "__person_data__", False):
        return
    where = f"plugin {plugin!r}: field {contribution.on}.{contribution.name}"
    guards = [extension for extension in getattr(contribution.field, "extensions", [])
              if isinstance(extension, CategoryGuard)]
    if not guards:
        raise ConfigurationError(
            f"{where} is a person's data but has no data category; declare it with "
            "schema.guards.data(<category>)"
        )
    if not isinstance(guards[0], CategoryOf) and guards[0].category not in categories:
        raise ConfigurationError(
            f"{where} names unknown data category {guards[0].category!r}; known: "
            f"{', '.join(sorted(categories))}"
        )
    if not isinstance(contribution.field.type, StrawberryOptional):
        raise ConfigurationError(f"{where} must be nullable: a refused field is null")


def collect_contributions(plugins: Plugins) -> Contributions:
    found = Contributions()
    type_owners: dict[str, str] = {}
    for plugin, types in plugins.implementations("register_types"):
        for cls in types or []:
            name = _definition(cls, plugin, "type").name
            if not name.startswith(type_prefix(plugin)):
                raise ConfigurationError(
                    f"plugin {plugin!r}: type {name!r} must start with {type_prefix(plugin)!r}"
                )
            if name in type_owners:
                raise ConfigurationError(
                    f"type {name!r} is contributed by both plugin {type_owners[name]!r} and "
                    f"plugin {plugin!r}"
                )
            type_owners[name] = plugin
            found.types.append(cls)
    for hook, bucket in (("register_queries", found.queries),
                         ("register_mutations", found.mutations)):
        for plugin, roots in plugins.implementations(hook):
            for cls in roots or []:
                for root_field in _definition(cls, plugin, "root type").fields:
                    name = root_field.graphql_name or to_camel_case(root_field.python_name)
                    if not name.startswith(to_camel_case(plugin)):
                        raise ConfigurationError(
                            f"plugin {plugin!r}: field {name!r} must start with "
                            f"{to_camel_case(plugin)!r}"
                        )
                bucket.append((plugin, cls))
    categories = data_categories(plugins)
    for plugin, contributions in plugins.implementations("register_fields"):
        for contribution in contributions or []:
            if contribution.on not in EXTENSIBLE_TYPES:
                raise ConfigurationError(
                    f"plugin {plugin!r}: cannot add a field to {contribution.on!r}; "
                    f"extensible types: {', '.join(sorted(EXTENSIBLE_TYPES))}"
                )
            if not contribution.name.startswith(to_camel_case(plugin)):
                raise ConfigurationError(
                    f"plugin {plugin!r}: field {contribution.on}.{contribution.name} must "
                    f"start with {to_camel_case(plugin)!r}"
                )
            if (not isinstance(contribution.field, StrawberryField)
                    or contribution.field.base_resolver is None):
                raise ConfigurationError(
                    f"plugin {plugin!r}: field {contribution.on}.{contribution.name} must be "
                    "a strawberry.field or schema.guards.data(...) with a resolver"
                )
            _check_category(plugin, contribution, categories)
            found.fields.append((plugin, contribution))
    return found


def _names(cls: type) -> list[str]:
    return [f.graphql_name or to_camel_case(f.python_name)
            for f in cls.__strawberry_definition__.fields]  # type: ignore[attr-defined]


def merged_root(name: str, core: type, contributed: list[tuple[str, type]]) -> type:
    """Query or Mutation: core's fields plus the plugins', refusing any clash by name."""
    owners = {field_name: "core" for field_name in _names(core)}
    for plugin, cls in contributed:
        for field_name in _names(cls):
            if field_name in owners:
                raise ConfigurationError(
                    f"{name}.{field_name} is contributed by both {owners[field_name]!r} and "
                    f"plugin {plugin!r}"
                )
            owners[field_name] = plugin
    if not contributed:
        return core
    return strawberry.type(type(name, (core, *(cls for _, cls in contributed)), {}))


@contextmanager
def fields_added(contributions: list[tuple[str, FieldContribution]]) -> Iterator[None]:
    """Add plugin fields to core types while one schema is built, then put them back.

    The schema keeps what it converted; the classes stay as core defined them, so a schema
    built later with other plugins enabled does not see these fields.
    """
    saved: dict[type, list[StrawberryField]] = {}
    owners: dict[tuple[str, str], str] = {}
    try:
        for plugin, contribution in contributions:
            cls = EXTENSIBLE_TYPES[contribution.on]
            definition: StrawberryObjectDefinition = cls.__strawberry_definition__  # type: ignore[attr-defined]
            saved.setdefault(cls, list(definition.fields))
            for existing in definition.fields:
                existing_name = existing.graphql_name or to_camel_case(existing.python_name)
                owners.setdefault((contribution.on, existing_name), "core")
            key = (contribution.on, contribution.name)
            if key in owners:
                raise ConfigurationError(
                    f"{contribution.on}.{contribution.name} is contributed by both "
                    f"{owners[key]!r} and plugin {plugin!r}"
                )
            owners[key] = plugin
            added: Any = copy.copy(contribution.field)
            added.python_name = to_snake_case(contribution.name)
            added.graphql_name = contribution.name
            added.origin = cls
            definition.fields = [*definition.fields, added]
        yield
    finally:
        for cls, original in saved.items():
            cls.__strawberry_definition__.fields = original  # type: ignore[attr-defined]
