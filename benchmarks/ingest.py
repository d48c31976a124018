"""Ingest: polling a local feed into a store that already holds N releases.

For N = 10,000 and N = 100,000 (both also in --quick): a store is filled with N synthetic
releases (`benchmarks.common.history`: constant density, one every 3 hours going back from now,
so a longer history means more month files, not fuller ones; not timed). A `Poller` (the bot's
own: fetch with httpx, parse, classify, store, index) polls an RSS feed served by a local
`FeedServer`; the first poll stores the feed's backlog (not timed), then each timed poll finds
`PER_POLL` new releases (the feed lists its newest `PER_POLL` entries, as a real feed does).

- `ingest_items_per_s`: new releases stored / wall time of the timed polls (`poll_feed`
  end to end, including the HTTP fetch and the search index update; the index passed to the
  poller starts empty, indexing one release costs the same whatever its size);
- `ingest_write_bytes_per_item`: bytes written to the data directory per new release, counted
  by the store's own atomic writers (`Store.state_bytes_written()`: the state files
  meta/feeds/chats/cursors, `Store.release_bytes_written()` for the month files and their
  catalogues) plus the cursor journal.
The contract keys are the 100k run's; `_10k` and `_100k` are both given.

Baseline: a single-file TinyDB (default `JSONStorage`, every release in one table) holding the
same N documents gets the same new documents, `PER_POLL` per `insert_multiple` (one per poll);
bytes written = the file's size after each insert (JSONStorage rewrites the whole file).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tinydb import TinyDB

from benchmarks.common import copy_store, history, log
from bot.classify import Classifier
from bot.config import FetchSettings
from bot.models import FeedSpec
from bot.poller import Poller
from bot.search import SearchIndex
from bot.sources import Fetcher
from bot.store import Store, item_to_doc
from tests.fakes.feed_server import Entry, FeedServer

SIZES = (10_000, 100_000)
PER_POLL = 20
POLLS, POLLS_QUICK = 10, 5
BASELINE_POLLS, BASELINE_POLLS_QUICK = 3, 2
FEED = "customs-en"
FLOORS: dict[str, float] = {}


def _written(store: Store) -> int:
    journal = store.path / "cursors.log"
    return (store.state_bytes_written() + store.release_bytes_written()
            + (journal.stat().st_size if journal.exists() else 0))


def _entries(poll: int, texts: list[Any]) -> list[Entry]:
    now = datetime.now(UTC)
    out = []
    for k in range(PER_POLL):
        src = texts[(poll * PER_POLL + k) % len(texts)]
        out.append(Entry(title=src.title, body=src.body, guid=f"poll-{poll}-{k}",
                         link=f"https://customs.invalid/news/{poll}/{k}",
                         published=now - timedelta(minutes=PER_POLL - k)))
    return out


async def _ours(folder: Path, n: int, polls: int) -> dict[str, Any]:
    with Store(copy_store(n, folder), backups=0) as store:
        texts = history(PER_POLL * (polls + 1))
        async with FeedServer() as server:
            spec = FeedSpec(id=FEED, url=server.url(FEED), interval_seconds=1, language="")
            settings = FetchSettings(allow_private=True)
            fetcher = Fetcher(settings)
            index = SearchIndex(get_item=store.get_item)
            poller = Poller(store, fetcher, Classifier(None), index, [spec], settings,
                            ZoneInfo("Asia/Baku"))
            site = server.site(FEED)
            site.entries = _entries(0, texts)
            await poller.poll_feed(spec)  # the backlog: not timed
            stored = 0
            elapsed = 0.0
            bytes0 = _written(store)
            for poll in range(1, polls + 1):
                server.publish(FEED, *_entries(poll, texts))
                del site.entries[PER_POLL:]
                t = time.perf_counter()
                report = await poller.poll_feed(spec)
                elapsed += time.perf_counter() - t
                stored += len(report.result.new)
            written = _written(store) - bytes0
            await fetcher.aclose()
        month = datetime.now(UTC).strftime("%Y-%m")
        shard = store.path / "releases" / f"{month}.json"
        return {"stored": stored, "seconds": elapsed, "bytes": written,
                "count": store.count_items(), "months": store.count_months(),
                "current_month_kb": shard.stat().st_size / 1024 if shard.exists() else 0.0}


def _baseline(folder: Path, n: int, polls: int) -> dict[str, Any]:
    """Single-file TinyDB: the N documents read back from our month files (same content)."""
    docs: list[dict[str, Any]] = []
    for shard in sorted((folder / "releases").glob("*.json")):
        docs.extend(json.loads(shard.read_bytes()).get("_default", {}).values())
    docs = docs[:n]
    path = folder.parent / f"single-{n}.json"
    db = TinyDB(path)
    db.insert_multiple(docs)
    texts = history(PER_POLL * polls)
    written = 0
    elapsed = 0.0
    for poll in range(polls):
        new = [item_to_doc(i) | {"id": f"base-{poll}-{k}"}
               for k, i in enumerate(texts[poll * PER_POLL:(poll + 1) * PER_POLL])]
        t = time.perf_counter()
        db.insert_multiple(new)
        elapsed += time.perf_counter() - t
        written += path.stat().st_size
    size_mb = path.stat().st_size / 2**20
    db.close()
    path.unlink()
    return {"stored": polls * PER_POLL, "seconds": elapsed, "bytes": written,
            "file_mb": size_mb}


async def _measure(quick: bool) -> dict[str, Any]:
    polls = POLLS_QUICK if quick else POLLS
    base_polls = BASELINE_POLLS_QUICK if quick else BASELINE_POLLS
    out: dict[str, Any] = {"sizes": list(SIZES), "per_poll": PER_POLL, "polls": polls,
                           "baseline_polls": base_polls}
    history(max(SIZES))  # generate the corpus once, for the largest size
    for n in SIZES:
        with tempfile.TemporaryDirectory(prefix="newsbot-bench-ingest-") as tmp:
            data = Path(tmp) / "data"
            ours = await _ours(data, n, polls)
            base = _baseline(data, n, base_polls)
            shutil.rmtree(data)
        tag = f"{n // 1000}k"
        out[f"ingest_items_per_s_{tag}"] = round(ours["stored"] / ours["seconds"], 1)
        out[f"ingest_write_bytes_per_item_{tag}"] = round(ours["bytes"] / ours["stored"])
        out[f"ingest_months_{tag}"] = ours["months"]
        out[f"ingest_current_month_kb_{tag}"] = round(ours["current_month_kb"], 1)
        out[f"ingest_baseline_items_per_s_{tag}"] = round(base["stored"] / base["seconds"], 1)
        out[f"ingest_baseline_write_bytes_per_item_{tag}"] = round(base["bytes"]
                                                                   / base["stored"])
        out[f"ingest_baseline_file_mb_{tag}"] = round(base["file_mb"], 1)
    big = f"{max(SIZES) // 1000}k"
    out["ingest_items_per_s"] = out[f"ingest_items_per_s_{big}"]
    out["ingest_write_bytes_per_item"] = out[f"ingest_write_bytes_per_item_{big}"]
    small = f"{min(SIZES) // 1000}k"
    out["ingest_bytes_growth"] = round(out[f"ingest_write_bytes_per_item_{big}"]
                                       / out[f"ingest_write_bytes_per_item_{small}"], 2)
    out["ingest_baseline_bytes_growth"] = round(
        out[f"ingest_baseline_write_bytes_per_item_{big}"]
        / out[f"ingest_baseline_write_bytes_per_item_{small}"], 2)
    return out


def run(quick: bool = False) -> dict[str, Any]:
    out = asyncio.run(_measure(quick))
    log(f"ingest: {out['polls']} polls of {out['per_poll']} new releases into a store holding "
        "N releases (fetch, parse, classify, store, index)")
    for n in SIZES:
        tag = f"{n // 1000}k"
        log(f"  N={n:>7,}  ours      {out[f'ingest_items_per_s_{tag}']:>8.1f} items/s  "
            f"{out[f'ingest_write_bytes_per_item_{tag}']:>10,} bytes/item  "
            f"({out[f'ingest_months_{tag}']} month files; this month's "
            f"{out[f'ingest_current_month_kb_{tag}']:.0f} KB)")
        log(f"  N={n:>7,}  baseline  {out[f'ingest_baseline_items_per_s_{tag}']:>8.1f} items/s  "
            f"{out[f'ingest_baseline_write_bytes_per_item_{tag}']:>10,} bytes/item  "
            f"(one TinyDB file of {out[f'ingest_baseline_file_mb_{tag}']:.0f} MB, store only, "
            f"{out['baseline_polls']} inserts)")
    log(f"  bytes/item growth 10k -> 100k: ours x{out['ingest_bytes_growth']}, single file "
        f"x{out['ingest_baseline_bytes_growth']}")
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick=True)))
