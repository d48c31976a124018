"""Start-up of `newsbot run` with a big store: time to the first poll, memory, SIGTERM.

The data directory is prepared with the Store API (not timed): `N_RELEASES` synthetic releases
(`benchmarks.common.history`) and `N_CHATS` Telegram chats subscribed to a topic. It is then
opened once more, not timed, as a bot restart would find it (the rolling backups are current);
the very first start after a big import also copies every file to `backups/` once, which is
measured separately as `startup_first_s` (full run only).

The bot keeps a search index snapshot (written after a full build and at shutdown, loaded at
start-up). The prepared directory has none, so the bot is started twice: a cold start that
builds the index from the store (`*_cold_*` keys) and stops, then a restart that finds the
snapshot its predecessor saved: the contract keys (`startup_s`, `rss_mb`, `sigterm_exit_s`,
`index_built_s`) are the restart's, the usual case in operation.

The bot runs as a real subprocess (`python -m bot run --config FILE`), with Telegram pointed at
the fake Bot API and one RSS feed on a local `FeedServer`, both in the benchmark process.
- `startup_s`: from just before the process is spawned until the feed server receives the
  first request (time to first poll; interpreter start and imports included);
- `index_built_s`: until the log line `event=index_built` is read from the bot's stderr;
- `rss_mb`: the bot's peak resident set (VmHWM in /proc/PID/status) read once the index is
  built (`rss_now_mb`: VmRSS at that moment);
- `sigterm_exit_s`: from SIGTERM until the process has exited (must be < 5 s, exit status 0).
Baseline: the same with an empty data directory.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from benchmarks.common import PY, ROOT, copy_store, log, make_chats, rss_of
from bot.store import Store
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.telegram_api import FakeTelegram

N_RELEASES = 100_000
N_CHATS = 10_000
FEED = "customs-en"
FLOORS = {"startup_s": 3.0, "rss_mb": 400.0, "sigterm_exit_s": 5.0}


class TimedFeedServer(FeedServer):
    """A FeedServer that notes when each request arrived (time.monotonic)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.arrivals.append(time.monotonic())
        return await super()._handle(request)


def prepare(data: Path, releases: int, chats: int) -> None:
    if releases:
        copy_store(releases, data)
    with Store(data, backups=3) as store:
        if chats:
            store.save_chats(make_chats(chats, {"wco", "demining"}, since_seq=store.max_seq))
    with Store(data, backups=3):
        pass  # a restart: the backups now match the files


def write_config(folder: Path, data: Path, feed_url: str, tg: FakeTelegram) -> Path:
    config = folder / "config.toml"
    config.write_text(f"""
[storage]
path = "{data}"
[fetch]
allow_private = true
[[feeds]]
id = "{FEED}"
url = "{feed_url}"
interval_seconds = 300
language = "en"
[telegram]
api_base_url = "{tg.base_url}"
[log]
level = "INFO"
""")
    return config


