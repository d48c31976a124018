"""Per-feed schedule, backoff and health; the ingest pipeline (classify, store, index)."""

from __future__ import annotations

import asyncio
import logging
import random
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.classify import Classifier
from bot.config import FetchSettings
from bot.editions import MatchSettings, StoryRef, candidate, decide, stories_of
from bot.models import FeedSpec, FeedState, IngestResult, Item, utcnow
from bot.ops_server import StoreFigures
from bot.poll_batch import IngestBatcher
from bot.search import SearchIndex
from bot.sources import Fetcher, FetchError, NotAFeed, poll_source
from bot.sources.ids import settle_shared_ids
from bot.sources.quality import degrades
from bot.store import Store
from bot.store.state import Feeds
from bot.summary import capped

log = logging.getLogger("newsbot.poller")

# a release first seen now but published longer ago than this is archived, not pushed: a feed
# that suddenly re-lists its history must not flood anyone
STALE_AFTER = timedelta(days=3)


def classify_items(classifier: Classifier, items: list[Item]) -> None:
    for item in items:
        matches = classifier.classify(item.title, item.body, item.language)
        item.topics = [m.topic_id for m in matches]
        item.reasons = {m.topic_id: m.reasons for m in matches}


def _open_around(stories: list[StoryRef], when: datetime, window: timedelta) -> list[StoryRef]:
    """The stories an edition published at `when` could join (the matcher checks it again)."""
    return [s for s in stories if all(abs(e.published - when) <= window for e in s.editions)]


def _near(stored: list[Item], batch: list[Item], window: timedelta) -> list[Item]:
    """The stored releases of the stories that have an edition within `window` of a new
    release, every edition of them (a story's language and time span must be seen whole)."""
    times = sorted(i.published for i in batch)

    def close(when: datetime) -> bool:
        at = bisect_left(times, when)
        return any(abs(times[k] - when) <= window for k in (at - 1, at) if 0 <= k < len(times))

    wanted = {i.story_id for i in stored if close(i.published)}
    return [i for i in stored if i.story_id in wanted]


def assign_stories(store: Store, items: list[Item], groups: Mapping[str, str],
                   settings: MatchSettings = MatchSettings()) -> None:
    """Give each new release its story: the story of another language's edition of the same
    release (the feeds of one group, within the matcher's window), else its own id.

    Candidates are the stored releases of the group's feeds around the new ones, and the new
    ones themselves as they are decided, in publication order (as they would have arrived)."""
    by_group: dict[str, list[Item]] = {}
    for item in items:
        group = groups.get(item.feed_id, "")
        if group:
            by_group.setdefault(group, []).append(item)
        else:
            item.story = item.id  # no other editions to meet
    for group, batch in by_group.items():
        feeds = [feed_id for feed_id, g in groups.items() if g == group]
        # a story spans one window at most: two windows back, every edition of a story that
        # may still be open is among the candidates
        since = min(i.published for i in batch) - 2 * settings.window
        fresh = {i.id for i in batch}
        stored = _near([i for i in store.recent_items(since, feeds) if i.id not in fresh],
                       batch, settings.window)
        stories = stories_of(stored, lambda i: i.story_id, lambda fid: groups.get(fid, ""))
        for item in sorted(batch, key=lambda i: (i.published, i.id)):
            edition = candidate(item, group)
            decision = decide(_open_around(stories, item.published, settings.window), edition,
                              settings)
            item.story = decision.story.story_id
            if decision.joined:
                stories = [decision.story if s.story_id == item.story else s for s in stories]
                log.info("event=story_join story=%s item=%s language=%s score=%.1f",
                         item.story, item.id, item.language, decision.evidence.score)
            else:
                stories.append(decision.story)


