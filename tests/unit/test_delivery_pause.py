"""Delivery under /pause, /quiet and weekly digests, over a real store and a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.delivery import DIGEST_MAX_ITEMS, Delivery, digest_reply
from bot.models import Chat, Item, Story, Subscription
from bot.platforms.telegram.render import render_html
from bot.store import Store
from tests.fakes.recording_transport import RecordingTransport

BAKU = ZoneInfo("Asia/Baku")
MONDAY = datetime(2026, 3, 2, 8, tzinfo=UTC)  # 12:00 in Baku
ORDER = ["wco", "demining", "trade"]


class Clock:
    def __init__(self, now: datetime = MONDAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def release(n: int, topics: list[str]) -> Item:
    return Item(id=f"r{n}", feed_id="f", url=f"https://x.az/{n}", title=f"Release {n}",
                body="Text.", published=MONDAY - timedelta(days=1) + timedelta(minutes=n),
                topics=topics, content_hash=f"h{n}")


def follower(chat_id: str = "a", topics: tuple[str, ...] = ("demining", "trade"), **kw: object
             ) -> Chat:
    return Chat("console", chat_id, subscription=Subscription(topics=set(topics)),
                **kw)  # type: ignore[arg-type]


async def deliver(delivery: Delivery) -> None:
    delivery.scan()
    await delivery.drain(timeout=10)


def texts(transport: RecordingTransport) -> list[str]:
    return [s.reply.plain() for s in transport.sent]


async def test_a_paused_chat_gets_nothing_and_what_arrived_is_dropped(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(follower(paused=True, paused_until=MONDAY + timedelta(hours=2)))
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        store.ingest([release(1, ["demining"]), release(2, ["trade"])], now=clock())
        await deliver(delivery)
        assert transport.sent == []
        clock.advance(hours=3)  # the pause is over: only what arrives from now on
        await deliver(delivery)
        assert transport.sent == []
        store.ingest([release(3, ["demining"])], now=clock())
        await deliver(delivery)
        assert transport.titles("a") == ["Release 3"]
        await delivery.stop()


async def test_a_kept_pause_sends_one_digest_when_it_ends(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(follower(paused=True, pause_keep=True))  # until /resume
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock, topic_order=ORDER)
        store.ingest([release(1, ["trade"]), release(2, ["demining", "trade"]),
                      release(3, ["demining"])], now=clock())
        await deliver(delivery)
        clock.advance(days=3)
        await deliver(delivery)
        assert transport.sent == []
        chat = store.get_chat("console:a")
        assert chat is not None
        chat.paused = False  # what /resume does
        store.save_chat(chat)
        await deliver(delivery)
        [digest] = texts(transport)
        assert "3 new releases arrived during the pause" in digest
        # grouped by topic in the taxonomy's order, each release once, newest first
        assert digest.index("demining (2)") < digest.index("Release 3") \
            < digest.index("Release 2") < digest.index("trade (1)") < digest.index("Release 1")
        assert store.cursor("console:a") == 3
        await deliver(delivery)
        assert len(transport.sent) == 1
        await delivery.stop()


async def test_quiet_hours_hold_releases_for_one_digest_at_their_end(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock(MONDAY.replace(hour=19))  # 23:00 in Baku
    with Store(tmp_path) as store:
        store.save_chat(follower(quiet_hours="22:00-08:00"))
        store.save_chat(follower("b", ("trade",)))  # no quiet hours
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        store.ingest([release(1, ["demining"]), release(2, ["trade"])], now=clock())
        await deliver(delivery)
        assert transport.titles("b") == ["Release 2"]
        clock.advance(hours=4)  # 03:00: still quiet
        store.ingest([release(3, ["demining"])], now=clock())
        await deliver(delivery)
        assert [s.chat_id for s in transport.sent] == ["b"]
        clock.advance(hours=5)  # 08:00 in Baku
        await deliver(delivery)
        [digest] = [s.reply.plain() for s in transport.sent if s.chat_id == "a"]
        assert "Quiet hours are over: 3 new releases arrived meanwhile" in digest
        store.ingest([release(4, ["demining"])], now=clock())  # daytime: one by one again
        await deliver(delivery)
        assert transport.titles("a")[-1] == "Release 4"
        await delivery.stop()


async def test_a_weekly_digest_arrives_once_a_week_on_its_day(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()  # Monday 12:00 in Baku
    with Store(tmp_path) as store:
        store.save_chat(Chat(
            "console", "w", subscription=Subscription(topics={"trade"}, mode="digest",
                                                      digest_time="09:00", digest_weekday=2)))
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        store.ingest([release(1, ["trade"])], now=clock())
        for _ in range(6):  # Monday to Saturday, twice a day
            await delivery.send_digests()
            clock.advance(hours=12)
            await delivery.send_digests()
            clock.advance(hours=12)
        [weekly] = texts(transport)  # Wednesday's
        assert "Your weekly digest: 1 new release" in weekly
        store.ingest([release(2, ["trade"])], now=clock())
        for _ in range(14):  # the next Wednesday comes once
            await delivery.send_digests()
            clock.advance(hours=12)
        assert len(transport.sent) == 2 and "Release 2" in texts(transport)[1]
        await delivery.stop()


async def test_a_long_digest_is_capped_with_a_pointer_to_latest(tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock(MONDAY.replace(hour=6))  # 10:00 in Baku
    with Store(tmp_path) as store:
        store.save_chat(Chat("console", "d", subscription=Subscription(
            topics={"trade"}, mode="digest", digest_time="09:00")))
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        store.ingest([release(n, ["trade"]) for n in range(1, DIGEST_MAX_ITEMS + 6)],
                     now=clock())
        await delivery.send_digests()
        [digest] = texts(transport)
        assert f"{DIGEST_MAX_ITEMS + 5} new releases" in digest
        assert digest.count("• ") == DIGEST_MAX_ITEMS and "…and 5 more: see /latest" in digest
        assert f"Release {DIGEST_MAX_ITEMS + 5}" in digest and "Release 1 " not in digest
        await delivery.stop()


def test_a_digest_of_long_titles_stays_one_telegram_message() -> None:
    entries = []
    for n in range(DIGEST_MAX_ITEMS):
        editions = {lang: Item(id=f"{lang}{n}", feed_id="f", title="Customs news " * 25,
                               url=f"https://customs.gov.az/{lang}/news/{'x' * 120}{n}",
                               body="Text.", published=MONDAY, language=lang, topics=["trade"])
                    for lang in ("az", "ru", "en")}
        entries.append((Story(f"s{n}", editions), editions["en"]))
    reply = digest_reply(entries, BAKU, lambda t, lang: t, followed={"trade"}, order=ORDER)
    assert len(render_html(reply)) == 1
    shown = sum(1 for p in reply.paragraphs if p[0].text == "• ")
    assert 1 <= shown < DIGEST_MAX_ITEMS
    assert f"…and {DIGEST_MAX_ITEMS - shown} more: see /latest" in reply.plain()
    assert f"{DIGEST_MAX_ITEMS} new releases" in reply.plain()


async def test_a_command_during_the_digest_round_is_kept_and_obeyed(tmp_path: Path) -> None:
    """/pause or /language taken while the digest round sends to another chat (or to this one)
    is neither undone by the round nor ignored by it."""
    transport, clock = RecordingTransport(), Clock(MONDAY.replace(hour=6))  # 10:00 in Baku

    def digest_chat(chat_id: str) -> Chat:
        return Chat("console", chat_id, subscription=Subscription(
            topics={"trade"}, mode="digest", digest_time="09:00"))

    def meanwhile(chat: Chat, attempt: int) -> None:
        if chat.chat_id != "a":
            return None
        for key, change in (("console:a", {"language": "ru"}),  # /language ru in chat a
                            ("console:b", {"paused": True})):  # /pause in chat b
            stored = store.get_chat(key)
            assert stored is not None
            for name, value in change.items():
                setattr(stored, name, value)
            store.save_chat(stored)
        return None

    transport.fail_when = meanwhile
    with Store(tmp_path) as store:
        store.save_chat(digest_chat("a"))
        store.save_chat(digest_chat("b"))
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        store.ingest([release(1, ["trade"])], now=clock())
        await delivery.send_digests()
        assert [s.chat_id for s in transport.sent] == ["a"]  # b was paused before its turn
        a, b = store.get_chat("console:a"), store.get_chat("console:b")
        assert a is not None and b is not None
        assert a.language == "ru" and a.last_digest_on == "2026-03-02"
        assert b.paused
        await delivery.stop()


async def test_a_digest_due_in_quiet_hours_goes_when_they_end_past_midnight(
        tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock(MONDAY.replace(hour=19))  # 23:00 in Baku
    with Store(tmp_path) as store:
        store.save_chat(Chat("console", "d", quiet_hours="22:00-08:00", subscription=Subscription(
            topics={"trade"}, mode="digest", digest_time="23:00")))
        store.save_chat(Chat("console", "w", quiet_hours="22:00-08:00", subscription=Subscription(
            topics={"trade"}, mode="digest", digest_time="23:00", digest_weekday=0)))
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        store.ingest([release(1, ["trade"])], now=clock())
        await delivery.send_digests()
        assert transport.sent == []  # quiet
        clock.advance(hours=8, minutes=30)  # Tuesday 07:30: still quiet
        await delivery.send_digests()
        assert transport.sent == []
        clock.advance(minutes=30)  # 08:00: quiet hours are over
        await delivery.send_digests()
        assert sorted(s.chat_id for s in transport.sent) == ["d", "w"]
        for _ in range(4):  # once: the rest of Tuesday brings no other
            clock.advance(hours=4)
            await delivery.send_digests()
        assert len(transport.sent) == 2
        await delivery.stop()


async def test_a_failing_digest_round_does_not_stop_delivery(tmp_path: Path) -> None:
    """A digest round that fails (the disk was full as its progress was written) is logged;
    delivery goes on: alerts still go out, and the digest is tried again."""
    import asyncio

    from tests.conftest import until

    transport, clock = RecordingTransport(), Clock(MONDAY.replace(hour=6))  # 10:00 in Baku
    with Store(tmp_path) as store:
        store.save_chat(Chat("console", "d", subscription=Subscription(
            topics={"trade"}, mode="digest", digest_time="09:00")))
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        store.ingest([release(1, ["trade"])], now=clock())
        flush = store.flush_cursors
        failures = [OSError(28, "No space left on device")]

        def full_disk_once() -> None:
            if failures:
                raise failures.pop()
            flush()

        store.flush_cursors = full_disk_once  # type: ignore[method-assign]
        runner = asyncio.create_task(delivery.run(digest_every=0.05))
        await until(lambda: not failures, what="the failed write")
        store.save_chat(follower("i", ("trade",)))
        store.ingest([release(2, ["trade"])], now=clock())
        delivery.wake()
        await until(lambda: transport.titles("i"), what="an alert after the failed round")
        assert not runner.done()
        await delivery.stop()
        runner.cancel()


async def test_releases_held_by_quiet_hours_come_as_one_digest_after_a_restart(
        tmp_path: Path) -> None:
    """The bot restarted while quiet hours held releases and came back after they ended: what
    they held still comes as one digest, not one alert each."""
    transport, clock = RecordingTransport(), Clock(MONDAY.replace(hour=19))  # 23:00 in Baku
    with Store(tmp_path) as store:
        store.save_chat(follower(quiet_hours="22:00-08:00"))
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        store.ingest([release(1, ["demining"]), release(2, ["trade"]),
                      release(3, ["trade"])], now=clock())
        await deliver(delivery)
        await delivery.stop()
    assert transport.sent == []
    clock.advance(hours=9, minutes=30)  # 08:30 in Baku: started again after quiet hours
    with Store(tmp_path) as store:
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        await deliver(delivery)
        [digest] = texts(transport)
        assert "Quiet hours are over: 3 new releases arrived meanwhile" in digest
        store.ingest([release(4, ["demining"])], now=clock())  # daytime: one by one again
        await deliver(delivery)
        assert transport.titles("a")[-1] == "Release 4"
        await delivery.stop()


async def test_a_kept_pause_that_ended_while_the_bot_was_down_sends_one_digest(
        tmp_path: Path) -> None:
    transport, clock = RecordingTransport(), Clock()
    with Store(tmp_path) as store:
        store.save_chat(follower(paused=True, pause_keep=True,
                                 paused_until=MONDAY + timedelta(hours=2)))
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        store.ingest([release(1, ["demining"]), release(2, ["trade"])], now=clock())
        await deliver(delivery)
        await delivery.stop()
    assert transport.sent == []
    clock.advance(hours=3)  # started again after the pause ended
    with Store(tmp_path) as store:
        delivery = Delivery(store, {"console": transport}, BAKU, clock=clock)
        await deliver(delivery)
        [digest] = texts(transport)
        assert "2 new releases arrived during the pause" in digest
        store.ingest([release(3, ["demining"])], now=clock())
        await deliver(delivery)
        assert transport.titles("a")[-1] == "Release 3"
        await delivery.stop()
