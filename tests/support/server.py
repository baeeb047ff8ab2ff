"""``recovery-hub serve`` as a real process: started, waited for (its ``/healthz``), stopped
with SIGTERM, its log kept in a file."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .cli import EXECUTABLE
from .smtp import free_port

__all__ = ["Server", "running_server"]


@dataclass
class Server:
    url: str
    log_path: Path
    process: asyncio.subprocess.Process

    def log_lines(self) -> list[dict[str, Any]]:
        """Every line the server logged, each a JSON object (RECOVERY_HUB_LOG_FORMAT=json)."""
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]


async def wait_until_answering(url: str, *, within: float) -> None:
    """Poll ``/healthz`` until it answers 200, for at most ``within`` seconds."""
    async with httpx.AsyncClient(timeout=2) as client:
        async with asyncio.timeout(within):
            while True:
                try:
                    if (await client.get(f"{url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)


@asynccontextmanager
async def running_server(
    cwd: Path, database_url: str, *args: str, env: dict[str, str] | None = None,
    within: float = 90,
) -> AsyncIterator[Server]:
    port = free_port()
    log_path = cwd / f"server-{port}.log"
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("RECOVERY_HUB_")}
    environment.update({"RECOVERY_HUB_DATABASE_URL": database_url,
                        "RECOVERY_HUB_LOG_FORMAT": "json", **(env or {})})
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            str(EXECUTABLE), "serve", "--host", "127.0.0.1", "--port", str(port), *args,
            cwd=cwd, env=environment, stdout=log, stderr=log)
    server = Server(f"http://127.0.0.1:{port}", log_path, process)
    try:
        await wait_until_answering(server.url, within=within)
        yield server
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
