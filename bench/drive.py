"""``python -m bench.drive spec.json``: the load generator used when ``wrk`` is not installed.

An async httpx driver in its own process: ``connections`` clients, each sending its next
request as soon as the last one answered, for ``seconds``. Prints one JSON line (LoadResult).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import sys
import time
from typing import Any

import httpx


def _ok(response: httpx.Response) -> bool:
    return response.status_code == 200 and '"errors"' not in response.text


async def _main(spec: dict[str, Any]) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + spec["seconds"]
    limits = httpx.Limits(max_connections=spec["connections"])

    async def post(client: httpx.AsyncClient, path: str, token: str, body: str
                   ) -> httpx.Response:
        nonlocal errors
        started = time.perf_counter()
        response = await client.post(path, content=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        latencies.append((time.perf_counter() - started) * 1000)
        errors += not _ok(response)
        return response

    async with httpx.AsyncClient(base_url=spec["base"], limits=limits, timeout=60) as client:
        if "reads" in spec:
            requests = itertools.cycle(spec["reads"])

            async def reader() -> None:
                while time.perf_counter() < deadline:
                    r = next(requests)
                    await post(client, r["path"], r["token"], r["body"])

            workers = [reader() for _ in range(spec["connections"])]
        else:
            mutation = spec["mutation"]
            ids = iter(mutation["ids"])

            async def mutator() -> None:
                for gid in ids:
                    if time.perf_counter() >= deadline:
                        return
                    await post(client, mutation["path"], mutation["coordinator"],
                               gid.join(mutation["submit"]))
                    await post(client, mutation["path"], mutation["lead"],
                               gid.join(mutation["approve"]))

            workers = [mutator() for _ in range(spec["connections"])]
        started = time.perf_counter()
        await asyncio.gather(*workers)
        seconds = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return {"requests": len(latencies), "seconds": seconds,
            "p50_ms": statistics.median(ordered),
            "p95_ms": ordered[round(0.95 * (len(ordered) - 1))], "errors": errors,
            "driver": "httpx"}


if __name__ == "__main__":
    with open(sys.argv[1]) as file:
        print(json.dumps(asyncio.run(_main(json.load(file)))))
