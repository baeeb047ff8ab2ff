"""HTTP runs: the bench app under uvicorn with 2 workers, loaded by ``wrk`` (32 or 8
connections, 2 threads, a Lua script for POST bodies and the Authorization header) or, when
wrk is not installed, by ``bench/drive.py`` (an async httpx driver in its own process).
Loopback only; every run is bounded in time.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = ["HttpRequest", "LoadResult", "Mutation", "Server", "load"]

ROOT = Path.cwd()  # the repository's root: run from there, like ``make run``


@dataclass(frozen=True)
class HttpRequest:
    path: str
    token: str
    body: str


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    driver: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``with Server(url, secret) as server:`` uvicorn with 2 workers on a free loopback port."""

    def __init__(self, url: str, secret: str, *, log: Path, workers: int = 2) -> None:
        self.url, self.secret, self.workers, self.log = url, secret, workers, log
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        env = {**os.environ, "RECOVERY_HUB_BENCH_DATABASE_URL": self.url,
               "RECOVERY_HUB_BENCH_SECRET": self.secret, "PYTHONPATH": str(ROOT)}
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "bench.server:create_bench_app",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
             "--no-access-log", "--log-level", "warning"], cwd=ROOT, env=env,
            stdout=self._log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the benchmark server stopped while starting")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    time.sleep(0.5)  # let the second worker finish starting too
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("the benchmark server did not start in 90 s")

    def __exit__(self, *_exc: Any) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()

    def wait_idle(self, limit: float = 45.0) -> None:
        """After a run: wait until requests still in flight have finished (a stalled run
        leaves them queued for up to the 30 s request timeout), so runs do not overlap."""
        deadline = time.monotonic() + limit
        quick = 0
        while quick < 4 and time.monotonic() < deadline:
            started = time.monotonic()
            try:
                ok = httpx.get(f"{self.base}/healthz", timeout=10).status_code == 200
            except httpx.HTTPError:
                ok = False
            quick = quick + 1 if ok and time.monotonic() - started < 0.1 else 0
            if quick == 0:
                time.sleep(0.25)

    def check(self, requests: list[HttpRequest]) -> None:
        """Send each request once: they must succeed (and warm both workers' caches)."""
        with httpx.Client(base_url=self.base, timeout=60) as client:
            for request in requests:
                response = client.post(request.path, content=request.body, headers={
                    "Authorization": f"Bearer {request.token}",
                    "Content-Type": "application/json"})
                if response.status_code != 200 or '"errors"' in response.text:
                    raise RuntimeError(f"{request.path}: {response.status_code} "
                                       f"{response.text[:300]}")


def _lua_string(text: str) -> str:
    assert "]==]" not in text
    return f"[==[{text}]==]"


_LUA_COMMON = """
local threads = {}
bad = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
local function headers(token)
  return {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
end
function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do failed = failed + t:get("bad") end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,' ..
    '"p95_us":%d,"errors":%d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    failed + e.connect + e.read + e.write + e.timeout + e.status))
end
"""

_LUA_READS = """
local counter = 0
function init(args) counter = id * 7 end
function request()
  counter = counter + 1
  local r = requests[(counter % #requests) + 1]
  return wrk.format("POST", r[1], headers(r[2]), r[3])
end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then bad = bad + 1 end
end
"""

# Submit, and when the submission comes back, approve that request (on whichever connection
# asks next): each thread takes its own slice of the draft requests.
_LUA_MUTATION = """
local pending = {}
local next_index, last_index
function init(args)
  local per = math.floor(#ids / nthreads)
  next_index = (id - 1) * per + 1
  last_index = id * per
end
function request()
  if #pending > 0 then
    local gid = table.remove(pending, 1)
    return wrk.format("POST", path, headers(lead), approve[1] .. gid .. approve[2])
  end
  if next_index > last_index then next_index = last_index end  -- exhausted: will fail
  local gid = ids[next_index]
  next_index = next_index + 1
  return wrk.format("POST", path, headers(coordinator), submit[1] .. gid .. submit[2])
end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true)
     or not string.find(body, '"userErrors":%s*%[%]') then bad = bad + 1 end
  local gid = string.match(body,
    '"submitBudgetRequest":%s*{%s*"budgetRequest":%s*{%s*"id":%s*"([^"]+)"')
  if gid then table.insert(pending, gid) end
end
"""


@dataclass(frozen=True)
class Mutation:
    """Submit-then-approve: body templates split where the request's global ID goes."""

    path: str
    coordinator: str
    lead: str
    submit: tuple[str, str]
    approve: tuple[str, str]
    ids: list[str]


def _wrk(base: str, seconds: float, clients: int, script: str) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        output = subprocess.run(
            ["wrk", "-t2", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout",
             "30s", "-s", file.name, base], capture_output=True, text=True,
            timeout=seconds + 60, check=True).stdout
    finally:
        os.unlink(file.name)
    line = next(line for line in output.splitlines() if line.startswith("WRKJSON "))
    found = json.loads(line.removeprefix("WRKJSON "))
    return LoadResult(found["requests"], found["duration_us"] / 1e6, found["p50_us"] / 1000,
                      found["p95_us"] / 1000, found["errors"], "wrk")


def _drive(base: str, seconds: float, clients: int, spec: dict[str, Any]) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump({**spec, "base": base, "seconds": seconds, "connections": clients}, file)
    try:
        output = subprocess.run([sys.executable, "-m", "bench.drive", file.name], cwd=ROOT,
                                capture_output=True, text=True, timeout=seconds + 120,
                                check=True).stdout
    finally:
        os.unlink(file.name)
    return LoadResult(**json.loads(output.strip().splitlines()[-1]))


def load(server: Server, seconds: float, clients: int, *,
         reads: list[HttpRequest] | None = None, mutation: Mutation | None = None
         ) -> LoadResult:
    """Drive the server with ``clients`` concurrent clients for ``seconds``, then wait until
    it is idle again."""
    try:
        return _load(server, seconds, clients, reads, mutation)
    finally:
        server.wait_idle()


def _load(server: Server, seconds: float, clients: int, reads: list[HttpRequest] | None,
          mutation: Mutation | None) -> LoadResult:
    if shutil.which("wrk") is None:
        spec: dict[str, Any] = ({"reads": [vars(r) for r in reads]} if reads else
                                {"mutation": vars(mutation)})
        return _drive(server.base, seconds, clients, spec)
    if reads:
        table = ",\n".join(f"{{{_lua_string(r.path)}, {_lua_string(r.token)}, "
                           f"{_lua_string(r.body)}}}" for r in reads)
        script = f"requests = {{\n{table}\n}}\n{_LUA_COMMON}{_LUA_READS}"
    else:
        assert mutation is not None
        ids = ", ".join(f'"{gid}"' for gid in mutation.ids)
        script = (f"ids = {{{ids}}}\nnthreads = 2\npath = {_lua_string(mutation.path)}\n"
                  f"coordinator = {_lua_string(mutation.coordinator)}\n"
                  f"lead = {_lua_string(mutation.lead)}\n"
                  f"submit = {{{', '.join(map(_lua_string, mutation.submit))}}}\n"
                  f"approve = {{{', '.join(map(_lua_string, mutation.approve))}}}\n"
                  f"{_LUA_COMMON}{_LUA_MUTATION}")
    return _wrk(server.base, seconds, clients, script)

