"""The ports every chat platform fills: Transport (sending) and ChatAdapter (a running platform).

They are `typing.Protocol`s: an adapter needs no base class, only the members below. Members an
adapter merely exposes are read-only properties here, so that a concrete adapter may declare a
narrower type (``TelegramAdapter.transport`` is a ``TelegramTransport``) and still satisfy them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.models import Chat, Reply
from handlers.router import SORRY


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
    """How delivery reaches a chat platform."""

    @property
    def platform(self) -> str: ...

    @property
    def limits(self) -> RateLimits: ...

    async def send(self, chat: Chat, reply: Reply) -> None:
        """Deliver or raise a SendError subclass. Return means the platform accepted it."""
        ...


class ChatAdapter(Protocol):
    """A running chat platform: receives commands, sends replies, can alert the bot admins."""

    @property
    def transport(self) -> Transport: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def alert_admins(self, reply: Reply) -> None: ...


def fallback_reply() -> Reply:
    """What a user sees when answering failed outside `dispatch` (e.g. while rendering).

    `handlers.router.dispatch` never raises and owns the one apology text; an adapter that
    fails after it (or around it) answers with the same text, never one of its own.
    """
    return Reply.text(SORRY)
