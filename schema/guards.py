"""Field-level enforcement: every field of a person's data carries a data category.

``data(category)`` declares a field (or decorates a resolver) with a ``CategoryGuard``. The
guard asks the request's policy (already primed by the loaders, so it costs a dict lookup)
whether the principal may read that category of that person; if not, the field is ``null``
with an error whose ``extensions.code`` is ``FORBIDDEN`` and which names the category. Plugin
fields get the same enforcement by declaring their category the same way.

Some data carries its category with it: an observation is ``physical_health`` or
``wellbeing`` by its kind. ``data_of(category_of)`` declares such a field: the category comes
from the row (or the field's arguments: a series of the kind asked for) when it resolves.

``check_person_data_fields`` runs when the schema is built: a field of a person-data type
without a category, or one that could not be null when refused, stops start-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition, StrawberryOptional

from core import models
from core.permissions import Action, ConfigurationError
from core.policy import AccessPolicy, PersonAccess

from .errors import ExpectedError

__all__ = [
    "CategoryGuard",
    "CategoryOf",
    "FieldForbidden",
    "check_person_data_fields",
    "data",
    "data_of",
]


class FieldForbidden(ExpectedError):
    """A refused field: expected, safe to show, never masked."""

    def __init__(self, category: str) -> None:
        super().__init__(
            f"You may not see this person's {category.replace('_', ' ')} information.",
            extensions={"code": "FORBIDDEN", "category": category},
        )


def person_of(root: Any) -> int:
    """Whose data a row is: a Person is their own; every other person-data row says."""
    if isinstance(root, models.Person):
        return root.id
    return int(root.person_id)


class CategoryGuard(FieldExtension):
    def __init__(self, category: str) -> None:
        self.category = category

    def category_for(self, source: Any, info: Info, kwargs: dict[str, Any]) -> str:
        """The category this field has for this row and these arguments."""
        return self.category

    def _enforce(self, policy: AccessPolicy, access: PersonAccess, person_id: int,
                 category: str) -> None:
        decision = policy.decide_cached(access, Action.READ, [category])
        if not decision.allowed:
            policy.log_refusal(Action.READ, person_id, decision)
            raise FieldForbidden(category)
        policy.note_read(person_id, category)

    async def _primed_then(self, next_: Callable[..., Any], source: Any, info: Info,
                           kwargs: dict[str, Any]) -> Any:
        policy: AccessPolicy = info.context.policy
        person_id = person_of(source)
        category = self.category_for(source, info, kwargs)
        await policy.prime(info.context.session, [person_id])
        self._enforce(policy, policy.known(person_id), person_id,  # type: ignore[arg-type]
                      category)
        result = next_(source, info, **kwargs)
        return await result if isinstance(result, Awaitable) else result

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        policy: AccessPolicy = info.context.policy
        person_id = person_of(source)
        access = policy.known(person_id)
        if access is None:  # not loaded through a loader: ask the database first
            return self._primed_then(next_, source, info, kwargs)
        self._enforce(policy, access, person_id, self.category_for(source, info, kwargs))
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        return await self._primed_then(next_, source, info, kwargs)


def data(category: str, **kwargs: Any) -> Any:
    """A field of a person's data, readable only with ``category``. Use as a field default
    (``title: str | None = data("recovery_plan")``) or as a resolver decorator."""
    return strawberry.field(extensions=[CategoryGuard(category)], **kwargs)


class CategoryOf(CategoryGuard):
    """A field whose category is worked out when it resolves: ``category_of(row, info,
    arguments)`` names it (an observation's own ``category``; the category of the kind a
    series asks for). It may raise an expected error for arguments that name nothing (an
    unknown kind). ``described`` says where the category comes from, for the schema check."""

    def __init__(self, category_of: Callable[[Any, Info, dict[str, Any]], str],
                 described: str) -> None:
        super().__init__(described)
        self._category_of = category_of

    def category_for(self, source: Any, info: Info, kwargs: dict[str, Any]) -> str:
        return self._category_of(source, info, kwargs)


def data_of(category_of: Callable[[Any, Info, dict[str, Any]], str], *, described: str,
            **kwargs: Any) -> Any:
    """A field of a person's data whose category depends on the row or the arguments; use
    like ``data``. An unknown category is refused like one the principal may not read."""
    return strawberry.field(extensions=[CategoryOf(category_of, described)], **kwargs)


def check_person_data_fields(schema: strawberry.Schema, known_categories: set[str]) -> None:
    """Refuse to start with a person's field that has no category, or an unknown one."""
    problems: list[str] = []
    for name in sorted(schema._schema.type_map):
        definition = schema.get_type_by_name(name)
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        if not getattr(definition.origin, "__person_data__", False):
            continue
        for field in definition.fields:
            if (field.graphql_name or field.name) == "id":  # the global ID: opaque, not data
                continue
            guards = [e for e in field.extensions if isinstance(e, CategoryGuard)]
            where = f"{definition.name}.{field.name}"
            if not guards:
                problems.append(f"{where} is a person's data but has no data category")
            elif (not isinstance(guards[0], CategoryOf)
                  and guards[0].category not in known_categories):
                problems.append(f"{where} names unknown data category {guards[0].category!r}")
            elif not isinstance(field.type, StrawberryOptional):
                problems.append(f"{where} must be nullable: a refused field is null")
    if problems:
        raise ConfigurationError("; ".join(problems))
