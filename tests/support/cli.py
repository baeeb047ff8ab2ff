"""Running ``recovery-hub`` as a real subprocess, the way an operator runs it."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EXECUTABLE", "Cli", "Ran"]

EXECUTABLE = Path(sys.executable).parent / "recovery-hub"
# Commands run side by side where they can, but no more at once than there are CPUs: each
# one spends most of its time importing.
_SLOTS = asyncio.Semaphore(os.cpu_count() or 2)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


class Cli:
    """``recovery-hub`` in its own working directory, against one database."""

    def __init__(self, cwd: Path, database_url: str) -> None:
        self.cwd = cwd
        self.database_url = database_url
        self.env = {
            name: value for name, value in os.environ.items()
            if not name.startswith("RECOVERY_HUB_")
        }
        self.env["RECOVERY_HUB_DATABASE_URL"] = database_url

    async def run(self, *args: str, timeout: float = 120,
                  env: dict[str, str] | None = None) -> Ran:
        async with _SLOTS:
            process = await asyncio.create_subprocess_exec(
                str(EXECUTABLE), *args, cwd=self.cwd, env={**self.env, **(env or {})},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
        assert process.returncode is not None
        return Ran(process.returncode, stdout.decode(), stderr.decode())

    async def ok(self, *args: str, env: dict[str, str] | None = None) -> Ran:
        ran = await self.run(*args, env=env)
        assert ran.returncode == 0, (args, ran.stderr)
        assert "Traceback" not in ran.stderr
        return ran
