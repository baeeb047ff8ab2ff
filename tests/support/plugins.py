"""Helpers for the plugin system's tests.

* ``installed(site, name, module)``: a plugin "installed" as an entry point without pip — a
  ``*.dist-info`` directory in ``site``, which importlib.metadata finds on ``sys.path``. Put
  ``site`` on ``PYTHONPATH`` (``python_path(site)``) for a ``recovery-hub`` subprocess, or on
  ``sys.path`` (``monkeypatch.syspath_prepend``) in-process.
* ``start(...)``: what ``create_app`` does with the plugins, without a database connection,
  so that a start-up error can be asserted.
* ``failing_commits(db, monkeypatch)``: every write transaction fails at its commit, after
  the use case did its work and raised its events.
* ``add_staff``: a staff member with plugin roles, in a team of the test world.
* ``plugin(**hooks)``: a throwaway plugin object from plain functions.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from core.db import Database
from core.hookspecs import hookimpl
from core.plugins import load_plugins
from core.policy import AccessPolicy
from core.principal import Principal
from core.services import accounts, organisations
from recovery_hub.app import create_app
from recovery_hub.settings import Settings

from . import sample_plugin
from .world import World

__all__ = [
    "ROOT",
    "SAMPLE_MODULE",
    "add_staff",
    "failing_commits",
    "installed",
    "plugin",
    "python_path",
    "start",
]

ROOT = Path(__file__).parents[2]
SAMPLE_MODULE = sample_plugin.__name__


def installed(site: Path, name: str, module: str, distribution: str | None = None) -> Path:
    """Make ``site`` hold a distribution whose entry point ``name = module`` is in the group
    ``recovery_hub.plugins``. Returns ``site``."""
    distribution = distribution or f"recovery-hub-{name}"
    info = site / f"{distribution.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[recovery_hub.plugins]\n{name} = {module}\n")
    return site


def python_path(site: Path) -> dict[str, str]:
    """Environment for a subprocess that sees ``site`` and the tests package."""
    return {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}


def plugin(**hooks: Callable[..., Any]) -> object:
    """A plugin implementing each hook ``name=function`` (the attribute name is the hook's)."""
    return types.SimpleNamespace(**{name: hookimpl(function) for name, function in hooks.items()})


def start(tmp_path: Path, extra: Mapping[str, object], plugins_toml: str | None = None,
          *, entry_points: bool = False) -> Starlette:
    """Start the app with these plugins given in code; no database is touched."""
    path = tmp_path / "plugins.toml"
    if plugins_toml is not None:
        path.write_text(plugins_toml)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'never-opened.db'}",
                        plugins_file=str(path))
    return create_app(settings, plugins=load_plugins(path, extra=extra,
                                                     entry_points=entry_points))


def _refuse_commit(_session: Any) -> None:
    raise RuntimeError("the commit failed (failing_commits)")


@contextmanager
def failing_commits(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within the block, every write transaction of ``db`` fails when it commits."""
    original = db.write_session

    def write_session() -> AsyncSession:
        session = original()
        event.listen(session.sync_session, "before_commit", _refuse_commit)
        return session

    with monkeypatch.context() as patched:
        patched.setattr(db, "write_session", write_session)
        yield


async def add_staff(world: World, username: str, team_id: int, roles: list[str]) -> int:
    """A staff member with an account, holding ``roles`` in ``team_id``; their id."""
    system = AccessPolicy(Principal.system())
    member = await organisations.add_staff_member(world.uow, system, given_name=username.title(),
                                                  family_name="Tester")
    await organisations.add_membership(world.uow, system, staff_member_id=member.id,
                                       team_id=team_id, roles=roles)
    await accounts.create_account(world.uow, system, username=username,
                                  staff_member_id=member.id)
    return member.id