async def run_bot(config: Path, feeds: TimedFeedServer, tg: FakeTelegram,
                  wait_index: bool = True) -> dict[str, Any]:
    """Start `newsbot run`, time the first poll and the index, read its memory, SIGTERM it."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": tg.token or ""}
    env.pop("TELEGRAM_WEBHOOK_SECRET", None)
    feeds.arrivals.clear()
    index_built = asyncio.get_running_loop().create_future()
    lines: list[str] = []
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        PY, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)

    async def read_logs() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            lines.append(line)
            if "event=index_built" in line and not index_built.done():
                index_built.set_result(time.monotonic())

    reader = asyncio.create_task(read_logs())
    out: dict[str, Any] = {}
    try:
        async with asyncio.timeout(120):
            while not feeds.arrivals:
                if proc.returncode is not None:
                    raise RuntimeError("newsbot run exited early:\n" + "\n".join(lines[-20:]))
                await asyncio.sleep(0.005)
        out["first_poll_s"] = feeds.arrivals[0] - started
        if wait_index:
            built = await asyncio.wait_for(index_built, 120)
            out["index_built_s"] = built - started
            mem = rss_of(proc.pid)
            out["rss_mb"] = mem["VmHWM"]
            out["rss_now_mb"] = mem["VmRSS"]
        await asyncio.sleep(0.2)  # let the first poll's answer be processed
        proc.send_signal(signal.SIGTERM)
        stop = time.monotonic()
        await asyncio.wait_for(proc.wait(), 30)
        out["sigterm_exit_s"] = time.monotonic() - stop
        out["exit_status"] = proc.returncode
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await reader
    for line in lines:
        if "event=store_loaded" in line:
            out["store_loaded_log"] = line.split("event=store_loaded", 1)[1].strip()
    return out


async def _measure(quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"releases": N_RELEASES, "chats": N_CHATS}
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-startup-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        prepare(folder / "big", N_RELEASES, N_CHATS)
        out["prepare_s"] = round(time.perf_counter() - t, 1)
        prepare(folder / "empty", 0, 0)
        async with TimedFeedServer() as feeds, FakeTelegram() as tg:
            feeds.publish(FEED, *(Entry(title=f"Customs news {n}", body="Body text. " * 20,
                                        guid=f"startup-{n}", link=f"https://x.invalid/{n}")
                                  for n in range(20)))
            # baseline: an empty data directory
            base = await run_bot(write_config(folder, folder / "empty", feeds.url(FEED), tg),
                                 feeds, tg)
            first: dict[str, Any] = {}
            if not quick:  # the first start after the import: takes the backups once
                first_dir = folder / "first"
                shutil.copytree(folder / "big", first_dir)
                shutil.rmtree(first_dir / "backups")
                first = await run_bot(write_config(folder, first_dir, feeds.url(FEED), tg),
                                      feeds, tg, wait_index=False)
                shutil.rmtree(first_dir)
            big_config = write_config(folder, folder / "big", feeds.url(FEED), tg)
            cold = await run_bot(big_config, feeds, tg)  # no index snapshot yet: full build
            big = await run_bot(big_config, feeds, tg)  # a restart: snapshot from the last stop
    out.update(
        startup_s=round(big["first_poll_s"], 2),
        index_built_s=round(big["index_built_s"], 2),
        rss_mb=round(big["rss_mb"], 1),
        rss_now_mb=round(big["rss_now_mb"], 1),
        sigterm_exit_s=round(big["sigterm_exit_s"], 2),
        sigterm_exit_status=big["exit_status"],
        startup_first_s=round(first["first_poll_s"], 2) if first else None,
        startup_empty_s=round(base["first_poll_s"], 2),
        rss_empty_mb=round(base["rss_mb"], 1),
        sigterm_exit_empty_s=round(base["sigterm_exit_s"], 2),
        store_loaded=big.get("store_loaded_log", ""),
        startup_cold_s=round(cold["first_poll_s"], 2),
        index_built_cold_s=round(cold["index_built_s"], 2),
        rss_cold_mb=round(cold["rss_mb"], 1),
        sigterm_exit_cold_s=round(cold["sigterm_exit_s"], 2),
        sigterm_exit_cold_status=cold["exit_status"],
    )
    out["startup_ratio_to_empty"] = round(out["startup_s"] / max(out["startup_empty_s"], 1e-6),
                                          2)
    return out


def run(quick: bool = False) -> dict[str, Any]:
    out = asyncio.run(_measure(quick))
    log(f"startup: newsbot run with {out['releases']:,} releases and {out['chats']:,} chats "
        f"(prepared in {out['prepare_s']} s, not timed)")
    log("  restart (index snapshot saved by the previous stop, backups current):")
    log(f"  time to first poll   {out['startup_s']:.2f} s   (baseline, empty store: "
        f"{out['startup_empty_s']:.2f} s; x{out['startup_ratio_to_empty']})")
    if out["startup_first_s"] is not None:
        log(f"  first start after import (backups taken): {out['startup_first_s']:.2f} s")
    log(f"  index built after    {out['index_built_s']:.2f} s")
    log(f"  RSS after index      peak {out['rss_mb']:.0f} MB, now {out['rss_now_mb']:.0f} MB "
        f"(empty store: peak {out['rss_empty_mb']:.0f} MB)")
    log(f"  SIGTERM -> exit      {out['sigterm_exit_s']:.2f} s (status "
        f"{out['sigterm_exit_status']}; empty store {out['sigterm_exit_empty_s']:.2f} s)")
    log(f"  store_loaded log     {out['store_loaded']}")
    log(f"  cold start (no index snapshot yet): first poll {out['startup_cold_s']:.2f} s, "
        f"index built {out['index_built_cold_s']:.2f} s, RSS peak {out['rss_cold_mb']:.0f} MB, "
        f"SIGTERM -> exit {out['sigterm_exit_cold_s']:.2f} s (status "
        f"{out['sigterm_exit_cold_status']})")
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True)))
