"""``python -m bench generate|run|report``.

    python -m bench generate --scale borough --database-url sqlite:///var/bench/borough.db
    python -m bench run --scales quick --backends sqlite --report-dir bench/quick-report
    python -m bench run --scales quick,borough --backends sqlite,postgres --report-dir bench
    python -m bench run --scales national --backends postgres --report-dir bench --merge
    python -m bench startup --database-url postgresql://postgres@127.0.0.1/hub --busy

``run`` recreates the database of each scale and backend (SQLite files under ``var/bench``;
PostgreSQL database ``recovery_hub_bench`` on RECOVERY_HUB_BENCH_POSTGRES_URL's server), and
writes ``bench/results.json`` and ``REPORT.md`` with its plots into the report directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path

from .scales import SCALES

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/recovery_hub_bench"
RESULTS = Path(__file__).resolve().parent / "results.json"


def _url(scale: str, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///var/bench/{scale}.db"
    return os.environ.get("RECOVERY_HUB_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)


async def _run(scales: list[str], backends: list[str], http: bool,
               reuse: bool) -> list[dict[str, object]]:
    from .run import run_scale

    results: list[dict[str, object]] = []
    for scale_name in scales:
        scale = SCALES[scale_name]
        for backend in backends:
            if scale.postgres_only and backend != "postgres":
                continue
            results += await run_scale(scale, _url(scale_name, backend), http=http,
                                       reuse=reuse)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="recreate a database and load a scale's data")
    gen.add_argument("--scale", choices=sorted(SCALES), default="quick")
    gen.add_argument("--database-url", required=True)
    run = commands.add_parser("run", help="generate, measure, write results and the report")
    run.add_argument("--scales", default="quick")
    run.add_argument("--backends", default="sqlite")
    run.add_argument("--report-dir", default="bench/quick-report")
    run.add_argument("--no-http", action="store_true", help="in-process only")
    run.add_argument("--reuse", action="store_true",
                     help="measure the databases the last generate left, if still unmeasured")
    run.add_argument("--merge", action="store_true",
                     help="keep the other scales' and backends' results in results.json")
    startup = commands.add_parser(
        "startup", help="time `recovery-hub serve --workers N` to its first answers")
    startup.add_argument("--database-url", required=True,
                         help="a migrated database (sqlite:///... or postgresql://...)")
    startup.add_argument("--workers", type=int, default=2)
    startup.add_argument("--runs", type=int, default=3)
    startup.add_argument("--busy", action="store_true", help="keep another core busy")
    report = commands.add_parser("report", help="rewrite REPORT.md from bench/results.json")
    report.add_argument("--report-dir", default="bench")
    report.add_argument("--results", default=str(RESULTS))
    args = parser.parse_args()
    if args.command == "startup":
        from .startup import main as startup

        startup(args.database_url, args.workers, args.runs, args.busy)
        return
    if args.command == "report":
        from .report import write_report

        write_report(json.loads(Path(args.results).read_text()), Path(args.report_dir),
                     seconds=None)
        return
    if args.command == "generate":
        from .generate import generate

        asyncio.run(generate(SCALES[args.scale], args.database_url))
        return
    from .report import write_report

    started = time.perf_counter()
    results = asyncio.run(_run(args.scales.split(","), args.backends.split(","),
                               not args.no_http, args.reuse))
    if args.merge and RESULTS.exists():
        done = {(r["scale"], r["backend"]) for r in results}
        results = [r for r in json.loads(RESULTS.read_text())
                   if (r["scale"], r["backend"]) not in done] + results
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    write_report(results, Path(args.report_dir), seconds=time.perf_counter() - started)
    print(f"wrote {RESULTS} and {Path(args.report_dir) / 'REPORT.md'} "
          f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
