"""/broadcast's sending side over a real store and a recording transport: whom it reaches,
once each, what a failure does, and the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.delivery import Delivery, broadcast
from bot.models import Chat
from bot.platforms.base import RateLimits
from bot.store import Store
from tests.conftest import until
from tests.fakes.recording_transport import (
    PermanentSendError,
    RecordingTransport,
    TransientSendError,
)
from tests.unit.test_delivery import BAKU


async def test_a_broadcast_reaches_each_active_chat_once_and_reports(tmp_path: Path) -> None:
    transport = RecordingTransport(limits=RateLimits(per_chat_interval=0.01))
    transport.faults = {"busy": [TransientSendError("429", retry_after=0.01)],
                        "gone": [PermanentSendError("blocked")]}
    with Store(tmp_path) as store:
        for chat_id in ("a", "busy", "gone", "-100:7", "-100:3", "-200", "-200:5"):
            store.save_chat(Chat("console", chat_id, kind="private" if "-" not in chat_id
                                 else "group", language="ru" if chat_id == "a" else "en"))
        store.save_chat(Chat("console", "old", active=False))
        delivery = Delivery(store, {"console": transport}, BAKU, max_backoff=0.05)
        broadcaster = delivery.broadcasts
        # a forum once: its General topic when it follows something, else its first topic
        assert sorted(c.chat_id for c in broadcaster.audience()) == [
            "-100:3", "-200", "a", "busy", "gone"]
        admin = Chat("console", "admin")
        assert broadcaster.start("Line one\nLine two", admin) == 5
        report = await until(lambda: next((s for s in transport.sent if s.chat_id == "admin"),
                                          None), what="the report to the admin")
        received = [s.chat_id for s in transport.sent if s.chat_id != "admin"]
        assert sorted(received) == ["-100:3", "-200", "a", "busy"]  # busy after a retry
        assert "reached 4 of 5 chats" in report.reply.plain()
        ru = next(s for s in transport.sent if s.chat_id == "a").reply.plain()
        assert ru.splitlines() == ["Объявление администраторов бота", "Line one", "Line two"]
        gone = store.get_chat("console:gone")
        assert gone is not None and not gone.active
        # a report that cannot reach an admin's chat the bot keeps no record of leaves no record
        transport.faults["admin2"] = [PermanentSendError("blocked")]
        broadcaster.start("Again", Chat("console", "admin2"))
        await until(lambda: transport.attempts >= 12, what="the second round and its report")
        await until(lambda: not broadcaster._tasks, what="the second broadcast done")
        assert store.get_chat("console:admin2") is None and store.get_chat("console:admin") is None
        await delivery.stop()


async def test_a_chat_unbound_while_a_broadcast_runs_is_not_sent_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audience is counted at Confirm; a chat deactivated before its turn (a channel
    unbound, a chat found gone by an alert) is skipped, and its record is left as it is."""
    monkeypatch.setattr(broadcast, "AT_ONCE", 1)  # one chat at a time: a long broadcast
    transport = RecordingTransport()
    with Store(tmp_path) as store:
        for chat_id in ("a", "b", "c"):
            store.save_chat(Chat("console", chat_id))
        delivery = Delivery(store, {"console": transport}, BAKU)

        def unbind_b(chat: Chat, attempt: int) -> None:
            if chat.chat_id == "a":  # meanwhile an admin unbinds b (/channel remove)
                b = store.get_chat("console:b")
                assert b is not None
                b.active, b.deactivated_reason = False, "removed by an administrator"
                store.save_chat(b)
            return None

        transport.fail_when = unbind_b
        assert delivery.broadcasts.start("Hello", Chat("console", "admin")) == 3
        report = await until(lambda: next((s for s in transport.sent if s.chat_id == "admin"),
                                          None), what="the report to the admin")
        assert sorted(s.chat_id for s in transport.sent) == ["a", "admin", "c"]
        assert "reached 2 of 3 chats" in report.reply.plain()
        b = store.get_chat("console:b")
        assert b is not None and not b.active
        assert b.deactivated_reason == "removed by an administrator"
        await delivery.stop()
