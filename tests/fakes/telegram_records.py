"""The fake Bot API's records and settings: calls, injected faults, limits, chat state."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

BOT_ID = 7000001


@dataclass(slots=True)
class Call:
    method: str
    params: dict[str, Any]
    time: float  # time.monotonic() on arrival
    status: int = 200  # the HTTP status answered
    chat_id: str | None = None


@dataclass(slots=True)
class TelegramLimits:
    """What the fake enforces when limits are on (Telegram's published limits)."""

    overall_per_second: int = 30  # sends in any 1-second window
    per_chat_interval: float = 1.0  # seconds between two sends to one chat
    group_per_minute: int = 20  # sends to one group/channel in any 60-second window
    tolerance: float = 0.0  # seconds of slack granted on the per-chat interval


@dataclass(slots=True)
class TgFault:
    """One injected failure. kind: retry_after | blocked | kicked | migrate | not_found |
    server_error | reset | delay | bad_request."""

    kind: str
    chat_id: str | None = None  # None: any chat
    methods: frozenset[str] = frozenset({"sendMessage"})
    times: int | None = 1  # None: until cleared
    retry_after: int = 1
    migrate_to: int | None = None
    status: int = 500
    delay: float = 0.0
    description: str = ""


@dataclass
class ChatState:
    chat: dict[str, Any]
    next_message_id: int = 1
    last_send: float = -1e9
    window: deque[float] = field(default_factory=deque)
    threads: set[int] = field(default_factory=set)  # forum topics (message_thread_id)
    deleted_threads: set[int] = field(default_factory=set)
