"""Loading plugins: a factory builds the manager once, at start-up (never a module global).

Order: core's internal plugin (its defaults run last, ``trylast``), then the partner plugins
shipped in plugins/ that plugins.toml enables, then third-party plugins installed with an entry
point in the group ``recovery_hub.plugins`` (unless plugins.toml disables them), then plugin
objects given in code (``extra``: tests, embedding), which plugins.toml may disable too. Then
every registration is collected and checked, so a mistake stops start-up with a message naming
the plugin, the file or the key. docs/plugins.md is the guide for plugin authors.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from . import defaults, hookspecs
from .approvals import ApprovalStep, ItemProblem
from .categories import CORE_CATEGORIES
from .events import DomainEvent
from .models import Budget, BudgetItem, BudgetRequest
from .observations.kinds import Kinds, build_kinds
from .permissions import AccessRules, ConfigurationError, Role
from .plugin_config import PluginConfig, PluginEntry, read_plugins_toml, settings_from_table

__all__ = [
    "ENTRY_POINT_GROUP",
    "PARTNER_PLUGINS",
    "Plugins",
    "access_rules",
    "build_plugin_manager",
    "data_categories",
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
        """The enabled plugins (a blocked one is listed by pluggy with no plugin object)."""
        return [name for name, plugin in self.manager.list_name_plugin()
                if name is not None and plugin is not None]

    def implementations(self, hook_name: str, **arguments: Any) -> Iterator[tuple[str, Any]]:
        """(plugin name, result) for each plugin implementing a hook, in registration order."""
        for name, call in self.callers(hook_name, **arguments):
            yield name, call()

    def callers(
        self, hook_name: str, **arguments: Any
    ) -> Iterator[tuple[str, Callable[[], Any]]]:
        """(plugin name, call) for each plugin implementing a hook, in registration order.

        Each implementation is called on its own, with the arguments it asks for (``config``
        unless given), so that the host can name the plugin behind a mistake.
        """
        arguments.setdefault("config", self.config)
        hook = getattr(self.manager.hook, hook_name)
        for implementation in hook.get_hookimpls():
            name = self.manager.get_name(implementation.plugin) or implementation.plugin_name
            wanted = {arg: arguments[arg] for arg in implementation.argnames}
            yield name, functools.partial(implementation.function, **wanted)

    def migration_directories(self) -> list[str]:
        """The Alembic version directories of the enabled plugins (hook
        ``migration_directories``), each checked to exist."""
        found: list[str] = []
        for name, directories in self.implementations("migration_directories"):
            for directory in directories or []:
                if not Path(directory).is_dir():
                    raise ConfigurationError(
                        f"plugin {name!r}: migration directory {str(directory)!r} does not exist"
                    )
                found.append(str(directory))
        return found

    @functools.cached_property
    def observation_kinds(self) -> Kinds:
        """Core's observation kinds and the plugins' (hook ``register_observation_kinds``),
        collected and checked once."""
        return build_kinds(
            ((name, kinds or []) for name, kinds in
             self.implementations("register_observation_kinds")),
            data_categories(self))

    def hooks_of(self, name: str) -> list[str]:
        plugin = self.manager.get_plugin(name)
        return sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or [])

    # --- the hooks core's services call --------------------------------------------------

    def approval_steps(self, request: BudgetRequest, budget: Budget,
                       items: Sequence[BudgetItem] = ()) -> list[ApprovalStep]:
        steps = self.manager.hook.approval_steps(request=request, budget=budget,
                                                 items=list(items), config=self.config)
        return list(steps or defaults.ONE_SIGN_OFF)

    async def submission_problems(self, request: BudgetRequest, budget: Budget,
                                  items: Sequence[BudgetItem], session: Any) -> list[ItemProblem]:
        """What the plugins' ``check_submission`` hooks find wrong, in plugin order."""
        found: list[ItemProblem] = []
        for result in self.manager.hook.check_submission(
                request=request, budget=budget, items=list(items), session=session,
                config=self.config):
            problems = await result if inspect.isawaitable(result) else result
            found.extend(problems or [])
        return found

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


def _register(manager: pluggy.PluginManager, plugin: object, name: str, origin: str) -> None:
    """Register one plugin; a hook implementation that does not fit its spec names the plugin."""
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as error:
        raise ConfigurationError(f"plugin {name!r} ({origin}): {error}") from None
    except ValueError as error:  # the same object or name registered twice
        raise ConfigurationError(f"plugin {name!r} ({origin}): {error}") from None


def _load_entry_point(name: str, entry_point: importlib.metadata.EntryPoint) -> object:
    try:
        return entry_point.load()
    except Exception as error:  # an installed plugin that cannot even be imported
        raise ConfigurationError(
            f"plugin {name!r}: entry point {entry_point.value!r} cannot be loaded: "
            f"{type(error).__name__}: {error}"
        ) from error


