"""``recovery-hub devices``, run as an operator runs it: a new key, and ``sync`` importing
Belu's Fitbit from the double served on a real local port, twice, with nothing new the second
time."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import func, select

from core.db import Database
from core.devices.fitbit import FitbitSettings
from core.devices.registry import Devices
from core.devices.vault import TokenVault, new_key
from core.events import EventDispatcher
from core.migrate import upgrade_async
from core.models import utcnow
from core.observations.models import Observation
from core.unit_of_work import UnitOfWork
from tests.support.cli import Cli
from tests.support.fitbit_double import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, FitbitDouble
from tests.support.world import PLUGINS, build_world

from .fitbit_support import BELU_FITBIT, ClockedClient, FitbitWorld


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def served() -> AsyncIterator[tuple[FitbitDouble, str]]:
    """The Fitbit double on a real local port, at the real time (the command's clock)."""
    double = FitbitDouble(utcnow())
    double.account(BELU_FITBIT).a_month(dt.date.today())
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(double.app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.01)
    try:
        yield double, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_new_key_prints_a_key_for_device_tokens(tmp_path: Path) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'hub.db'}")
    ran = await cli.run("devices", "new-key")
    assert ran.returncode == 0, ran.stderr
    TokenVault([ran.stdout.strip()]).open(TokenVault([ran.stdout.strip()]).seal("x"))


async def test_devices_sync_imports_belus_fitbit_once(
    tmp_path: Path, served: tuple[FitbitDouble, str]
) -> None:
    double, url = served
    database_url = f"sqlite:///{tmp_path / 'hub.db'}"
    await upgrade_async(database_url, plugins=PLUGINS)
    db = Database(database_url)
    keys = [new_key()]
    settings = FitbitSettings(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI,
                              authorize_url=f"{url}/oauth2/authorize", api_url=url)
    try:
        world = await build_world(UnitOfWork(db))
        uow = UnitOfWork(db, EventDispatcher(), PLUGINS,
                         Devices.build(PLUGINS, token_keys=keys, fitbit=settings))
        fitbit = FitbitWorld(world, double, uow, ClockedClient(uow, utcnow()), keys)
        connected = await fitbit.connect()
        assert connected["userErrors"] == []
        cli = Cli(tmp_path, database_url)
        env = {"RECOVERY_HUB_DEVICE_TOKEN_KEYS": keys[0],
               "RECOVERY_HUB_FITBIT_CLIENT_ID": CLIENT_ID,
               "RECOVERY_HUB_FITBIT_CLIENT_SECRET": CLIENT_SECRET,
               "RECOVERY_HUB_FITBIT_REDIRECT_URI": REDIRECT_URI,
               "RECOVERY_HUB_FITBIT_API_URL": url}

        first = await cli.run("devices", "sync", env=env)
        async with db.reading() as session:
            imported = await session.scalar(select(func.count()).select_from(Observation))
        second = await cli.run("devices", "sync", env=env)
        again = await cli.run("devices", "sync", "--device", "1", env=env)
        async with db.reading() as session:
            after = await session.scalar(select(func.count()).select_from(Observation))
    finally:
        await db.dispose()

    assert first.returncode == 0, first.stderr
    assert "1 device(s) imported." in first.stderr
    assert imported and imported >= 90  # a month of steps, nights and heart rates, and weights
    # Imported just now, and nothing asked for since: not due.
    assert (second.returncode, second.stderr.strip()) == (0, "0 device(s) imported.")
    # Asked for by name: today's readings again, none new.
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("device 1: 0 new") and after == imported
