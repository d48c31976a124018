"""The peer beside us: SQLite FTS5 (stdlib `sqlite3`) on the search benchmark's corpus and queries.

    python -m benchmarks.fts5 [--quick]    # one JSON object on stdout, figures on stderr

What a user would otherwise pick: the same 100,000 synthetic releases
(`benchmarks.search_corpus.Corpus`, seeded: the very corpus of `search_bench`) in an FTS5 table
(`unicode61 remove_diacritics 2`: Unicode case folding and diacritics, no stemming), title and
body as columns, ranked by `bm25(releases, 3.0, 1.0)` (a title word weighs three body words,
as in ours); language, topics and local day are unindexed columns the WHERE clause filters on.

Each of the same 200 queries is parsed by the bot's own `parse_query` and written as an FTS5
expression: words and phrases as quoted strings ANDed, `-word` as NOT; when nothing has every
word, the words ORed (our "most words" fallback, so both answer the same questions). Five hits
with `snippet()`, as ours returns five hits with snippets.

- `fts5_build_s`: inserting the 100,000 releases (one transaction) and `optimize`;
- `fts5_search_p50_ms`, `fts5_search_p95_ms`, `fts5_search_p99_ms`: per query, wall time, in a
  separate process that imports only `sqlite3` and opens the database file (as a bot would at
  start);
- `fts5_rss_mb`: that process's peak resident set (VmHWM) after the queries: interpreter,
  SQLite and the pages it read;
- `fts5_db_mb`: the database file;
- `fts5_success_at_1`, `_at_3` (and `fts5_own_success_at_*`): the quality sets of
  `search_bench` (tests/fixtures/queries.jsonl, benchmarks/search_quality.jsonl) on an FTS5 table
  of the 90 dev releases, with the same query translation.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCHEMA = ("CREATE VIRTUAL TABLE releases USING fts5(title, body, id UNINDEXED, lang UNINDEXED, "
          "topics UNINDEXED, day UNINDEXED, tokenize='unicode61 remove_diacritics 2')")
N_RELEASES = 100_000
N_QUERIES = 200

Plan = dict[str, Any]  # {"match": str, "fallback": str | None, "where": str, "args": list}


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def plan(query: str) -> Plan | None:
    """Our query syntax as FTS5 MATCH expressions and a WHERE clause; None: nothing to match."""
    from bot.search import parse_query

    pq = parse_query(query)
    positive = [_quote(t) for t in pq.terms] + [_quote(" ".join(p)) for p in pq.phrases]
    if pq.error or not positive:
        return None
    negative = "".join(f" NOT {_quote(t)}" for t in pq.excluded) + "".join(
        f" NOT {_quote(' '.join(p))}" for p in pq.excluded_phrases)
    where, args = [], []
    if pq.langs:
        where.append(f"lang IN ({','.join('?' * len(pq.langs))})")
        args.extend(pq.langs)
    for topic in pq.topics:
        where.append("instr(topics, ?) > 0")
        args.append(f"|{topic}|")
    if pq.since:
        where.append("day >= ?")
        args.append(pq.since.isoformat())
    if pq.until:
        where.append("day <= ?")
        args.append(pq.until.isoformat())
    match = "(" + " AND ".join(positive) + ")" + negative
    fallback = ("(" + " OR ".join(positive) + ")" + negative) if len(positive) > 1 else None
    return {"match": match, "fallback": fallback,
            "where": "".join(f" AND {w}" for w in where), "args": args}


def build(conn: sqlite3.Connection, items: Any) -> None:
    from datetime import timedelta

    from bot.text import strip_html

    conn.execute(SCHEMA)
    with conn:
        conn.executemany(
            "INSERT INTO releases(title, body, id, lang, topics, day) VALUES (?,?,?,?,?,?)",
            ((i.title, strip_html(i.body), i.id, i.language,
              "|" + "|".join(i.topics) + "|",
              (i.published + timedelta(minutes=i.tz_offset_minutes or 0)).date().isoformat())
             for i in items))
        conn.execute("INSERT INTO releases(releases) VALUES ('optimize')")


def search(conn: sqlite3.Connection, p: Plan, limit: int = 5) -> list[tuple[str, str]]:
    sql = ("SELECT id, snippet(releases, 1, '<b>', '</b>', '…', 16) FROM releases "
           f"WHERE releases MATCH ?{p['where']} ORDER BY bm25(releases, 3.0, 1.0) LIMIT ?")
    rows = conn.execute(sql, [p["match"], *p["args"], limit]).fetchall()
    if not rows and p["fallback"]:
        rows = conn.execute(sql, [p["fallback"], *p["args"], limit]).fetchall()
    return rows


def _queries_child(db: str, plans_file: str) -> None:
    """The measuring process: sqlite3 only (this module imports nothing else at the top)."""
    plans = json.loads(Path(plans_file).read_text())
    conn = sqlite3.connect(db)
    latencies = []
    hits = 0
    for p in plans:
        t = time.perf_counter()
        rows = search(conn, p)
        latencies.append((time.perf_counter() - t) * 1000)
        hits += bool(rows)
    peak = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    print(json.dumps({"latencies": latencies, "with_hits": hits, "rss_mb": peak}))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _quality(queries: list[dict[str, Any]], conn: sqlite3.Connection) -> dict[str, float]:
    hits1 = hits3 = 0
    for q in queries:
        wanted = set(q.get("relevant") or [q["expected"]])
        p = plan(q["query"])
        ids = [row[0] for row in search(conn, p, 3)] if p else []
        hits1 += bool(ids[:1] and ids[0] in wanted)
        hits3 += any(i in wanted for i in ids)
    n = max(len(queries), 1)
    return {"at_1": round(hits1 / n, 3), "at_3": round(hits3 / n, 3)}


def run(quick: bool = False) -> dict[str, Any]:
    from benchmarks.common import PY, ROOT, log
    from benchmarks.search_corpus import Corpus
    from benchmarks.search_data import OWN_QUERIES, QUERIES, RELEASES, item_from_dict, read_jsonl

    out: dict[str, Any] = {"releases": N_RELEASES, "queries": N_QUERIES,
                           "sqlite_version": sqlite3.sqlite_version}
    dev = sqlite3.connect(":memory:")
    build(dev, [item_from_dict(d) for d in read_jsonl(RELEASES)])
    fixture_q, own_q = _quality(read_jsonl(QUERIES), dev), _quality(read_jsonl(OWN_QUERIES), dev)
    out.update(fts5_success_at_1=fixture_q["at_1"], fts5_success_at_3=fixture_q["at_3"],
               fts5_own_success_at_1=own_q["at_1"], fts5_own_success_at_3=own_q["at_3"])
    dev.close()

    corpus = Corpus()
    items = list(corpus.items(N_RELEASES))
    queries = corpus.queries(items, N_QUERIES)
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-fts5-") as tmp:
        db = Path(tmp) / "fts5.sqlite"
        conn = sqlite3.connect(db)
        t = time.perf_counter()
        build(conn, items)
        out["fts5_build_s"] = round(time.perf_counter() - t, 2)
        conn.close()
        del items
        out["fts5_db_mb"] = round(db.stat().st_size / 2**20, 1)
        plans = [p for q in queries if (p := plan(q)) is not None]
        plans_file = Path(tmp) / "plans.json"
        plans_file.write_text(json.dumps(plans))
        proc = subprocess.run([PY, "-m", "benchmarks.fts5", "child", str(db), str(plans_file)],
                              cwd=ROOT, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    lat = child["latencies"]
    out.update(fts5_search_p50_ms=round(_percentile(lat, 50), 2),
               fts5_search_p95_ms=round(_percentile(lat, 95), 2),
               fts5_search_p99_ms=round(_percentile(lat, 99), 2),
               fts5_rss_mb=round(child["rss_mb"], 1), fts5_queries_run=len(lat),
               fts5_queries_with_hits=child["with_hits"])
    log(f"fts5: SQLite {out['sqlite_version']} FTS5 on the same {N_RELEASES:,} releases and "
        f"{len(lat)} queries: build {out['fts5_build_s']} s ({out['fts5_db_mb']} MB file), p50 "
        f"{out['fts5_search_p50_ms']} ms, p95 {out['fts5_search_p95_ms']} ms, p99 "
        f"{out['fts5_search_p99_ms']} ms, peak RSS {out['fts5_rss_mb']} MB (sqlite3 only); "
        f"quality success@1 {out['fts5_success_at_1']} @3 {out['fts5_success_at_3']}, own "
        f"@1 {out['fts5_own_success_at_1']} @3 {out['fts5_own_success_at_3']}")
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        _queries_child(sys.argv[2], sys.argv[3])
    else:
        print(json.dumps(run("--quick" in sys.argv)))
