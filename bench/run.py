"""One benchmark run: generate a scale on a backend, then measure every scenario in-process
(GraphQL and floor, same run), profile, then over HTTP (GraphQL, floor, audit off)."""

from __future__ import annotations

import json
import os
import resource
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from strawberry import relay

from auth.dev_tokens import issue_dev_token
from core.db import Database

from .fixture import Fixture, resolve
from .generate import generate, record
from .http import HttpRequest, LoadResult, Mutation, Server, load
from .inprocess import Flow, InProcess, measure, peak_memory_kib
from .profile import profile
from .scales import Scale
from .scenarios import APPROVE, SCENARIOS, SUBMIT, Scenario

__all__ = ["Budget", "BUDGETS", "run_scale"]


@dataclass(frozen=True)
class Budget:
    """Seconds spent per measurement, how many runs are profiled, and the HTTP clients.

    The first of ``clients`` is the headline figure (``rps``); 32 is what the issue asks for.
    Quick runs 8 only: at 32, staff scenarios exhaust the connection pool (see REPORT.md) and
    each stalled run costs the 30 s request timeout, which a one-minute run cannot afford.
    """

    graphql: float
    floor: float
    http: float
    http_floor: float
    profiled_runs: int  # 0: no profiles
    at_least: int
    warmup: int
    clients: tuple[int, ...]
    # Also load staff reads with the audit trail off (what auditing reads costs).
    unaudited_reads: bool
    # Load the floor over HTTP for every scenario (else only where a target needs it).
    every_floor: bool = True


BUDGETS = {
    "quick": Budget(graphql=0.5, floor=0.25, http=2.0, http_floor=1.0, profiled_runs=0,
                    at_least=2, warmup=1, clients=(8,), unaudited_reads=False,
                    every_floor=False),
    "borough": Budget(graphql=4.0, floor=2.0, http=5.0, http_floor=5.0, profiled_runs=5,
                      at_least=10, warmup=2, clients=(32, 8), unaudited_reads=True),
    "national": Budget(graphql=4.0, floor=2.0, http=5.0, http_floor=5.0, profiled_runs=5,
                       at_least=10, warmup=2, clients=(32, 8), unaudited_reads=True),
}
# Where a target is judged (and so what is profiled): see report.py.
PROFILED = ("dashboard", "caseload_500", "approval_queue", "submit_approve")


def backend_of(url: str) -> str:
    return "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgres"


def _ms(value: float) -> float:
    return round(value, 2)


async def _inprocess(url: str, fixture: Fixture, budget: Budget) -> tuple[
        dict[str, dict[str, Any]], dict[str, tuple[Flow, Flow]]]:
    runner = InProcess(url, fixture)
    found: dict[str, dict[str, Any]] = {}
    flows: dict[str, tuple[Flow, Flow]] = {}
    try:
        for scenario in SCENARIOS:
            graphql, floor = await runner.flow(scenario), await runner.floor_flow(scenario)
            flows[scenario.name] = (graphql, floor)

            async def api(s: Scenario = scenario, audit: bool = True) -> None:
                await runner.flow(s, audit=audit)

            async def base(s: Scenario = scenario) -> None:
                await runner.floor_flow(s)

            timing = await measure(api, seconds=budget.graphql, at_least=budget.at_least,
                                   warmup=budget.warmup)
            floor_timing = await measure(base, seconds=budget.floor, at_least=budget.at_least,
                                         warmup=budget.warmup)
            entry: dict[str, Any] = {
                "name": scenario.name, "title": scenario.title,
                "p50_ms": _ms(timing.p50), "p95_ms": _ms(timing.p95),
                "statements": sum(graphql.statements),
                "statements_per_request": graphql.statements,
                "requests_per_flow": len(graphql.requests),
                "rows": floor.rows, "response_bytes": graphql.bytes,
                "floor_p50_ms": _ms(floor_timing.p50), "floor_p95_ms": _ms(floor_timing.p95),
                "floor_statements": sum(floor.statements),
                "ratio_to_floor": round(timing.p50 / floor_timing.p50, 2),
                "iterations": len(timing.latencies_ms),
                # Per request (the first page): pages run one after another.
                "peak_kib": await peak_memory_kib(lambda s=scenario: runner.flow(s, pages=1)),
                "floor_peak_kib": await peak_memory_kib(
                    lambda s=scenario: runner.floor_flow(s, pages=1)),
            }
            if scenario.mutation:
                off = await measure(lambda s=scenario: runner.flow(s, audit=False),
                                    seconds=budget.graphql, at_least=budget.at_least,
                                    warmup=budget.warmup)
                entry["audit_off_p50_ms"] = _ms(off.p50)
                entry["audit_off_statements"] = sum((await runner.flow(
                    scenario, audit=False)).statements)
            if scenario.name == "approval_queue":
                team = fixture.team("lead_large")
                by_status = await measure(lambda t=team: runner.floor.run(
                    "approval_queue_by_status", {"team": t}), seconds=budget.floor,
                    at_least=budget.at_least, warmup=budget.warmup)
                entry["queue_by_status_p50_ms"] = _ms(by_status.p50)
            if scenario.name in PROFILED and budget.profiled_runs:
                summary = await profile(api, budget.profiled_runs)
                entry["profile"] = {"seconds": round(summary.seconds, 3),
                                    "areas": [[a, round(s, 3)] for a, s in summary.areas],
                                    "functions": [[f, round(s, 3)]
                                                  for f, s in summary.functions]}
            found[scenario.name] = entry
            print(f"  {scenario.name:15} p50 {timing.p50:8.1f} ms  floor {floor_timing.p50:7.1f}"
                  f" ms  x{entry['ratio_to_floor']:<6} statements {entry['statements']}")
    finally:
        await runner.close()
    return found, flows


