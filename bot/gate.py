"""Whether a chat takes alerts now: /pause and /quiet, as pure functions of the chat and a clock.

`gate(chat, now, tz)` answers one of
    open   send as usual (and first, as one digest, whatever the gate held back);
    drop   paused without `keep`: what arrives now is never pushed;
    hold   paused with `keep`, or in quiet hours: keep it for one digest at `until`
           (None: a pause until /resume).
A pause beats quiet hours; a kept pause that ends inside quiet hours holds on to their end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Literal

from bot.models import Chat

_QUIET = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})$")

GateKind = Literal["open", "drop", "hold"]
HoldReason = Literal["", "pause", "quiet"]


@dataclass(frozen=True, slots=True)
class Gate:
    kind: GateKind = "open"
    until: datetime | None = None  # when it opens (None: at /resume, or already open)
    reason: HoldReason = ""


OPEN = Gate()


def parse_quiet(text: str) -> tuple[time, time] | None:
    """"22:00-08:00" -> (22:00, 08:00); None unless both are times of day and differ."""
    match = _QUIET.match(text.strip())
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        return None
    return time(h1, m1), time(h2, m2)


def format_quiet(window: tuple[time, time]) -> str:
    return f"{window[0]:%H:%M}-{window[1]:%H:%M}"


def quiet_end(spec: str, now: datetime, tz: tzinfo) -> datetime | None:
    """When the quiet hours `spec` that `now` falls in end (aware, UTC); None outside them."""
    window = parse_quiet(spec) if spec else None
    if window is None:
        return None
    start, end = window
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    overnight = start > end  # 22:00-08:00
    inside = (clock >= start or clock < end) if overnight else (start <= clock < end)
    if not inside:
        return None
    day = local.date()
    if overnight and clock >= start:
        day += timedelta(days=1)
    # wall-clock time in the zone (a DST jump moves it by the jump, never into the past)
    ends = datetime.combine(day, end, tzinfo=tz)
    return max(ends.astimezone(now.tzinfo), now)


def pause_active(chat: Chat, now: datetime) -> bool:
    return chat.paused and (chat.paused_until is None or now < chat.paused_until)


def gate(chat: Chat, now: datetime, tz: tzinfo) -> Gate:
    if pause_active(chat, now):
        if not chat.pause_keep:
            return Gate("drop", chat.paused_until, "pause")
        until = chat.paused_until
        if until is not None:  # kept releases wait on for quiet hours the pause ends in
            until = quiet_end(chat.quiet_hours, until, tz) or until
        return Gate("hold", until, "pause")
    ends = quiet_end(chat.quiet_hours, now, tz)
    if ends is not None:
        return Gate("hold", ends, "quiet")
    return OPEN


def held_reason(chat: Chat, arrivals: list[datetime | None], tz: tzinfo) -> HoldReason:
    """Why releases that arrived at `arrivals` (now open) were held, if they were: by a kept
    pause that has ended, or by quiet hours they arrived in (the gate closed and opened again
    while the bot was down); "" when they were not."""
    if not (chat.quiet_hours or chat.pause_keep):
        return ""
    seen = [t for t in arrivals if t is not None]
    until = chat.paused_until
    if chat.paused and chat.pause_keep and until is not None and any(t < until for t in seen):
        return "pause"
    if any(quiet_end(chat.quiet_hours, t, tz) for t in seen):
        return "quiet"
    return ""
