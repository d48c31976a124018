"""What every handler may use, built once in bot/app.py (tests build it around fakes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.models import utcnow
from handlers.ports import BroadcastPort, FeedControl, SearchPort, StorePort, TopicsPort

__all__ = ["ChatView", "Deps", "FeedControl"]


@dataclass
class ChatView:
    """What a chat was shown last, kept in memory (gone after a restart).

    `ids` are the releases of the last list, numbered from `first_number` (a later page starts
    at 6, 11 ...), for /why <n>. `queries` are the chat's last searches, newest last, so that a
    "More" button, whose action carries a short hash and not the query, pages the right search.
    """

    ids: list[str] = field(default_factory=list)
    first_number: int = 1
    queries: list[str] = field(default_factory=list)


@dataclass
class Deps:
    store: StorePort
    index: SearchPort
    classifier: TopicsPort
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    feeds: FeedControl | None = None
    # platform adapters can check things only they know (e.g. "is the bot an admin of @channel")
    channel_check: dict[str, Callable[[str], Awaitable[str | None]]] = field(default_factory=dict)
    chat_views: dict[str, ChatView] = field(default_factory=dict)  # by chat key
    stats: dict[str, int] = field(default_factory=dict)
    # tells delivery that a chat's settings changed (/resume, /quiet off): it looks again now
    wake_delivery: Callable[[], None] | None = None
    broadcaster: BroadcastPort | None = None  # None: no delivery runs (nothing to send with)
    broadcasts: dict[str, str] = field(default_factory=dict)  # awaiting "Confirm": id -> text

    def changed(self) -> None:
        if self.wake_delivery is not None:
            self.wake_delivery()

    def view(self, chat_key: str) -> ChatView:
        """The chat's view, created empty on first use."""
        return self.chat_views.setdefault(chat_key, ChatView())
