"""What every handler may use, built once in bot/app.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.config import Settings
from bot.models import FeedSpec, FeedState, utcnow

if TYPE_CHECKING:
    from bot.classify import Classifier
    from bot.search import SearchIndex
    from bot.store import Store


class FeedControl(Protocol):
    """The poller, as the admin handlers see it."""

    def feed_specs(self) -> list[FeedSpec]: ...
    def health(self) -> dict[str, FeedState]: ...
    async def add_feed(self, spec: FeedSpec) -> None: ...
    async def remove_feed(self, feed_id: str) -> bool: ...


@dataclass
class Deps:
    store: Store
    index: SearchIndex
    classifier: Classifier
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    feeds: FeedControl | None = None
    # platform adapters can check things only they know (e.g. "is the bot an admin of @channel")
    channel_check: dict[str, Callable[[str], Awaitable[str | None]]] = field(default_factory=dict)
    # the last list shown in each chat (item ids), for /why <n> and "More"
    last_lists: dict[str, list[str]] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
