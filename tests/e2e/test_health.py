"""A poller that never dies, a /healthz that tells the truth, feeds added at run time polled at
once, and staleness alerts.

The full disk is real when the tests run as root (a 2 MB tmpfs, filled up, then emptied) and
otherwise injected at the one place every store write goes through (bot.store.files makes each
file's temporary copy with tempfile.mkstemp): the same code path either way from there on.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import subprocess
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.app import App
from bot.classify import Classifier
from bot.config import FetchSettings, Settings, TelegramSettings
from bot.models import FeedSpec, Subscription
from bot.poller import Poller
from bot.sources import Fetcher
from bot.store import Store
from bot.store import files as store_files
from tests.conftest import until
from tests.e2e.test_ops import parse_metrics
from tests.fakes.feed_server import Entry, Fault, FeedServer
from tests.fakes.recording_transport import RecordingAdapter
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import free_port

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

WAIT = 15.0
ADMIN, READER = 900, 101


def entry(n: int, word: str = "customs") -> Entry:
    return Entry(f"The {word} service reports item {n}", f"<p>The {word} service, item {n}.</p>",
                 guid=f"r{n}", link=f"https://customs.example/news/{n}",
                 published=datetime.now(UTC) - timedelta(minutes=1))


async def get_json(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, json.loads(await response.text())


async def get_metrics(url: str) -> dict[str, float]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return parse_metrics(await response.text())


# ---- a full disk -----------------------------------------------------------------------------


class Disk(Protocol):
    root: Path

    def fill(self) -> None: ...

    def free(self) -> None: ...


class TmpfsDisk:
    """A 2 MB tmpfs (root only): `fill` writes a file until the kernel says ENOSPC."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(root)],
                              capture_output=True, text=True, check=False)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the injected "
                        "ENOSPC variant of this test covers the same path")
        self.filler = root / "filler"

    def fill(self) -> None:
        chunk = b"\0" * 65536
        with open(self.filler, "wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
        with pytest.raises(OSError), open(self.root / "probe", "wb", buffering=0) as probe:
            probe.write(b"x" * 4096)  # not a byte left
        (self.root / "probe").unlink(missing_ok=True)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def close(self) -> None:
        subprocess.run(["umount", "-l", str(self.root)], check=False)


class InjectedDisk:
    """ENOSPC from the store's atomic writes (every one makes its temporary file first)."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.full = False

        def mkstemp(*args: Any, **kw: Any) -> tuple[int, str]:
            if self.full:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return tempfile.mkstemp(*args, **kw)

        monkeypatch.setattr(store_files, "tempfile", SimpleNamespace(mkstemp=mkstemp))

    def fill(self) -> None:
        self.full = True

    def free(self) -> None:
        self.full = False

    def close(self) -> None:
        self.full = False


@pytest.fixture(params=["tmpfs", "injected"])
def disk(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    if request.param == "tmpfs":
        if os.geteuid() != 0:
            pytest.skip("a real full disk needs root (mount -t tmpfs); the injected ENOSPC "
                        "variant of this test runs instead")
        made: TmpfsDisk | InjectedDisk = TmpfsDisk(tmp_path / "disk")
    else:
        made = InjectedDisk(tmp_path, monkeypatch)
    try:
        yield made
    finally:
        made.free()
        made.close()


async def test_a_full_disk_never_stops_polling_and_healthz_says_so(
    disk: Disk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="newsbot")
    async with FeedServer() as feeds:
        feeds.publish("customs", entry(1))
        settings = Settings()
        settings.storage.path = disk.root / "data"
        settings.storage.backups = 1
        settings.fetch = FetchSettings(timeout_seconds=2, connect_timeout_seconds=1,
                                       allow_private=True, jitter=0.0, max_backoff_seconds=1)
        settings.feeds = [FeedSpec(id="customs", url=feeds.url("customs"), interval_seconds=1)]
        settings.server.port = free_port()
        base = f"http://127.0.0.1:{settings.server.port}"
        app = App(settings)
        app.add_adapter("console", RecordingAdapter())  # type: ignore[arg-type]
        await asyncio.wait_for(app.start(), WAIT)
        try:
            await until(lambda: app.store.count_items() == 1, WAIT, what="the backlog stored")
            disk.fill()
            feeds.publish("customs", entry(2))
            await app.poller.poll_all()  # fails to store it
            # and the schedule goes on through the full disk
            await until(lambda: app.poller.store_writes.write_failures >= 2, WAIT,
                        what="another poll failing to write, on the schedule")
            status, health = await get_json(base + "/healthz")
            assert status == 503 and health["status"] == "failing", health
            assert health["store"]["writes"] == "failing"
            assert any("store writes failing" in p and "No space left on device" in p
                       for p in health["problems"]), health["problems"]
            metrics = await get_metrics(base + "/metrics")
            assert metrics["newsbot_store_writes_ok"] == 0
            assert metrics["newsbot_store_write_failures_total"] >= 2
            polls_while_full = app.poller.polls
            assert app.store.count_items() == 1  # nothing half-stored
            errors = [r for r in caplog.records if r.levelno >= logging.ERROR
                      and "event=store_write_failed" in r.getMessage()]
            assert len(errors) == 1 and "No space left on device" in errors[0].getMessage()
            assert any(r.levelno == logging.WARNING and "event=store_write_failed" in
                       r.getMessage() for r in caplog.records)

            disk.free()
            feeds.publish("customs", entry(3))
            await until(lambda: app.store.count_items() == 3, WAIT,
                        what="the releases published meanwhile stored, without a restart")
            await until(lambda: app.poller.polls_done >= polls_while_full + 1, WAIT,
                        what="polls going on after the disk has room")
            status, health = await get_json(base + "/healthz")
            assert status == 200 and health["status"] == "ok" and health["problems"] == []
            assert health["store"]["writes"] == "ok"
            after = await get_metrics(base + "/metrics")
            assert after['newsbot_polls_total{feed="customs"}'] > \
                metrics['newsbot_polls_total{feed="customs"}']
            assert after["newsbot_store_writes_ok"] == 1
            assert any("event=store_write_recovered" in r.getMessage() for r in caplog.records)
        finally:
            disk.free()
            await asyncio.wait_for(app.stop(), WAIT)
    with Store(disk.root / "data") as store:  # on disk, numbered without a gap
        assert sorted(i.seq for i in store.iter_items()) == [1, 2, 3]
        assert store.feed_state("customs").total_polls >= 2  # the polls whose results were stored


async def test_healthz_fails_while_a_feed_fails_beyond_its_alert_threshold(
    tmp_path: Path
) -> None:
    async with FeedServer() as feeds:
        feeds.publish("good", entry(1))
        settings = Settings()
        settings.storage.path = tmp_path / "data"
        settings.fetch = FetchSettings(timeout_seconds=1, connect_timeout_seconds=0.5,
                                       allow_private=True, jitter=0.0, alert_after_failures=2)
        settings.feeds = [FeedSpec(id="good", url=feeds.url("good"), interval_seconds=3600),
                          FeedSpec(id="flaky", url=feeds.url("flaky"), interval_seconds=3600)]
        settings.server.port = free_port()
        healthz = f"http://127.0.0.1:{settings.server.port}/healthz"
        app = App(settings)
        await asyncio.wait_for(app.start(), WAIT)
        try:
            await asyncio.wait_for(app.poller.first_poll_done.wait(), WAIT)
            feeds.publish("flaky", entry(1))
            await app.poller.poll_all()
            assert (await get_json(healthz))[0] == 200
            feeds.set_fault("flaky", Fault(status=500))
            await app.poller.poll_all()  # one failure: below the threshold, still ok
            status, health = await get_json(healthz)
            assert status == 200 and health["feeds"]["flaky"]["failures_in_a_row"] == 1
            await app.poller.poll_all()  # the second: admins are alerted, /healthz fails
            status, health = await get_json(healthz)
            assert status == 503 and health["status"] == "failing"
            assert health["problems"] == ["feed flaky: 2 failed polls in a row, last error: "
                                          "HTTP 500"]
            assert health["feeds"]["flaky"]["status"] == "failing"
            assert health["feeds"]["good"]["status"] == "ok"
            feeds.set_fault("flaky", None)
            await app.poller.poll_all()
            status, health = await get_json(healthz)
            assert status == 200 and health["status"] == "ok"
        finally:
            await asyncio.wait_for(app.stop(), WAIT)


# ---- /addfeed on a config without feeds, over Telegram ------------------------------------------


@contextlib.asynccontextmanager
async def telegram_app(settings: Settings, tg: FakeTelegram,
                       clock: Callable[[], datetime] | None = None) -> AsyncIterator[App]:
    settings.telegram = TelegramSettings(enabled_in_config=True, token=tg.token,
                                         api_base_url=tg.base_url, admins=[str(ADMIN)])
    app = App(settings, clock=clock) if clock else App(settings)
    app.build_platforms()
    await asyncio.wait_for(app.start(), WAIT)
    try:
        yield app
    finally:
        await asyncio.wait_for(app.stop(), WAIT)


async def say(tg: FakeTelegram, chat_id: int, text: str) -> str:
    before = len(tg.sent_to(chat_id))
    tg.push_message(chat_id, chat_id, text, "private")
    new = await tg.wait_for(lambda _: tg.sent_to(chat_id)[before:], WAIT,
                            what=f"an answer to {text!r}")
    return str(new[0]["text"])


async def test_addfeed_on_a_config_without_feeds_is_polled_at_once(
    tmp_path: Path, feeds: FeedServer
) -> None:
    feeds.publish("wco", Entry("Customs backlog release", "Old customs text.", guid="old"))
    settings = Settings()
    settings.storage.path = tmp_path / "data"
    settings.fetch.allow_private = True
    assert settings.feeds == []
    async with FakeTelegram() as tg, telegram_app(settings, tg) as app:
        await say(tg, READER, "/start")
        reader = app.store.get_chat(f"telegram:{READER}")
        assert reader is not None
        reader.subscription = Subscription(keywords={"customs"})
        app.store.save_chat(reader)
        answer = await say(tg, ADMIN, f"/addfeed {feeds.url('wco')} wco")
        assert "Added feed 'wco'" in answer
        # its first poll now, not at the next start: the backlog is stored (pushed to nobody)
        await until(lambda: app.store.count_items() == 1, WAIT, what="the backlog stored")
        assert app.store.feed_state("wco").last_success is not None
        feeds.publish("wco", entry(7))
        await app.poller.poll_all()  # its schedule is every 5 minutes: its next poll, now
        await tg.wait_for(lambda _: [m for m in tg.sent_to(READER) if "item 7" in m["text"]],
                          WAIT, what="the new release delivered")
        assert not [m for m in tg.sent_to(READER) if "backlog" in m["text"]]
        assert "wco" in await say(tg, ADMIN, "/feeds")
        assert not tg.unknown_methods, tg.unknown_methods


# ---- staleness -------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_stale_source_alerts_once_and_again_once_when_it_recovers(
    tmp_path: Path, feeds: FeedServer
) -> None:
    feeds.publish("quiet", entry(1))
    clock = Clock()
    settings = Settings()
    settings.storage.path = tmp_path / "data"
    settings.fetch = FetchSettings(timeout_seconds=2, connect_timeout_seconds=1,
                                   allow_private=True, jitter=0.0)
    settings.feeds = [FeedSpec(id="quiet", url=feeds.url("quiet"), interval_seconds=3600,
                               stale_after_hours=2)]
    settings.server.port = free_port()
    healthz = f"http://127.0.0.1:{settings.server.port}/healthz"

    def alerts(tg: FakeTelegram, start: str) -> list[str]:
        return [m["text"] for m in tg.sent_to(ADMIN) if m["text"].startswith(start)]

    stale, fresh = "Feed 'quiet' answers, but has published nothing new", \
        "Feed 'quiet' is publishing again"
    async with FakeTelegram() as tg:
        async with telegram_app(settings, tg, clock) as app:  # polled at start: the backlog
            await say(tg, ADMIN, "/start")
            await asyncio.wait_for(app.poller.first_poll_done.wait(), WAIT)
            clock.now += timedelta(hours=1)
            await app.poller.poll_all()  # the admin is alerted within the poll, or not at all
            assert alerts(tg, stale) == []  # an hour of silence: not yet
            clock.now += timedelta(hours=1, minutes=1)
            for _ in range(3):
                await app.poller.poll_all()
                clock.now += timedelta(minutes=30)
            assert len(alerts(tg, stale)) == 1, tg.sent_to(ADMIN)
            status, health = await get_json(healthz)
            assert status == 200 and health["status"] == "ok"  # a quiet source is no failure
            assert health["feeds"]["quiet"]["status"] == "stale"
            assert health["feeds"]["quiet"]["last_new_release"] is not None
            listing = await say(tg, ADMIN, "/feeds")
            assert "newest release arrived:" in listing and "stale: nothing new since" in listing
        async with telegram_app(settings, tg, clock) as app:  # a restart does not alert again
            await asyncio.wait_for(app.poller.first_poll_done.wait(), WAIT)
            await app.poller.poll_all()
            assert len(alerts(tg, stale)) == 1
            feeds.publish("quiet", entry(2))
            for _ in range(3):
                await app.poller.poll_all()
            assert len(alerts(tg, fresh)) == 1 and len(alerts(tg, stale)) == 1
            status, health = await get_json(healthz)
            assert health["feeds"]["quiet"]["status"] == "ok"


async def test_an_unexpected_error_in_a_poll_is_logged_counted_and_the_schedule_goes_on(
    tmp_path: Path, feeds: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="newsbot")
    feeds.publish("news", entry(1))
    fetcher = Fetcher(FetchSettings(timeout_seconds=1, connect_timeout_seconds=0.5,
                                    allow_private=True, jitter=0.0))
    calls: list[int] = []

    def on_new(items: list[Any]) -> None:  # a hook that breaks every time it is called
        calls.append(len(items))
        raise RuntimeError("hook broken")

    with Store(tmp_path / "data") as store:
        spec = FeedSpec(id="news", url=feeds.url("news"), interval_seconds=1)
        poller = Poller(store, fetcher, Classifier(), None, [spec], fetcher.settings,
                        ZoneInfo("Asia/Baku"), on_new=on_new)
        runner = asyncio.create_task(poller.run())
        try:
            await asyncio.wait_for(poller.first_poll_done.wait(), WAIT)
            feeds.publish("news", entry(2))
            await until(lambda: poller.crashes >= 1, WAIT, what="the broken hook met")
            feeds.publish("news", entry(3))
            await until(lambda: calls == [1, 1], WAIT, what="the next release, on the schedule")
            assert not runner.done()
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            await fetcher.aclose()
        assert store.count_items() == 3
    assert any(r.levelno >= logging.ERROR and "event=poll_crash feed=news" in r.getMessage()
               for r in caplog.records)
