"""Who gets what, and getting it there once.

Progress is a per-chat cursor: the sequence number of the last release confirmed sent to that
chat. Releases are numbered by the store in the order they were first stored, so "what a chat
still needs" is derived (matching releases after its cursor), not kept in an outbox. After each
confirmed send the cursor is journalled and fsynced before the next send to that chat, so a kill
at any point repeats at most the one message that was in flight per chat.

Rate limits are kept by pacing (a `Pacer` per platform), not discovered through 429s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo

from bot.i18n import ntr, tr
from bot.matching import wants
from bot.models import Card, Chat, Item, Reply, Span, utcnow
from bot.platforms.base import (
    ChatMovedError,
    PermanentSendError,
    RateLimits,
    TransientSendError,
    Transport,
)
from bot.store import Store
from bot.summary import TopicLabel, make_card, notification, topic_id_label

log = logging.getLogger("newsbot.delivery")

DIGEST_MAX_CARDS = 10
SAFETY = 0.97  # pace a little under the published limits: network jitter bunches requests


class Pacer:
    """Spaces sends to respect a platform's overall, per-chat and per-group limits."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global_next = 0.0
        self._chat_next: dict[str, float] = {}
        self._lock = asyncio.Lock()

    def _interval(self, is_group: bool) -> float:
        gap = 0.0
        if self.limits.per_chat_interval:
            gap = self.limits.per_chat_interval / SAFETY
        if is_group and self.limits.group_per_minute:
            gap = max(gap, 60.0 / self.limits.group_per_minute / SAFETY)
        return gap

    async def wait(self, chat_key: str, is_group: bool) -> None:
        # the chat's own spacing first, so a slow chat never holds up the global queue
        due = self._chat_next.get(chat_key, 0.0)
        now = self.clock()
        if due > now:
            await asyncio.sleep(due - now)
        if self.limits.overall_per_second:
            step = 1.0 / (self.limits.overall_per_second * SAFETY)
            async with self._lock:
                now = self.clock()
                slot = max(now, self._global_next)
                self._global_next = slot + step
            if slot > now:
                await asyncio.sleep(slot - now)
        self._chat_next[chat_key] = self.clock() + self._interval(is_group)

    def defer(self, chat_key: str, seconds: float) -> None:
        self._chat_next[chat_key] = max(self._chat_next.get(chat_key, 0.0),
                                        self.clock() + seconds)


