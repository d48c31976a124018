"""Every benchmark, one command.

    python -m benchmarks                 # full run (about 10 minutes on 2 cores)
    python -m benchmarks --quick         # shorter (under 5 minutes)
    python -m benchmarks --quick --json  # ONE JSON object on stdout; figures go to stderr
    python -m benchmarks --only fanout,latency

Each benchmark prints its figures and a baseline measured in the same run (see each module's
docstring and benchmarks/README.md for the definitions), then a summary table of the contract
keys with their floors. Only loopback addresses are contacted; data lives in temporary
directories.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from benchmarks import common
from benchmarks.common import PY, ROOT, log

# key -> (floor, "max" if the value must stay at or under it, "min" if at or over it)
FLOORS: dict[str, tuple[float, str]] = {
    "fanout_msgs_per_s": (300.0, "min"),
    "fanout_cpu_ms_per_msg": (float("nan"), "info"),
    "fanout_limited_ratio": (0.9, "min"),
    "fanout_429": (0, "max"),
    "ingest_items_per_s": (float("nan"), "info"),
    "ingest_write_bytes_per_item": (float("nan"), "info"),
    "ingest_write_bytes_per_item_10k": (float("nan"), "info"),
    "ingest_write_bytes_per_item_100k": (float("nan"), "info"),
    "startup_s": (2.0, "max"),
    "rss_mb": (200.0, "max"),
    "index_built_s": (float("nan"), "info"),
    "sigterm_exit_s": (5.0, "max"),
    "startup_cold_s": (3.0, "max"),
    "rss_cold_mb": (400.0, "max"),
    "index_built_cold_s": (float("nan"), "info"),
    "sigterm_exit_cold_s": (5.0, "max"),
    "poll_to_delivery_s": (1.0, "max"),
    "poll_to_delivery_p50_s": (float("nan"), "info"),
    "poll_to_delivery_p95_s": (float("nan"), "info"),
    "search_p95_ms": (20.0, "max"),
    "success_at_1": (float("nan"), "info"),
    "own_success_at_1": (float("nan"), "info"),
    "fts5_search_p95_ms": (float("nan"), "info"),
    "fts5_rss_mb": (float("nan"), "info"),
    "fts5_build_s": (float("nan"), "info"),
    "fts5_success_at_1": (float("nan"), "info"),
    "search_p95_vs_fts5": (1.0, "max"),
    "poll_1000_feeds_ok": (1000, "min"),
    "poll_1000_feeds_s": (60.0, "max"),
    "poll_304_cpu_ms_per_feed": (5.0, "max"),
    "editions_precision": (0.97, "min"),
    "editions_f1": (0.95, "min"),
    "editions_extra_f1": (float("nan"), "info"),
    "editions_baseline_f1": (float("nan"), "info"),
    "dates_accuracy": (float("nan"), "info"),
    "dates_htmldate_accuracy": (float("nan"), "info"),
}
ORDER = ("search", "fts5", "latency", "fanout", "ingest", "startup", "polling", "editions",
         "dates")


def _search(quick: bool) -> dict[str, Any]:
    """The search benchmark's own run(); through its CLI if run() is missing.

    Always its quick mode: `search_p95_ms` is the same in both (its full mode adds the naive
    scan of all 200 queries, about 2 s each, and a tracemalloc rebuild: run
    `python -m benchmarks.search_bench` for those), which keeps the full run near 10 minutes.
    """
    quick = True
    try:
        from benchmarks import search_bench

        runner: Callable[[bool], dict[str, Any]] | None = getattr(search_bench, "run", None)
    except ImportError:
        runner = None
    if runner is not None:
        out = runner(quick)
    else:
        args = [PY, "-m", "benchmarks.search_bench", "--json"] + (["--quick"] if quick else [])
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    log(f"search: {out.get('releases', '?'):,} releases, p50 {out.get('search_p50_ms')} ms, "
        f"p95 {out.get('search_p95_ms')} ms; naive TinyDB scan p95 {out.get('naive_p95_ms')} "
        f"ms (x{out.get('speedup_p95')}); build {out.get('build_s')} s, index "
        f"{out.get('index_mb')} MB")
    return out


def _editions(quick: bool) -> dict[str, Any]:
    from benchmarks import editions

    result = editions.evaluate(editions.FILES.items())
    dev, extra = result["dev"]["matcher"], result.get("extra", {}).get("matcher", {})
    out = {"editions_precision": round(dev["precision"], 3), "editions_f1": round(dev["f1"], 3),
           "editions_recall": round(dev["recall"], 3),
           "editions_extra_f1": round(extra["f1"], 3) if extra else None,
           "editions_baseline_f1": round(result["dev"]["baseline"]["f1"], 3)}
    log(f"editions: development set P {out['editions_precision']} R {out['editions_recall']} "
        f"F1 {out['editions_f1']} (same-day baseline F1 {out['editions_baseline_f1']}); "
        f"held-out F1 {out['editions_extra_f1']}")
    return out


def _dates(quick: bool) -> dict[str, Any]:
    from benchmarks import dates

    out = dates.run()
    out.pop("errors", None)
    log(f"dates: {out['dates_pages']} labelled pages, project {out['dates_accuracy']}, "
        f"htmldate alone {out['dates_htmldate_accuracy']}")
    return out


def _runners() -> dict[str, Callable[[bool], dict[str, Any]]]:
    from benchmarks import fanout, fts5, ingest, latency, polling, startup

    return {"search": _search, "fts5": fts5.run, "latency": latency.run, "fanout": fanout.run,
            "ingest": ingest.run, "startup": startup.run, "polling": polling.run,
            "editions": _editions, "dates": _dates}


def _verdict(key: str, value: Any) -> tuple[str, str]:
    floor, kind = FLOORS[key]
    if kind == "info":
        return "-", "info"
    if not isinstance(value, int | float):
        return f"{'<=' if kind == 'max' else '>='} {floor:g}", "MISSING"
    ok = value <= floor if kind == "max" else value >= floor
    return f"{'<=' if kind == 'max' else '>='} {floor:g}", "PASS" if ok else "FAIL"


def summary(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key in FLOORS:
        floor, verdict = _verdict(key, results.get(key))
        rows.append({"key": key, "value": results.get(key), "floor": floor,
                     "verdict": verdict})
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    log("")
    log(f"{'key':<34} {'value':>12}  {'floor':>9}  result")
    log("-" * 66)
    for row in rows:
        value = row["value"]
        shown = f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else \
            f"{value:,}" if isinstance(value, int) else str(value)
        log(f"{row['key']:<34} {shown:>12}  {row['floor']:>9}  {row['verdict']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter run (< 5 minutes)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(ORDER)}")
    args = parser.parse_args(argv)
    chosen = [n for n in ORDER if not args.only or n in args.only.split(",")]
    runners = _runners()
    results: dict[str, Any] = {"quick": args.quick, "benchmarks": chosen,
                               "cpus": os.cpu_count(),
                               "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    errors: dict[str, str] = {}
    started = time.perf_counter()
    log(f"benchmarks ({'quick' if args.quick else 'full'}): {', '.join(chosen)}; "
        f"load average {results['load_average_at_start']} on {os.cpu_count()} CPUs")
    try:
        for name in chosen:
            t = time.perf_counter()
            log("")
            try:
                out = runners[name](args.quick)
            except Exception as exc:  # one broken benchmark must not hide the others
                errors[name] = f"{type(exc).__name__}: {exc}"
                log(f"{name}: FAILED\n{traceback.format_exc()}")
                continue
            out["bench_s"] = round(time.perf_counter() - t, 1)
            results.update({k: v for k, v in out.items() if k in FLOORS})
            results[name] = {k: v for k, v in out.items() if k not in FLOORS}
            log(f"  ({name}: {out['bench_s']} s)")
    finally:
        common.cleanup()
    ours, peer = results.get("search_p95_ms"), results.get("fts5_search_p95_ms")
    if isinstance(ours, int | float) and isinstance(peer, int | float) and peer > 0:
        results["search_p95_vs_fts5"] = round(ours / peer, 2)
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    rows = summary(results)
    results["summary"] = {r["key"]: r["verdict"] for r in rows}
    if errors:
        results["errors"] = errors
    print_table(rows)
    log(f"total {results['total_s']} s; load average at end {results['load_average_at_end']}")
    if args.json:
        print(json.dumps(results, ensure_ascii=False, default=str))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
