"""A Transport that records what it was asked to send, and fails on demand."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.models import Chat, Reply
from bot.platforms.base import (
    NO_LIMITS,
    ChatMovedError,
    PermanentSendError,
    RateLimits,
    TransientSendError,
)


@dataclass
class Sent:
    chat_id: str
    reply: Reply
    at: float

    @property
    def title(self) -> str:
        return self.reply.cards[0].title if self.reply.cards else self.reply.plain()


@dataclass
class RecordingTransport:
    platform: str = "console"
    limits: RateLimits = NO_LIMITS
    latency: float = 0.0
    sent: list[Sent] = field(default_factory=list)
    attempts: int = 0
    # chat id -> list of exceptions to raise on its next sends (consumed in order)
    faults: dict[str, list[Exception]] = field(default_factory=dict)
    fail_when: Callable[[Chat, int], Exception | None] | None = None

    async def send(self, chat: Chat, reply: Reply) -> None:
        self.attempts += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        queue = self.faults.get(chat.chat_id)
        if queue:
            raise queue.pop(0)
        if self.fail_when and (error := self.fail_when(chat, self.attempts)):
            raise error
        self.sent.append(Sent(chat.chat_id, reply, time.monotonic()))

    def titles(self, chat_id: str) -> list[str]:
        return [s.title for s in self.sent if s.chat_id == chat_id]


__all__ = ["ChatMovedError", "PermanentSendError", "RecordingTransport", "TransientSendError"]


@dataclass
class RecordingAdapter:
    """A chat platform for the App: a RecordingTransport for notifications, and the admins'
    alerts recorded (in English)."""

    transport: RecordingTransport = field(default_factory=RecordingTransport)
    alerts: list[str] = field(default_factory=list)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def alert_admins(self, alert: Callable[[str], Reply]) -> None:
        self.alerts.append(alert("en").plain())
