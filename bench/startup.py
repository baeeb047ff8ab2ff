"""``python -m bench startup``: how long ``recovery-hub serve`` takes to answer.

For each run: the time from starting ``recovery-hub serve --workers N`` to the first ``/healthz``
answer (the master loads the app once: imports, plugins, schema), and for each worker the time
from its fork ("Booting worker") to its first answer, read from the server's own JSON log. With
``--busy``, another process spins on a core meanwhile, as on a hospital's busy host. Also the
CPU seconds that importing and building the app take in one process (what a cold start costs
whatever the host's load).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

EXECUTABLE = Path(sys.executable).parent / "recovery-hub"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _build_cpu_seconds(database_url: str) -> float:
    code = ("import time; c=time.process_time(); "
            "from recovery_hub.app import create_app; from recovery_hub.settings import Settings; "
            f"create_app(Settings(database_url={database_url!r})); "
            "print(time.process_time()-c)")
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                text=True).stdout)


async def _one_start(database_url: str, workers: int) -> dict[str, Any]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as cwd:
        log_path = Path(cwd) / "server.log"
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("RECOVERY_HUB_")},
               "RECOVERY_HUB_DATABASE_URL": database_url, "RECOVERY_HUB_LOG_FORMAT": "json"}
        with log_path.open("wb") as log:
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                str(EXECUTABLE), "serve", "--port", str(port), "--workers", str(workers),
                cwd=cwd, env=env, stdout=log, stderr=log)
        try:
            async with httpx.AsyncClient(timeout=2) as client, asyncio.timeout(300):
                while True:
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/healthz")).is_success:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.02)
            first_answer = time.monotonic() - started
            async with httpx.AsyncClient(timeout=10) as client:  # reach every worker
                await asyncio.gather(*(client.get(f"http://127.0.0.1:{port}/healthz")
                                       for _ in range(40)))
        finally:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        lines = [json.loads(line) for line in log_path.read_text().splitlines()
                 if line.startswith("{")]
    booted: dict[int, dt.datetime] = {}
    answered: dict[int, dt.datetime] = {}
    for line in lines:
        when = dt.datetime.fromisoformat(line["timestamp"])
        if line["event"].startswith("Booting worker"):
            booted[line["process"]] = when
        elif line["logger"] == "uvicorn.access":
            answered.setdefault(line["process"], when)
    worker_seconds = [(answered[pid] - booted[pid]).total_seconds()
                      for pid in booted if pid in answered]
    return {"first_answer_seconds": round(first_answer, 3),
            "worker_fork_to_answer_seconds": [round(s, 3) for s in worker_seconds]}


def _spinner() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


async def measure(database_url: str, *, workers: int, runs: int, busy: bool) -> dict[str, Any]:
    spinner = _spinner() if busy else None
    try:
        starts = [await _one_start(database_url, workers) for _ in range(runs)]
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    firsts = [s["first_answer_seconds"] for s in starts]
    forks = [w for s in starts for w in s["worker_fork_to_answer_seconds"]]
    return {
        "workers": workers, "busy_core": busy, "runs": runs,
        "first_answer_seconds_median": statistics.median(firsts),
        "first_answer_seconds_max": max(firsts),
        "worker_fork_to_answer_seconds_median": statistics.median(forks) if forks else None,
        "worker_fork_to_answer_seconds_max": max(forks) if forks else None,
        "build_cpu_seconds": round(_build_cpu_seconds(database_url), 3),
        "load_average": os.getloadavg()[0],
    }


def main(database_url: str, workers: int, runs: int, busy: bool) -> None:
    result = asyncio.run(measure(database_url, workers=workers, runs=runs, busy=busy))
    print(json.dumps(result, indent=2))
