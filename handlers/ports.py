"""What the handlers need of the rest of the bot, and nothing more.

Each port is a `typing.Protocol` holding only the methods the handlers call, so the real
`bot.store.Store`, `bot.search.SearchIndex` and `bot.classify.Classifier` fit without knowing
about it, and so does a test fake (tests/fakes/memory_store.py) without inheriting anything.
The check at the bottom makes mypy prove that the real classes still fit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.models import Chat, FeedSpec, FeedState, Item, Span, Story, Topic


class StorePort(Protocol):
    """The store: chats and their settings, stored releases, admin-added feeds."""

    @property
    def max_seq(self) -> int:
        """The sequence number of the newest stored release (0 when there is none)."""
        ...

    # chats
    def get_chat(self, key: str) -> Chat | None: ...
    def save_chat(self, chat: Chat) -> None: ...
    def chats(self, platform: str | None = None) -> list[Chat]: ...
    def move_group(self, platform: str, old_id: str, new_id: str) -> dict[str, str]:
        """A group's record and its forum topics' records under the group's new id (Telegram:
        a group became a supergroup); old key -> new key of each record moved."""
        ...

    # releases
    def get_item(self, item_id: str) -> Item | None: ...
    def count_items(self) -> int: ...
    def latest(self, limit: int = 5, offset: int = 0, topic: str | None = None) -> list[Item]:
        """Newest first by publication date."""
        ...

    def items_after(self, seq: int, limit: int = 1000) -> list[Item]:
        """Releases stored after `seq`, in sequence order."""
        ...

    # stories: the language editions of one release
    def story(self, story_id: str) -> Story:
        """Every stored edition of the story (none for an unknown id)."""
        ...

    def stories(self, story_ids: Iterable[str]) -> dict[str, Story]:
        """`story` of each id."""
        ...

    # feeds, when no poller runs (e.g. `newsbot demo`)
    def admin_feeds(self) -> list[FeedSpec]: ...
    def add_admin_feed(self, spec: FeedSpec) -> None: ...
    def remove_admin_feed(self, feed_id: str) -> bool: ...
    def feed_states(self) -> dict[str, FeedState]: ...


class SearchHit(Protocol):
    @property
    def item_id(self) -> str: ...
    @property
    def snippet(self) -> list[Span]: ...


class SearchQuery(Protocol):
    @property
    def warnings(self) -> list[str]: ...
    @property
    def langs(self) -> list[str]:
        """The languages a `lang:` asked for (none: any)."""
        ...
    @property
    def asked_topics(self) -> list[str]:
        """The topics a `topic:` or `-topic:` named, known or not."""
        ...


class SearchOutcome(Protocol):
    @property
    def hits(self) -> Sequence[SearchHit]: ...
    @property
    def total(self) -> int: ...
    @property
    def query(self) -> SearchQuery: ...
    @property
    def error(self) -> str | None: ...


class SearchPort(Protocol):
    """The search index: its size (0 while it is being built) and ranked, paged results."""

    def __len__(self) -> int: ...
    def search(self, query: str, limit: int = 5, offset: int = 0) -> SearchOutcome: ...


class TopicsPort(Protocol):
    """The classifier, as the handlers see it: the topics, in their display order."""

    @property
    def topics(self) -> Sequence[Topic]: ...
    def topic(self, topic_id: str) -> Topic | None: ...


class FeedControl(Protocol):
    """The poller, as the admin handlers see it."""

    def feed_specs(self) -> list[FeedSpec]: ...
    def health(self) -> dict[str, FeedState]: ...
    async def add_feed(self, spec: FeedSpec) -> None: ...
    async def remove_feed(self, feed_id: str) -> bool: ...


class BroadcastPort(Protocol):
    """Delivery's sender of an admin's announcement (/broadcast)."""

    def audience(self) -> list[Chat]:
        """The chats an announcement would reach now."""
        ...

    def start(self, text: str, report_to: Chat) -> int:
        """Send `text` to the audience, paced, in the background; report to `report_to` when
        done. The number of chats it goes to."""
        ...


if TYPE_CHECKING:  # mypy proves that the real parts fit the ports; nothing runs here
    from bot.classify import Classifier
    from bot.search import SearchIndex
    from bot.store import Store

    def _real_parts_fit(store: Store, index: SearchIndex, classifier: Classifier) -> None:
        _store: StorePort = store
        _index: SearchPort = index
        _topics: TopicsPort = classifier
