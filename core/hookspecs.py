"""Hook specifications: how plugins extend Recovery Hub without touching core.

Plugins implement these with ``@hookimpl`` (``from core.hookspecs import hookimpl``). Hooks
are called with keyword arguments only; a spec may gain arguments, never lose them. Hooks that
register things return lists (or mappings); the host merges them and refuses duplicates at
start-up with an error naming both plugins. Every hook is documented in docs/plugins.md.
"""

from __future__ import annotations

import pluggy

from .permissions import Role

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "recovery_hub"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_data_categories() -> dict[str, str]:  # type: ignore[empty-body]
    """Add data categories: ``{name: what it means, in words a person reads}``.

    Core's categories (identity, contact, recovery_plan, budget, ...) always exist.
    """


@hookspec
def register_roles() -> list[Role]:  # type: ignore[empty-body]
    """Declare roles staff can hold, with what each may do per data category.

    Name roles ``<plugin>.<role>``. A role claiming a category that does not exist stops
    start-up with an error naming the plugin.
    """
