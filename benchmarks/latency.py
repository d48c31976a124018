"""Poll to delivery: how long a new release takes from the feed's answer to the chat.

`newsbot run` runs as a subprocess (RSS feed every second, `interval_seconds = 1`), with one
Telegram private chat subscribed (every topic, and the keyword `latencyprobe`); the local
`FeedServer` and the fake Bot API run in the benchmark process (loopback only). After the
feed's first fetch (its backlog, pushed to nobody), releases are published one at a time at
random moments (0-1.5 s apart, each after the previous one arrived).

    poll_to_delivery = (arrival of the sendMessage carrying the release at the fake, its
                        time.monotonic())
                     - (the moment the feed server answered the first poll whose body
                        contained the release)

so the wait for the next poll (up to the interval) is excluded: it is the bot's own work
(parse, classify, store, index, wake delivery, pace, render, send). Both clocks are the same
CLOCK_MONOTONIC of this machine. Baseline: the wait for the next poll over the same releases
(publish -> answer), i.e. what the interval adds on top.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from benchmarks.common import PY, ROOT, log, make_chats, percentile
from bot.store import Store
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.telegram_api import FakeTelegram

CHAT = 4242
FEED = "customs-en"
N, N_QUICK = 10, 5
FLOORS = {"poll_to_delivery_p95_s": 1.0}


class AnsweringFeedServer(FeedServer):
    """Notes when each 200 answer left, and which guids it listed."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[float, frozenset[str]]] = []

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        response = await super()._handle(request)
        if response.status == 200:
            site = self.sites.get(request.match_info["name"])
            guids = frozenset(e.guid or "" for e in site.entries) if site else frozenset()
            self.answers.append((time.monotonic(), guids))
        return response

    def first_answer_with(self, guid: str) -> float | None:
        return next((t for t, guids in self.answers if guid in guids), None)


def _entry(guid: str, title: str) -> Entry:
    return Entry(title=title, guid=guid, link=f"https://customs.invalid/{guid}",
                 body="The State Customs Committee reports on the latencyprobe exercise. "
                      "Officers of the border checkpoint took part.",
                 published=datetime.now(UTC) - timedelta(seconds=30))


async def _measure(quick: bool) -> dict[str, Any]:
    count = N_QUICK if quick else N
    rng = random.Random(11)
    delays: list[float] = []
    waits: list[float] = []
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-latency-") as tmp:
        folder = Path(tmp)
        with Store(folder / "data", backups=0) as store:
            store.save_chats(make_chats(1, {"wco", "bilateral", "demining", "smuggling", "trade",
                                            "ecommerce", "training", "legislation", "transit"},
                                        first_id=CHAT, keywords={"latencyprobe"}))
        async with AnsweringFeedServer() as feeds, FakeTelegram() as tg:
            tg.add_chat(CHAT, "private")
            feeds.publish(FEED, *(_entry(f"backlog-{n}", f"Old news {n}") for n in range(3)))
            config = folder / "config.toml"
            config.write_text(f"""
[storage]
path = "{folder / 'data'}"
backups = 0
[fetch]
allow_private = true
[[feeds]]
id = "{FEED}"
url = "{feeds.url(FEED)}"
interval_seconds = 1
language = "en"
[telegram]
api_base_url = "{tg.base_url}"
[log]
level = "WARNING"
""")
            env = {**os.environ, "TELEGRAM_BOT_TOKEN": tg.token or ""}
            env.pop("TELEGRAM_WEBHOOK_SECRET", None)
            proc = await asyncio.create_subprocess_exec(
                PY, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            try:
                async with asyncio.timeout(60):  # the backlog fetched, then one more poll
                    while len(feeds.answers) + sum(feeds.not_modified.values()) < 2:
                        await asyncio.sleep(0.02)
                for n in range(count):
                    await asyncio.sleep(rng.uniform(0.0, 1.5))
                    guid = f"probe-{n}"
                    published = time.monotonic()
                    feeds.publish(FEED, _entry(guid, f"Latency probe {n} at the border"))
                    marker = f"Latency probe {n} "
                    calls = await tg.wait_for(
                        lambda calls, m=marker: [c for c in calls if c.method == "sendMessage"
                                                 and m in str(c.params.get("text", ""))],
                        timeout=30, what=marker)
                    answered = feeds.first_answer_with(guid)
                    assert answered is not None
                    delays.append(calls[0].time - answered)
                    waits.append(answered - published)
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), 10)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
    return {
        "releases": count,
        "poll_to_delivery_p50_s": round(percentile(delays, 50), 3),
        "poll_to_delivery_p95_s": round(percentile(delays, 95), 3),
        "poll_to_delivery_max_s": round(max(delays), 3),
        "poll_to_delivery_s": round(percentile(delays, 95), 3),
        "poll_wait_p50_s": round(percentile(waits, 50), 3),
        "poll_wait_p95_s": round(percentile(waits, 95), 3),
    }


def run(quick: bool = False) -> dict[str, Any]:
    out = asyncio.run(_measure(quick))
    log(f"poll to delivery: {out['releases']} releases, newsbot run polling every 1 s, one "
        "subscribed Telegram chat")
    log(f"  feed answer -> sendMessage   p50 {out['poll_to_delivery_p50_s'] * 1000:.0f} ms  "
        f"p95 {out['poll_to_delivery_p95_s'] * 1000:.0f} ms  max "
        f"{out['poll_to_delivery_max_s'] * 1000:.0f} ms")
    log(f"  baseline: publish -> next poll answered   p50 {out['poll_wait_p50_s'] * 1000:.0f} "
        f"ms  p95 {out['poll_wait_p95_s'] * 1000:.0f} ms (the interval's share, excluded above)")
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True)))
