"""Fault injection: feeds that misbehave in every way at once, one App, the good feed unaffected;
backoff; 410 Gone; health in /feeds; damaged data files at start (library and CLI).

Everything runs over loopback servers with short timeouts; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.classify import Classifier
from bot.config import FetchSettings, Settings
from bot.models import Chat, Command, FeedSpec, FeedState, Item, Subscription
from bot.poller import Poller
from bot.sources import Fetcher
from bot.store import Store, StoreCorrupt
from handlers.router import dispatch
from tests.conftest import until, until_sync
from tests.fakes.feed_server import Entry, Fault, FeedServer
from tests.fakes.recording_transport import RecordingAdapter, RecordingTransport

ROOT = Path(__file__).resolve().parents[2]
BAKU = ZoneInfo("Asia/Baku")
WAIT = 60.0  # the waits of the loaded scenarios here: generous, and a broken build still fails

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
    "drip": Fault(drip=0.05),  # a byte every 50 ms: only the overall deadline stops it ("after")
    "hang": Fault(delay=8.0),  # no answer before the read timeout
    "huge": Fault(size=50_000_000),  # 50 MB of junk, cut at max_bytes
    "bomb": Fault(gzip_bomb=50_000_000),
    "loop": Fault(redirect_loop=True),
    "badxml": Fault(raw=b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>a'),
    "notfeed": Fault(raw=b"<html><body>maintenance</body></html>"),
}
EXPECTED_ERROR = {
    "f500": "HTTP 500", "f404": "HTTP 404", "f410": "HTTP 410", "drip": "timed out after",
    "hang": "timed out", "huge": "too large", "bomb": "too large", "loop": "redirects",
    "badxml": "malformed XML", "notfeed": "not an RSS or Atom feed",
}


def fresh(n: int, feed: str, word: str = "customs") -> Entry:
    return Entry(f"{feed} {word} release {n}", f"<p>The {word} service reports item {n}.</p>",
                 guid=f"{feed}-{n}", link=f"https://customs.example/{feed}/{n}",
                 published=datetime.now(UTC) - timedelta(minutes=1))


def fast_fetch(**kw: float | int) -> FetchSettings:
    settings = FetchSettings(timeout_seconds=1.0, connect_timeout_seconds=0.5,
                             max_bytes=2_000_000, allow_private=True, jitter=0.0,
                             max_backoff_seconds=2, alert_after_failures=3)
    for key, value in kw.items():
        setattr(settings, key, value)
    return settings


# ---- every fault at once, one App -------------------------------------------------------------


class ThreadedFeedServer:
    """The feed server on its own event loop in a thread: its work (streaming 2 MB, gzip
    bombs) never blocks the bot's loop, so the bot's deadlines measure only the bot."""

    def __enter__(self) -> FeedServer:
        self.loop = asyncio.new_event_loop()
        self.server = FeedServer()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.server.start())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        assert ready.wait(10), "the feed server did not start"
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def poll_errors(caplog: pytest.LogCaptureFixture) -> dict[str, list[str]]:
    """Every failed poll's error per feed, from the poller's log lines."""
    found: dict[str, list[str]] = {}
    for record in caplog.records:
        match = re.match(r"event=poll_failed feed=(\S+) failures=\d+ error=(.*)",
                         record.getMessage())
        if match:
            found.setdefault(match[1], []).append(match[2])
    return found


@pytest.mark.slow
@pytest.mark.timeout(300)  # a dozen waits of up to WAIT each: bounded, and generous under load
async def test_every_feed_fault_at_once_leaves_the_good_feed_delivering(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="newsbot.poller")
    with ThreadedFeedServer() as feeds:
        await _every_fault_at_once(tmp_path, feeds, caplog)


async def _every_fault_at_once(tmp_path: Path, feeds: FeedServer,
                               caplog: pytest.LogCaptureFixture) -> None:
    names = [*FAULTS, "cp1251", "latin1", "flood"]
    for name in ["good", *names]:
        feeds.publish(name, fresh(0, name, "backlog"))
    settings = Settings()
    settings.storage.path = tmp_path / "data"
    # generous deadlines (5 s): parsing the 1,000-entry flood holds the loop for a while
    settings.fetch = fast_fetch(timeout_seconds=2.0, connect_timeout_seconds=1.0)
    settings.feeds = [FeedSpec(id=n, url=feeds.url(n), interval_seconds=1)
                      for n in ["good", *names]]
    app = App(settings)
    adapter = RecordingAdapter()
    app.add_adapter("console", adapter)  # type: ignore[arg-type]
    app.store.save_chat(Chat("console", "reader",
                             subscription=Subscription(keywords={"customs", "героин"})))
    await app.start()
    try:
        await until(lambda: app.poller.first_poll_done.is_set(), WAIT, what="the first poll")
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
                        timeout=WAIT, what=f"good release {n} delivered")
        await until(lambda: all(app.store.feed_state(n).consecutive_failures >= 1
                                for n in FAULTS), WAIT, what="every faulty feed polled again")
        # each fault is seen as itself: a loaded machine may turn one poll of a big or slow
        # answer into a timeout, so the feeds' next polls (backoff <= 2 s) are waited for
        try:
            await until(lambda: all(any(EXPECTED_ERROR[n] in e
                                        for e in poll_errors(caplog).get(n, []))
                                    for n in FAULTS),
                        WAIT, what="each fault's own error", interval=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {poll_errors(caplog)}") from None
        states = {n: app.store.feed_state(n) for n in FAULTS}
        # 410: not polled any more, admins told once
        assert states["f410"].gone
        gone_requests = feeds.requests["f410"]
        assert sum("410 Gone" in a and "f410" in a for a in adapter.alerts) == 1
        # the 1,000 old entries are stored and searchable but pushed to nobody
        await until(lambda: app.store.count_items() >= len(names) + 1 + 1000 + 3,
                    timeout=WAIT, what="the flood stored")
        assert not any("Archive" in t for t in adapter.transport.titles("reader"))
        # wrong encodings (declared utf-8): read as what they are
        await until(lambda: app.store.has_item("l1") and app.store.has_item("cp1"),
                    timeout=WAIT, what="the wrongly encoded feeds stored")
        latin = app.store.get_item("l1")
        assert latin is not None and "größte" in latin.title and "Café" in latin.body
        russian = app.store.get_item("cp1")
        assert russian is not None and russian.title == "Таможня изъяла героин"
        assert "нашли 20 кг" in russian.body
        assert not any(app.store.feed_state(n).last_error for n in ("cp1251", "latin1", "good"))
        # failing feeds reach alert_after_failures: one alert each, none for the good feed
        await until(lambda: all(app.store.feed_state(n).consecutive_failures >= 3
                                for n in ("f500", "f404")), WAIT,
                    what="three failures in a row")
        await until(lambda: any("'f500' has failed 3 times" in a for a in adapter.alerts),
                    timeout=WAIT, what="the failing alert")
        assert not any("'good'" in a for a in adapter.alerts)
        # health is visible in /feeds
        reply = await dispatch(Command("console", "admin", "feeds", is_bot_admin=True), app.deps)
        text = reply.plain()
        for name in ("f500", "f404", "huge", "loop"):
            state = app.store.feed_state(name)
            block = text.split(name, 1)[1].split("\n", 2)[:2]
            assert f"failures in a row: {state.consecutive_failures}" in block[1], block
            assert f"last error: {state.last_error}" in block[1], block
        assert "gone (410)" in text
        refused = await dispatch(Command("console", "someone", "feeds"), app.deps)
        assert "administrators" in refused.plain() and "f500" not in refused.plain()
        # recovery: one more alert, failures reset
        feeds.set_fault("f500", None)
        feeds.publish("f500", fresh(9, "f500"))
        await until(lambda: any("'f500' is working again" in a for a in adapter.alerts),
                    timeout=WAIT, what="the recovery alert")
        assert app.store.feed_state("f500").consecutive_failures == 0
        await until(lambda: any("f500 customs release 9" in t
                                for t in adapter.transport.titles("reader")),
                    timeout=WAIT, what="the recovered feed delivering")
        assert feeds.requests["f410"] == gone_requests
        # every good release exactly once
        titles = adapter.transport.titles("reader")
        assert len(titles) == len(set(titles))
    finally:
        await asyncio.wait_for(app.stop(), timeout=30)


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


@pytest.mark.slow
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
        try:  # ok: t=0,1,2,3; bad: t=0, 2, then 4 s later (6); without backoff 0,1,2,3
            await until(lambda: feeds.requests.get("ok", 0) >= 4, WAIT,
                        what="the healthy feed's fourth poll")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await fetcher.aclose()
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
        assert backup.exists() and f"newest good backup is {backup}" in message
        assert f"newsbot restore {target.relative_to(data)}" in message
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


# ---- platforms: random send failures during a fan-out --------------------------------------


def _fanout_store(path: Path, releases: int, chats: int, prefix: str = "") -> Store:
    store = Store(path, backups=0)
    store.save_chats(Chat("telegram", f"{prefix}{1000 + n}",
                          subscription=Subscription(topics={"wco"}))
                     for n in range(chats))
    base = datetime(2026, 1, 1, tzinfo=UTC)
    store.ingest([Item(id=f"r{n}", feed_id="f", url=f"https://customs.example/{n}",
                       title=f"Release {n} & <co>", body="WCO session held.",
                       published=base + timedelta(hours=n), topics=["wco"],
                       content_hash=str(n)) for n in range(1, releases + 1)])
    return store


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*retry_after.*")
async def test_random_429_5xx_resets_through_the_real_telegram_client(tmp_path: Path) -> None:
    """The real PTB client and TelegramTransport against the fake Bot API, 10% of sends failing
    at random (seeded): every (release, chat) pair is accepted exactly once, in order.

    The real client manages ~130 sends/s here, so the fan-out is 12 releases x 30 chats (360
    pairs); the 200 x 500 scale runs below through a recording transport.
    """
    from telegram.ext import ApplicationBuilder
    from telegram.request import HTTPXRequest

    from bot.delivery import Delivery
    from bot.platforms.base import RateLimits
    from bot.platforms.telegram.transport import TelegramTransport
    from tests.fakes.telegram_api import FakeTelegram

    releases, chats = 12, 30
    async with FakeTelegram(fail_ratio=0.1, fail_seed=20260301, record_params=False) as tg:
        for n in range(chats):
            tg.add_chat(1000 + n, "private")
        application = (ApplicationBuilder().token(tg.token).base_url(tg.base_url)
                       .request(HTTPXRequest(connection_pool_size=64)).build())
        await application.initialize()
        transport = TelegramTransport(application)
        transport.limits = RateLimits(concurrency=32)  # no pacing: as fast as the fake goes
        store = _fanout_store(tmp_path / "data", releases, chats)
        try:
            delivery = Delivery(store, {"telegram": transport}, BAKU, max_backoff=0.05)
            delivery.scan()
            await delivery.drain(timeout=WAIT)
        finally:
            await application.shutdown()
            store.close()
    counts: dict[tuple[int, str], int] = {}
    order: dict[int, list[int]] = {}
    for msg in tg.sent:
        title = msg["text"].split("\n", 1)[0]
        key = (msg["chat"]["id"], title)
        counts[key] = counts.get(key, 0) + 1
        order.setdefault(msg["chat"]["id"], []).append(int(title.split()[1]))
    expected = {(1000 + c, f"Release {r} & <co>") for c in range(chats)
                for r in range(1, releases + 1)}
    assert set(counts) == expected
    assert set(counts.values()) == {1}
    assert all(seq == sorted(seq) for seq in order.values())  # oldest first, even after retries
    assert tg.injected >= 0.05 * releases * chats  # the faults really happened...
    assert set(tg.random_faults) == {"retry_after", "server_error", "reset"}  # ...of each kind
    assert delivery.stats.sent == releases * chats
    assert delivery.stats.retried == tg.injected and delivery.stats.failed == 0


@pytest.mark.slow
@pytest.mark.timeout(600)  # 100,000 sends: ~20 s alone, several times that on a loaded machine
async def test_random_transient_failures_at_scale_200_releases_500_chats(tmp_path: Path) -> None:
    """200 releases to 500 chats (100,000 pairs), 10% of sends failing with 429/5xx/resets."""
    import random

    from bot.delivery import Delivery
    from bot.platforms.base import RateLimits, TransientSendError

    rng = random.Random(500)
    reasons = [("429", 0.01), ("HTTP 502", None), ("connection reset", None)]

    def flaky(chat: Chat, attempt: int) -> Exception | None:
        if rng.random() < 0.1:
            reason, retry_after = rng.choice(reasons)
            return TransientSendError(reason, retry_after=retry_after)
        return None

    releases, chats = 200, 500
    # concurrency = one send per chat at once (the default 32 makes 468 workers queue on a
    # semaphore, whose locked() scans its waiters: slow in Python 3.11, not what is tested)
    transport = RecordingTransport(platform="telegram", fail_when=flaky,
                                   limits=RateLimits(concurrency=chats))
    with _fanout_store(tmp_path / "data", releases, chats) as store:
        delivery = Delivery(store, {"telegram": transport}, BAKU, max_backoff=0.01)
        delivery.scan()
        await delivery.drain(timeout=500)
        pairs = [(s.chat_id, s.title) for s in transport.sent]
        assert len(pairs) == releases * chats == len(set(pairs))
        assert delivery.stats.retried == transport.attempts - len(pairs) > 0.08 * len(pairs)
        assert all(store.cursor(f"telegram:{1000 + c}") == releases for c in range(chats))


# ---- crashes: kill -9 at scale ---------------------------------------------------------------


def _wait_ready(proc: subprocess.Popen[str], timeout: float = WAIT) -> None:
    import select

    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the worker did not start"
    line = proc.stdout.readline().strip()
    assert line == "ready", f"worker said {line!r} (exit {proc.poll()})"


@pytest.mark.slow
@pytest.mark.timeout(600)  # 21 processes: each start costs seconds on a loaded machine
def test_twenty_kill_minus_nine_during_a_1000_chat_fan_out(tmp_path: Path) -> None:
    """Kill the delivering process 20 times at random points of a 1,000-chat fan-out (each
    kill after a random number of accepted sends, so every life makes progress): nothing is
    lost, and each chat gets at most one repeat per kill."""
    import random
    import signal
    from collections import Counter

    from tests.crash_worker_scale import setup

    chats, releases, kills_wanted, concurrency = 1000, 6, 20, 50
    data, log = tmp_path / "data", tmp_path / "sent.log"
    setup(str(data), chats, releases)
    log.touch()
    rng = random.Random(1000)
    kills, progress = 0, []
    command = [sys.executable, "-m", "tests.crash_worker_scale", "deliver", str(data), str(log),
               str(concurrency)]
    while kills < kills_wanted:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            _wait_ready(proc)
            start = log.stat().st_size
            target = start + rng.randint(300, 1500)  # ~35-175 sends into this life
            until_sync(lambda p=proc, t=target: log.stat().st_size >= t or p.poll() is not None,
                       timeout=WAIT, what="the worker's progress", interval=0.002)
            assert proc.poll() is None, "the fan-out finished before 20 kills: give it more work"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            kills += 1
            progress.append(log.stat().st_size - start)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()
    final = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert all(p > 0 for p in progress)

    counts = Counter(tuple(line.split("\t")) for line in log.read_text().splitlines())
    expected = {(f"c{c}", f"r{r}") for c in range(chats) for r in range(1, releases + 1)}
    assert set(counts) == expected  # nothing lost, nothing foreign, no torn line
    per_chat = Counter(c for (c, _), n in counts.items() for _ in range(n - 1))
    assert max(per_chat.values(), default=0) <= kills  # at most one repeat per chat per kill
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= kills * concurrency  # only messages in flight at a kill repeat
    # and every chat's cursor ended at the newest release
    with Store(data, backups=0) as store:
        assert all(store.cursor(f"console:c{c}") == releases for c in range(chats))
