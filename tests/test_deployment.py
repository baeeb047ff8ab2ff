"""The deployment (Dockerfile, compose.yaml) and the operator's routines (docs/operations.md).

Docker does not run on this machine (only its client is installed, without compose), so the
image is not built here. What can be checked is: the compose file parses and starts what the
guide says, in the order it says; the commands its containers run work when run directly
against PostgreSQL and Redis; and a backup taken with pg_dump restores into a database that
serves the same records and whose audit trail verifies.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path
from typing import Any

import asyncpg
import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.db import Database
from core.migrate import upgrade_async
from core.models import AuditEvent, Person
from tests.support.cli import EXECUTABLE, Cli
from tests.support.world import PLUGINS

ROOT = Path(__file__).parents[1]
GUIDE = (ROOT / "docs" / "operations.md").read_text()


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())  # type: ignore[no-any-return]


def _command(service: dict[str, Any], **variables: str) -> list[str]:
    """A service's command, with ${NAME:-default} filled in as compose does."""
    def fill(word: str) -> str:
        return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: variables.get(m[1], m[2]), word)

    return [fill(word) for word in service["command"]]


def test_the_compose_file_runs_what_the_guide_says() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "app", "worker"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert _command(services["migrate"]) == ["recovery-hub", "db", "upgrade"]
    assert _command(services["app"]) == ["recovery-hub", "serve", "--host", "0.0.0.0",
                                         "--port", "8000", "--workers", "4"]
    assert _command(services["worker"]) == ["recovery-hub", "worker"]
    # Migrations before new workers: app and worker wait for `migrate` to finish.
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}
        environment = services[name]["environment"]
        assert environment["RECOVERY_HUB_JOBS"] == "worker"  # jobs only in the worker
        assert environment["RECOVERY_HUB_REDIS_URL"] == "redis://redis:6379/0"
        assert environment["RECOVERY_HUB_DATABASE_URL"].startswith("postgresql://")
    assert services["app"]["ports"] == ["${PORT:-8000}:8000"]  # one port
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    # The guide names each service and command.
    for name in services:
        assert f"`{name}`" in GUIDE, name
    for command in ("recovery-hub db upgrade", "recovery-hub worker", "pg_dump", "pg_restore"):
        assert command in GUIDE, command
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert ('CMD ["recovery-hub", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", '
            '"4"]') in dockerfile
    for copied in re.findall(r"^COPY (?!--)(\S+)", dockerfile, flags=re.MULTILINE):
        assert (ROOT / copied).exists(), copied


async def test_the_containers_commands_work_when_run_directly(fresh_postgres_url: str,
                                                              tmp_path: Path) -> None:
    """migrate, then the worker (RECOVERY_HUB_JOBS=worker, Redis): it runs until SIGTERM and
    then stops cleanly. (The app's command is tests/test_serving.py's.)"""
    services = _compose()["services"]
    cli = Cli(tmp_path, fresh_postgres_url)
    environment = {"RECOVERY_HUB_JOBS": "worker", "RECOVERY_HUB_LOG_FORMAT": "json",
                   "RECOVERY_HUB_REDIS_URL": "redis://127.0.0.1:6379/0"}
    migrate = _command(services["migrate"])
    ran = await cli.run(*migrate[1:], env=environment)
    assert ran.returncode == 0, ran.stderr
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = await asyncio.create_subprocess_exec(
            str(EXECUTABLE), *_command(services["worker"])[1:], cwd=tmp_path,
            env={**cli.env, **environment}, stdout=log, stderr=log)
    try:
        async with asyncio.timeout(120):
            while "running jobs: " not in log_path.read_text():
                assert worker.returncode is None, log_path.read_text()
                await asyncio.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 60) == 0, log_path.read_text()
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
    assert "elft.falling_due" in log_path.read_text()
    assert "Traceback" not in log_path.read_text()


async def _restored(url: str, tmp_path: Path) -> str:
    """pg_dump the database, then pg_restore it into a new one, as the guide says."""
    dump = tmp_path / "recovery-hub.dump"
    source = make_url(url)
    target = source.set(database=f"{source.database}_restored")
    env = {**os.environ, "PGHOST": source.host or "127.0.0.1",
           "PGPORT": str(source.port or 5432), "PGUSER": source.username or "postgres"}
    for command in (["pg_dump", "--format=custom", f"--file={dump}", str(source.database)],
                    ["createdb", str(target.database)],
                    ["pg_restore", "--exit-on-error", f"--dbname={target.database}", str(dump)]):
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _out, error = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, (command, error.decode())
    return target.render_as_string(hide_password=False)


async def test_a_backup_restores_with_its_records_and_a_trail_that_verifies(
        fresh_postgres_url: str, tmp_path: Path) -> None:
    cli = Cli(tmp_path, fresh_postgres_url)
    await upgrade_async(fresh_postgres_url, plugins=PLUGINS)
    assert (await cli.run("demo", "load")).returncode == 0
    restored = await _restored(fresh_postgres_url, tmp_path)
    try:
        counts = []
        for url in (fresh_postgres_url, restored):
            db = Database(url)
            try:
                async with db.reading() as session:
                    counts.append((await session.scalar(select(func.count(Person.id))),
                                   await session.scalar(select(func.count(AuditEvent.id)))))
            finally:
                await db.dispose()
        assert counts[0] == counts[1] and counts[0][0] and counts[0][1]
        checked = await Cli(tmp_path, restored).run("audit", "verify")
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout.strip() == f"The audit trail is intact: {counts[1][1]} events."
        ready = await Cli(tmp_path, restored).run("db", "upgrade")  # already at head
        assert ready.returncode == 0, ready.stderr
    finally:
        admin = await asyncpg.connect(make_url(restored).set(
            drivername="postgresql", database="postgres").render_as_string(hide_password=False))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(restored).database}" '
                                "WITH (FORCE)")
        finally:
            await admin.close()
