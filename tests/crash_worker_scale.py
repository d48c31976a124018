"""Run by test_faults' kill -9 loop as a subprocess: deliver a large fan-out from a store.

    python -m tests.crash_worker_scale deliver DATA_DIR SENT_LOG [CONCURRENCY]

The "platform" is a file opened with O_APPEND: each accepted send is one write(2) of
`chat<TAB>release\\n`, so a kill -9 leaves whole lines only (the page cache outlives the
process). "ready" is printed once the store is open and the work is queued.
"""

from __future__ import annotations

import asyncio
import os
import sys
from zoneinfo import ZoneInfo

from bot.delivery import Delivery
from bot.models import Chat, Reply
from bot.platforms.base import RateLimits
from bot.store import Store
from tests.crash_worker import setup

LATENCY = 0.005  # seconds a send takes at the "platform"


class AppendTransport:
    platform = "console"

    def __init__(self, path: str, concurrency: int) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.limits = RateLimits(concurrency=concurrency)

    async def send(self, chat: Chat, reply: Reply) -> None:
        await asyncio.sleep(LATENCY)
        release_id = reply.cards[0].url.rsplit("/", 1)[1]
        os.write(self.fd, f"{chat.chat_id}\tr{release_id}\n".encode())


async def deliver(path: str, log: str, concurrency: int) -> None:
    with Store(path, backups=0) as store:
        delivery = Delivery(store, {"console": AppendTransport(log, concurrency)},
                            ZoneInfo("UTC"))
        delivery.scan()
        print("ready", flush=True)
        await delivery.drain(timeout=120)


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        concurrency = int(sys.argv[4]) if len(sys.argv) > 4 else 50
        asyncio.run(deliver(sys.argv[2], sys.argv[3], concurrency))
