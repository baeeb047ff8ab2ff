"""The ``recovery-hub`` command, run as a real subprocess, the way an operator runs it."""

from __future__ import annotations

import argparse
import asyncio
import os
import stat
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from auth.dev_tokens import read_dev_token
from recovery_hub.app import create_app
from recovery_hub.cli import _parser
from recovery_hub.demo import DEMO_USERS
from recovery_hub.settings import Settings
from tests.support.cli import EXECUTABLE, Cli

DEFAULT_TEST_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    # A directory that does not exist yet: `db upgrade` creates it.
    return tmp_path / "data" / "nested" / "recovery-hub.db"


@pytest.fixture
def cli(tmp_path: Path, sqlite_file: Path) -> Cli:
    workdir = tmp_path / "work"
    workdir.mkdir()
    return Cli(workdir, f"sqlite:///{sqlite_file}")


def test_the_executable_is_installed() -> None:
    assert EXECUTABLE.exists(), f"{EXECUTABLE}: install the project (pip install -e .)"


Command = tuple[str, ...]


def _command_paths(parser: argparse.ArgumentParser, prefix: Command = ()) -> Iterator[Command]:
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from _command_paths(subparser, (*prefix, name))


COMMANDS = sorted(_command_paths(_parser()))


def test_the_commands_are_the_documented_ones() -> None:
    assert set(COMMANDS) >= {
        (), ("serve",), ("db",), ("db", "upgrade"), ("demo",), ("demo", "load"),
        ("demo", "tokens"), ("schema",), ("schema", "print"), ("token",),
    }


async def test_help_and_schema_print_need_no_database(cli: Cli, sqlite_file: Path) -> None:
    helps = [cli.run(*command, "--help") for command in COMMANDS]
    usage_errors = [cli.run(), cli.run("db")]
    schema = cli.run("schema", "print")
    *ran, schema_printed = await asyncio.gather(*helps, *usage_errors, schema)

    for command, result in zip(COMMANDS, ran, strict=False):
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.startswith("usage: recovery-hub"), (command, result.stdout)
        assert result.stderr == ""
    for result in ran[len(COMMANDS):]:
        assert result.returncode == 2
        assert "usage: recovery-hub" in result.stderr
        assert "Traceback" not in result.stderr

    assert schema_printed.returncode == 0, schema_printed.stderr
    assert "type Person implements Node" in schema_printed.stdout
    assert "type Query" in schema_printed.stdout and "type Mutation" in schema_printed.stdout

    # None of these touched a database or made a secret.
    assert not sqlite_file.exists()
    assert list(cli.cwd.iterdir()) == []


async def test_upgrade_load_demo_and_get_a_token(
    cli: Cli, sqlite_file: Path, tmp_path: Path
) -> None:
    assert not sqlite_file.exists()
    await cli.ok("db", "upgrade")
    assert sqlite_file.exists()
    await cli.ok("db", "upgrade")  # idempotent
    loaded = await cli.ok("demo", "load")
    assert "loaded" in loaded.stderr.lower()
    # The first token makes var/dev-secret; the rest run side by side.
    token = (await cli.ok("token", "--as", "ngozi")).stdout.strip()

    elsewhere = Cli(tmp_path, cli.database_url)
    elsewhere.env["RECOVERY_HUB_SECRET_KEY"] = "from-the-environment-" + "k" * 20
    again, if_empty, shouting, nobody, tokens, from_env = await asyncio.gather(
        cli.run("demo", "load"),
        cli.run("demo", "load", "--if-empty"),
        cli.run("token", "--as", "  NGOZI "),
        cli.run("token", "--as", "nobody"),
        cli.run("demo", "tokens"),
        elsewhere.run("token", "--as", "belu"),
    )

    assert again.returncode == 1
    assert "not empty" in again.stderr
    assert "Traceback" not in again.stderr
    assert if_empty.returncode == 0, if_empty.stderr

    assert token and "\n" not in token
    assert shouting.returncode == 0 and shouting.stdout.strip() == token
    assert nobody.returncode != 0
    assert nobody.stdout == ""
    assert "nobody" in nobody.stderr and "ngozi" in nobody.stderr
    assert "Traceback" not in nobody.stderr
    assert tokens.returncode == 0, tokens.stderr
    for user in DEMO_USERS:
        assert user.username in tokens.stdout
    assert token in tokens.stdout

    # With RECOVERY_HUB_SECRET_KEY set, that is the secret, and no file is made.
    assert from_env.returncode == 0, from_env.stderr
    assert read_dev_token(elsewhere.env["RECOVERY_HUB_SECRET_KEY"],
                          from_env.stdout.strip()) == "belu"
    assert not (tmp_path / "var").exists()

    # A `serve --dev` started in the same directory uses the same var/dev-secret.
    secret_file = cli.cwd / "var" / "dev-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) >= 32
    app = create_app(Settings(database_url=cli.database_url, development=True,
                              secret_key=secret, request_timeout_seconds=120.0))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post(
                "/graphql", json={"query": "{ me { givenName familyName } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
    finally:
        await app.state.platform.db.dispose()
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"me": {"givenName": "Ngozi", "familyName": "Adeyemi"}}}


# --- PostgreSQL ---------------------------------------------------------------------------


def _postgres_admin_url() -> str:
    return os.environ.get("RECOVERY_HUB_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
async def fresh_postgres_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    admin_url = _postgres_admin_url()
    try:
        admin = await asyncpg.connect(_asyncpg_dsn(admin_url), timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL unreachable at {admin_url}: {error}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    name = f"recovery_hub_cli_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_db_upgrade_on_a_fresh_postgres_database(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    cli = Cli(tmp_path, fresh_postgres_url)
    await cli.ok("db", "upgrade")
    await cli.ok("db", "upgrade")
    connection = await asyncpg.connect(_asyncpg_dsn(fresh_postgres_url), timeout=5)
    try:
        tables = {
            row["tablename"]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        }
        versions = await connection.fetch("SELECT version_num FROM alembic_version")
    finally:
        await connection.close()
    assert {"alembic_version", "person", "user_account", "funding_pot"} <= tables
    # One row per branch whose head no other head depends on: core's (the plugins' heads
    # depend on earlier core revisions) and each plugin's.
    assert sorted(row["version_num"] for row in versions) == ["0007", "advocacy_project_0002",
                                                              "elft_0001"]
