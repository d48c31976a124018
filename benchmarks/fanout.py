"""Fan-out: one release to many subscribed chats through the real Telegram client.

Delivery (`bot.delivery.Delivery`: scan, per-chat workers, cursors journalled and fsynced) sends
through `TelegramTransport` on a python-telegram-bot `Application` built as `TelegramAdapter`
builds it (`build_application`: an AiohttpRequest pool of `POOL_SIZE`), to the fake Bot API
(`tests.fakes.telegram_api`) running in a SUBPROCESS (`benchmarks.common.FakeTelegramProcess`),
so the process CPU time measured here is the bot's alone. The fake validates each message's
HTML as Telegram does.

Unlimited (`fanout_msgs_per_s`, `fanout_cpu_ms_per_msg`): the fake does not enforce limits and
the transport's limits are `RateLimits(concurrency=64)` (no pacing, 64 sends in flight).
msgs/s = messages accepted / wall time from `scan()` to the end of `drain()`; CPU ms/msg =
`time.process_time()` over the same span / messages. Baseline: a naive loop sending the same
notification to `N_NAIVE` chats one at a time, awaiting each (`transport.send`, no store).

Limited (`fanout_limited_ratio`, `fanout_429`): the fake enforces Telegram's limits (30/s
overall, 1/s per chat, 20/min per group; 429 beyond) and the transport keeps its shipped
limits (TELEGRAM_LIMITS, 16 in flight). ratio = the fake's achieved rate (accepted sends - 1)
/ (last - first arrival) / 30; `fanout_429` = 429s the fake answered. Baseline: the same
fan-out unpaced (`RateLimits(concurrency=64)`, delivery's own retries honouring retry_after)
against a fresh enforcing fake: its 429s.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application

from benchmarks.common import FakeTelegramProcess, history, log, make_chats
from bot.delivery import Delivery
from bot.models import Chat, Item
from bot.platforms.base import RateLimits
from bot.platforms.telegram.app import build_application
from bot.platforms.telegram.transport import TelegramTransport
from bot.store import Store
from bot.summary import notification

FIRST_CHAT = 1_000_000
N_CHATS, N_CHATS_QUICK = 10_000, 2_000
N_NAIVE = 500
N_LIMITED, N_LIMITED_QUICK = 300, 150
UNPACED = RateLimits(concurrency=64)
TZ = ZoneInfo("Asia/Baku")
FLOORS = {"fanout_msgs_per_s": 300.0, "fanout_limited_ratio": 0.9, "fanout_429": 0}


def _release() -> Item:
    item = history(1)[0]
    return replace(item, id="fanout-release", topics=["wco"], notify=True,
                   content_hash="fanout")


def _store(folder: Path, chats: list[Chat]) -> Store:
    """Chats first, then the release, so it is theirs to receive."""
    store = Store(folder, backups=0)
    store.save_chats(chats)
    store.ingest([_release()], notify=True)
    return store


async def _application(fake: FakeTelegramProcess) -> Application:  # type: ignore[type-arg]
    app = build_application(fake.token, fake.base_url)
    await app.initialize()  # getMe
    return app


async def _deliver(folder: Path, chats: list[Chat], fake: FakeTelegramProcess,
                   limits: RateLimits | None) -> dict[str, Any]:
    app = await _application(fake)
    try:
        transport = TelegramTransport(app)
        if limits is not None:
            transport.limits = limits
        store = _store(folder, chats)
        try:
            delivery = Delivery(store, {"telegram": transport}, TZ)
            before = await fake.stats()
            wall, cpu = time.perf_counter(), time.process_time()
            delivery.scan()
            await delivery.drain(timeout=900)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            after = await fake.stats()
        finally:
            store.close()
    finally:
        await app.shutdown()
    sent = after["accepted"] - before["accepted"]
    return {"sent": sent, "delivery_sent": delivery.stats.sent, "retried": delivery.stats.retried,
            "failed": delivery.stats.failed, "wall_s": wall, "cpu_s": cpu,
            "fake_cpu_s": after["cpu_s"] - before["cpu_s"],
            "rate_limited": after["rate_limited"] - before["rate_limited"],
            "achieved_rate": after["achieved_rate"]}


async def _naive(chats: list[Chat], fake: FakeTelegramProcess) -> dict[str, Any]:
    app = await _application(fake)
    try:
        transport = TelegramTransport(app)
        reply = notification(_release(), TZ)
        wall, cpu = time.perf_counter(), time.process_time()
        for chat in chats:
            await transport.send(chat, reply)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        await app.shutdown()
    return {"sent": len(chats), "wall_s": wall, "cpu_s": cpu}


async def _measure(quick: bool) -> dict[str, Any]:
    n = N_CHATS_QUICK if quick else N_CHATS
    n_limited = N_LIMITED_QUICK if quick else N_LIMITED
    out: dict[str, Any] = {"chats": n, "limited_chats": n_limited, "naive_chats": N_NAIVE,
                           "fake": "subprocess"}
    chats = make_chats(n, {"wco"}, first_id=FIRST_CHAT)
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-fanout-") as tmp:
        folder = Path(tmp)
        async with FakeTelegramProcess((FIRST_CHAT, n)) as fake:
            naive = await _naive(chats[:N_NAIVE], fake)
            fast = await _deliver(folder / "fast", chats, fake, UNPACED)
        limited_chats = chats[:n_limited]
        async with FakeTelegramProcess((FIRST_CHAT, n_limited), enforce=True) as fake:
            paced = await _deliver(folder / "paced", limited_chats, fake, None)
        async with FakeTelegramProcess((FIRST_CHAT, n_limited), enforce=True) as fake:
            unpaced = await _deliver(folder / "unpaced", limited_chats, fake, UNPACED)

    rate = fast["sent"] / fast["wall_s"]
    naive_rate = naive["sent"] / naive["wall_s"]
    out.update(
        fanout_msgs_per_s=round(rate, 1),
        fanout_cpu_ms_per_msg=round(fast["cpu_s"] * 1000 / max(fast["sent"], 1), 3),
        fanout_sent=fast["sent"],
        fanout_wall_s=round(fast["wall_s"], 2),
        fanout_fake_cpu_ms_per_msg=round(fast["fake_cpu_s"] * 1000 / max(fast["sent"], 1), 3),
        fanout_naive_msgs_per_s=round(naive_rate, 1),
        fanout_naive_cpu_ms_per_msg=round(naive["cpu_s"] * 1000 / naive["sent"], 3),
        fanout_speedup=round(rate / naive_rate, 1),
        fanout_limited_ratio=round(paced["achieved_rate"] / 30.0, 3),
        fanout_limited_rate=round(paced["achieved_rate"], 2),
        fanout_429=paced["rate_limited"],
        fanout_limited_sent=paced["sent"],
        fanout_limited_wall_s=round(paced["wall_s"], 2),
        fanout_unpaced_429=unpaced["rate_limited"],
        fanout_unpaced_sent=unpaced["sent"],
        fanout_unpaced_wall_s=round(unpaced["wall_s"], 2),
    )
    return out


def run(quick: bool = False) -> dict[str, Any]:
    out = asyncio.run(_measure(quick))
    log(f"fan-out: one release to {out['chats']:,} chats, PTB client -> fake Bot API "
        f"(fake in a {out['fake']}; CPU below is the bot process only)")
    log(f"  delivery, 64 in flight  {out['fanout_msgs_per_s']:.0f} msg/s "
        f"({out['fanout_sent']:,} in {out['fanout_wall_s']:.1f} s), "
        f"{out['fanout_cpu_ms_per_msg']:.2f} ms CPU/msg (fake: "
        f"{out['fanout_fake_cpu_ms_per_msg']:.2f} ms/msg)")
    log(f"  baseline, naive loop    {out['fanout_naive_msgs_per_s']:.0f} msg/s on "
        f"{out['naive_chats']} chats, {out['fanout_naive_cpu_ms_per_msg']:.2f} ms CPU/msg; "
        f"delivery is x{out['fanout_speedup']}")
    log(f"  with Telegram's limits  {out['fanout_limited_rate']:.1f} msg/s = "
        f"{out['fanout_limited_ratio']:.3f} of 30/s over {out['limited_chats']} chats "
        f"({out['fanout_limited_wall_s']:.1f} s), {out['fanout_429']} x 429")
    log(f"  baseline, unpaced       {out['fanout_unpaced_429']} x 429 for "
        f"{out['fanout_unpaced_sent']} accepted ({out['fanout_unpaced_wall_s']:.1f} s, "
        f"delivery's retries honouring retry_after)")
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True)))