def ingest_items(
    store: Store,
    classifier: Classifier,
    index: SearchIndex | None,
    items: list[Item],
    *,
    notify: bool,
    now: datetime,
    groups: Mapping[str, str] | None = None,
) -> IngestResult:
    """Classify, group into stories, store and index; the same path for polls and
    `newsbot ingest`. `groups`: feed id -> its group, for the feeds that have one. Titles and
    bodies are stored cut to `bot.summary`'s caps (a 100,000-character title is a headline of
    300)."""
    # entries sharing a guid: ids made stable against what is stored (the unchanged skipped)
    settle_shared_ids([i for i in items if store.content_hash(i.id) != i.content_hash],
                      store.get_item, store.has_item)
    items = [capped(i) for i in items]
    # classify only what is new or changed: the store knows each id's content hash
    changed = [i for i in items if store.content_hash(i.id) != i.content_hash]
    # an update whose text is more damaged (U+FFFD, mojibake) than the stored one is ignored
    changed = [i for i in changed
               if not store.has_item(i.id) or not degrades(i, store.get_item(i.id))]
    classify_items(classifier, changed)
    # a stored release keeps its story (the store sees to it): only new ones are matched
    assign_stories(store, [i for i in changed if not store.has_item(i.id)], groups or {})
    for item in changed:
        if notify and not item.published_estimated and now - item.published > STALE_AFTER:
            item.notify = False
    result = store.ingest(changed, notify=notify, now=now)
    result.seen += len(items) - len(changed)
    if index is not None:
        for item in (*result.new, *result.updated):
            index.add(item)
    return result


@dataclass
class PollReport:
    feed_id: str
    ok: bool
    result: IngestResult = field(default_factory=IngestResult)
    error: str | None = None
    not_modified: bool = False


HealthHook = Callable[[FeedSpec, FeedState, str], Awaitable[None]]