class _Committer:
    """Group commit: every sender waits for one fsync that covers all cursors written so far."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._task: asyncio.Future[None] | None = None

    async def durable(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._flush())
        await asyncio.shield(self._task)

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the senders of this tick join
        self._task = None
        self.store.flush_cursors()


@dataclass
class DeliveryStats:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    deactivated: int = 0
    migrated: int = 0
    digests: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _ChatQueue:
    items: deque[Item] = field(default_factory=deque)
    last_seq: int = 0
    task: asyncio.Task[None] | None = None
    failures: int = 0


def matches(chat: Chat, item: Item) -> bool:
    return wants(chat.subscription, item)


class Delivery:
    def __init__(
        self,
        store: Store,
        transports: dict[str, Transport],
        tz: tzinfo,
        topic_label: TopicLabel = topic_id_label,
        clock: Callable[[], datetime] = utcnow,
        max_backoff: float = 300.0,
    ) -> None:
        self.store = store
        self.transports = transports
        self.tz = tz
        self.topic_label = topic_label
        self.clock = clock
        self.max_backoff = max_backoff
        self.stats = DeliveryStats()
        self.pacers = {name: Pacer(t.limits) for name, t in transports.items()}
        self.semaphores = {name: asyncio.Semaphore(t.limits.concurrency)
                           for name, t in transports.items()}
        self._queues: dict[str, _ChatQueue] = {}
        self._committer = _Committer(store)
        self._wake = asyncio.Event()
        self._scanned = -1  # highest seq already matched against the chats
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False
        self._moved_to = ""  # set by _send when a chat reports its new id
        self._chat_cache: tuple[int, list[Chat]] | None = None

    # -- public -----------------------------------------------------------------------------

    def wake(self) -> None:
        """New releases (or new chats) are in the store: look for work."""
        self._wake.set()

    @property
    def queue_length(self) -> int:
        return sum(len(q.items) for q in self._queues.values())

    async def run(self, digest_every: float = 30.0) -> None:
        self.scan()
        last_digest = 0.0
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=digest_every)
            self._wake.clear()
            self.scan()
            if time.monotonic() - last_digest >= digest_every:
                last_digest = time.monotonic()
                await self.send_digests()

    async def drain(self, timeout: float | None = None) -> None:
        """Until every queue is empty (tests, benchmarks, demo)."""
        async with asyncio.timeout(timeout):
            while True:
                tasks = [q.task for q in self._queues.values() if q.task and not q.task.done()]
                if not tasks:
                    return
                await asyncio.wait(tasks)

    async def stop(self, grace: float = 4.0) -> None:
        """Let messages in flight finish (within `grace`), then cancel the rest."""
        self._stopping = True
        self._wake.set()
        tasks = [q.task for q in self._queues.values() if q.task and not q.task.done()]
        for q in self._queues.values():
            q.items.clear()  # nothing new starts; the send in flight completes
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            for task in pending:
                task.cancel()
        self.store.flush_cursors()

    # -- matching ----------------------------------------------------------------------------

    def _chats(self) -> list[Chat]:
        """All chats, converted once per change of the chat table, not at every wake-up."""
        if self._chat_cache is None or self._chat_cache[0] != self.store.chats_version:
            self._chat_cache = (self.store.chats_version, self.store.chats())
        return self._chat_cache[1]

    def scan(self) -> None:
        """Queue, per chat, the matching releases after its cursor that are not queued yet."""
        if self._stopping:
            return
        chats = [c for c in self._chats() if c.active and c.subscription.mode == "instant"
                 and (c.subscription.topics or c.subscription.keywords)]
        if not chats:
            self._scanned = self.store.max_seq
            return
        floors = {c.key: max(self.store.cursor(c.key), c.since_seq) for c in chats}
        start = min(floors.values())
        if self._scanned >= 0:
            start = max(start, self._scanned) if self._scanned <= self.store.max_seq else start
        items = [i for i in self.store.items_after(start, limit=10**9) if i.notify]
        newest = self.store.max_seq
        for chat in chats:
            queue = self._queues.setdefault(chat.key, _ChatQueue())
            floor = max(floors[chat.key], queue.last_seq)
            for item in items:
                if item.seq > floor and matches(chat, item):
                    queue.items.append(item)
                    queue.last_seq = item.seq
            if queue.items and (queue.task is None or queue.task.done()):
                queue.task = asyncio.ensure_future(self._worker(chat.key, queue))
        self._scanned = newest

    # -- sending -------------------------------------------------------------------------------

    async def _worker(self, key: str, queue: _ChatQueue) -> None:
        while queue.items and not self._stopping:
            item = queue.items[0]
            chat = self.store.get_chat(key)
            if chat is None or not chat.active:
                queue.items.clear()
                return
            if not matches(chat, item):  # unsubscribed meanwhile
                queue.items.popleft()
                continue
            transport = self.transports.get(chat.platform)
            if transport is None:
                queue.items.clear()  # platform off: the cursor keeps it pending for next start
                return
            outcome = await self._send(chat, transport, notification(item, self.tz,
                                                                      self.topic_label,
                                                                      lang=chat.language))
            if outcome == "sent":
                self.store.record_delivered(key, item.seq)
                await self._committer.durable()
                if queue.items and queue.items[0] is item:  # stop() may have cleared it
                    queue.items.popleft()
                queue.failures = 0
            elif outcome == "moved":
                new_key = self._moved_to
                self._queues[new_key] = queue
                self._queues.pop(key, None)
                key = new_key
            elif outcome == "gone":
                queue.items.clear()
                return

    async def _send(self, chat: Chat, transport: Transport, reply: Reply) -> str:
        pacer = self.pacers[chat.platform]
        await pacer.wait(chat.key, chat.kind != "private")
        queue = self._queues.get(chat.key) or _ChatQueue()
        try:
            async with self.semaphores[chat.platform]:
                await transport.send(chat, reply)
        except TransientSendError as exc:
            queue.failures += 1
            self.stats.retried += 1
            delay = exc.retry_after if exc.retry_after else min(2.0 ** queue.failures,
                                                                self.max_backoff)
            log.info("event=send_retry chat=%s delay=%.1f reason=%s", chat.key, delay, exc)
            pacer.defer(chat.key, delay)
            return "retry"
        except PermanentSendError as exc:
            self.deactivate(chat, str(exc))
            return "gone"
        except ChatMovedError as exc:
            new_chat = replace(chat, chat_id=exc.new_chat_id)
            self.store.move_chat(chat.key, new_chat)
            self.stats.migrated += 1
            self._moved_to = new_chat.key
            log.info("event=chat_migrated old=%s new=%s", chat.key, new_chat.key)
            return "moved"
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an adapter bug must not stop delivery to everyone else
            queue.failures += 1
            self.stats.failed += 1
            log.exception("event=send_error chat=%s error=%s", chat.key, exc)
            pacer.defer(chat.key, min(2.0 ** queue.failures, self.max_backoff))
            return "retry"
        self.stats.sent += 1
        return "sent"

    def deactivate(self, chat: Chat, reason: str) -> None:
        chat.active = False
        chat.deactivated_reason = reason
        self.store.save_chat(chat)
        self.stats.deactivated += 1
        log.info("event=chat_deactivated chat=%s reason=%s", chat.key, reason)

    # -- digests ---------------------------------------------------------------------------------

    async def send_digests(self) -> None:
        now_local = self.clock().astimezone(self.tz)
        today = now_local.date().isoformat()
        hhmm = now_local.strftime("%H:%M")
        for chat in self._chats():
            sub = chat.subscription
            if not chat.active or sub.mode != "digest" or chat.last_digest_on == today:
                continue
            if hhmm < sub.digest_time or chat.platform not in self.transports:
                continue
            floor = max(self.store.cursor(chat.key), chat.since_seq)
            items = [i for i in self.store.items_after(floor, limit=10**9)
                     if i.notify and matches(chat, i)]
            if items:
                outcome = await self._send(chat, self.transports[chat.platform],
                                           self.digest_reply(items, chat.language,
                                                             chat.platform))
                if outcome != "sent":
                    continue
                self.store.record_delivered(chat.key, items[-1].seq)
                await self._committer.durable()
                self.stats.digests += 1
            chat.last_digest_on = today
            self.store.save_chat(chat)

    def digest_reply(self, items: list[Item], lang: str = "en",
                     platform: str = "telegram") -> Reply:
        newest = list(reversed(items))[:DIGEST_MAX_CARDS]
        cards: list[Card] = [make_card(i, self.tz, self.topic_label, lang=lang, number=n)
                             for n, i in enumerate(newest, start=1)]
        reply = Reply(cards=cards, ephemeral=False)
        reply.paragraphs.append([Span(ntr(lang, "Your daily digest: {n} new release",
                                          "Your daily digest: {n} new releases", len(items)),
                                      "bold")])
        if len(items) > DIGEST_MAX_CARDS:
            command = "/news latest" if platform == "slack" else "/latest"
            reply.paragraphs.append([Span(tr(lang, "…and {n} more: see {command}",
                                             n=len(items) - DIGEST_MAX_CARDS, command=command))])
        return reply
