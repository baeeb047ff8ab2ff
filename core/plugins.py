"""The plugin manager, built by a factory (never a module global), and what it collects."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import pluggy

from . import hookspecs
from .categories import CORE_CATEGORIES
from .permissions import AccessRules, ConfigurationError, Role

__all__ = ["PARTNER_PLUGINS", "access_rules", "build_plugin_manager"]

# The partner plugins shipped in plugins/, by the name plugins.toml uses.
PARTNER_PLUGINS: dict[str, str] = {
    "gp": "plugins.gp",
    "elft": "plugins.elft",
    "core_arts": "plugins.core_arts",
    "advocacy_project": "plugins.advocacy_project",
}


def build_plugin_manager(enabled: Sequence[str] = tuple(PARTNER_PLUGINS)) -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for name in enabled:
        if name not in PARTNER_PLUGINS:
            raise ConfigurationError(
                f"unknown plugin {name!r}; known plugins: {', '.join(sorted(PARTNER_PLUGINS))}"
            )
        manager.register(importlib.import_module(PARTNER_PLUGINS[name]), name=name)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        raise ConfigurationError(f"plugin {error.plugin!r}: {error}") from None
    return manager


def _plugin_name(manager: pluggy.PluginManager, implementation: pluggy.HookImpl) -> str:
    return manager.get_name(implementation.plugin) or implementation.plugin_name


def access_rules(manager: pluggy.PluginManager) -> AccessRules:
    """Categories and roles from every plugin, validated once at start-up."""
    categories = dict(CORE_CATEGORIES)
    owners = {name: "core" for name in categories}
    hook = manager.hook.register_data_categories
    for implementation in hook.get_hookimpls():
        plugin = _plugin_name(manager, implementation)
        for name, description in (implementation.function() or {}).items():
            if name in categories:
                raise ConfigurationError(
                    f"data category {name!r} is declared by both {owners[name]!r} and "
                    f"plugin {plugin!r}"
                )
            categories[name] = description
            owners[name] = plugin
    roles: list[tuple[str, Role]] = []
    for implementation in manager.hook.register_roles.get_hookimpls():
        plugin = _plugin_name(manager, implementation)
        roles.extend((plugin, role) for role in implementation.function() or [])
    return AccessRules(categories, roles)
