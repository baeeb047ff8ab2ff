"""The example third-party plugin, examples/hello_plugin, as a plugin author ships it: installed
with pip into this environment (no network), found through its entry point, switched off by
plugins.toml, and passing its own tests (which use recovery_hub.testing) on both backends.

It is installed into a directory of its own, which only this module's subprocesses put on their
``PYTHONPATH``: tests running beside these ones (pytest-xdist) never see it, and nothing is left
in the environment afterwards.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.cli import Cli

EXAMPLE = Path(__file__).parents[1] / "examples" / "hello_plugin"
DISTRIBUTION = "recovery-hub-hello"
ORIGIN = "entry point recovery_hub_hello (recovery-hub-hello)"


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def hello_installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a Python that has the example plugin installed."""
    target = tmp_path_factory.mktemp("hello-site")
    installed = _pip("install", "--no-deps", "--no-build-isolation", "--no-index",
                     "--target", str(target), str(EXAMPLE))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    path = os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path}


async def test_the_example_plugin_loads_through_its_entry_point(
    hello_installed: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "off.toml").write_text("[plugins.gp]\n[plugins.elft]\n[plugins.hello]\n"
                                       "enabled = false\n")
    on = hello_installed
    off = {**on, "RECOVERY_HUB_PLUGINS_FILE": str(tmp_path / "off.toml")}
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'never-created.db'}")
    listed, schema, listed_off, schema_off = await asyncio.gather(
        cli.ok("plugins", "list", env=on), cli.ok("schema", "print", env=on),
        cli.ok("plugins", "list", env=off), cli.ok("schema", "print", env=off))

    lines = listed.stdout.splitlines()
    at = lines.index(f"hello  enabled  {ORIGIN}")
    assert lines[at + 1] == "    hooks: register_fields, register_roles"
    assert "  helloGreeting: String" in schema.stdout.splitlines()

    assert f"hello  disabled  {ORIGIN}" in listed_off.stdout.splitlines()
    assert "hello" not in schema_off.stdout.lower()


async def test_the_example_plugin_passes_its_own_tests(
    hello_installed: dict[str, str], database_url: str
) -> None:
    backend = "postgres" if make_url(database_url).get_backend_name() == "postgresql" else (
        "sqlite")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("RECOVERY_HUB_")}
    # Any database of the server will do to create the tests' own databases from.
    env.update(hello_installed, RECOVERY_HUB_TEST_DATABASE=backend,
               RECOVERY_HUB_TEST_POSTGRES_URL=database_url)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pytest", "-q", cwd=EXAMPLE, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), 180)
    report = output.decode()
    assert process.returncode == 0, report
    assert "2 passed" in report.splitlines()[-1], report
