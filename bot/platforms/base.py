"""The Transport port: how delivery reaches a chat platform, and how sends fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.models import Chat, Reply


class SendError(Exception):
    pass


class TransientSendError(SendError):
    """Try again later: rate limited, server error, network trouble."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """The chat cannot be reached any more (blocked, kicked, deleted): deactivate it."""


class ChatMovedError(SendError):
    """The chat lives under a new id now (Telegram group -> supergroup)."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


@dataclass(frozen=True, slots=True)
class RateLimits:
    """What a platform tolerates. None = no limit of that kind."""

    overall_per_second: float | None = None
    per_chat_interval: float | None = None  # seconds between two messages to one chat
    group_per_minute: float | None = None  # groups and channels
    concurrency: int = 32  # sends in flight at once


TELEGRAM_LIMITS = RateLimits(overall_per_second=30, per_chat_interval=1.0, group_per_minute=20)
SLACK_LIMITS = RateLimits(overall_per_second=None, per_chat_interval=1.0)
NO_LIMITS = RateLimits()


class Transport(Protocol):
    platform: str
    limits: RateLimits

    async def send(self, chat: Chat, reply: Reply) -> None:
        """Deliver or raise a SendError subclass. Return means the platform accepted it."""
        ...


class ChatAdapter(Protocol):
    """A running chat platform: receives commands, sends replies, can alert the bot admins."""

    transport: Transport

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def alert_admins(self, reply: Reply) -> None: ...
