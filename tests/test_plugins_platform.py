"""Plugins in the running platform: plugins.toml turns a plugin's contributions on and off, a
plugin's field on Person is guarded by its data category, and requests never set plugins up."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

import pytest

import core.plugins
import recovery_hub.app
import schema.build
from core.plugins import access_rules, load_plugins
from recovery_hub.cli import _parser
from recovery_hub.testing import running_platform
from tests.support import sample_plugin
from tests.support.cli import Cli
from tests.support.graphql import gid
from tests.support.plugins import SAMPLE_MODULE, add_staff, installed, python_path
from tests.support.world import World

SHIPPED = "".join(f"[plugins.{name}]\n" for name in core.plugins.PARTNER_PLUGINS)
SAMPLE_OFF = f"{SHIPPED}[plugins.sample]\nenabled = false\n"
# What the sample plugin adds to the schema, as `schema print` shows it.
SAMPLE_SDL = ["type SampleBadge {", "  sampleNote: String", "  sampleCafe: SampleCafe!",
              "  sampleSuggestGoal(input: SampleSuggestGoalInput!): SampleSuggestGoalPayload!"]


def _commands(plugins: core.plugins.Plugins) -> set[str]:
    action = next(action for action in _parser(plugins)._actions
                  if isinstance(action, argparse._SubParsersAction))
    return set(action.choices)


async def test_plugins_toml_turns_an_installed_plugin_on_and_off(tmp_path: Path) -> None:
    site = installed(tmp_path / "site", "sample", SAMPLE_MODULE)
    (tmp_path / "off.toml").write_text(SAMPLE_OFF)
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'never-created.db'}")
    on = python_path(site)
    off = {**on, "RECOVERY_HUB_PLUGINS_FILE": str(tmp_path / "off.toml")}
    schema_on, schema_off = await asyncio.gather(
        cli.ok("schema", "print", env=on), cli.ok("schema", "print", env=off))
    for line in SAMPLE_SDL:
        assert line in schema_on.stdout.splitlines()
    assert "sample" not in schema_off.stdout.lower()

    # In-process, with the same plugins.toml: its roles, categories and commands go with it.
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(site))
        enabled = load_plugins(tmp_path / "none.toml")
        disabled = load_plugins(tmp_path / "off.toml")
    origin = "entry point tests.support.sample_plugin (recovery-hub-sample)"
    assert (enabled.origins["sample"], disabled.disabled["sample"]) == (origin, origin)
    assert "sample.visitor" in access_rules(enabled).roles
    assert "sample.visits" in access_rules(enabled).categories
    assert "sample-greet" in _commands(enabled)
    assert "sample.visitor" not in access_rules(disabled).roles
    assert "sample.visits" not in access_rules(disabled).categories
    assert "sample-greet" not in _commands(disabled)
    assert "sample" not in disabled.names()


def test_plugins_toml_turns_a_shipped_plugin_off(tmp_path: Path) -> None:
    path = tmp_path / "plugins.toml"
    path.write_text("[plugins.elft]\n[plugins.gp]\nenabled = false\n")
    plugins = load_plugins(path, entry_points=False)
    rules = access_rules(plugins)
    assert plugins.disabled["gp"] == "plugins/ (shipped)"
    assert "gp.clinician" not in rules.roles
    assert "elft.care_coordinator" in rules.roles
    # Not listed: not enabled either.
    assert {"core_arts", "advocacy_project"} <= set(plugins.disabled)


async def test_a_plugin_field_on_person_needs_its_category(
    world: World, database_url: str
) -> None:
    # Vic's role reads identity, not wellbeing; Amara's (care coordinator) reads both.
    await add_staff(world, "vic", world.cmht, ["sample.visitor"])
    query = "query($id: ID!) { person(id: $id) { displayName sampleNote } }"
    ngozi = {"id": gid("Person", world.ngozi)}
    async with running_platform(database_url, plugins={"sample": sample_plugin},
                                entry_points=False, migrate=False) as hub:
        refused = await hub.execute(query, ngozi, as_user="vic")
        shown = await hub.execute(query, ngozi, as_user="amara")

    assert refused.data == {"person": {"displayName": "Ngozi Example", "sampleNote": None}}
    assert len(refused.errors) == 1
    error = refused.errors[0]
    assert error["path"] == ["person", "sampleNote"]
    assert error["extensions"] == {"code": "FORBIDDEN", "category": "wellbeing"}
    assert shown.errors == []
    assert shown.data == {"person": {"displayName": "Ngozi Example",
                                     "sampleNote": "Hello, Ngozi"}}


class _NotPerRequest:
    """Stands in for a registration hook, or a set-up function: fails the test if called."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{self.name} was called while handling a request")

    def get_hookimpls(self) -> Any:
        return self()


async def test_requests_never_call_the_plugin_manager_for_set_up(
    world: World, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_platform(database_url, plugins={"sample": sample_plugin},
                                entry_points=False, migrate=False) as hub:
        relay = hub.plugins.manager.hook
        registration = [name for name in vars(relay) if name.startswith("register_")]
        assert {"register_roles", "register_fields", "register_types"} <= set(registration)
        for name in [*registration, "migration_directories", "load_demo_data"]:
            monkeypatch.setattr(relay, name, _NotPerRequest(name))
        for name in ("implementations", "callers"):
            monkeypatch.setattr(hub.plugins, name, _NotPerRequest(f"Plugins.{name}"))
        for module, name in ((recovery_hub.app, "load_plugins"),
                             (recovery_hub.app, "access_rules"),
                             (recovery_hub.app, "build_schema"),
                             (core.plugins, "load_plugins"),
                             (schema.build, "collect_contributions")):
            monkeypatch.setattr(module, name, _NotPerRequest(f"{module.__name__}.{name}"))

        me = await hub.execute("{ me { displayName sampleNote } viewer { username } }",
                               as_user="ngozi")
        cafe = await hub.execute("{ sampleCafe { name } }", as_user=None)
        person = {"personId": gid("Person", world.ngozi)}
        goal = await hub.execute(
            "mutation($input: CreateGoalInput!) { createGoal(input: $input) "
            "{ goal { title } userErrors { code } } }",
            {"input": {**person, "title": "Swim"}}, as_user="ngozi")
        suggested = await hub.execute(
            "mutation($input: SampleSuggestGoalInput!) { sampleSuggestGoal(input: $input) "
            "{ goal { title } userErrors { code } } }", {"input": person}, as_user="ngozi")
        # validate_budget_item is a behaviour hook of this use case: it may run.
        request = await hub.execute(
            "mutation($input: CreateBudgetRequestInput!) { createBudgetRequest(input: $input) "
            "{ budgetRequest { status } userErrors { code } } }",
            {"input": {"budgetId": gid("Budget", world.budget), "purpose": "Swimming",
                       "items": [{"description": "Lessons", "amount": "120"}]}},
            as_user="amara")

    assert me.errors == [] and me.data["me"] == {"displayName": "Ngozi Example",
                                                 "sampleNote": "Hello, Ngozi"}
    assert cafe.data == {"sampleCafe": {"name": "Sample Café"}}
    assert goal.payload("createGoal") == {"goal": {"title": "Swim"}, "userErrors": []}
    assert suggested.payload("sampleSuggestGoal") == {
        "goal": {"title": "Visit the Sample Café"}, "userErrors": []}
    assert request.payload("createBudgetRequest") == {"budgetRequest": {"status": "DRAFT"},
                                                      "userErrors": []}