class Poller:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        classifier: Classifier,
        index: SearchIndex | None,
        feeds: list[FeedSpec],
        settings: FetchSettings,
        tz: tzinfo,
        on_new: Callable[[list[Item]], None] = lambda items: None,
        on_updated: Callable[[list[Item]], None] = lambda items: None,
        on_health: HealthHook | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store, self.fetcher, self.classifier, self.index = store, fetcher, classifier, index
        self.settings, self.tz, self.clock = settings, tz, clock
        self.on_new, self.on_health = on_new, on_health
        self.on_updated = on_updated  # stored releases whose title or text changed
        self._feeds: dict[str, FeedSpec] = {f.id: f for f in feeds}
        for spec in store.admin_feeds():
            self._feeds.setdefault(spec.id, spec)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.polls = 0  # polls begun
        self.polls_done = 0  # polls finished, failed ones included: tests wait on it
        self.failures = 0
        self.crashes = 0  # polls ended by an unexpected error (logged with its traceback)
        # whether what is polled can be written to the data directory (a full disk, a
        # read-only mount): /healthz and /metrics show it; polling goes on meanwhile
        self.store_writes = StoreFigures()
        self.first_poll_done = asyncio.Event()
        self._running = False  # run() is scheduling polls: a feed added now starts at once
        self._flush_timer: asyncio.TimerHandle | None = None  # see _save_state
        # polls that finish together are stored together (bot/poll_batch.py)
        self._batch = IngestBatcher(
            lambda items, notify, now: ingest_items(self.store, self.classifier, self.index,
                                                    items, notify=notify, now=now,
                                                    groups=self.groups()),
            lambda: self.fetcher.in_flight)

    # -- the admin's view (handlers.deps.FeedControl) ---------------------------------------

    def feed_specs(self) -> list[FeedSpec]:
        return list(self._feeds.values())

    def groups(self) -> dict[str, str]:
        """Feed id -> group, for the feeds that belong to one."""
        return {fid: spec.group for fid, spec in self._feeds.items() if spec.group}

    def health(self) -> dict[str, FeedState]:
        return {fid: self.store.feed_state(fid) for fid in self._feeds}

    async def add_feed(self, spec: FeedSpec) -> None:
        self.store.add_admin_feed(spec)
        self._feeds[spec.id] = spec
        if self._running:  # its first poll now, then its schedule (whatever else runs)
            self._start(spec, self._loop(spec))

    async def remove_feed(self, feed_id: str) -> bool:
        spec = self._feeds.get(feed_id)
        if spec is None or spec.origin != "admin":
            return False
        self.store.remove_admin_feed(feed_id)
        del self._feeds[feed_id]
        task = self._tasks.pop(feed_id, None)
        if task:
            task.cancel()
        return True

    # -- polling ------------------------------------------------------------------------------

    async def poll_feed(self, spec: FeedSpec) -> PollReport:
        """Poll one feed. Never raises (but CancelledError): a failure of any kind is logged,
        counted and reported, and the feed's schedule retries it."""
        lock = self._locks.setdefault(spec.id, asyncio.Lock())
        async with lock:
            try:
                report = await self._poll(spec)
            except OSError as exc:  # the data directory refused a write: full, read-only
                return self._store_failed(spec, exc)
            except Exception as exc:
                self.crashes += 1
                log.exception("event=poll_crash feed=%s", spec.id)
                return PollReport(spec.id, False, error=f"internal error: {type(exc).__name__}")
            else:
                self._store_written()
                return report
            finally:
                self.polls_done += 1

    def _store_failed(self, spec: FeedSpec, exc: OSError) -> PollReport:
        before = self.store_writes
        error = f"cannot write to {self.store.path}: {exc.strerror or exc}"
        writes = self.store_writes = replace(
            before, write_failures=before.write_failures + 1, last_error=error,
            failing_since=before.failing_since or self.clock())
        if before.failing_since is None:
            log.error("event=store_write_failed feed=%s error=%s: polling goes on, and what "
                      "it finds is stored once the data directory takes writes again",
                      spec.id, error)
        else:
            log.warning("event=store_write_failed feed=%s failures=%d error=%s", spec.id,
                        writes.write_failures, error)
        return PollReport(spec.id, False, error=error)

    def _store_written(self) -> None:
        writes = self.store_writes
        if writes.failing_since is not None:
            log.warning("event=store_write_recovered since=%s failures=%d",
                        writes.failing_since.isoformat(), writes.write_failures)
            self.store_writes = replace(writes, failing_since=None)

    async def _poll(self, spec: FeedSpec) -> PollReport:
        state = self.store.feed_state(spec.id)
        now = self.clock()
        state.last_attempt = now
        state.total_polls += 1
        self.polls += 1
        try:
            items = await poll_source(spec, state, self.fetcher, self.tz, now, self.store.has_item)
        except (FetchError, NotAFeed) as exc:
            return await self._failed(spec, state, str(exc), gone=getattr(exc, "gone", False))
        except Exception as exc:  # a parser bug on one feed must not stop the others
            log.exception("event=poll_crash feed=%s", spec.id)
            return await self._failed(spec, state, f"internal error: {type(exc).__name__}")
        notify = state.initialised
        result = await self._batch.ingest(items, notify, now)
        recovered = state.alerted
        state.last_success = now
        state.consecutive_failures = 0
        state.items_seen += len(result.new)
        if not state.pending_links:
            state.initialised = True
        state.alerted = False
        freshness = self._freshness(spec, state, result.new, now, backlog=not notify)
        self._save_state(state)
        log.info("event=poll feed=%s new=%d updated=%d seen=%d backlog=%s", spec.id,
                 len(result.new), len(result.updated), result.seen, not notify)
        if recovered and self.on_health:
            await self.on_health(spec, state, "recovered")
        if freshness and self.on_health:
            await self.on_health(spec, state, freshness)
        pushed = [i for i in result.new if i.notify]
        if pushed:
            self.on_new(pushed)
        if result.updated:
            self.on_updated(result.updated)
        return PollReport(spec.id, True, result, not_modified=not items)

    def _freshness(self, spec: FeedSpec, state: FeedState, new: list[Item], now: datetime,
                   backlog: bool) -> str | None:
        """After a poll that reached the source: "stale" once it has published nothing new
        for its stale_after_hours, "fresh" when a stale one publishes again, else None.
        Counted from the newest release's arrival, or from when the bot began watching it."""
        if state.watched_since is None:
            state.watched_since = now
            if state.last_new_at is None and not new:  # watched before this was recorded
                newest = self.store.latest(1, feed_id=spec.id)
                if newest:
                    state.last_new_at = min(newest[0].first_seen or now, now)
        if new:
            # a backlog appeared when its newest release was published; later ones, now
            state.last_new_at = min(max(i.published for i in new), now) if backlog else now
            if state.stale_alerted:
                state.stale_alerted = False
                log.info("event=feed_fresh feed=%s", spec.id)
                return "fresh"
            return None
        quiet_since = state.quiet_since or now
        if not state.stale_alerted and \
                now - quiet_since >= timedelta(hours=spec.stale_after_hours):
            state.stale_alerted = True
            log.warning("event=feed_stale feed=%s quiet_since=%s", spec.id,
                        quiet_since.isoformat())
            return "stale"
        return None

    async def _failed(self, spec: FeedSpec, state: FeedState, error: str,
                      gone: bool = False) -> PollReport:
        self.failures += 1
        state.last_error = error
        state.last_error_at = state.last_attempt
        state.consecutive_failures += 1
        state.total_failures += 1
        state.gone = gone
        alert = None
        if gone:
            alert = "gone"
        elif (state.consecutive_failures >= self.settings.alert_after_failures
              and not state.alerted):
            alert = "failing"
        if alert:
            state.alerted = True
        self._save_state(state)
        log.warning("event=poll_failed feed=%s failures=%d error=%s", spec.id,
                    state.consecutive_failures, error)
        if alert and self.on_health:
            await self.on_health(spec, state, alert)
        return PollReport(spec.id, False, error=error)

    def _save_state(self, state: FeedState) -> None:
        """Save a feed's state; what the store writes behind is written a second later at the
        latest, not at the next save (minutes away when every feed has polled)."""
        self.store.save_feed_state(state)
        if self._flush_timer is None and self.store.feed_states_pending():
            self._flush_timer = asyncio.get_running_loop().call_later(
                Feeds.FLUSH_SECONDS, self._flush_states)

    def _flush_states(self) -> None:
        """Write the feed states saved behind now (a timer armed for them is not needed)."""
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        try:
            self.store.flush_feed_states()
        except OSError as exc:  # kept in memory: written by a later save, flush or close
            log.warning("event=feed_states_not_written error=%s", exc)

    async def poll_all(self) -> list[PollReport]:
        """One pass over every feed, concurrently; one failing feed never stops the others."""
        specs = [s for s in self._feeds.values() if not self.store.feed_state(s.id).gone]
        reports = list(await asyncio.gather(*(self.poll_feed(s) for s in specs)))
        self._flush_states()  # the cycle's feed states in one write (written behind, see Store)
        return reports

    def next_delay(self, spec: FeedSpec, state: FeedState) -> float:
        base = float(spec.interval_seconds)
        if state.consecutive_failures:
            base = min(base * 2 ** min(state.consecutive_failures, 16),
                       max(base, float(self.settings.max_backoff_seconds)))
        jitter = base * self.settings.jitter
        return max(1.0, base + random.uniform(-jitter, jitter))

    async def _loop(self, spec: FeedSpec) -> None:
        while True:
            delay = float(spec.interval_seconds)
            try:
                report = await self.poll_feed(spec)
                state = self.store.feed_state(spec.id)
                if not report.ok and state.gone:
                    log.warning("event=feed_gone feed=%s: no longer polled", spec.id)
                    return
                delay = self.next_delay(spec, state)
            except Exception:  # nothing may end a feed's schedule but 410 Gone or removal
                self.crashes += 1
                log.exception("event=poll_schedule_error feed=%s", spec.id)
            await asyncio.sleep(delay)

    def _start(self, spec: FeedSpec, job: Coroutine[Any, Any, None]) -> None:
        old = self._tasks.get(spec.id)
        if old is not None:
            old.cancel()
        task = asyncio.create_task(job, name=f"poll:{spec.id}")
        self._tasks[spec.id] = task
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.crashes += 1
            log.error("event=poll_schedule_ended task=%s error=%r", task.get_name(),
                      task.exception())

    async def run(self) -> None:
        """Poll every feed on its own schedule until cancelled; a feed added meanwhile
        (`add_feed`) is polled at once, whether or not any feed was configured."""
        self._running = True

        async def delayed(spec: FeedSpec) -> None:
            await asyncio.sleep(self.next_delay(spec, self.store.feed_state(spec.id)))
            await self._loop(spec)

        try:
            await self.poll_all()
            self.first_poll_done.set()
            for spec in list(self._feeds.values()):
                if spec.id not in self._tasks and not self.store.feed_state(spec.id).gone:
                    self._start(spec, delayed(spec))
            await asyncio.Event().wait()  # the feeds' own tasks do the work from here
        finally:
            self._running = False
            for task in self._tasks.values():
                task.cancel()
            self._tasks.clear()
