"""One poll cycle over 1,000 feeds, then the steady state of not-modified answers.

The feeds are served by a separate process (`python -m benchmarks.polling serve`, aiohttp),
so that the CPU time measured here is the bot's alone. The server waits `DELAY` (100 ms)
before each answer, as a distant site would, and answers `If-None-Match` with 304 when the
feed has not changed. The 1,000 feeds are spread over `HOSTS` loopback addresses
(127.0.0.1 ... 127.0.0.25, one listening socket each; nothing leaves the machine), 40 feeds
per host, since the fetcher keeps at most 4 requests in flight per host name (and 100 in all).

The bot's side is its own `Poller` (httpx fetch, parse, classify, store, index) on an empty
data directory, `poll_all()` as `newsbot run` does at start:
- `poll_1000_feeds_ok`: feeds polled successfully in the first cycle (each feed lists
  `ENTRIES` releases, all new: they are stored, classified and indexed);
- `poll_1000_feeds_s`: that cycle's wall time;
- `poll_304_cpu_ms_per_feed`: `time.process_time()` of this process over `STEADY` (`--quick`:
  `STEADY_QUICK`) further cycles, in which every feed answers 304, divided by the polls;
  `poll_304_cycle_s` is the wall time of one such cycle.
Baseline, the same run: the cycle's lower bound with these limits, DELAY * ceil(1,000 / 100)
(`poll_cycle_floor_s`).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.common import ServerProcess, log

N_FEEDS = 1000
HOSTS = 25
DELAY = 0.1
ENTRIES = 3
STEADY, STEADY_QUICK = 3, 2
FLOORS = {"poll_1000_feeds_ok": 1000, "poll_1000_feeds_s": 60.0, "poll_304_cpu_ms_per_feed": 5.0}


def _host(n: int) -> str:
    return f"127.0.0.{1 + n % HOSTS}"


def _feed_body(n: int) -> bytes:
    from datetime import UTC, datetime, timedelta

    from tests.fakes.feed_server import Entry, rss_bytes

    now = datetime(2026, 1, 1, tzinfo=UTC)
    return rss_bytes([Entry(title=f"Customs post {n} cleared goods, release {k}",
                            body=f"The customs post number {n} reported its figures: {k}. " * 5,
                            guid=f"feed-{n}-{k}", link=f"https://customs.invalid/{n}/{k}",
                            published=now - timedelta(hours=k)) for k in range(ENTRIES)],
                     title=f"Feed {n}")


async def _serve(n_feeds: int, delay: float) -> None:
    """The feed server: prints its port, serves until stdin closes."""
    from aiohttp import web

    bodies = {n: _feed_body(n) for n in range(n_feeds)}
    etags = {n: '"' + hashlib.sha1(b).hexdigest()[:20] + '"' for n, b in bodies.items()}
    counts = {"200": 0, "304": 0}

    async def handle(request: web.Request) -> web.Response:
        await asyncio.sleep(delay)
        n = int(request.match_info["n"])
        if request.headers.get("If-None-Match") == etags[n]:
            counts["304"] += 1
            return web.Response(status=304, headers={"ETag": etags[n]})
        counts["200"] += 1
        return web.Response(body=bodies[n], content_type="application/rss+xml",
                            headers={"ETag": etags[n]})

    app = web.Application()
    app.router.add_get("/feed/{n:\\d+}", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    first = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await first.start()
    port = first._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    for h in range(1, HOSTS):
        await web.TCPSite(runner, f"127.0.0.{1 + h}", port, backlog=1024).start()
    print(port, flush=True)
    while (line := (await asyncio.to_thread(sys.stdin.readline)).strip()) not in ("", "quit"):
        if line == "stats":
            print(counts["200"], counts["304"], flush=True)
    await runner.cleanup()


async def _measure(quick: bool) -> dict[str, Any]:
    from bot.classify import Classifier
    from bot.config import FetchSettings
    from bot.models import FeedSpec
    from bot.poller import Poller
    from bot.search import SearchIndex
    from bot.sources import Fetcher
    from bot.store import Store

    out: dict[str, Any] = {"feeds": N_FEEDS, "hosts": HOSTS, "delay_s": DELAY}
    async with ServerProcess("-m", "benchmarks.polling", "serve", "--feeds", str(N_FEEDS),
                             ready_timeout=60) as server:
        port = int(server.ready_line)
        specs = [FeedSpec(id=f"feed-{n}", url=f"http://{_host(n)}:{port}/feed/{n}",
                          interval_seconds=300, language="en") for n in range(N_FEEDS)]
        settings = FetchSettings(allow_private=True)
        with tempfile.TemporaryDirectory(prefix="newsbot-bench-poll-") as tmp, \
                Store(Path(tmp) / "data", backups=0) as store:
            fetcher = Fetcher(settings)
            index = SearchIndex(get_item=store.get_item)
            poller = Poller(store, fetcher, Classifier(None), index, specs, settings,
                            ZoneInfo("Asia/Baku"))
            t = time.perf_counter()
            reports = await poller.poll_all()
            out["poll_1000_feeds_s"] = round(time.perf_counter() - t, 2)
            out["poll_1000_feeds_ok"] = sum(r.ok for r in reports)
            out["poll_errors"] = sorted({r.error or "" for r in reports if not r.ok})[:5]
            out["poll_stored"] = store.count_items()
            cycles = STEADY_QUICK if quick else STEADY
            polls = not_modified = 0
            wall = 0.0
            c = time.process_time()
            for _ in range(cycles):
                t = time.perf_counter()
                reports = await poller.poll_all()
                wall += time.perf_counter() - t
                polls += len(reports)
                not_modified += sum(bool(r.ok and r.not_modified) for r in reports)
            cpu = time.process_time() - c
            await fetcher.aclose()
        out["poll_304_cpu_ms_per_feed"] = round(cpu * 1000 / max(polls, 1), 2)
        out["poll_304_cycle_s"] = round(wall / cycles, 2)
        out["poll_304_cycles"] = cycles
        out["poll_304_not_modified"] = not_modified
        out["poll_cycle_floor_s"] = round(DELAY * math.ceil(N_FEEDS / 100), 2)
        served_200, served_304 = (await server.ask("stats")).split()
        out["server_answers_200"], out["server_answers_304"] = int(served_200), int(served_304)
    return out


def run(quick: bool = False) -> dict[str, Any]:
    out = asyncio.run(_measure(quick))
    log(f"polling: {out['feeds']:,} feeds on {out['hosts']} loopback hosts, each answer after "
        f"{out['delay_s'] * 1000:.0f} ms")
    log(f"  first cycle          {out['poll_1000_feeds_ok']:,} ok in {out['poll_1000_feeds_s']:.2f}"
        f" s ({out['poll_stored']:,} releases stored; lower bound "
        f"{out['poll_cycle_floor_s']:.1f} s){'; errors: ' if out['poll_errors'] else ''}"
        + "; ".join(out["poll_errors"]))
    log(f"  not-modified cycles  {out['poll_304_cpu_ms_per_feed']:.2f} ms CPU per feed, "
        f"{out['poll_304_cycle_s']:.2f} s per cycle ({out['poll_304_not_modified']:,} 304s in "
        f"{out['poll_304_cycles']} cycles)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cmd", nargs="?", default="run", choices=("run", "serve"))
    parser.add_argument("--feeds", type=int, default=N_FEEDS)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.cmd == "serve":
        asyncio.run(_serve(args.feeds, DELAY))
        return 0
    import json

    print(json.dumps(run(args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
