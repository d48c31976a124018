"""Run by test_delivery's kill -9 test as a subprocess: set up a store, or deliver from it.

The "platform" is a file: each send appends `chat<TAB>release` and fsyncs before returning, as a
real API would have accepted the message before answering.
"""

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery import Delivery
from bot.models import Chat, Item, Reply, Subscription
from bot.platforms.base import NO_LIMITS
from bot.store import Store


class FileTransport:
    platform = "console"
    limits = NO_LIMITS

    def __init__(self, path: str) -> None:
        self.handle = open(path, "a", encoding="utf-8")  # noqa: SIM115

    async def send(self, chat: Chat, reply: Reply) -> None:
        await asyncio.sleep(0.05)
        release_id = reply.cards[0].url.rsplit("/", 1)[1]
        self.handle.write(f"{chat.chat_id}\tr{release_id}\n")
        self.handle.flush()
        os.fsync(self.handle.fileno())


def setup(path: str, chats: int, releases: int) -> None:
    with Store(path, backups=0) as store:
        store.save_chats(Chat("console", f"c{n}", subscription=Subscription(topics={"wco"}))
                         for n in range(chats))
        base = datetime(2026, 1, 1, tzinfo=UTC)
        store.ingest([Item(id=f"r{n}", feed_id="f", url=f"https://x.az/{n}", title=f"R{n}",
                           body="b", published=base + timedelta(hours=n), topics=["wco"],
                           content_hash=str(n)) for n in range(1, releases + 1)])


async def deliver(path: str, log: str) -> None:
    with Store(path) as store:
        delivery = Delivery(store, {"console": FileTransport(log)}, ZoneInfo("UTC"))
        delivery.scan()
        await delivery.drain(timeout=60)


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        asyncio.run(deliver(sys.argv[2], sys.argv[3]))
