"""An admin's announcement to every active chat (/broadcast), paced like notifications.

The `Sender` that delivery uses sends it, so the platforms' limits are kept together with the
alerts going out at the same time; each chat gets it once (a transient failure is retried a few
times, a chat that is gone is deactivated as for an alert), then the admin's chat gets a report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from bot.delivery.sender import Sender
from bot.i18n import ntr
from bot.models import Chat, Reply, split_thread
from bot.store import Store
from bot.summary import announcement

log = logging.getLogger("newsbot.delivery")

ATTEMPTS = 4  # per chat: the first send and three retries after the sender's backoff
AT_ONCE = 16  # chats being sent to at the same time (the pacers space them)


class Broadcaster:
    def __init__(self, store: Store, sender: Sender, platforms: Callable[[], set[str]]) -> None:
        """`platforms`: the platforms delivery can send to now."""
        self.store = store
        self.sender = sender
        self.platforms = platforms
        self._tasks: set[asyncio.Task[None]] = set()

    def audience(self) -> list[Chat]:
        """The chats a broadcast would reach now: every active one on a running platform, a
        Telegram forum once (in its General topic if that follows anything, else in the first
        of its topics that does)."""
        running = self.platforms()
        chosen: dict[tuple[str, str], tuple[int, Chat]] = {}
        for chat in self.store.chats():
            if not chat.active or chat.platform not in running:
                continue
            base, thread = split_thread(chat.chat_id)
            rank = thread or 0
            known = chosen.get((chat.platform, base))
            if known is None or rank < known[0]:
                chosen[(chat.platform, base)] = (rank, chat)
        return [chat for _, chat in chosen.values()]

    def start(self, text: str, report_to: Chat) -> int:
        """Send `text` to the audience in the background, then report to `report_to`; the
        number of chats it goes to."""
        chats = self.audience()
        task = asyncio.ensure_future(self._run(text, chats, report_to))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        log.info("event=broadcast_started chats=%d by=%s", len(chats), report_to.key)
        return len(chats)

    async def _send(self, chat: Chat, text: str) -> bool:
        reply = announcement(text, chat.language)
        for _ in range(ATTEMPTS):
            # read at its turn: a chat unbound or found gone since Confirm is skipped
            current = self.store.get_chat(chat.key)
            if current is None or not current.active:
                return False
            chat = current
            outcome = await self.sender.send(chat, reply)
            if outcome == "sent":
                return True
            if outcome != "retry":  # gone (deactivated) or moved (under a new id: resend)
                if outcome == "moved":
                    moved = self.store.get_chat(self.sender.moved_to)
                    if moved is not None:
                        chat = moved
                        continue
                return False
        return False

    async def _run(self, text: str, chats: list[Chat], report_to: Chat) -> None:
        limit = asyncio.Semaphore(AT_ONCE)

        async def one(chat: Chat) -> bool:
            async with limit:
                return await self._send(chat, text)

        results = await asyncio.gather(*(one(c) for c in chats))
        received = sum(results)
        log.info("event=broadcast_done chats=%d received=%d", len(chats), received)
        lang = report_to.language
        report = Reply.text(ntr(lang, "The announcement reached {n} of {total} chat.",
                                "The announcement reached {n} of {total} chats.", len(chats),
                                n=received, total=len(chats)))
        if self.store.get_chat(report_to.key) is not None:
            await self.sender.send(report_to, report)
            return
        try:  # a chat the bot keeps no record of: no retry, nothing to deactivate
            await self.sender.transports[report_to.platform].send(report_to, report)
        except Exception as exc:
            log.warning("event=broadcast_report_failed chat=%s error=%s", report_to.key, exc)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