def load_plugins(
    path: Path | None = Path("plugins.toml"),
    *,
    entries: Sequence[PluginEntry] | None = None,
    entry_points: bool = True,
    extra: Mapping[str, object] | None = None,
) -> Plugins:
    """Build and check the plugin manager from plugins.toml (or explicit ``entries``).

    Without a plugins.toml every partner plugin runs with its default settings. ``extra``
    adds plugin objects (modules, or instances of classes with ``@hookimpl`` methods) by name,
    loaded like installed ones: plugins.toml may disable them or give them settings.
    """
    extra = dict(extra or {})
    source = str(path) if path is not None else "plugins"
    if entries is not None:
        configured = {entry.name: entry for entry in entries}
    elif path is not None and path.exists():
        configured = read_plugins_toml(path)
    else:
        source = "defaults (no plugins.toml)"
        configured = {name: PluginEntry(name) for name in PARTNER_PLUGINS}
    installed = _entry_points() if entry_points else {}
    for name in extra:
        if name in PARTNER_PLUGINS or name == CORE_PLUGIN or name in installed:
            raise ConfigurationError(f"plugin {name!r} (given in code): the name is taken")
    known = set(PARTNER_PLUGINS) | set(installed) | set(extra)
    unknown = sorted(set(configured) - known - {CORE_PLUGIN})
    if unknown:
        raise ConfigurationError(
            f"{source}: plugins.{unknown[0]}: unknown plugin; expected one of the shipped or "
            f"installed plugins: {', '.join(sorted(known))}"
        )

    manager = _new_manager()
    plugins = Plugins(manager, PluginConfig(), origins={CORE_PLUGIN: "built-in"})
    for name, module in PARTNER_PLUGINS.items():
        entry = configured.get(name)
        if entry is None or not entry.enabled:
            plugins.disabled[name] = "plugins/ (shipped)"
            continue
        origin = f"plugins/ (shipped), enabled in {source}"
        _register(manager, importlib.import_module(module), name, origin)
        plugins.origins[name] = origin
    for name, entry_point in installed.items():
        distribution = entry_point.dist.name if entry_point.dist else "an installed package"
        origin = f"entry point {entry_point.value} ({distribution})"
        if name in configured and not configured[name].enabled:
            manager.set_blocked(name)
            plugins.disabled[name] = origin
            continue
        if name in PARTNER_PLUGINS or name == CORE_PLUGIN:
            raise ConfigurationError(
                f"entry point {entry_point.value!r} uses the reserved plugin name {name!r}"
            )
        _register(manager, _load_entry_point(name, entry_point), name, origin)
        plugins.origins[name] = origin
    for name, plugin in extra.items():
        if name in configured and not configured[name].enabled:
            plugins.disabled[name] = "given in code"
            continue
        _register(manager, plugin, name, "given in code")
        plugins.origins[name] = "given in code"
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        name = manager.get_name(error.plugin) or "?"
        raise ConfigurationError(
            f"plugin {name!r} ({plugins.origins.get(name, 'unknown origin')}): {error}; "
            "the hooks are listed in core/hookspecs.py"
        ) from None

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
    plugins.observation_kinds  # noqa: B018  (a mistake in a plugin's kinds stops start-up)
    return plugins


def build_plugin_manager(enabled: Sequence[str] = tuple(PARTNER_PLUGINS)) -> Plugins:
    """Plugins from a list of names, without plugins.toml or entry points (tests, tools)."""
    return load_plugins(None, entries=[PluginEntry(name) for name in enabled],
                        entry_points=False)


def data_categories(plugins: Plugins) -> dict[str, str]:
    """Core's data categories and the plugins' (``<plugin>.<name>``), refusing duplicates."""
    categories = dict(CORE_CATEGORIES)
    owners = {name: "core" for name in categories}
    for plugin, declared in plugins.implementations("register_data_categories"):
        for name, description in (declared or {}).items():
            if name in categories:
                raise ConfigurationError(
                    f"data category {name!r} is declared by both {owners[name]!r} and "
                    f"plugin {plugin!r}"
                )
            if not name.startswith(f"{plugin}."):
                raise ConfigurationError(
                    f"plugin {plugin!r}: data category {name!r} must be named "
                    f"'{plugin}.<category>'"
                )
            categories[name] = description
            owners[name] = plugin
    return categories


def access_rules(plugins: Plugins) -> AccessRules:
    """Categories and roles from every plugin, validated once at start-up."""
    roles: list[tuple[str, Role]] = []
    for plugin, declared_roles in plugins.implementations("register_roles"):
        for role in declared_roles or []:
            if not role.name.startswith(f"{plugin}."):
                raise ConfigurationError(
                    f"plugin {plugin!r}: role {role.name!r} must be named '{plugin}.<role>'"
                )
            roles.append((plugin, role))
    return AccessRules(data_categories(plugins), roles)
