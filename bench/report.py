"""``REPORT.md`` and its plots, from the results of one ``python -m bench run``."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

__all__ = ["TARGETS", "write_report"]

Result = dict[str, Any]
FINDINGS = Path(__file__).resolve().parent / "findings.md"
TARGETS = {
    "caseload_ratio": 6.0,  # caseload of 500 in-process, at most this times the floor
    "http_share": 0.40,  # dashboard and approval queue: at least this share of the floor's rps
    "audit_cost": 0.15,  # the audit trail: at most this share of the mutation's throughput
    "national_growth": 1.5,  # national p50 / borough p50, at most
}


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _mark(ok: bool | None) -> str:
    return "not run" if ok is None else ("met" if ok else "**missed**")


def _by(results: list[Result]) -> dict[tuple[str, str], dict[str, Result]]:
    grouped: dict[tuple[str, str], dict[str, Result]] = defaultdict(dict)
    for result in results:
        grouped[(result["scale"], result["backend"])][result["name"]] = result
    return grouped


def _targets(results: list[Result]) -> list[str]:
    if any(r["scale"] != "quick" for r in results):  # the quick scale only sets the x axis
        results = [r for r in results if r["scale"] != "quick"]
    grouped = _by(results)
    lines = ["| target | scale, backend | figure | |", "| --- | --- | --- | --- |"]
    for (scale, backend), found in grouped.items():
        where = f"{scale}, {backend}"
        small, large = found.get("caseload_50"), found.get("caseload_500")
        if small and large:
            a, b = small["statements_per_request"], large["statements_per_request"]
            same = set(a) == set(b) and len(set(b)) == 1
            lines.append(f"| statements do not grow with caseload (50 vs 500) | {where} | "
                         f"{a[0]} per request for 50; {'/'.join(map(str, sorted(set(b))))} per "
                         f"request for 500 ({len(b)} pages, {sum(b)} in all) | {_mark(same)} |")
            lines.append(f"| caseload of 500 in-process ≤ {TARGETS['caseload_ratio']:.0f}× floor"
                         f" | {where} | {large['ratio_to_floor']:.1f}× | "
                         f"{_mark(large['ratio_to_floor'] <= TARGETS['caseload_ratio'])} |")
        for name in ("dashboard", "approval_queue"):
            entry = found.get(name)
            share = entry.get("rps_ratio_to_floor") if entry else None
            if entry is None:
                continue
            also = ""
            if entry.get("rps_8") is not None and entry.get("floor_rps_8"):
                also = f"; at 8 clients {_pct(entry['rps_8'] / entry['floor_rps_8'])}"
            lines.append(f"| {name} over HTTP ≥ {TARGETS['http_share']:.0%} of floor rps "
                         f"({entry.get('http_clients')} clients) | {where} | {_pct(share)} "
                         f"({_f(entry.get('rps'))} vs {_f(entry.get('floor_rps'))} req/s"
                         f"{also}) | "
                         f"{_mark(None if share is None else share >= TARGETS['http_share'])} |")
        mutation = found.get("submit_approve")
        if mutation:
            cost = mutation.get("audit_cost_throughput")
            shown = _pct(cost) if cost is None or cost >= 0 else f"none measurable ({cost:.0%})"
            lines.append(f"| audit trail ≤ {TARGETS['audit_cost']:.0%} of mutation throughput "
                         f"| {where} | {shown} ({_f(mutation.get('rps'))} vs "
                         f"{_f(mutation.get('audit_off_rps'))} req/s audit off; in-process p50 "
                         f"{_f(mutation['p50_ms'])} vs {_f(mutation.get('audit_off_p50_ms'))} ms)"
                         f" | {_mark(None if cost is None else cost <= TARGETS['audit_cost'])} |")
    national = {r["name"]: r for r in results if r["scale"] == "national"}
    borough = {r["name"]: r for r in results
               if r["scale"] == "borough" and r["backend"] == "postgres"}
    if national and borough:
        for name, entry in national.items():
            growth = entry["p50_ms"] / borough[name]["p50_ms"]
            lines.append(f"| national vs borough p50 ≤ {TARGETS['national_growth']}× | {name}, "
                         f"postgres | {growth:.2f}× ({_f(borough[name]['p50_ms'])} → "
                         f"{_f(entry['p50_ms'])} ms) | "
                         f"{_mark(growth <= TARGETS['national_growth'])} |")
    else:
        lines.append(f"| national vs borough p50 ≤ {TARGETS['national_growth']}× | – | national "
                     "not run (RECOVERY_HUB_BENCH_NATIONAL=1 make bench) | not run |")
    return lines


def _figures(found: dict[str, Result]) -> list[str]:
    lines = ["| scenario | p50 ms | p95 ms | statements | rows | floor p50 ms | × floor | "
             "req/s | floor req/s | share of floor | peak KiB (floor) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for entry in found.values():
        lines.append(
            f"| {entry['name']} | {_f(entry['p50_ms'])} | {_f(entry['p95_ms'])} | "
            f"{entry['statements']} ({entry['requests_per_flow']} req) | {_f(entry['rows'])} | "
            f"{_f(entry['floor_p50_ms'])} | {entry['ratio_to_floor']:.1f} | "
            f"{_f(entry.get('rps'))} | {_f(entry.get('floor_rps'))} | "
            f"{_pct(entry.get('rps_ratio_to_floor'))} | {_f(entry['peak_kib'])} "
            f"({_f(entry['floor_peak_kib'])}) |")
    return lines


def _http(found: dict[str, Result]) -> list[str]:
    first = next(iter(found.values()))
    clients = first.get("http_clients")
    others = sorted({int(key.rsplit("_", 1)[1]) for entry in found.values() for key in entry
                     if key.startswith("rps_") and key.rsplit("_", 1)[1].isdigit()})
    header = ("| scenario | flows/s | HTTP p50 / p95 ms | errors | audit off req/s | "
              + "".join(f"req/s at {c} | floor at {c} | errors at {c} | " for c in others))
    lines = [header, "| --- " * (header.count("|") - 1) + "|"]
    for entry in found.values():
        row = (f"| {entry['name']} | {_f(entry.get('flows_per_s'), 2)} | "
               f"{_f(entry.get('http_p50_ms'))} / {_f(entry.get('http_p95_ms'))} | "
               f"{_f(entry.get('http_errors'))} | {_f(entry.get('audit_off_rps'))} | ")
        for c in others:
            row += (f"{_f(entry.get(f'rps_{c}'))} | {_f(entry.get(f'floor_rps_{c}'))} | "
                    f"{_f(entry.get(f'http_errors_{c}'))} | ")
        lines.append(row)
    lines.append("")
    lines.append(f"Headline figures with {clients} concurrent clients (wrk, 2 threads; "
                 f"{first.get('load_driver')}). Server: uvicorn, 2 workers; largest worker's peak "
                 f"RSS {_f(first.get('server_worker_peak_rss_mib'))} MiB; "
                 f"{first.get('server_timeouts', 0)} requests hit the 30 s request timeout"
                 + (f", {first['pool_timeouts']} waited 30 s for a pooled connection in vain"
                    if first.get("pool_timeouts") else "") + ".")
    return lines


def _profiles(results: list[Result]) -> list[str]:
    lines = []
    for result in results:
        summary = result.get("profile")
        if not summary or result["scale"] == "quick" and len({r["scale"] for r in results}) > 1:
            continue
        lines.append(f"#### {result['name']} — {result['scale']}, {result['backend']} "
                     f"({summary['seconds']:.2f} s profiled)")
        lines.append("")
        lines.append("| where the time goes | share |")
        lines.append("| --- | ---: |")
        lines += [f"| {area} | {share:.0%} |" for area, share in summary["areas"][:8]]
        lines.append("")
        lines.append("Hottest functions (self time): " + "; ".join(
            f"`{name}` {share:.0%}" for name, share in summary["functions"][:5]) + ".")
        lines.append("")
    return lines


def _plots(results: list[Result], directory: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    backends = sorted({r["backend"] for r in results})
    names = list(dict.fromkeys(r["name"] for r in results))
    scales = sorted({(r["people"], r["scale"]) for r in results})
    if len(scales) > 1:
        figure, axes = plt.subplots(1, len(backends), figsize=(6 * len(backends), 4.5),
                                    squeeze=False)
        for axis, backend in zip(axes[0], backends, strict=True):
            for n, name in enumerate(names):
                points = sorted((r["people"], r["p50_ms"], r["floor_p50_ms"]) for r in results
                                if r["backend"] == backend and r["name"] == name)
                if not points:
                    continue
                color = f"C{n}"
                axis.plot([p[0] for p in points], [p[1] for p in points], "o-", color=color,
                          label=name)
                axis.plot([p[0] for p in points], [p[2] for p in points], "o:", color=color,
                          alpha=0.6)
            axis.set(xscale="log", yscale="log", xlabel="people in the database",
                     ylabel="p50 per flow, ms (dotted: floor)", title=backend)
            axis.grid(True, which="both", alpha=0.3)
        axes[0][0].legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(directory / "latency-vs-scale.png", dpi=110)
        plt.close(figure)
        made.append("latency-vs-scale.png")
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for n, (key, found) in enumerate(sorted(_by(results).items())):
        small, large = found.get("caseload_50"), found.get("caseload_500")
        if not small or not large:
            continue
        label = f"{key[0]}, {key[1]}"
        axes[0].plot([50, 500], [small["p50_ms"], large["p50_ms"]], "o-", color=f"C{n}",
                     label=f"GraphQL ({label})")
        axes[0].plot([50, 500], [small["floor_p50_ms"], large["floor_p50_ms"]], "o:",
                     color=f"C{n}", alpha=0.6, label=f"floor ({label})")
        axes[1].plot([50, 500], [max(small["statements_per_request"]),
                                 max(large["statements_per_request"])], "o-", color=f"C{n}",
                     label=label)
    axes[0].set(xscale="log", yscale="log", xlabel="caseload (people)", ylabel="p50, ms",
                title="Caseload latency")
    axes[1].set(xscale="log", xlabel="caseload (people)", ylabel="SQL statements per request",
                title="Statements per request (pages of ≤ 100)", ylim=(0, None))
    for axis in axes:
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(directory / "latency-vs-caseload.png", dpi=110)
    plt.close(figure)
    made.append("latency-vs-caseload.png")
    present = {name for _, name in scales}
    largest = "borough" if "borough" in present else max(scales)[1]
    figure, axes = plt.subplots(1, len(backends), figsize=(6 * len(backends), 4.5),
                                squeeze=False)
    for axis, backend in zip(axes[0], backends, strict=True):
        rows = [r for r in results if r["scale"] == largest and r["backend"] == backend]
        positions = range(len(rows))
        axis.bar([p - 0.2 for p in positions], [r.get("rps") or 0 for r in rows], 0.4,
                 label="GraphQL")
        axis.bar([p + 0.2 for p in positions], [r.get("floor_rps") or 0 for r in rows], 0.4,
                 label="floor")
        for p, r in zip(positions, rows, strict=True):
            if not r.get("rps"):  # nothing completed: the run stalled
                axis.annotate("stalled", (p - 0.2, 0.02), ha="center", fontsize=7,
                              rotation=90, xycoords=("data", "axes fraction"), va="bottom")
        axis.set_xticks(list(positions), [r["name"] for r in rows], rotation=30, fontsize=8)
        clients = rows[0].get("http_clients") if rows else None
        axis.set(yscale="log", ylabel="requests/s",
                 title=f"{largest}, {backend}: HTTP throughput, {clients} clients")
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(directory / "throughput.png", dpi=110)
    plt.close(figure)
    made.append("throughput.png")
    return made


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


def write_report(results: list[Result], directory: Path, *, seconds: float | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    plots = _plots(results, directory)
    grouped = _by(results)
    lines = [
        "# Benchmarks", "",
        f"Generated by `python -m bench` on {dt.date.today():%d %B %Y}"
        + (f" in {seconds:.0f} s" if seconds else "")
        + f" on {_machine()}. Regenerate with `make bench` (`make bench-quick` writes "
        "bench/quick-report/ instead).", "",
        "Each scenario is measured in-process (`schema.execute` with a `Context`, the "
        "production schema, result encoded to JSON; sequential, p50/p95 per flow) and over "
        "HTTP; the **floor** is the same rows fetched with hand-written SQL on the same backend "
        "and driver and encoded to JSON, measured in the same run. A *flow* is every request "
        "one screen needs: a list longer than 100 (the API's page limit) takes several pages.",
        "", "How: statements are counted with a `before_cursor_execute` listener (BEGIN and "
        "COMMIT left out; audit writes included); *rows* are the rows the floor returns (for the "
        "mutation, the rows it writes); peak memory is tracemalloc's peak for one request. Over "
        "HTTP the server is production's `create_app()` started in development mode only to "
        "accept development tokens, with the production schema swapped in, under uvicorn with 2 "
        "workers; `wrk` (2 threads, a Lua script for the POST bodies and the `Authorization` "
        "header) replays each flow's requests, cursors included, with 32 and with 8 "
        "connections; the floor is served by the same workers. The load generator, both workers "
        "and PostgreSQL share the 2 cores. *Audit off* is the same app with the read-audit "
        "extension removed from its schema and the budget-request service's `record_access` "
        "made a no-op for that app only (bench/unaudited.py); production code is unchanged.",
        "", "## Targets", "", *_targets(results), "",
        "## Data", "",
        "| scale | backend | people | rows | load time | machine load (1-min average, "
        "before → after) |", "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for (scale, backend), found in grouped.items():
        first = next(iter(found.values()))
        before, after = first.get("load_average", [None, None])
        lines.append(f"| {scale} | {backend} | {_f(first['people'])} | "
                     f"{_f(first['total_rows'])} | {first['load_seconds']:.1f} s | "
                     f"{_f(before)} → {_f(after)} |")
    lines += ["", "## Figures", ""]
    for (scale, backend), found in grouped.items():
        lines += [f"### {scale}, {backend}", "", *_figures(found), "", *_http(found), ""]
    lines += ["## Plots", ""] + [f"![{name}]({name})" for name in plots] + [""]
    lines += ["## What dominates", "", *_profiles(results)]
    if FINDINGS.exists():
        lines += ["", FINDINGS.read_text().strip(), ""]
    (directory / "REPORT.md").write_text("\n".join(lines) + "\n")
