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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

from bot.delivery.broadcast import Broadcaster
from bot.delivery.corrections import Corrections, alert_reply, refresh, stale_sent
from bot.delivery.digests import digest_reply
from bot.delivery.pacing import Committer
from bot.delivery.schedule import send_due_digests
from bot.delivery.sender import Sender
from bot.delivery.stories import decide
from bot.gate import HoldReason, gate, held_reason
from bot.matching import wants, wants_story
from bot.models import Chat, Item, Reply, SentStory, Story, split_thread, utcnow
from bot.platforms.base import Transport
from bot.store import Store
from bot.summary import TopicLabel, topic_id_label
from handlers.alert_actions import thread_gone_notice

log = logging.getLogger("newsbot.delivery")


@dataclass
class _ChatQueue:
    items: list[Item] = field(default_factory=list)  # above the cursor, undecided, seq order
    last_seq: int = 0  # every release up to here was looked at for this chat
    held: dict[int, datetime] = field(default_factory=dict)  # seq -> until when
    task: asyncio.Task[None] | None = None
    gated: HoldReason = ""  # /pause or /quiet held its releases back: they go as one digest


@dataclass
class _Job:
    """One message for one chat, and what sending it settles."""

    reply: Reply
    entries: list[tuple[Story, Item]]  # the stories it notifies of (edition shown)
    done: list[Item]  # the queued releases it decides
    held_digest: bool = False
    hashes: tuple[str, ...] = ()  # the entries' content as built (a correction may follow)


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
        topic_order: Sequence[str] = (),
        edit_window: float = 48 * 3600.0,
    ) -> None:
        """`edition_wait`: seconds to wait for a chat's own edition of a story;
        `expected_languages`: feed id -> the languages its group publishes (only those
        stories wait; see `stories.expected_languages`); `topic_order`: the topics' ids in the
        order a digest groups them (the taxonomy's); `edit_window`: seconds after which a sent
        notification is no longer edited when its release is corrected (0: never)."""
        self.store = store
        self.transports = transports
        self.tz = tz
        self.topic_label = topic_label
        self._topic_order = tuple(topic_order)
        self.clock = clock
        self.sender = Sender(store, transports, max_backoff, on_thread_gone=self._thread_gone)
        self.stats = self.sender.stats
        self.broadcasts = Broadcaster(store, self.sender, lambda: set(self.transports))
        self.corrections = Corrections(store, self.sender, tz, topic_label, clock,
                                       timedelta(seconds=edit_window))
        self.edition_wait = timedelta(seconds=edition_wait)
        self.expected_languages = dict(expected_languages or {})
        self._queues: dict[str, _ChatQueue] = {}
        self._committer = Committer(store)
        self._wake = asyncio.Event()
        self._scanned = -1  # highest seq already matched against the chats
        self._stopping = False
        self._chat_cache: tuple[int, list[Chat]] | None = None
        self._story_cache: tuple[int, dict[str, Story]] = (-1, {})
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: datetime | None = None
        self._digest_lock = asyncio.Lock()

    # -- public -----------------------------------------------------------------------------

    def wake(self) -> None:
        """New releases (or new chats) are in the store: look for work."""
        self._wake.set()

    def correct(self, items: list[Item]) -> None:
        """Stored releases changed (title or text): edit the notifications sent of them; the
        ones still queued (held for a chat's own edition) go out corrected."""
        if self._stopping:
            return
        fresh = {i.id: i for i in items}
        for queue in self._queues.values():
            for queued in queue.items:
                if queued.id in fresh:
                    refresh(queued, fresh[queued.id])
        self._story_cache = (-1, {})  # the stories' editions are read again
        self.corrections.submit(items)

    @property
    def max_backoff(self) -> float:
        """The longest pause before retrying a chat after a failure (seconds)."""
        return self.sender.max_backoff

    @max_backoff.setter
    def max_backoff(self, seconds: float) -> None:
        self.sender.max_backoff = seconds

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
            try:  # a failing round (a full disk) is logged; the next wake-up tries again
                self.scan()
                if time.monotonic() - last_digest >= digest_every:
                    last_digest = time.monotonic()
                    await self.send_digests()
            except Exception:
                log.exception("event=delivery_round_failed")

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
        await self.broadcasts.stop()
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
        self.corrections.cancel()
        self.store.flush_cursors()

    # -- matching ----------------------------------------------------------------------------

    def _chats(self) -> list[Chat]:
        """All chats, converted once per change of the chat table, not at every wake-up."""
        if self._chat_cache is None or self._chat_cache[0] != self.store.chats_version:
            self._chat_cache = (self.store.chats_version, self.store.chats())
        return self._chat_cache[1]

    def _stories(self) -> dict[str, Story]:
        """The stories looked up since the store last got a release (then they may grow)."""
        version, cache = self._story_cache
        if version != self.store.max_seq:
            cache = {}
            self._story_cache = (self.store.max_seq, cache)
        return cache

    def _prefetch(self, items: list[Item]) -> None:
        """Read the stories of `items` in one pass over the archive (each month file once)."""
        cache = self._stories()
        missing = {i.story_id for i in items} - cache.keys()
        if missing:
            cache.update((sid, story) for sid, story in self.store.stories(missing).items()
                         if story.editions)

    def story(self, item: Item) -> Story:
        """Every stored edition of the item's story; cached until the store gets a release."""
        cache = self._stories()
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
        self._prefetch(items)
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
                if item.seq not in queue.held:
                    log.info("event=edition_held chat=%s story=%s release=%s until=%s",
                             chat.key, story.id, item.id, verdict.hold_until.isoformat())
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
            if chat is None and key in self.store.renamed:  # moved with its migrated group
                new_key = self.store.renamed[key]
                self._carry_sent_stories(key, new_key, queue)
                if self._queues.get(key) is queue:
                    self._queues.pop(key)
                self._queues.setdefault(new_key, queue)
                key = new_key
                continue
            if chat is None or not chat.active or chat.platform not in self.transports:
                # gone, or its platform off (the cursor keeps it pending for the next start)
                queue.items.clear()
                queue.held.clear()
                return
            job = self._job(chat, queue)
            if job is None:
                return
            outcome = await self.sender.send(chat, job.reply)
            if outcome == "sent":
                now = self.clock()
                # an alert's message id (a digest's is not kept: it is never edited)
                message_id = self.sender.message_ids.pop(key, "")
                message_id = "" if job.held_digest else message_id
                sent = [SentStory(key, story.id, edition.id, now, message_id)
                        for story, edition in job.entries]
                for record in sent:
                    self.store.record_story_sent(record)
                if message_id:  # corrected while it waited its turn: edited too
                    self.corrections.submit_sent(stale_sent(job.entries, job.hashes, sent,
                                                            self.story))
                for item in job.done:
                    if item in queue.items:  # stop() may have cleared it
                        queue.items.remove(item)
                        queue.held.pop(item.seq, None)
                if job.held_digest:
                    queue.gated = ""
                    self.stats.digests += 1
                self._advance(key, queue)
                await self._committer.durable()
            elif outcome == "moved":
                new_key = self.sender.moved_to
                self._carry_sent_stories(key, new_key, queue)
                self._queues[new_key] = queue
                self._queues.pop(key, None)
                key = new_key
            elif outcome == "gone":
                queue.items.clear()
                queue.held.clear()
                return

    def _job(self, chat: Chat, queue: _ChatQueue) -> _Job | None:
        """What to send the chat now, if anything: nothing while /pause or /quiet hold it back,
        then one digest of what they held, then each release in turn."""
        now = self.clock()
        door = gate(chat, now, self.tz)
        if door.kind == "drop":  # paused, keeping nothing: what is queued now is never sent
            log.info("event=paused_drop chat=%s releases=%d", chat.key, len(queue.items))
            queue.items.clear()
            queue.held.clear()
            queue.gated = ""
            self._advance(chat.key, queue)
            return None
        if door.kind == "hold":
            if not queue.gated:
                log.info("event=alerts_held chat=%s reason=%s until=%s", chat.key, door.reason,
                         door.until.isoformat() if door.until else "resume")
                queue.gated = door.reason
            if door.until is not None:
                self._wake_at(door.until)
            return None
        if not queue.gated and len(queue.items) > 1:  # held while the bot was down?
            queue.gated = held_reason(chat, [i.first_seen for i in queue.items], self.tz)
        if queue.gated:  # the gate opened: what it held goes as one digest
            self._prefetch(queue.items)
            entries = self._digest_entries(chat, queue.items)
            if len(entries) > 1:
                reply = digest_reply(entries, self.tz, self.topic_label, lang=chat.language,
                                     platform=chat.platform, kind=queue.gated,
                                     followed=chat.subscription.topics,
                                     order=self._topic_order)
                return _Job(reply, entries, list(queue.items), held_digest=True)
            queue.gated = ""  # one release (or none): an ordinary notification
        found = self._next(chat, queue)
        self._advance(chat.key, queue)
        if found is None:
            return None
        item, story, edition = found
        reply = alert_reply(chat, story, edition, self.tz, self.topic_label)
        return _Job(reply, [(story, edition)], [item], hashes=(edition.content_hash,))

    async def _thread_gone(self, chat: Chat) -> None:
        """A forum topic was deleted: its record is off; the group's General topic is told
        once, in the chat's language, which alerts stopped and how to get them back."""
        base, _ = split_thread(chat.chat_id)
        group = Chat(platform=chat.platform, chat_id=base, kind=chat.kind, title=chat.title,
                     language=chat.language)
        await self.sender.send(group, thread_gone_notice(chat, self.topic_label))

    def _carry_sent_stories(self, old_key: str, new_key: str, queue: _ChatQueue) -> None:
        """A migrated chat keeps what it was sent of the stories still queued for it (sent
        above a held release, so above its cursor), lest they go out again under the new id."""
        for item in queue.items:
            sent = self.store.story_sent(old_key, item.story_id)
            if sent is not None and self.store.story_sent(new_key, item.story_id) is None:
                self.store.record_story_sent(replace(sent, chat_key=new_key))

    # -- digests ---------------------------------------------------------------------------------

    async def send_digests(self) -> None:
        """Each digest chat's daily (or weekly, on its day) digest once its time has come,
        unless /pause or /quiet holds it back (it goes when they end). One pass at a time."""
        async with self._digest_lock:
            await send_due_digests(self)

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