def _graphql_body(scenario: Scenario, variables: dict[str, Any]) -> str:
    return json.dumps({"query": scenario.query, "variables": variables,
                       "operationName": scenario.operation})


def _split(template: dict[str, Any]) -> tuple[str, str]:
    before, after = json.dumps(template).split("@@ID@@")
    return before, after


def _http(url: str, fixture: Fixture, found: dict[str, dict[str, Any]],
          flows: dict[str, tuple[Flow, Flow]], budget: Budget, drafts: list[int],
          log: Path) -> None:
    secret = secrets.token_hex(16)
    primary = budget.clients[0]

    def token(username: str) -> str:
        return issue_dev_token(secret, username)

    # Each draft is submitted once: split them between the mutation runs (the floor is faster).
    runs = ([("/graphql", c) for c in budget.clients] + [("/unaudited/graphql", primary)]
            + [("floor", c) for c in budget.clients] * 2)
    share = len(drafts) // len(runs)
    pools: dict[tuple[str, int], list[int]] = {}
    for n, run in enumerate(runs):
        pools.setdefault(run, []).extend(drafts[n * share:(n + 1) * share])

    with Server(url, secret, log=log) as server:
        for scenario in SCENARIOS:
            entry = found[scenario.name]
            graphql, floor = flows[scenario.name]
            if scenario.mutation:
                lead = fixture.actors["lead_mutation"].username
                for path, clients in dict.fromkeys(runs):
                    ids = [relay.to_base64("BudgetRequest", rid) for rid in pools[(path, clients)]]
                    if path == "floor":
                        mutation = Mutation("/floor", "-", "-", _split({
                            "scenario": "submit", "params": {
                                "request": "@@ID@@", "actor": "coordinator_mutation"}}),
                            _split({"scenario": "approve", "params": {
                                "request": "@@ID@@", "actor": "lead_mutation"}}), ids[1:])
                    else:
                        mutation = Mutation(path, token(scenario.actor), token(lead),
                                            _split({"query": SUBMIT, "variables": {
                                                "id": "@@ID@@"}}),
                                            _split({"query": APPROVE, "variables": {
                                                "id": "@@ID@@"}}), ids[1:])
                    target = "/floor" if path == "floor" else path
                    server.check([HttpRequest(target, mutation.coordinator,
                                              ids[0].join(mutation.submit)),
                                  HttpRequest(target, mutation.lead,
                                              ids[0].join(mutation.approve))])
                    seconds = budget.http_floor if path == "floor" else budget.http
                    result = load(server, seconds, clients, mutation=mutation)
                    _record(entry, path, clients, primary, result)
                _print(entry)
                continue
            reads = [HttpRequest("/graphql", token(scenario.actor),
                                 _graphql_body(scenario, variables))
                     for variables in graphql.requests]
            floor_reads = [HttpRequest("/floor", "-", json.dumps(
                {"scenario": scenario.floor, "params": params})) for params in floor.requests]
            server.check(reads + floor_reads)
            for clients in budget.clients:
                _record(entry, "/graphql", clients, primary,
                        load(server, budget.http, clients, reads=reads))
                if budget.every_floor or scenario.http_target:
                    _record(entry, "floor", clients, primary,
                            load(server, budget.http_floor, clients, reads=floor_reads))
            staff = not scenario.actor.startswith("bench-person")
            if staff and budget.unaudited_reads:  # staff reads are audited: at what cost?
                quiet = [HttpRequest("/unaudited/graphql", r.token, r.body) for r in reads]
                _record(entry, "/unaudited/graphql", primary, primary,
                        load(server, budget.http, primary, reads=quiet))
            _print(entry)
        peak = _worker_peak_rss_mib(server)
    for entry in found.values():
        entry["server_worker_peak_rss_mib"] = peak


