"""Fault injection: feeds that misbehave in every way at once, one App, the good feed unaffected;
backoff; 410 Gone; health in /feeds; damaged data files at start (library and CLI).

Everything runs over loopback servers with short timeouts; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.classify import Classifier
from bot.config import FetchSettings, Settings
from bot.models import Chat, Command, FeedSpec, FeedState, Item, Reply, Subscription
from bot.poller import Poller
from bot.sources import Fetcher
from bot.store import Store, StoreCorrupt
from handlers.router import dispatch
from tests.fakes.feed_server import Entry, Fault, FeedServer
from tests.fakes.recording_transport import RecordingTransport

ROOT = Path(__file__).resolve().parent.parent
BAKU = ZoneInfo("Asia/Baku")
WAIT = 15.0

RU_BODY = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
           "<item><title>Таможня изъяла героин</title><guid>cp1</guid>"
           "<description>Сотрудники таможни нашли 20 кг.</description></item>"
           "</channel></rss>")
LATIN_BODY = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
              "<item><title>Zollbehörde: größte Beschlagnahme</title><guid>l1</guid>"
              "<description>Café résumé naïve.</description></item></channel></rss>")

# feed id -> the fault it shows from its second poll on (its first poll works: a backlog)
FAULTS: dict[str, Fault] = {
    "f500": Fault(status=500),
    "f404": Fault(status=404),
    "f410": Fault(status=410),
    "drip": Fault(drip=0.05),  # a byte every 50 ms: only the overall deadline stops it
    "hang": Fault(delay=5.0),  # no answer before the read timeout
    "huge": Fault(size=50_000_000),  # 50 MB of junk, cut at max_bytes
    "bomb": Fault(gzip_bomb=50_000_000),
    "loop": Fault(redirect_loop=True),
    "badxml": Fault(raw=b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>a'),
    "notfeed": Fault(raw=b"<html><body>maintenance</body></html>"),
}
EXPECTED_ERROR = {
    "f500": "HTTP 500", "f404": "HTTP 404", "f410": "HTTP 410", "drip": "timed out",
    "hang": "timed out", "huge": "too large", "bomb": "too large", "loop": "redirects",
    "badxml": "malformed XML", "notfeed": "not an RSS or Atom feed",
}


def fresh(n: int, feed: str, word: str = "customs") -> Entry:
    return Entry(f"{feed} {word} release {n}", f"<p>The {word} service reports item {n}.</p>",
                 guid=f"{feed}-{n}", link=f"https://customs.example/{feed}/{n}",
                 published=datetime.now(UTC) - timedelta(minutes=1))


@dataclass
class FakeAdapter:
    """A chat platform for the App: records notifications and admin alerts."""

    transport: RecordingTransport = field(default_factory=RecordingTransport)
    alerts: list[str] = field(default_factory=list)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def alert_admins(self, reply: Reply) -> None:
        self.alerts.append(reply.plain())


def fast_fetch(**kw: float | int) -> FetchSettings:
    settings = FetchSettings(timeout_seconds=1.0, connect_timeout_seconds=0.5,
                             max_bytes=2_000_000, allow_private=True, jitter=0.0,
                             max_backoff_seconds=2, alert_after_failures=3)
    for key, value in kw.items():
        setattr(settings, key, value)
    return settings


async def until(predicate: Callable[[], object], timeout: float = WAIT, what: str = "") -> None:
    try:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    async with FeedServer() as server:
        yield server


# ---- every fault at once, one App -------------------------------------------------------------


async def test_every_feed_fault_at_once_leaves_the_good_feed_delivering(
    tmp_path: Path, feeds: FeedServer
) -> None:
    names = [*FAULTS, "cp1251", "latin1", "flood"]
    for name in ["good", *names]:
        feeds.publish(name, fresh(0, name, "backlog"))
    settings = Settings()
    settings.storage.path = tmp_path / "data"
    settings.fetch = fast_fetch()
    settings.feeds = [FeedSpec(id=n, url=feeds.url(n), interval_seconds=1)
                      for n in ["good", *names]]
    app = App(settings)
    adapter = FakeAdapter()
    app.add_adapter("console", adapter)  # type: ignore[arg-type]
    app.store.save_chat(Chat("console", "reader",
                             subscription=Subscription(keywords={"customs", "героин"})))
    await app.start()
    try:
        await until(lambda: app.poller.first_poll_done.is_set(), what="the first poll")
        assert app.store.count_items() == len(names) + 1  # every backlog stored, none pushed
        for name, fault in FAULTS.items():
            feeds.set_fault(name, fault)
        feeds.set_fault("cp1251", Fault(raw=RU_BODY.encode("cp1251")))  # declared utf-8
        feeds.set_fault("latin1", Fault(raw=LATIN_BODY.encode("latin-1")))
        old = datetime(2015, 1, 1, tzinfo=UTC)
        feeds.publish("flood", *(Entry(f"Archive customs note {n}", "Old customs text.",
                                       guid=f"old-{n}", published=old + timedelta(days=n))
                                 for n in range(1000)))
        # the good feed keeps publishing while all the others fail
        for n in range(1, 4):
            feeds.publish("good", fresh(n, "good"))
            await until(lambda n=n: any(f"good customs release {n}" in t for t in
                                        adapter.transport.titles("reader")),
                        what=f"good release {n} delivered")
        await until(lambda: all(app.store.feed_state(n).consecutive_failures >= 1
                                for n in FAULTS), what="every faulty feed polled again")
        states = {n: app.store.feed_state(n) for n in FAULTS}
        for name, state in states.items():
            assert EXPECTED_ERROR[name] in (state.last_error or ""), (name, state.last_error)
        # 410: not polled any more, admins told once
        assert states["f410"].gone
        gone_requests = feeds.requests["f410"]
        assert sum("410 Gone" in a and "f410" in a for a in adapter.alerts) == 1
        # the 1,000 old entries are stored and searchable but pushed to nobody
        await until(lambda: app.store.count_items() >= len(names) + 1 + 1000 + 3,
                    what="the flood stored")
        assert not any("Archive" in t for t in adapter.transport.titles("reader"))
        # wrong encodings: stored without a crash; latin-1 read correctly
        await until(lambda: app.store.has_item("l1") and app.store.has_item("cp1"),
                    what="the wrongly encoded feeds stored")
        latin = app.store.get_item("l1")
        assert latin is not None and "größte" in latin.title and "Café" in latin.body
        assert app.store.get_item("cp1") is not None
        assert not any(app.store.feed_state(n).last_error for n in ("cp1251", "latin1", "good"))
        # failing feeds reach alert_after_failures: one alert each, none for the good feed
        await until(lambda: all(app.store.feed_state(n).consecutive_failures >= 3
                                for n in ("f500", "f404")), what="three failures in a row")
        await until(lambda: any("'f500' has failed 3 times" in a for a in adapter.alerts),
                    what="the failing alert")
        assert not any("'good'" in a for a in adapter.alerts)
        # health is visible in /feeds
        reply = await dispatch(Command("console", "admin", "feeds", is_bot_admin=True), app.deps)
        text = reply.plain()
        for name in ("f500", "f404", "huge", "loop"):
            failures = app.store.feed_state(name).consecutive_failures
            block = text.split(name, 1)[1].split("\n", 2)[:2]
            assert f"failures in a row: {failures}" in block[1], block
            assert EXPECTED_ERROR[name] in block[1], block
        assert "gone (410)" in text
        refused = await dispatch(Command("console", "someone", "feeds"), app.deps)
        assert "administrators" in refused.plain() and "f500" not in refused.plain()
        # recovery: one more alert, failures reset
        feeds.set_fault("f500", None)
        feeds.publish("f500", fresh(9, "f500"))
        await until(lambda: any("'f500' is working again" in a for a in adapter.alerts),
                    what="the recovery alert")
        assert app.store.feed_state("f500").consecutive_failures == 0
        await until(lambda: any("f500 customs release 9" in t
                                for t in adapter.transport.titles("reader")),
                    what="the recovered feed delivering")
        assert feeds.requests["f410"] == gone_requests
        # every good release exactly once
        titles = adapter.transport.titles("reader")
        assert len(titles) == len(set(titles))
    finally:
        await asyncio.wait_for(app.stop(), timeout=10)


async def test_a_gone_feed_is_not_polled_after_a_restart(tmp_path: Path,
                                                          feeds: FeedServer) -> None:
    feeds.set_fault("gone", Fault(status=410))
    feeds.publish("ok", fresh(0, "ok"))
    specs = [FeedSpec(id="gone", url=feeds.url("gone")), FeedSpec(id="ok", url=feeds.url("ok"))]
    fetcher = Fetcher(fast_fetch())
    try:
        for _ in range(2):
            with Store(tmp_path) as store:
                poller = Poller(store, fetcher, Classifier(), None, specs, fetcher.settings,
                                BAKU)
                reports = await poller.poll_all()
                assert [r.feed_id for r in reports if r.ok] == ["ok"]
        assert feeds.requests["gone"] == 1
    finally:
        await fetcher.aclose()


# ---- backoff --------------------------------------------------------------------------------


def test_backoff_grows_with_failures_and_is_capped(tmp_path: Path) -> None:
    spec = FeedSpec(id="f", url="http://127.0.0.1:9/f", interval_seconds=60)
    settings = FetchSettings(jitter=0.0, max_backoff_seconds=3600)
    with Store(tmp_path) as store:
        poller = Poller(store, Fetcher(settings), Classifier(), None, [spec], settings, BAKU)
        delays = [poller.next_delay(spec, FeedState("f", consecutive_failures=n))
                  for n in range(0, 12)]
        assert delays[0] == 60
        assert all(b >= a for a, b in zip(delays, delays[1:], strict=False))
        assert delays[1] > delays[0] and delays[3] > delays[2]
        assert max(delays) == 3600 and delays[-1] == 3600
        assert poller.next_delay(spec, FeedState("f", consecutive_failures=10_000)) == 3600
        # a cap below the interval never makes a healthy schedule faster
        slow = FetchSettings(jitter=0.0, max_backoff_seconds=10)
        poller.settings = slow
        assert poller.next_delay(spec, FeedState("f", consecutive_failures=5)) == 60
        # jitter stays within its band
        poller.settings = FetchSettings(jitter=0.1, max_backoff_seconds=3600)
        for _ in range(50):
            assert 54 <= poller.next_delay(spec, FeedState("f")) <= 66


async def test_backoff_spaces_real_requests(tmp_path: Path, feeds: FeedServer) -> None:
    """In a running poller, a failing feed is asked less often than a healthy one."""
    feeds.set_fault("bad", Fault(status=503))
    feeds.publish("ok", fresh(0, "ok"))
    specs = [FeedSpec(id="bad", url=feeds.url("bad"), interval_seconds=1),
             FeedSpec(id="ok", url=feeds.url("ok"), interval_seconds=1)]
    fetcher = Fetcher(fast_fetch(max_backoff_seconds=4))
    with Store(tmp_path) as store:
        poller = Poller(store, fetcher, Classifier(), None, specs, fetcher.settings, BAKU)
        task = asyncio.create_task(poller.run())
        try:
            await asyncio.sleep(3.3)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await fetcher.aclose()
        # ok: t=0,1,2,3; bad: t=0, 2, then 4 s later (6)
        assert feeds.requests["ok"] >= 3
        assert feeds.requests["bad"] <= 2
        assert store.feed_state("bad").consecutive_failures == feeds.requests["bad"]


# ---- damaged data files at start ------------------------------------------------------------


def _item(n: int) -> Item:
    return Item(id=f"i{n}", feed_id="f", url=f"https://x.az/{n}", title=f"T{n}", body="b",
                published=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(hours=n),
                content_hash=str(n))


def _seed(path: Path) -> None:
    with Store(path) as store:
        store.ingest([_item(n) for n in range(1, 6)])
        store.save_chat(Chat("telegram", "1"))
        store.save_feed_state(FeedState("f", etag='"e1"', last_error="HTTP 500"))
    Store(path).close()  # a clean start with the files present takes their backups


def _damage(path: Path, which: str) -> Path:
    if which == "shard":
        target = path / "releases" / "2024-05.json"
        raw = target.read_bytes()
        target.write_bytes(raw[: len(raw) // 2])  # truncated mid-document
    elif which == "feeds":
        target = path / "feeds.json"
        target.write_bytes(b"\x00\xff garbage \x9c not json")
    else:
        target = path / "chats.json"
        target.write_bytes(b"")
    return target


@pytest.mark.parametrize("which", ["shard", "feeds", "empty-chats"])
def test_a_damaged_file_is_refused_naming_it_and_its_backup(tmp_path: Path, which: str) -> None:
    data = tmp_path / "data"
    _seed(data)
    target = _damage(data, which)
    for read_only in (False, True):
        with pytest.raises(StoreCorrupt) as err:
            Store(data, read_only=read_only)
        message = str(err.value)
        assert str(target) in message and "refusing to start" in message
        backup = data / "backups" / (str(target.relative_to(data)).replace("/", "_") + ".1")
        assert backup.exists() and f"cp {backup} {target}" in message
    # nothing was silently recreated empty, and the lock was released
    assert target.read_bytes() != b"{}"
    # restoring the named backup brings everything back
    backup.replace(target)
    with Store(data) as store:
        assert store.count_items() == 5 and store.get_chat("telegram:1") is not None


def test_a_damaged_file_without_backup_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data, backups=0) as store:
        store.ingest([_item(1)])
    _damage(data, "shard")
    with pytest.raises(StoreCorrupt, match="no backup exists"):
        Store(data, backups=0)


@pytest.mark.parametrize("which", ["shard", "feeds"])
@pytest.mark.parametrize("command", ["items", "run", "search"])
def test_the_cli_refuses_a_damaged_store_in_one_line(
    tmp_path: Path, which: str, command: str
) -> None:
    data = tmp_path / "data"
    _seed(data)
    target = _damage(data, which)
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\npath = "{data}"\n')
    args = {"items": ["items"], "run": ["run"], "search": ["search", "T1"]}[command]
    done = subprocess.run([sys.executable, "-m", "bot", *args, "--config", str(config)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert str(target) in lines[0] and "backups" in lines[0]
    assert done.stdout == ""


def test_a_crash_torn_cursor_journal_line_is_ignored(tmp_path: Path) -> None:
    """kill -9 mid-append leaves half a journal line: the start is not refused for it."""
    with Store(tmp_path) as store:
        store.record_delivered("telegram:1", 4)
        store.flush_cursors()
    with open(tmp_path / "cursors.log", "a", encoding="utf-8") as handle:
        handle.write("telegram:1\t9")  # no newline: torn, but digits...
        handle.write("\ntelegram:2\t")  # and a line with no number at all
    with Store(tmp_path) as store:
        assert store.cursor("telegram:2") == 0
        assert store.cursor("telegram:1") >= 4
    json.loads((tmp_path / "cursors.json").read_text())
