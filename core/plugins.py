"""Loading plugins: a factory builds the manager once, at start-up (never a module global).

Order: core's internal plugin (its defaults run last, ``trylast``), then the partner plugins
shipped in plugins/ that plugins.toml enables, then third-party plugins installed with an entry
point in the group ``recovery_hub.plugins`` (unless plugins.toml disables them). Then every
registration is collected and checked, so a mistake stops start-up with a message naming the
plugin, the file or the key.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from . import defaults, hookspecs
from .approvals import ApprovalStep, ItemProblem
from .categories import CORE_CATEGORIES
from .events import DomainEvent
from .models import Budget, BudgetRequest
from .permissions import AccessRules, ConfigurationError, Role
from .plugin_config import PluginConfig, PluginEntry, read_plugins_toml, settings_from_table

__all__ = [
    "ENTRY_POINT_GROUP",
    "PARTNER_PLUGINS",
    "Plugins",
    "access_rules",
    "build_plugin_manager",
    "load_plugins",
]

ENTRY_POINT_GROUP = "recovery_hub.plugins"
CORE_PLUGIN = "core"

# The partner plugins shipped in plugins/, by the name plugins.toml uses.
PARTNER_PLUGINS: dict[str, str] = {
    "gp": "plugins.gp",
    "elft": "plugins.elft",
    "core_arts": "plugins.core_arts",
    "advocacy_project": "plugins.advocacy_project",
}


@dataclass
class Plugins:
    """The loaded plugins: the manager, their validated settings, and where each came from."""

    manager: pluggy.PluginManager
    config: PluginConfig
    origins: dict[str, str] = field(default_factory=dict)
    disabled: dict[str, str] = field(default_factory=dict)

    @property
    def hook(self) -> Any:
        return self.manager.hook

    def names(self) -> list[str]:
        return [name for name, _ in self.manager.list_name_plugin() if name is not None]

    def implementations(self, hook_name: str) -> Iterator[tuple[str, Any]]:
        """(plugin name, result) for each plugin implementing a registration hook."""
        hook = getattr(self.manager.hook, hook_name)
        for implementation in hook.get_hookimpls():
            name = self.manager.get_name(implementation.plugin) or implementation.plugin_name
            arguments = {arg: getattr(self, arg) for arg in implementation.argnames
                         if arg == "config"}
            yield name, implementation.function(**arguments)

    def hooks_of(self, name: str) -> list[str]:
        plugin = self.manager.get_plugin(name)
        return sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or [])

    # --- the hooks core's services call --------------------------------------------------

    def approval_steps(self, request: BudgetRequest, budget: Budget) -> list[ApprovalStep]:
        steps = self.manager.hook.approval_steps(request=request, budget=budget,
                                                 config=self.config)
        return list(steps or defaults.ONE_SIGN_OFF)

    def item_problems(self, description: str, amount_pence: int) -> list[ItemProblem]:
        results = self.manager.hook.validate_budget_item(
            description=description, amount_pence=amount_pence, config=self.config)
        return [problem for problems in results if problems for problem in problems]

    async def dispatch(self, event: DomainEvent, uow: Any) -> None:
        """Call the event's hook in every plugin (after the commit)."""
        for result in getattr(self.manager.hook, event.name)(event=event, uow=uow):
            if inspect.isawaitable(result):
                await result


def _new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(defaults, name=CORE_PLUGIN)
    return manager


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def load_plugins(
    path: Path | None = Path("plugins.toml"),
    *,
    entries: Sequence[PluginEntry] | None = None,
    entry_points: bool = True,
) -> Plugins:
    """Build and check the plugin manager from plugins.toml (or explicit ``entries``).

    Without a plugins.toml every partner plugin runs with its default settings.
    """
    source = str(path) if path is not None else "plugins"
    if entries is not None:
        configured = {entry.name: entry for entry in entries}
    elif path is not None and path.exists():
        configured = read_plugins_toml(path)
    else:
        source = "defaults (no plugins.toml)"
        configured = {name: PluginEntry(name) for name in PARTNER_PLUGINS}
    installed = _entry_points() if entry_points else {}
    unknown = sorted(set(configured) - set(PARTNER_PLUGINS) - set(installed) - {CORE_PLUGIN})
    if unknown:
        known = sorted(set(PARTNER_PLUGINS) | set(installed))
        raise ConfigurationError(
            f"{source}: plugins.{unknown[0]}: unknown plugin; known plugins: {', '.join(known)}"
        )

    manager = _new_manager()
    plugins = Plugins(manager, PluginConfig(), origins={CORE_PLUGIN: "built-in"})
    for name, module in PARTNER_PLUGINS.items():
        entry = configured.get(name)
        if entry is None or not entry.enabled:
            plugins.disabled[name] = "plugins/ (shipped)"
            continue
        manager.register(importlib.import_module(module), name=name)
        plugins.origins[name] = f"plugins/ (shipped), enabled in {source}"
    for name, entry_point in installed.items():
        if name in configured and not configured[name].enabled:
            manager.set_blocked(name)
            plugins.disabled[name] = f"entry point {entry_point.value}"
            continue
        if name in PARTNER_PLUGINS or name == CORE_PLUGIN:
            raise ConfigurationError(
                f"entry point {entry_point.value!r} uses the reserved plugin name {name!r}"
            )
        manager.register(entry_point.load(), name=name)
        distribution = entry_point.dist.name if entry_point.dist else "an installed package"
        plugins.origins[name] = f"entry point {entry_point.value} ({distribution})"
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        raise ConfigurationError(f"plugin {error.plugin_name!r}: {error}") from None

    settings: dict[str, Any] = {}
    with_settings = set()
    for name, settings_class in plugins.implementations("register_settings"):
        if settings_class is None:
            continue
        with_settings.add(name)
        table = configured.get(name, PluginEntry(name)).settings
        settings[name] = settings_from_table(source, name, settings_class, table)
    for name, entry in configured.items():
        if entry.enabled and entry.settings and name not in with_settings:
            raise ConfigurationError(f"{source}: plugins.{name}.settings: {name} takes no settings")
    plugins.config = PluginConfig(settings)
    return plugins


def build_plugin_manager(enabled: Sequence[str] = tuple(PARTNER_PLUGINS)) -> Plugins:
    """Plugins from a list of names, without plugins.toml or entry points (tests, tools)."""
    return load_plugins(None, entries=[PluginEntry(name) for name in enabled],
                        entry_points=False)


def access_rules(plugins: Plugins) -> AccessRules:
    """Categories and roles from every plugin, validated once at start-up."""
    categories = dict(CORE_CATEGORIES)
    owners = {name: "core" for name in categories}
    for plugin, declared in plugins.implementations("register_data_categories"):
        for name, description in (declared or {}).items():
            if name in categories:
                raise ConfigurationError(
                    f"data category {name!r} is declared by both {owners[name]!r} and "
                    f"plugin {plugin!r}"
                )
            categories[name] = description
            owners[name] = plugin
    roles: list[tuple[str, Role]] = []
    for plugin, declared_roles in plugins.implementations("register_roles"):
        roles.extend((plugin, role) for role in declared_roles or [])
    return AccessRules(categories, roles)
