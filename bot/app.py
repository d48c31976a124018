"""Builds everything from the settings and runs it: lifecycle and signals."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from aiohttp import web

from bot.classify import Classifier
from bot.config import Settings
from bot.delivery import Delivery, expected_languages
from bot.i18n import format_datetime, ntr, topic_name, tr
from bot.models import FeedSpec, FeedState, Item, Reply, Span, utcnow
from bot.ops_server import DeliveryFigures, OpsSnapshot, start_ops_server
from bot.platforms.base import ChatAdapter, Transport
from bot.poller import Poller
from bot.search import SearchIndex
from bot.sources import Fetcher
from bot.store import INDEX_SNAPSHOT, Store
from bot.urls import mask_credentials
from bot.webserver import BindError
from handlers.deps import Deps

log = logging.getLogger("newsbot.app")

# the config keys of the address each platform listens on (its webhook / HTTP mode)
LISTEN_KEYS = {"slack": ("slack.host", "slack.port"),
               "telegram": ("telegram.webhook_listen", "telegram.webhook_port")}


class StartupError(Exception):
    """A chat platform could not start. The message may hold a secret (PTB's InvalidToken
    quotes the whole token): scrub it before showing it."""


def _snapshot_seq(meta: Mapping[str, object]) -> int:
    """The store sequence number an index snapshot covers (0 when it does not say)."""
    seq = meta.get("seq", 0)
    return int(seq) if isinstance(seq, int | str) else 0


class App:
    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        fetcher: Fetcher | None = None,
    ) -> None:
        started = time.monotonic()
        self.settings = settings
        self.clock = clock
        self.store = Store(settings.storage.path, backups=settings.storage.backups,
                           edit_window=timedelta(hours=settings.delivery.edit_window_hours))
        # the archive just loaded lives as long as the process: keep the cyclic garbage
        # collector from scanning it again and again (measured: index build of 50,000
        # releases 12.4 -> 10.2 s CPU)
        gc.freeze()
        self.classifier = Classifier(settings.topics)
        self.index = SearchIndex(get_item=self.store.get_item)
        self.index_ready = asyncio.Event()
        self._snapshot_meta = self._load_index_snapshot()
        self.fetcher = fetcher or Fetcher(settings.fetch)
        self.adapters: dict[str, ChatAdapter] = {}
        self.transports: dict[str, Transport] = {}
        self.poller = Poller(
            self.store, self.fetcher, self.classifier, self.index, settings.feeds,
            settings.fetch, settings.tz, on_new=self._on_new, on_health=self._on_health,
            on_updated=self._on_updated, clock=clock,
        )
        self.deps = Deps(store=self.store, index=self.index, classifier=self.classifier,
                         settings=settings, clock=clock, feeds=self.poller)
        self.delivery: Delivery | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._ops: web.AppRunner | None = None
        log.info("event=store_loaded releases=%d chats=%d seconds=%.2f",
                 self.store.count_items(), self.store.count_chats(), time.monotonic() - started)

    def topic_label(self, topic_id: str, lang: str) -> str:
        topic = self.classifier.topic(topic_id)
        return topic_name(topic, lang) if topic else topic_id

    def add_adapter(self, name: str, adapter: ChatAdapter) -> None:
        """A chat platform to start with the App; delivery sends through its transport."""
        self.adapters[name] = adapter
        self.transports[name] = adapter.transport

    def ops_snapshot(self) -> OpsSnapshot:
        """What the operators' endpoints (/healthz, /metrics) show, taken now."""
        figures = None
        if self.delivery is not None:
            stats = self.delivery.stats
            figures = DeliveryFigures(sent=stats.sent, failed=stats.failed,
                                      retried=stats.retried, deactivated=stats.deactivated,
                                      queue_length=self.delivery.queue_length)
        return OpsSnapshot(releases=self.store.count_items(), feeds=self.poller.health(),
                           delivery=figures, store=self.poller.store_writes,
                           alert_after_failures=self.settings.fetch.alert_after_failures,
                           poll_crashes=self.poller.crashes)

    def _on_new(self, items: list[Item]) -> None:
        if self.delivery:
            self.delivery.wake()

    def _on_updated(self, items: list[Item]) -> None:
        """Corrected releases: their sent notifications are edited in place."""
        if self.delivery:
            self.delivery.correct(items)

    async def _on_health(self, spec: FeedSpec, state: FeedState, what: str) -> None:
        """Tell the bot's admins that a feed fails, is gone, or works again: each admin in
        their chat's language (the adapter knows it), English when unknown."""

        def alert(lang: str) -> Reply:
            if what == "recovered":
                text = tr(lang, "Feed '{feed}' is working again.", feed=spec.id)
            elif what == "stale":
                text = tr(lang, "Feed '{feed}' answers, but has published nothing new since "
                          "{when}. Check that its address still lists the latest releases. "
                          "See /feeds.", feed=spec.id,
                          when=format_datetime(state.quiet_since or self.clock(), lang,
                                               self.settings.tz))
            elif what == "fresh":
                text = tr(lang, "Feed '{feed}' is publishing again: new releases arrived.",
                          feed=spec.id)
            elif what == "gone":
                text = tr(lang, "Feed '{feed}' answered 410 Gone: it is no longer polled. "
                          "Remove it or fix its URL.", feed=spec.id)
            else:
                text = ntr(lang, "Feed '{feed}' has failed {n} time in a row; last error: "
                           "{error}. See /feeds.", "Feed '{feed}' has failed {n} times in a row; "
                           "last error: {error}. See /feeds.", state.consecutive_failures,
                           feed=spec.id, error=mask_credentials(state.last_error or ""))
            return Reply(paragraphs=[[Span(text)]], ephemeral=False)

        for name, adapter in self.adapters.items():
            try:
                await adapter.alert_admins(alert)
            except Exception:
                log.exception("event=admin_alert_failed platform=%s", name)

    def build_platforms(self) -> None:
        """Start the platforms whose secrets are present; say which are off and why."""
        tg, sl = self.settings.telegram, self.settings.slack
        if tg.enabled:
            from bot.platforms.telegram.app import TelegramAdapter

            self.add_adapter("telegram", TelegramAdapter(self.settings, self.deps))
        else:
            why = "no [telegram] section" if not tg.enabled_in_config else \
                "TELEGRAM_BOT_TOKEN is not set"
            log.info("event=platform_off platform=telegram reason=%r", why)
        if sl.enabled:
            from bot.platforms.slack.app import SlackAdapter

            self.add_adapter("slack", SlackAdapter(self.settings, self.deps))
        else:
            why = "no [slack] section" if not sl.enabled_in_config else \
                f"{', '.join(sl.missing_secrets)} not set"
            log.info("event=platform_off platform=slack reason=%r", why)

    async def start(self) -> None:
        self.delivery = Delivery(self.store, self.transports, self.settings.tz,
                                 self.topic_label, clock=self.clock,
                                 edition_wait=self.settings.delivery.edition_wait_seconds,
                                 expected_languages=expected_languages(self.settings.feeds),
                                 topic_order=[t.id for t in self.classifier.topics],
                                 edit_window=self.settings.delivery.edit_window_hours * 3600)
        self.deps.wake_delivery = self.delivery.wake
        self.deps.broadcaster = self.delivery.broadcasts
        server, source = self.settings.server, self.settings.source
        if server.port:  # first: a port in use stops the start before anything else begins
            try:
                self._ops = await start_ops_server(self.ops_snapshot, server.host, server.port)
            except BindError as exc:
                raise StartupError(exc.explain(source, "server.host", "server.port")) from None
        for name, adapter in self.adapters.items():
            try:
                await adapter.start()
            except BindError as exc:
                host_key, port_key = LISTEN_KEYS[name]
                raise StartupError(exc.explain(source, host_key, port_key)) from None
            except Exception as exc:  # API unreachable, token rejected: the operator must act
                raise StartupError(f"{name} could not start: {type(exc).__name__}: {exc}") \
                    from exc
            log.info("event=platform_on platform=%s", name)
        self._tasks.append(asyncio.create_task(self.poller.run(), name="poller"))
        self._tasks.append(asyncio.create_task(self.build_index(), name="index"))
        self._tasks.append(asyncio.create_task(self.delivery.run(), name="delivery"))

    async def build_index(self, chunk: int = 1000) -> None:
        """Index the stored history in slices, so polling and commands start at once.

        Releases stored meanwhile are indexed by the poller; adding one twice is harmless, and
        a release corrected meanwhile is not put back to the text read before.
        A slice holds the loop for its whole duration, and an HTTP exchange needs a loop turn
        per step, so slices stay short: 1,000 releases take ~50 ms with the vectorised build,
        and much smaller ones pay numpy's fixed cost per call (200: ~2x the total CPU).
        """
        started = time.monotonic()
        # the first poll goes first: its HTTP exchange needs many loop turns, and each slice
        # below holds the loop (a feed that hangs only delays the index by a few seconds)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.poller.first_poll_done.wait(), 5.0)
        meta = self._snapshot_meta
        if meta is not None:  # the snapshot covers the archive up to meta: add what came since
            todo = iter(self.store.items_changed_since(_snapshot_seq(meta),
                                                       str(meta["saved_at"])))
        else:
            todo = self.store.iter_items()
        batch: list[Item] = []

        def add(items: list[Item]) -> None:
            # read before the poller ran meanwhile: a release it corrected since has its
            # new text indexed already, which the old one must not replace
            hash_of = self.store.content_hash
            self.index.add_many([i for i in items if hash_of(i.id) == i.content_hash])

        for item in todo:
            batch.append(item)
            if len(batch) >= chunk:
                add(batch)
                batch.clear()
                await asyncio.sleep(0)
        add(batch)
        self.index_ready.set()
        log.info("event=index_built releases=%d seconds=%.2f from_snapshot=%s", len(self.index),
                 time.monotonic() - started, meta is not None)
        if meta is None:
            self.save_index_snapshot()  # so the next start, even after a crash, is quick

    def _load_index_snapshot(self) -> dict[str, object] | None:
        started = time.monotonic()
        handle = self.store.open_blob(INDEX_SNAPSHOT)
        meta = None
        if handle is not None:
            with handle:  # streamed: the file is never held whole beside the index it holds
                meta = self.index.load_snapshot(handle)
        if meta is not None and _snapshot_seq(meta) > self.store.max_seq:
            meta = None  # newer than the store (restored from a backup): rebuild
            self.index = SearchIndex(get_item=self.store.get_item)
        if meta is not None:
            log.info("event=index_snapshot_loaded releases=%d seconds=%.2f", len(self.index),
                     time.monotonic() - started)
        return meta

    def save_index_snapshot(self) -> None:
        started = time.monotonic()
        meta = {"seq": self.store.max_seq, "saved_at": utcnow().isoformat()}
        try:
            self.store.write_blob(INDEX_SNAPSHOT,
                                  lambda handle: self.index.write_snapshot(handle, meta))
        except OSError as exc:  # derived data: failing to save it only slows the next start
            log.warning("event=index_snapshot_failed error=%s", exc)
            return
        log.info("event=index_snapshot_saved releases=%d seconds=%.2f", len(self.index),
                 time.monotonic() - started)

    async def stop(self) -> None:
        """Finish the message in flight, save, close: well within 5 s."""
        for task in self._tasks:
            if task.get_name() == "poller":
                task.cancel()
        if self.delivery:
            await self.delivery.stop(grace=3.0)
        if self.index_ready.is_set():
            self.save_index_snapshot()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for adapter in self.adapters.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(adapter.stop(), timeout=2.0)
        if self._ops is not None:
            await self._ops.cleanup()
        await self.fetcher.aclose()
        self.store.close()

    def request_stop(self) -> None:
        self._stop.set()

    async def run_until_stopped(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        try:
            await self.start()
            await self._stop.wait()
        finally:
            log.info("event=stopping")
            await self.stop()
