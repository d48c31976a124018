"""/pause and /quiet as delivery reads them: pure functions of the chat and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.gate import gate, parse_quiet, quiet_end
from bot.models import Chat

BAKU = ZoneInfo("Asia/Baku")  # UTC+4, no summer time
BERLIN = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0, day: int = 2, tz: ZoneInfo = BAKU) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=tz).astimezone(UTC)


def test_quiet_hours_are_read_as_typed_and_refused_otherwise() -> None:
    assert parse_quiet("22:00-08:00") == (time(22), time(8))
    assert parse_quiet("7.30 – 9.00") == (time(7, 30), time(9))
    for bad in ("22:00", "25:00-08:00", "22:00-08:61", "10:00-10:00", "late-early", ""):
        assert parse_quiet(bad) is None, bad


def test_overnight_quiet_hours_end_the_next_morning_in_the_chats_zone() -> None:
    assert quiet_end("22:00-08:00", at(23, 30), BAKU) == at(8, day=3)
    assert quiet_end("22:00-08:00", at(2), BAKU) == at(8)
    assert quiet_end("22:00-08:00", at(8), BAKU) is None  # the end minute is awake
    assert quiet_end("22:00-08:00", at(21, 59), BAKU) is None
    assert quiet_end("13:00-14:00", at(13, 15), BAKU) == at(14)
    assert quiet_end("", at(13), BAKU) is None


def test_quiet_hours_over_a_clock_change_end_at_the_wall_clock_time() -> None:
    # the night of 28-29 March 2026: Berlin moves from UTC+1 to UTC+2 at 02:00
    ends = quiet_end("22:00-08:00", at(23, day=28, tz=BERLIN), BERLIN)
    assert ends == datetime(2026, 3, 29, 6, tzinfo=UTC)  # 08:00 summer time


def test_a_pause_drops_or_holds_and_beats_quiet_hours() -> None:
    chat = Chat("telegram", "1", quiet_hours="22:00-08:00")
    assert gate(chat, at(12), BAKU).kind == "open"
    held = gate(chat, at(23), BAKU)
    assert (held.kind, held.until, held.reason) == ("hold", at(8, day=3), "quiet")
    chat.paused, chat.paused_until = True, at(14)
    assert gate(chat, at(12), BAKU).kind == "drop"
    assert gate(chat, at(23), BAKU).kind == "hold"  # the pause is over: quiet hours again
    chat.pause_keep = True
    assert (gate(chat, at(12), BAKU).kind, gate(chat, at(12), BAKU).until) == ("hold", at(14))
    chat.paused_until = at(23)  # a kept pause ending in quiet hours holds on to their end
    assert gate(chat, at(12), BAKU).until == at(8, day=3)
    chat.paused_until = None  # until /resume
    forever = gate(chat, at(12) + timedelta(days=400), BAKU)
    assert (forever.kind, forever.until, forever.reason) == ("hold", None, "pause")
