"""plugins.toml: which plugins run, and their settings, checked before anything starts.

    [plugins.elft]
    enabled = true

    [plugins.elft.settings]
    single_clinician_limit_pence = 25000

Every mistake stops start-up with a message naming the file, the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .permissions import ConfigurationError

__all__ = [
    "PluginConfig",
    "PluginEntry",
    "SettingError",
    "read_plugins_toml",
    "settings_from_table",
]


class SettingError(ValueError):
    """Raised by a settings dataclass's ``__post_init__`` for a value out of range: start-up
    stops with ``<file>: plugins.<name>.settings.<key>: expected <expected>, got <value>``."""

    def __init__(self, key: str, expected: str, got: Any) -> None:
        super().__init__(f"{key}: expected {expected}, got {got!r}")
        self.key = key
        self.expected = expected
        self.got = got


@dataclass(frozen=True)
class PluginEntry:
    name: str
    enabled: bool = True
    settings: dict[str, Any] = field(default_factory=dict)


def read_plugins_toml(path: Path) -> dict[str, PluginEntry]:
    """The plugin entries of a plugins.toml, or a ConfigurationError saying what is wrong."""
    try:
        document = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"{path}: not valid TOML: {error}") from None
    unknown = sorted(set(document) - {"plugins"})
    if unknown:
        raise ConfigurationError(
            f"{path}: unknown top-level key {unknown[0]!r}; expected only [plugins.<name>] tables"
        )
    plugins = document.get("plugins", {})
    if not isinstance(plugins, dict):
        raise ConfigurationError(f"{path}: 'plugins' must be a table of [plugins.<name>]")
    entries: dict[str, PluginEntry] = {}
    for name, table in plugins.items():
        where = f"{path}: plugins.{name}"
        if not isinstance(table, dict):
            raise ConfigurationError(f"{where} must be a table, e.g. [plugins.{name}]")
        extra = sorted(set(table) - {"enabled", "settings"})
        if extra:
            raise ConfigurationError(
                f"{where}.{extra[0]}: unknown key; expected 'enabled' or a 'settings' table"
            )
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ConfigurationError(f"{where}.enabled must be true or false, not {enabled!r}")
        settings = table.get("settings", {})
        if not isinstance(settings, dict):
            raise ConfigurationError(f"{where}.settings must be a table")
        entries[name] = PluginEntry(name, enabled, settings)
    return entries


def _matches(value: Any, expected: Any) -> bool:
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if typing.get_origin(expected) is list:
        (item,) = typing.get_args(expected)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    return isinstance(value, expected)


def _type_name(expected: Any) -> str:
    names = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}
    if typing.get_origin(expected) is list:
        return f"a list of {_type_name(typing.get_args(expected)[0])}"
    return names.get(expected, getattr(expected, "__name__", str(expected)))


def settings_from_table(path: Path | str, plugin: str, settings_class: type,
                        table: dict[str, Any]) -> Any:
    """Build the plugin's settings dataclass from its table, checking every key."""
    if not dataclasses.is_dataclass(settings_class):
        raise ConfigurationError(
            f"plugin {plugin!r}: register_settings must return a dataclass, not "
            f"{settings_class!r}"
        )
    hints = typing.get_type_hints(settings_class)
    fields = {f.name for f in dataclasses.fields(settings_class)}
    for key, value in table.items():
        where = f"{path}: plugins.{plugin}.settings.{key}"
        if key not in fields:
            raise ConfigurationError(
                f"{where}: unknown setting; {plugin} has: {', '.join(sorted(fields))}"
            )
        if not _matches(value, hints[key]):
            raise ConfigurationError(
                f"{where}: expected {_type_name(hints[key])}, got {value!r}"
            )
    try:
        return settings_class(**table)
    except SettingError as error:
        raise ConfigurationError(
            f"{path}: plugins.{plugin}.settings.{error.key}: expected {error.expected}, "
            f"got {error.got!r}"
        ) from None
    except ValueError as error:  # other __post_init__ checks say what is wrong themselves
        raise ConfigurationError(f"{path}: plugins.{plugin}.settings: {error}") from None
    except TypeError as error:  # a setting without a default, missing from the table
        raise ConfigurationError(
            f"{path}: plugins.{plugin}.settings: {error} (every setting needs a default)"
        ) from None


class PluginConfig:
    """Validated settings per plugin, read by hooks that take ``config``."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self._settings = dict(settings or {})

    def settings(self, plugin: str) -> Any:
        """The plugin's settings dataclass (defaults when plugins.toml gave none)."""
        if plugin not in self._settings:
            raise KeyError(f"plugin {plugin!r} declares no settings")
        return self._settings[plugin]
