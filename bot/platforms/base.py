"""The ports every chat platform fills: Transport (sending) and ChatAdapter (a running platform).

They are `typing.Protocol`s: an adapter needs no base class, only the members below. Members an
adapter merely exposes are read-only properties here, so that a concrete adapter may declare a
narrower type (``TelegramAdapter.transport`` is a ``TelegramTransport``) and still satisfy them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.i18n import LANGUAGES, pick_language, tr
from bot.models import Chat, Reply, chat_key
from handlers.ports import StorePort
from handlers.router import SORRY

# An alert for the bot's admins, written in the language it is given ("az", "ru", "en"): each
# admin reads it in their own chat's language.
AdminAlert = Callable[[str], Reply]


class SendError(Exception):
    pass


class TransientSendError(SendError):
    """Try again later: rate limited, server error, network trouble."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """The chat cannot be reached any more (blocked, kicked, deleted): deactivate it."""


class ThreadGoneError(PermanentSendError):
    """A forum topic (thread) was deleted: only that thread's chat record stops; its group
    lives on (Telegram's "message thread not found")."""


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

    async def send(self, chat: Chat, reply: Reply) -> str | None:
        """Deliver or raise a SendError subclass. Return means the platform accepted it; the
        value is the message's id when the platform gave one (what `Editor.edit` takes)."""
        ...


@runtime_checkable
class Editor(Protocol):
    """A transport that can change a notification it sent (a corrected release)."""

    async def edit(self, chat: Chat, message_id: str, reply: Reply) -> None:
        """Replace the message `message_id` (as `send` returned it) with `reply`. A message that
        is unchanged, gone or too old to edit is logged and let be; raises only
        TransientSendError (rate limited, network): try again later."""
        ...


class ChatAdapter(Protocol):
    """A running chat platform: receives commands, sends replies, can alert the bot admins."""

    @property
    def transport(self) -> Transport: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def alert_admins(self, alert: AdminAlert) -> None:
        """Send `alert(lang)` to every bot admin, each in their chat's language."""
        ...


def fallback_reply(lang: str = "en") -> Reply:
    """What a user sees when answering failed outside `dispatch` (e.g. while rendering).

    `handlers.router.dispatch` never raises and owns the one apology text; an adapter that
    fails after it (or around it) answers with the same text, never one of its own.
    """
    return Reply.text(tr(lang, SORRY))


def chat_language(store: StorePort, platform: str, chat_id: str, user_language: str = "") -> str:
    """The language a chat is written to in: its stored one, else the user's (a Telegram
    language_code or a Slack locale, through `pick_language`), else English."""
    chat = store.get_chat(chat_key(platform, chat_id))
    if chat is not None and chat.language in LANGUAGES:
        return chat.language
    return pick_language(user_language)
