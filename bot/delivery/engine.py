"""Who gets what, and getting it there once, in the chat's language.

Progress per chat is two durable records. The cursor is a low-water mark: every release stored
at or below it is decided for the chat (sent, not wanted, or another edition of a story the chat
was sent). The sent-stories journal (`store.record_story_sent`) says which stories a chat was
notified of, so releases above the cursor are re-decided after a restart without a repeat. Both
are written after each confirmed send and fsynced (one group commit per tick) before the next
send to that chat, so a kill at any point repeats at most the one message in flight per chat.

A release of another language than the chat's is held until its story's first edition is
`edition_wait` old, unless the chat's own edition comes first (see `stories.decide`). Holding is
derived from the stored first_seen times, so a restart holds what it held before; a held release
keeps the cursor below it but never holds up the chat's other releases.

Rate limits are kept by pacing (a `Pacer` per platform), not discovered through 429s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

from bot.delivery.digests import digest_reply
from bot.delivery.pacing import Committer, Pacer
from bot.delivery.stories import decide
from bot.matching import wants, wants_story
from bot.models import Chat, Item, Reply, SentStory, Story, utcnow
from bot.platforms.base import (
    ChatMovedError,
    PermanentSendError,
    TransientSendError,
    Transport,
)
from bot.store import Store
from bot.summary import TopicLabel, notification, topic_id_label

log = logging.getLogger("newsbot.delivery")


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
    items: list[Item] = field(default_factory=list)  # above the cursor, undecided, seq order
    last_seq: int = 0  # every release up to here was looked at for this chat
    held: dict[int, datetime] = field(default_factory=dict)  # seq -> until when
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
        edition_wait: float = 0.0,
        expected_languages: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        """`edition_wait`: seconds to wait for a chat's own edition of a story;
        `expected_languages`: feed id -> the languages its group publishes (only those
        stories wait; see `stories.expected_languages`)."""
        self.store = store
        self.transports = transports
        self.tz = tz
        self.topic_label = topic_label
        self.clock = clock
        self.max_backoff = max_backoff
        self.edition_wait = timedelta(seconds=edition_wait)
        self.expected_languages = dict(expected_languages or {})
        self.stats = DeliveryStats()
        self.pacers = {name: Pacer(t.limits) for name, t in transports.items()}
        self.semaphores = {name: asyncio.Semaphore(t.limits.concurrency)
                           for name, t in transports.items()}
        self._queues: dict[str, _ChatQueue] = {}
        self._committer = Committer(store)
        self._wake = asyncio.Event()
        self._scanned = -1  # highest seq already matched against the chats
        self._stopping = False
        self._moved_to = ""  # set by _send when a chat reports its new id
        self._chat_cache: tuple[int, list[Chat]] | None = None
        self._story_cache: tuple[int, dict[str, Story]] = (-1, {})
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: datetime | None = None

    # -- public -----------------------------------------------------------------------------

    def wake(self) -> None:
        """New releases (or new chats) are in the store: look for work."""
        self._wake.set()

    @property
    def queue_length(self) -> int:
        return sum(len(q.items) for q in self._queues.values())

    @property
    def held(self) -> int:
        """Releases waiting for a chat's own edition (each until its story's deadline)."""
        return sum(len(q.held) for q in self._queues.values())

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
        """Until no chat has a send to make now (held releases may remain: see `settle`)."""
        async with asyncio.timeout(timeout):
            while True:
                tasks = [q.task for q in self._queues.values() if q.task and not q.task.done()]
                if not tasks:
                    return
                await asyncio.wait(tasks)

    async def settle(self, timeout: float | None = None) -> None:
        """Until every queue is empty, held releases sent or dropped (tests, demo)."""
        async with asyncio.timeout(timeout):
            await self.drain()
            while self.held:
                await asyncio.sleep(0.02)
                await self.drain()

    async def stop(self, grace: float = 4.0) -> None:
        """Let messages in flight finish (within `grace`), then cancel the rest."""
        self._stopping = True
        self._wake.set()
        if self._timer is not None:
            self._timer.cancel()
        tasks = [q.task for q in self._queues.values() if q.task and not q.task.done()]
        for q in self._queues.values():
            q.items.clear()  # nothing new starts; the send in flight completes
            q.held.clear()
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

    def story(self, item: Item) -> Story:
        """Every stored edition of the item's story; cached until the store gets a release."""
        version, cache = self._story_cache
        if version != self.store.max_seq:
            cache = {}
            self._story_cache = (self.store.max_seq, cache)
        story = cache.get(item.story_id)
        if story is None:
            story = self.store.story(item.story_id)
            if not story.editions:  # not stored (yet): the item is its only edition
                story = Story(item.story_id, {item.language: item})
            cache[item.story_id] = story
        return story

    def scan(self) -> None:
        """Queue, per chat, the releases after its cursor whose stories it wants, that are not
        queued yet; wake the chats' senders."""
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
                if item.seq > floor and wants_story(chat.subscription, self.story(item)):
                    queue.items.append(item)
            queue.last_seq = max(queue.last_seq, floor, newest)
        self._scanned = newest
        self._resume()

    def _resume(self) -> None:
        """Start the sender of every chat that has releases queued and no sender running."""
        if self._stopping:
            return
        for key, queue in self._queues.items():
            if queue.items and (queue.task is None or queue.task.done()):
                queue.task = asyncio.ensure_future(self._worker(key, queue))

    def _next(self, chat: Chat, queue: _ChatQueue) -> tuple[Item, Story, Item] | None:
        """The first queued release with something to send now: (release, story, edition to
        send). Decided releases leave the queue; held ones stay, with a timer for them."""
        now = self.clock()
        for item in list(queue.items):
            story = self.story(item)
            sent = self.store.story_sent(chat.key, story.id) is not None
            verdict = decide(chat, story, already_sent=sent, now=now, wait=self.edition_wait,
                             expected=self.expected_languages)
            if verdict.edition is not None:
                return item, story, verdict.edition
            if verdict.hold_until is not None:
                queue.held[item.seq] = verdict.hold_until
                self._wake_at(verdict.hold_until)
                continue
            queue.items.remove(item)
            queue.held.pop(item.seq, None)
        return None

    def _advance(self, key: str, queue: _ChatQueue) -> None:
        """Move the chat's cursor up to just below its first undecided release."""
        mark = queue.items[0].seq - 1 if queue.items else queue.last_seq
        if mark > self.store.cursor(key):
            self.store.record_delivered(key, mark)

    def _wake_at(self, when: datetime) -> None:
        """Re-decide the held releases at `when` (the earliest deadline wins)."""
        if self._timer is not None and self._timer_at is not None and self._timer_at <= when:
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max(0.0, (when - self.clock()).total_seconds()) + 0.01
        self._timer_at = when
        self._timer = asyncio.get_running_loop().call_later(delay, self._deadline_reached)

    def _deadline_reached(self) -> None:
        self._timer, self._timer_at = None, None
        self._resume()

    # -- sending -------------------------------------------------------------------------------

    async def _worker(self, key: str, queue: _ChatQueue) -> None:
        while queue.items and not self._stopping:
            chat = self.store.get_chat(key)
            if chat is None or not chat.active:
                queue.items.clear()
                queue.held.clear()
                return
            transport = self.transports.get(chat.platform)
            if transport is None:  # platform off: the cursor keeps it pending for next start
                queue.items.clear()
                queue.held.clear()
                return
            job = self._next(chat, queue)
            self._advance(key, queue)
            if job is None:
                return
            item, story, edition = job
            reply = notification(edition, self.tz, self.topic_label, lang=chat.language,
                                 others=story.others(edition))
            outcome = await self._send(chat, transport, reply)
            if outcome == "sent":
                self.store.record_story_sent(SentStory(key, story.id, edition.id, self.clock()))
                if item in queue.items:  # stop() may have cleared it
                    queue.items.remove(item)
                    queue.held.pop(item.seq, None)
                    self._advance(key, queue)
                await self._committer.durable()
                queue.failures = 0
            elif outcome == "moved":
                new_key = self._moved_to
                self._queues[new_key] = queue
                self._queues.pop(key, None)
                key = new_key
            elif outcome == "gone":
                queue.items.clear()
                queue.held.clear()
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
            items = [i for i in self.store.items_after(floor, limit=10**9) if i.notify]
            entries = self._digest_entries(chat, items)
            if entries:
                reply = digest_reply(entries, self.tz, self.topic_label, lang=chat.language,
                                     platform=chat.platform)
                outcome = await self._send(chat, self.transports[chat.platform], reply)
                if outcome != "sent":
                    continue
                now = self.clock()
                for story, edition in entries:
                    self.store.record_story_sent(SentStory(chat.key, story.id, edition.id, now))
                self.store.record_delivered(chat.key, items[-1].seq)
                await self._committer.durable()
                self.stats.digests += 1
            chat.last_digest_on = today
            self.store.save_chat(chat)

    def _digest_entries(self, chat: Chat, items: list[Item]) -> list[tuple[Story, Item]]:
        """Each wanted story not yet sent to the chat, once, with the edition for its language
        (no waiting: a digest shows what there is)."""
        entries: dict[str, tuple[Story, Item]] = {}
        now = self.clock()
        for item in items:
            story = self.story(item)
            if story.id in entries or self.store.story_sent(chat.key, story.id) is not None:
                continue
            verdict = decide(chat, story, already_sent=False, now=now, wait=timedelta(0),
                             expected={})
            if verdict.edition is not None:
                entries[story.id] = (story, verdict.edition)
        return list(entries.values())
