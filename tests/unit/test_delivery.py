"""Delivery guarantees, over a real store and a recording transport."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.delivery import Delivery
from bot.models import Chat, Item, Subscription
from bot.platforms.base import RateLimits
from bot.store import Store
from tests.fakes.recording_transport import (
    ChatMovedError,
    PermanentSendError,
    RecordingTransport,
    TransientSendError,
)

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def release(n: int, topics: list[str], hours: int = 0, body: str = "Text.") -> Item:
    return Item(id=f"r{n}", feed_id="f", url=f"https://x.az/{n}", title=f"Release {n}",
                body=body, published=NOW + timedelta(hours=hours or n), topics=topics,
                content_hash=f"h{n}")


def chat(chat_id: str, topics: set[str], kind: str = "private", keywords=()) -> Chat:
    return Chat("console", chat_id, kind=kind,  # type: ignore[arg-type]
                subscription=Subscription(topics=topics, keywords=set(keywords)))


async def run_delivery(
    store: Store, transport: RecordingTransport, timeout: float = 10
) -> Delivery:
    delivery = Delivery(store, {"console": transport}, BAKU, max_backoff=0.2)
    delivery.scan()
    await delivery.drain(timeout=timeout)
    return delivery


async def test_each_matching_release_once_in_publication_order(tmp_path: Path) -> None:
    transport = RecordingTransport()
    with Store(tmp_path) as store:
        store.save_chat(chat("a", {"demining"}))
        store.save_chat(chat("b", {"trade"}))
        store.save_chat(chat("c", {"demining", "trade"}))
        store.save_chat(chat("k", set(), keywords=["korea"]))
        # stored out of order: the store numbers them by publication time
        store.ingest([release(3, ["demining"]), release(1, ["demining", "trade"]),
                      release(2, ["trade"], body="Talks with Korea customs.")])
        delivery = await run_delivery(store, transport)
        assert transport.titles("a") == ["Release 1", "Release 3"]
        assert transport.titles("b") == ["Release 1", "Release 2"]
        assert transport.titles("c") == ["Release 1", "Release 2", "Release 3"]
        assert transport.titles("k") == ["Release 2"]
        delivery.scan()
        await delivery.drain(timeout=5)
        assert len(transport.sent) == 8  # nothing twice
    with Store(tmp_path) as store:  # nor after a restart
        await run_delivery(store, transport)
        assert len(transport.sent) == 8


async def test_releases_before_the_subscription_are_not_pushed(tmp_path: Path) -> None:
    transport = RecordingTransport()
    with Store(tmp_path) as store:
        store.ingest([release(1, ["wco"])])
        late = chat("late", {"wco"})
        late.since_seq = store.max_seq  # what /subscribe records
        store.save_chat(late)
        await run_delivery(store, transport)
        assert transport.sent == []
        store.ingest([release(2, ["wco"])])
        await run_delivery(store, transport)
        assert transport.titles("late") == ["Release 2"]


async def test_chats_added_or_changed_while_running_are_seen(tmp_path: Path) -> None:
    transport = RecordingTransport()
    with Store(tmp_path) as store:
        store.save_chat(chat("a", {"wco"}))
        delivery = await run_delivery(store, transport)
        store.save_chat(chat("b", {"wco"}))  # a new chat, after the first scan
        changed = store.get_chat("console:a")
        assert changed is not None
        changed.subscription.topics = {"trade"}
        store.save_chat(changed)
        store.ingest([release(1, ["wco"])])
        delivery.scan()
        await delivery.drain(timeout=5)
        assert [s.chat_id for s in transport.sent] == ["b"]


async def test_cold_start_with_a_history_floods_nobody(tmp_path: Path) -> None:
    transport = RecordingTransport()
    with Store(tmp_path) as store:
        store.save_chat(chat("a", {"wco", "trade", "demining"}))
        store.ingest([release(n, ["wco"]) for n in range(1, 1001)], notify=False)
        await run_delivery(store, transport)
        assert transport.sent == []


async def test_transient_failures_retry_without_delaying_others(tmp_path: Path) -> None:
    transport = RecordingTransport()
    transport.faults["slow"] = [TransientSendError("429", retry_after=0.5),
                                TransientSendError("502"), TransientSendError("reset")]
    with Store(tmp_path) as store:
        for name in ("slow", "fast"):
            store.save_chat(chat(name, {"wco"}))
        store.ingest([release(1, ["wco"])])
        started = time.monotonic()
        delivery = await run_delivery(store, transport)
        fast = next(s for s in transport.sent if s.chat_id == "fast")
        slow = next(s for s in transport.sent if s.chat_id == "slow")
        assert fast.at - started < 0.3 < slow.at - started  # retry_after was honoured
        assert transport.titles("slow") == ["Release 1"]  # exactly one copy
        assert delivery.stats.retried == 3 and delivery.stats.sent == 2


async def test_permanent_failure_deactivates_and_keeps_settings(tmp_path: Path) -> None:
    transport = RecordingTransport()
    transport.faults["gone"] = [PermanentSendError("Forbidden: bot was blocked by the user")]
    with Store(tmp_path) as store:
        store.save_chat(chat("gone", {"wco", "trade"}))
        store.ingest([release(1, ["wco"]), release(2, ["trade"])])
        delivery = await run_delivery(store, transport)
        saved = store.get_chat("console:gone")
        assert saved and not saved.active and saved.subscription.topics == {"wco", "trade"}
        assert "blocked" in (saved.deactivated_reason or "")
        assert transport.sent == [] and delivery.stats.deactivated == 1
        store.ingest([release(3, ["wco"])])
        delivery.scan()
        await delivery.drain(timeout=5)
        assert transport.sent == []  # an inactive chat gets nothing


async def test_migrated_chat_continues_under_its_new_id(tmp_path: Path) -> None:
    transport = RecordingTransport()
    transport.faults["-100"] = [ChatMovedError("-100200")]
    with Store(tmp_path) as store:
        store.save_chat(chat("-100", {"wco"}, kind="group"))
        store.ingest([release(1, ["wco"])])
        await run_delivery(store, transport)
        assert transport.titles("-100200") == ["Release 1"]
        assert store.get_chat("console:-100") is None
        assert store.get_chat("console:-100200").subscription.topics == {"wco"}  # type: ignore


async def test_pacing_respects_limits_by_construction(tmp_path: Path) -> None:
    # the real limits scaled down 10x so the test stays short
    limits = RateLimits(overall_per_second=100, per_chat_interval=0.1, group_per_minute=300)
    transport = RecordingTransport(limits=limits)
    with Store(tmp_path) as store:
        for n in range(10):
            store.save_chat(chat(f"p{n}", {"wco"}))
        store.save_chat(chat("g", {"wco"}, kind="group"))
        store.ingest([release(n, ["wco"]) for n in range(1, 5)])
        await run_delivery(store, transport)
    assert len(transport.sent) == 44
    times = sorted(s.at for s in transport.sent)
    for i in range(len(times) - 100 + 1 if len(times) > 100 else 0):
        assert times[i + 100 - 1] - times[i] >= 1.0
    overall = (times[-1] - times[0]) / (len(times) - 1)
    assert overall >= 0.0095  # 100/s overall, minus timer slack
    for chat_id in [f"p{n}" for n in range(10)] + ["g"]:
        mine = [s.at for s in transport.sent if s.chat_id == chat_id]
        gaps = [b - a for a, b in zip(mine, mine[1:], strict=False)]
        floor = 0.2 if chat_id == "g" else 0.1
        assert min(gaps) >= floor * 0.95, (chat_id, gaps)


async def test_digest_mode_sends_one_message_at_its_time(tmp_path: Path) -> None:
    transport = RecordingTransport()
    clock_now = [datetime(2026, 3, 1, 4, 0, tzinfo=UTC)]  # 08:00 in Baku
    with Store(tmp_path) as store:
        daily = chat("d", {"wco"})
        daily.subscription.mode = "digest"
        daily.subscription.digest_time = "09:00"
        store.save_chat(daily)
        store.ingest([release(n, ["wco"]) for n in range(1, 4)])
        delivery = Delivery(store, {"console": transport}, BAKU, clock=lambda: clock_now[0])
        delivery.scan()
        await delivery.send_digests()
        assert transport.sent == []  # instant delivery skips digest chats; not 09:00 yet
        clock_now[0] = datetime(2026, 3, 1, 5, 1, tzinfo=UTC)
        await delivery.send_digests()
        await delivery.send_digests()
        assert len(transport.sent) == 1
        assert "3 new releases" in transport.sent[0].reply.plain()
        assert store.cursor("console:d") == 3


async def test_a_correction_while_its_alert_waits_its_turn_reaches_that_alert(
        tmp_path: Path) -> None:
    """The release is corrected while a chat's alert of it waits its turn (built, not yet sent:
    one send at a time here, as in a long fan-out): that alert is edited too once sent, not
    left with the old title."""
    from dataclasses import dataclass, field

    from bot.models import Reply

    @dataclass
    class EditingTransport(RecordingTransport):
        edits: list[tuple[str, str, str]] = field(default_factory=list)

        async def send(self, chat: Chat, reply: Reply) -> str:  # type: ignore[override]
            await super().send(chat, reply)
            return f"m{len(self.sent)}"

        async def edit(self, chat: Chat, message_id: str, reply: Reply) -> None:
            self.edits.append((chat.chat_id, message_id, reply.cards[0].title))

    transport = EditingTransport(limits=RateLimits(concurrency=1), latency=0.01)
    with Store(tmp_path) as store:
        store.save_chat(chat("a", {"trade"}))
        store.save_chat(chat("b", {"trade"}))
        store.ingest([release(1, ["trade"])])
        delivery = Delivery(store, {"console": transport}, BAKU)

        def corrected_meanwhile(c: Chat, attempt: int) -> None:
            if attempt == 1:  # the source fixed its title during the first chat's send
                fixed = release(1, ["trade"])
                fixed.title, fixed.content_hash = "Release 1 (corrected)", "h1-fixed"
                delivery.correct(store.ingest([fixed]).updated)
            return None

        transport.fail_when = corrected_meanwhile
        delivery.scan()
        await delivery.drain(timeout=10)
        await delivery.corrections.wait()
        assert [s.title for s in transport.sent] == ["Release 1", "Release 1"]  # both built
        assert sorted(transport.edits) == [("a", "m1", "Release 1 (corrected)"),
                                           ("b", "m2", "Release 1 (corrected)")]
        await delivery.stop()


async def test_a_forum_notice_that_fails_keeps_the_general_topics_settings(
        tmp_path: Path) -> None:
    """A forum topic was deleted and the notice to the group's General topic finds the group
    gone: the General topic's record is deactivated with its settings kept (not replaced by an
    empty one); a group whose General topic has no record gets none."""
    from bot.platforms.base import ThreadGoneError

    transport = RecordingTransport()
    transport.faults = {"-100:7": [ThreadGoneError("Bad Request: message thread not found")],
                        "-100": [PermanentSendError("Forbidden: bot was kicked")],
                        "-200:5": [ThreadGoneError("Bad Request: message thread not found")],
                        "-200": [PermanentSendError("Forbidden: bot was kicked")]}
    with Store(tmp_path) as store:
        store.save_chat(chat("-100", {"demining"}, kind="group"))
        store.save_chat(chat("-100:7", {"trade"}, kind="group"))
        store.save_chat(chat("-200:5", {"trade"}, kind="group"))
        store.ingest([release(1, ["trade"])])
        delivery = await run_delivery(store, transport)
        general = store.get_chat("console:-100")
        assert general is not None and not general.active
        assert general.subscription.topics == {"demining"}  # kept for a /start later
        assert store.get_chat("console:-200") is None
        assert transport.attempts == 4 and transport.sent == []
        await delivery.stop()