def _print(entry: dict[str, Any]) -> None:
    ratio, floor = entry.get("rps_ratio_to_floor"), entry.get("floor_rps")
    print(f"  {entry['name']:15} {entry['rps']:8.1f} req/s  floor "
          f"{'-' if floor is None else f'{floor:.1f}':>8} req/s  "
          f"({'-' if ratio is None else f'{ratio:.0%}'})  errors {entry['http_errors']}")


def _record(entry: dict[str, Any], path: str, clients: int, primary: int,
            result: LoadResult) -> None:
    """Headline keys for the primary number of clients; ``_<clients>`` suffixed otherwise."""
    suffix = "" if clients == primary else f"_{clients}"
    prefix = {"/graphql": "", "floor": "floor_", "/unaudited/graphql": "audit_off_"}[path]
    entry[f"{prefix}rps{suffix}"] = round(result.rps, 1)
    entry[f"{prefix}http_errors{suffix}"] = result.errors
    entry["http_clients"] = primary
    entry["load_driver"] = result.driver
    if path == "/graphql":
        entry[f"flows_per_s{suffix}"] = round(result.rps / entry["requests_per_flow"], 2)
        entry[f"http_p50_ms{suffix}"] = _ms(result.p50_ms)
        entry[f"http_p95_ms{suffix}"] = _ms(result.p95_ms)
    graphql, floor = entry.get(f"rps{suffix}"), entry.get(f"floor_rps{suffix}")
    if graphql is not None and floor:
        entry[f"rps_ratio_to_floor{suffix}"] = round(graphql / floor, 3)
    off = entry.get("audit_off_rps")
    if off and path == "/unaudited/graphql" and entry.get("rps") is not None:
        entry["audit_cost_throughput"] = round(1 - entry["rps"] / off, 3)


def _worker_peak_rss_mib(server: Server) -> float:
    """The largest peak resident memory (VmHWM) of the uvicorn worker processes."""
    assert server.process is not None
    pid = server.process.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    peaks = []
    for child in children:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return round(max(peaks, default=0.0), 1)


async def run_scale(scale: Scale, url: str, *, http: bool = True,
                    reuse: bool = False) -> list[dict[str, Any]]:
    """Everything for one scale on one backend; returns one result object per scenario.

    ``reuse``: measure the database the last ``generate`` left, when a run failed before it
    finished measuring (measuring consumes draft requests and adds audit events), instead of
    generating again.
    """
    backend = backend_of(url)
    budget = BUDGETS[scale.name]
    print(f"== {scale.name} on {backend}")
    stamp = Path("var/bench") / f"generated-{scale.name}-{backend}.json"
    if reuse and stamp.exists():
        found = json.loads(stamp.read_text())
        load_seconds, total_rows = found["seconds"], sum(found["rows"].values())
    else:
        generated = await generate(scale, url)
        record(generated, stamp)
        load_seconds, total_rows = generated.seconds, generated.total_rows
    db = Database(url)
    fixture = await resolve(db)
    await db.dispose()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    found, flows = await _inprocess(url, fixture, budget)
    # What the in-process runs did not use stays for HTTP (each draft is submitted once).
    db = Database(url)
    drafts = (await resolve(db)).drafts
    await db.dispose()
    print(f"  in-process: {time.perf_counter() - started:.0f} s")
    if http:
        log = Path("var/bench") / f"server-{scale.name}-{backend}.log"
        _http(url, fixture, found, flows, budget, drafts, log)
        text = log.read_text()
        for entry in found.values():
            entry["server_timeouts"] = text.count("request timed out")
            entry["pool_timeouts"] = text.count("QueuePool limit")
    stamp.unlink(missing_ok=True)  # measured: the next run must generate again
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = []
    for entry in found.values():
        entry.update({"backend": backend, "scale": scale.name, "people": scale.people,
                      "load_seconds": round(load_seconds, 1),
                      "total_rows": total_rows,
                      "bench_process_peak_rss_mib": round(max_rss, 1),
                      # The machine's 1-minute load average before and after: others' work
                      # on the same cores shows up here.
                      "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                      "measured_seconds": round(time.perf_counter() - started, 1)})
        entry.setdefault("rps", None)
        results.append(entry)
    return results
