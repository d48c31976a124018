"""Benchmark of `bot.search`: speed and memory at 100,000 releases, quality on the dev set.

    python -m benchmarks.search_bench            # full run (naive scan on all 200 queries)
    python -m benchmarks.search_bench --quick    # naive scan on 12 queries, no tracemalloc
    python -m benchmarks.search_bench --json     # one JSON object with the figures

Speed: 100,000 synthetic releases (see `benchmarks.search_corpus`) are indexed with
`add_many`; 200 queries of one to four words (some with a phrase or filters) are run through
`SearchIndex.search` (five hits with snippets, the bodies fetched through `get_item` as the bot
does) and through a naive TinyDB scan (MemoryStorage, a case-insensitive `re.escape`d
`Query().title.search(w) | Query().body.search(w)` per word, ANDed).

Timings are wall-clock (`*_ms`, `build_s`); `build_cpu_s` and `search_p95_cpu_ms` are this
process's CPU time, which other processes on a shared machine do not inflate.

After a restart: the index is written to a snapshot file and loaded back as the bot loads it
at start (memory-mapped: `bot.search.frozen`); the same queries are run on it
(`search_loaded_p50_ms`, `search_loaded_p95_ms`), `snapshot_same_answers` says whether every
query got the same hits with the same scores, `snapshot_load_rss_mb` is the RSS growth of the
load.

Memory: `index_mb` is the growth of the process's resident set size (RSS, /proc/self/statm)
across building the index, with the corpus already in memory; it also counts the allocator's
slack, so it overstates a little. The full run also gives `index_mb_tracemalloc`: the Python
allocations still held by the index after a second build under tracemalloc.

Quality: success@1 and success@3 over tests/fixtures/queries.jsonl (success when any relevant
release is in the top k) and over benchmarks/search_quality.jsonl (our own 30 queries, success
when the expected release is in the top k).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import tempfile
import time
import tracemalloc
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage

from benchmarks.search_corpus import Corpus
from benchmarks.search_data import OWN_QUERIES, QUERIES, RELEASES, item_from_dict, read_jsonl
from bot.models import Item
from bot.search import SearchIndex, parse_query

N_RELEASES = 100_000
N_QUERIES = 200
N_NAIVE_QUICK = 12

FLOORS = {"search_p95_ms": 20.0, "build_s": 10.0, "index_mb": 300.0, "speedup_p95": 50.0,
          "success_at_3": 0.9, "own_success_at_3": 0.9}


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _naive_condition(text: str) -> Any:
    pq = parse_query(text)
    doc = Query()
    parts = [*pq.terms, *(" ".join(p) for p in pq.phrases)]
    cond = None
    for part in parts:
        rx = re.escape(part)
        c = doc.title.search(rx, flags=re.IGNORECASE) | doc.body.search(rx, flags=re.IGNORECASE)
        cond = c if cond is None else cond & c
    if pq.langs:
        c = doc.language.one_of(pq.langs)
        cond = c if cond is None else cond & c
    for topic in pq.topics:
        c = doc.topics.any([topic])
        cond = c if cond is None else cond & c
    return cond


def quality(index: SearchIndex, queries: list[dict[str, Any]]) -> dict[str, float]:
    """success@1 / success@3: a relevant (or the expected) release in the top k."""
    hits1 = hits3 = 0
    for q in queries:
        wanted = set(q.get("relevant") or [q["expected"]])
        ids = [h.item_id for h in index.search(q["query"], limit=3).hits]
        hits1 += bool(ids[:1] and ids[0] in wanted)
        hits3 += any(i in wanted for i in ids)
    n = max(len(queries), 1)
    return {"at_1": round(hits1 / n, 3), "at_3": round(hits3 / n, 3), "n": len(queries)}


def run(quick: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"releases": N_RELEASES, "queries": N_QUERIES, "quick": quick}

    # quality on the dev set
    dev = {d["id"]: item_from_dict(d) for d in read_jsonl(RELEASES)}
    dev_index = SearchIndex(get_item=dev.get)
    dev_index.add_many(dev.values())
    fixture_q = quality(dev_index, read_jsonl(QUERIES))
    own_q = quality(dev_index, read_jsonl(OWN_QUERIES))
    out.update(success_at_1=fixture_q["at_1"], success_at_3=fixture_q["at_3"],
               own_success_at_1=own_q["at_1"], own_success_at_3=own_q["at_3"],
               quality_queries=fixture_q["n"], own_quality_queries=own_q["n"])

    # the synthetic archive
    corpus = Corpus()
    t = time.perf_counter()
    items: list[Item] = list(corpus.items(N_RELEASES))
    out["generate_s"] = round(time.perf_counter() - t, 2)
    by_id = {item.id: item for item in items}
    queries = corpus.queries(items, N_QUERIES)

    gc.collect()
    rss0 = _rss_mb()
    t, c = time.perf_counter(), time.process_time()
    index = SearchIndex(get_item=by_id.get)
    index.add_many(items)
    out["build_s"] = round(time.perf_counter() - t, 2)
    out["build_cpu_s"] = round(time.process_time() - c, 2)
    gc.collect()
    out["index_mb"] = round(_rss_mb() - rss0, 1)
    out["index_mb_method"] = "RSS delta"
    out["process_rss_mb"] = round(_rss_mb(), 1)

    latencies: list[float] = []
    cpu: list[float] = []
    totals: list[int] = []
    for q in queries:
        t, c = time.perf_counter(), time.process_time()
        result = index.search(q, limit=5)
        cpu.append((time.process_time() - c) * 1000)
        latencies.append((time.perf_counter() - t) * 1000)
        totals.append(result.total)
    # CPU time of this process: the same figures without other processes' load
    out["search_p95_cpu_ms"] = round(_percentile(cpu, 95), 2)
    out["search_p50_ms"] = round(_percentile(latencies, 50), 2)
    out["search_p95_ms"] = round(_percentile(latencies, 95), 2)
    out["search_p99_ms"] = round(_percentile(latencies, 99), 2)
    out["search_max_ms"] = round(max(latencies), 2)
    out["queries_with_hits"] = sum(1 for n in totals if n)
    out["median_total"] = sorted(totals)[len(totals) // 2]

    # the same queries on the index as a restart has it: saved, then loaded from its snapshot
    # file (memory-mapped, bot.search.frozen); the answers must be the very same
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-search-") as tmp:
        path = os.path.join(tmp, "search-index.snapshot")
        t = time.perf_counter()
        with open(path, "wb") as fh:
            index.write_snapshot(fh, {})
        out["snapshot_write_s"] = round(time.perf_counter() - t, 2)
        out["snapshot_mb"] = round(os.path.getsize(path) / 2**20, 1)
        loaded = SearchIndex(get_item=by_id.get)
        rss1 = _rss_mb()
        t = time.perf_counter()
        with open(path, "rb") as fh:
            loaded.load_snapshot(fh)
        out["snapshot_load_s"] = round(time.perf_counter() - t, 3)
        out["snapshot_load_rss_mb"] = round(_rss_mb() - rss1, 1)
        mapped: list[float] = []
        same = True
        for q in queries:
            t = time.perf_counter()
            result = loaded.search(q, limit=5)
            mapped.append((time.perf_counter() - t) * 1000)
            same = same and [(h.item_id, h.score) for h in result.hits] == \
                [(h.item_id, h.score) for h in index.search(q, limit=5).hits]
        out["search_loaded_p50_ms"] = round(_percentile(mapped, 50), 2)
        out["search_loaded_p95_ms"] = round(_percentile(mapped, 95), 2)
        out["snapshot_same_answers"] = same
        del loaded

    # updates: re-adding existing releases (replace) and removing them
    t_upd: list[float] = []
    for item in items[:: N_RELEASES // 100]:
        t = time.perf_counter()
        index.add(item)
        t_upd.append((time.perf_counter() - t) * 1000)
    out["update_p95_ms"] = round(_percentile(t_upd, 95), 2)

    # the naive scan, same queries
    naive_queries = queries[:N_NAIVE_QUICK] if quick else queries
    db = TinyDB(storage=MemoryStorage)
    db.insert_multiple({"id": i.id, "title": i.title, "body": i.body, "language": i.language,
                        "topics": i.topics} for i in items)
    table = db.table("_default")
    naive: list[float] = []
    index_same: list[float] = []
    for q, lat in zip(naive_queries, latencies, strict=False):
        cond = _naive_condition(q)
        t = time.perf_counter()
        table.search(cond)
        naive.append((time.perf_counter() - t) * 1000)
        index_same.append(lat)
        table.clear_cache()
    out["naive_queries"] = len(naive)
    out["naive_p50_ms"] = round(_percentile(naive, 50), 1)
    out["naive_p95_ms"] = round(_percentile(naive, 95), 1)
    out["speedup_p95"] = round(out["naive_p95_ms"] / max(out["search_p95_ms"], 1e-6), 1)
    out["speedup_p95_same_queries"] = round(
        out["naive_p95_ms"] / max(_percentile(index_same, 95), 1e-6), 1)
    del db, table

    if not quick:
        del index
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        traced = SearchIndex(get_item=by_id.get)
        traced.add_many(items)
        gc.collect()
        out["index_mb_tracemalloc"] = round((tracemalloc.get_traced_memory()[0] - base) / 2**20,
                                            1)
        tracemalloc.stop()
        del traced

    out["floors_met"] = {k: (out[k] >= v if k.startswith(("speedup", "success", "own_success"))
                             else out[k] <= v) for k, v in FLOORS.items()}
    return out


def _print(out: dict[str, Any]) -> None:
    print(f"search benchmark: {out['releases']:,} synthetic releases, {out['queries']} queries"
          f"{' (quick)' if out['quick'] else ''}")
    print(f"  build (add_many)     {out['build_s']:.2f} s wall, {out['build_cpu_s']:.2f} s CPU"
          f"   (corpus generated in {out['generate_s']:.1f} s)")
    print(f"  index memory         {out['index_mb']:.1f} MB ({out['index_mb_method']})"
          + (f", {out['index_mb_tracemalloc']:.1f} MB (tracemalloc)"
             if "index_mb_tracemalloc" in out else "")
          + f"; process RSS {out['process_rss_mb']:.0f} MB")
    print(f"  search latency       p50 {out['search_p50_ms']:.2f} ms  p95 "
          f"{out['search_p95_ms']:.2f} ms  p99 {out['search_p99_ms']:.2f} ms  max "
          f"{out['search_max_ms']:.2f} ms  (p95 CPU time {out['search_p95_cpu_ms']:.2f} ms)")
    print(f"  after a restart      snapshot {out['snapshot_mb']:.0f} MB written in "
          f"{out['snapshot_write_s']:.2f} s, loaded (mapped) in {out['snapshot_load_s']:.3f} s "
          f"(+{out['snapshot_load_rss_mb']:.0f} MB RSS); p50 {out['search_loaded_p50_ms']:.2f} ms"
          f"  p95 {out['search_loaded_p95_ms']:.2f} ms; same answers: "
          f"{out['snapshot_same_answers']}")
    print(f"  queries with hits    {out['queries_with_hits']}/{out['queries']} "
          f"(median total {out['median_total']})")
    print(f"  update (re-add) p95  {out['update_p95_ms']:.2f} ms")
    print(f"  naive TinyDB scan    p50 {out['naive_p50_ms']:.1f} ms  p95 "
          f"{out['naive_p95_ms']:.1f} ms  on {out['naive_queries']} queries")
    print(f"  speed-up at p95      {out['speedup_p95']:.0f}x  (index p95 on the same "
          f"queries: {out['speedup_p95_same_queries']:.0f}x)")
    print(f"  quality, fixtures    success@1 {out['success_at_1']:.3f}  success@3 "
          f"{out['success_at_3']:.3f}  ({out['quality_queries']} queries)")
    print(f"  quality, own         success@1 {out['own_success_at_1']:.3f}  success@3 "
          f"{out['own_success_at_3']:.3f}  ({out['own_quality_queries']} queries)")
    failed = [k for k, ok in out["floors_met"].items() if not ok]
    print("  floors               " + ("all met" if not failed else "MISSED: " + ", ".join(failed)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"naive scan on {N_NAIVE_QUICK} queries only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    out = run(quick=args.quick)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        _print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
