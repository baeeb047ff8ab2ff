"""Roles, data categories and what each role may do: the rules the policy engine applies.

Plugins declare roles and categories through hooks (core/hookspecs.py); the composition root
collects them once at start-up into one ``AccessRules``. A role can only widen what a staff
member may do *within* a care relationship and the person's consent: the policy engine checks
those first.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .categories import CORE_CATEGORIES

__all__ = ["Action", "AccessRules", "ConfigurationError", "Role", "READ_ONLY", "READ_WRITE"]


class Action(enum.StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    APPROVE = "approve"


READ_ONLY = frozenset({Action.READ})
READ_WRITE = frozenset({Action.READ, Action.CREATE, Action.UPDATE})


class ConfigurationError(Exception):
    """The platform cannot start: a plugin or a setting is wrong. The message says which."""


@dataclass(frozen=True)
class Role:
    """A role a staff member can hold in a team, e.g. ``elft.care_coordinator``."""

    name: str
    title: str
    # data category -> the actions this role may take on it
    permissions: Mapping[str, frozenset[Action]] = field(default_factory=dict)
    description: str = ""


class AccessRules:
    """All categories and roles, validated. Built once; read by every request."""

    def __init__(
        self,
        categories: Mapping[str, str] | None = None,
        roles: Iterable[tuple[str, Role]] = (),
    ) -> None:
        """``roles`` pairs each role with the name of the plugin that declared it."""
        self.categories: dict[str, str] = dict(categories or CORE_CATEGORIES)
        self.roles: dict[str, Role] = {}
        self._declared_by: dict[str, str] = {}
        for plugin, role in roles:
            if role.name in self.roles:
                raise ConfigurationError(
                    f"role {role.name!r} is declared by both plugin "
                    f"{self._declared_by[role.name]!r} and plugin {plugin!r}"
                )
            unknown = sorted(set(role.permissions) - set(self.categories))
            if unknown:
                raise ConfigurationError(
                    f"plugin {plugin!r}: role {role.name!r} claims unknown data "
                    f"categor{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(self.categories))}"
                )
            self.roles[role.name] = role
            self._declared_by[role.name] = plugin

    def declared_by(self, role_name: str) -> str | None:
        return self._declared_by.get(role_name)

    def allowed_actions(self, role_names: Iterable[str], category: str) -> frozenset[Action]:
        """What these roles together may do to a category. Unknown roles grant nothing."""
        actions: set[Action] = set()
        for name in role_names:
            role = self.roles.get(name)
            if role is not None:
                actions |= role.permissions.get(category, frozenset())
        return frozenset(actions)

    def readable_categories(self, role_names: Iterable[str]) -> frozenset[str]:
        names = list(role_names)
        return frozenset(c for c in self.categories
                         if Action.READ in self.allowed_actions(names, c))
