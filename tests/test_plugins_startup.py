"""A mistake in a plugin or in plugins.toml stops start-up with a message that names the plugin
(or the file, the key and what was expected): through ``create_app`` and through the
``recovery-hub`` command (exit status 2, the message on stderr)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import strawberry

from core.hookspecs import FieldContribution
from core.permissions import READ_ONLY, ConfigurationError, Role
from core.plugins import load_plugins
from recovery_hub.app import create_app
from recovery_hub.cli import _parser
from recovery_hub.settings import Settings
from schema.guards import data
from tests.support import sample_plugin
from tests.support.cli import Cli
from tests.support.plugins import SAMPLE_MODULE, installed, plugin, python_path, start


def _refusal(tmp_path: Path, extra: dict[str, object], plugins_toml: str | None = None) -> str:
    with pytest.raises(ConfigurationError) as refused:
        start(tmp_path, extra, plugins_toml)
    return str(refused.value)


@strawberry.type(name="HelloWorldCard")
class _Card:
    text: str


@strawberry.type(name="HelloWorldCard")
class _OtherCard:
    words: str


def _note(root: Any) -> str | None:
    return "a note"


def test_two_plugins_contributing_one_type(tmp_path: Path) -> None:
    # "hello_world" starts with "hello": both may use the prefix HelloWorld.
    message = _refusal(tmp_path, {
        "hello": plugin(register_types=lambda: [_Card]),
        "hello_world": plugin(register_types=lambda: [_OtherCard]),
    })
    assert message == ("type 'HelloWorldCard' is contributed by both plugin 'hello' and "
                       "plugin 'hello_world'")


def test_two_plugins_contributing_one_field(tmp_path: Path) -> None:
    def note() -> FieldContribution:
        return FieldContribution(on="Person", name="helloWorldNote", field=data("wellbeing")(_note))

    message = _refusal(tmp_path, {
        "hello": plugin(register_fields=lambda: [note()]),
        "hello_world": plugin(register_fields=lambda: [note()]),
    })
    assert message == ("Person.helloWorldNote is contributed by both 'hello' and plugin "
                       "'hello_world'")


def test_two_plugins_contributing_one_query(tmp_path: Path) -> None:
    @strawberry.type
    class Cards:
        @strawberry.field
        def hello_world_cards(self) -> int:
            return 1

    @strawberry.type
    class MoreCards:
        @strawberry.field
        def hello_world_cards(self) -> int:
            return 2

    message = _refusal(tmp_path, {
        "hello": plugin(register_queries=lambda: [Cards]),
        "hello_world": plugin(register_queries=lambda: [MoreCards]),
    })
    assert message == ("Query.helloWorldCards is contributed by both 'hello' and plugin "
                       "'hello_world'")


def test_a_field_on_a_person_without_a_data_category(tmp_path: Path) -> None:
    field = FieldContribution(on="Person", name="helloNote", field=strawberry.field(_note))
    message = _refusal(tmp_path, {"hello": plugin(register_fields=lambda: [field])})
    assert message == ("plugin 'hello': field Person.helloNote is a person's data but has no "
                       "data category; declare it with schema.guards.data(<category>)")


def test_a_field_on_a_person_with_an_unknown_data_category(tmp_path: Path) -> None:
    field = FieldContribution(on="Person", name="helloNote", field=data("horoscope")(_note))
    message = _refusal(tmp_path, {"hello": plugin(register_fields=lambda: [field])})
    assert message.startswith("plugin 'hello': field Person.helloNote names unknown data "
                              "category 'horoscope'; known: access_log, appointments, budget")


def test_a_field_that_breaks_the_naming_rule(tmp_path: Path) -> None:
    field = FieldContribution(on="Person", name="note", field=data("wellbeing")(_note))
    message = _refusal(tmp_path, {"hello": plugin(register_fields=lambda: [field])})
    assert message == "plugin 'hello': field Person.note must start with 'hello'"


def test_an_unknown_hook(tmp_path: Path) -> None:
    message = _refusal(tmp_path, {"hello": plugin(register_rolez=lambda: [])})
    assert message.startswith("plugin 'hello' (given in code): unknown hook 'register_rolez' "
                              "in plugin ")
    assert message.endswith("the hooks are listed in core/hookspecs.py")


def test_a_hook_asking_for_an_argument_it_does_not_get(tmp_path: Path) -> None:
    message = _refusal(tmp_path, {"hello": plugin(register_roles=lambda settings: [])})
    assert message.startswith("plugin 'hello' (given in code): Plugin 'hello' for hook "
                              "'register_roles'")
    assert "{'settings'} are declared in the hookimpl but can not be found in the hookspec" in (
        message)


def test_a_role_claiming_a_category_that_does_not_exist(tmp_path: Path) -> None:
    role = Role("hello.greeter", "Greeter", permissions={"horoscope": READ_ONLY})
    message = _refusal(tmp_path, {"hello": plugin(register_roles=lambda: [role])})
    assert message.startswith("plugin 'hello': role 'hello.greeter' claims unknown data "
                              "category horoscope; known: access_log, appointments")


def test_a_role_or_category_named_without_the_plugin(tmp_path: Path) -> None:
    role = Role("greeter", "Greeter", permissions={"identity": READ_ONLY})
    assert _refusal(tmp_path, {"hello": plugin(register_roles=lambda: [role])}) == (
        "plugin 'hello': role 'greeter' must be named 'hello.<role>'")
    assert _refusal(tmp_path, {
        "hello": plugin(register_data_categories=lambda: {"moods": "How you feel"})}) == (
        "plugin 'hello': data category 'moods' must be named 'hello.<category>'")


def test_a_category_core_has_already(tmp_path: Path) -> None:
    message = _refusal(tmp_path, {
        "hello": plugin(register_data_categories=lambda: {"wellbeing": "Moods"})})
    assert message == "data category 'wellbeing' is declared by both 'core' and plugin 'hello'"


def test_invalid_settings(tmp_path: Path) -> None:
    message = _refusal(tmp_path, {"sample": sample_plugin},
                       "[plugins.sample.settings]\ngreeting = 3\n")
    assert message == (f"{tmp_path / 'plugins.toml'}: plugins.sample.settings.greeting: "
                       "expected text, got 3")
    message = _refusal(tmp_path, {"hello": plugin(register_roles=lambda: [])},
                       "[plugins.hello.settings]\ncolour = 'blue'\n")
    assert message == (f"{tmp_path / 'plugins.toml'}: plugins.hello.settings: hello takes no "
                       "settings")


def test_a_command_core_already_has(tmp_path: Path) -> None:
    def register_commands(subparsers: Any) -> None:
        subparsers.add_parser("serve")

    plugins = load_plugins(None, entries=[], extra={
        "hello": plugin(register_commands=register_commands)}, entry_points=False)
    with pytest.raises(ConfigurationError) as refused:
        _parser(plugins)
    assert str(refused.value) == "plugin 'hello': argument COMMAND: conflicting subparser: serve"


def test_an_installed_plugin_that_cannot_be_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(installed(tmp_path / "site", "broken", "no_such_module")))
    with pytest.raises(ConfigurationError) as refused:
        load_plugins(tmp_path / "none.toml")
    assert str(refused.value) == ("plugin 'broken': entry point 'no_such_module' cannot be "
                                  "loaded: ModuleNotFoundError: No module named 'no_such_module'")


def test_an_installed_plugin_using_a_shipped_plugins_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(installed(tmp_path / "site", "elft", SAMPLE_MODULE)))
    with pytest.raises(ConfigurationError) as refused:
        load_plugins(tmp_path / "none.toml")
    assert str(refused.value) == (
        "entry point 'tests.support.sample_plugin' uses the reserved plugin name 'elft'")


def test_a_migration_directory_that_does_not_exist(tmp_path: Path) -> None:
    plugins = load_plugins(None, entries=[], entry_points=False, extra={
        "hello": plugin(migration_directories=lambda: [str(tmp_path / "nowhere")])})
    with pytest.raises(ConfigurationError) as refused:
        plugins.migration_directories()
    assert str(refused.value) == (
        f"plugin 'hello': migration directory {str(tmp_path / 'nowhere')!r} does not exist")


# --- a bad plugins.toml ---------------------------------------------------------------------

# (name, plugins.toml, the message after the file's path)
BAD_FILES = [
    ("malformed", "[plugins.sample\nenabled = true\n",
     ": not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 16)"),
    ("unknown plugin", "[plugins.sampel]\n",
     ": plugins.sampel: unknown plugin; expected one of the shipped or installed plugins: "
     "advocacy_project, core_arts, elft, gp, sample"),
    ("wrong type", '[plugins.sample.settings]\nsecond_sign_off_over_pence = "500"\n',
     ": plugins.sample.settings.second_sign_off_over_pence: expected a whole number, "
     "got '500'"),
    ("out of range", "[plugins.sample.settings]\nsecond_sign_off_over_pence = -5\n",
     ": plugins.sample.settings.second_sign_off_over_pence: expected pence from 1 to "
     "100000000, got -5"),
    ("unknown setting", "[plugins.sample.settings]\ncolour = 'blue'\n",
     ": plugins.sample.settings.colour: unknown setting; sample has: greeting, refused_words, "
     "second_sign_off_over_pence"),
    ("enabled not a boolean", "[plugins.sample]\nenabled = 'yes'\n",
     ": plugins.sample.enabled must be true or false, not 'yes'"),
]


def _bad_file(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name.replace(' ', '-')}.toml"
    path.write_text(text)
    return path


async def test_a_bad_plugins_toml_stops_the_command(tmp_path: Path) -> None:
    """With the sample plugin installed, ``recovery-hub`` exits 2 naming the file, the key and
    what was expected. (create_app is tried with every bad file, below.)"""
    site = installed(tmp_path / "site", "sample", SAMPLE_MODULE)
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'never-created.db'}")
    cases = BAD_FILES[:4]  # malformed, unknown plugin, wrong type, out of range
    paths = [_bad_file(tmp_path, name, text) for name, text, _ in cases]
    ran = await asyncio.gather(*(
        cli.run("plugins", "list",
                env={**python_path(site), "RECOVERY_HUB_PLUGINS_FILE": str(path)})
        for path in paths))

    for (name, _, message), path, result in zip(cases, paths, ran, strict=True):
        assert (result.returncode, result.stdout) == (2, ""), (name, result)
        assert result.stderr == f"recovery-hub: cannot start: {path}{message}\n", name
    assert not (tmp_path / "never-created.db").exists()


@pytest.mark.parametrize(("name", "text", "message"), BAD_FILES, ids=[n for n, _, _ in BAD_FILES])
def test_a_bad_plugins_toml_stops_create_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str, message: str
) -> None:
    monkeypatch.syspath_prepend(str(installed(tmp_path / "site", "sample", SAMPLE_MODULE)))
    path = _bad_file(tmp_path, name, text)
    with pytest.raises(ConfigurationError) as refused:
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'never-created.db'}",
                            plugins_file=str(path)))
    assert str(refused.value) == f"{path}{message}"
