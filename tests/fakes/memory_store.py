"""An in-memory store for handler tests: what `handlers.ports.StorePort` asks of the real
`bot.store.Store`, plus the few calls tests use to set a scene (`ingest`, `iter_items`,
`save_feed_state`), and what delivery asks of stories (`story`, `recent_items`, the
sent-stories journal).

It behaves as the real store does where a handler could notice: releases get sequence numbers
in publication order, `latest` is newest first, and every read hands out a copy, so a handler
that changes a chat without saving it changes nothing stored.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from bot.models import (
    Chat,
    FeedSpec,
    FeedState,
    IngestResult,
    Item,
    SentStory,
    Story,
    split_thread,
    thread_chat_id,
)


@dataclass
class MemoryStore:
    max_seq: int = 0
    items: dict[str, Item] = field(default_factory=dict)
    chats_by_key: dict[str, Chat] = field(default_factory=dict)
    added_feeds: dict[str, FeedSpec] = field(default_factory=dict)
    states: dict[str, FeedState] = field(default_factory=dict)
    sent: dict[tuple[str, str], SentStory] = field(default_factory=dict)

    # -- releases -----------------------------------------------------------------------------

    def ingest(
        self, items: Iterable[Item], *, notify: bool = True, now: datetime | None = None
    ) -> IngestResult:
        """New releases get the next sequence numbers, oldest first (the given items are
        updated in place, as the real store does); a known id with new content replaces the
        stored one and keeps its number."""
        now = now or datetime.now(UTC)
        result = IngestResult()
        fresh: dict[str, Item] = {}
        for item in items:
            known = self.items.get(item.id)
            if known is None and item.id not in fresh:
                fresh[item.id] = item
            elif known is not None and known.content_hash != item.content_hash:
                item.seq, item.notify, item.first_seen = known.seq, known.notify, known.first_seen
                item.story = known.story  # a stored release's story never changes
                item.updated_at = now
                self.items[item.id] = deepcopy(item)
                result.updated.append(item)
            else:
                result.seen += 1
        for item in sorted(fresh.values(), key=lambda i: (i.published, i.id)):
            self.max_seq += 1
            item.seq, item.notify, item.first_seen = self.max_seq, notify and item.notify, now
            self.items[item.id] = deepcopy(item)
            result.new.append(item)
        return result

    def _by_date(self) -> list[Item]:
        return sorted(self.items.values(), key=lambda i: (i.published, i.seq, i.id))

    def get_item(self, item_id: str) -> Item | None:
        item = self.items.get(item_id)
        return deepcopy(item) if item is not None else None

    def count_items(self) -> int:
        return len(self.items)

    def iter_items(self) -> Iterator[Item]:
        """Every release, oldest first."""
        for item in self._by_date():
            yield deepcopy(item)

    def items_after(self, seq: int, limit: int = 1000) -> list[Item]:
        """Releases stored after `seq`, in sequence order."""
        after = sorted((i for i in self.items.values() if i.seq > seq), key=lambda i: i.seq)
        return [deepcopy(i) for i in after[:limit]]

    def latest(self, limit: int = 5, offset: int = 0, topic: str | None = None) -> list[Item]:
        """Newest first by publication date."""
        newest = [i for i in reversed(self._by_date()) if topic is None or topic in i.topics]
        return [deepcopy(i) for i in newest[offset : offset + limit]]

    # -- stories --------------------------------------------------------------------------------

    def story(self, story_id: str) -> Story:
        """The story with its stored editions (one per language, the first stored of each)."""
        story = Story(story_id)
        for item in self._by_date():
            if item.story_id == story_id:
                story.editions.setdefault(item.language, deepcopy(item))
        return story

    def stories(self, story_ids: Iterable[str]) -> dict[str, Story]:
        return {sid: self.story(sid) for sid in story_ids}

    def recent_items(self, since: datetime, feed_ids: Collection[str]) -> list[Item]:
        """Releases of `feed_ids` published or first seen at or after `since`."""
        return [deepcopy(i) for i in self._by_date() if i.feed_id in feed_ids
                and (i.published >= since or (i.first_seen is not None and i.first_seen >= since))]

    def record_story_sent(self, sent: SentStory) -> None:
        self.sent.setdefault((sent.chat_key, sent.story_id), sent)

    def story_sent(self, chat_key: str, story_id: str) -> SentStory | None:
        return self.sent.get((chat_key, story_id))

    def sent_of_item(self, item_id: str) -> list[SentStory]:
        return [s for _, s in sorted(self.sent.items()) if s.item_id == item_id]

    def flush_cursors(self) -> None:
        """Nothing to make durable in memory."""

    # -- chats --------------------------------------------------------------------------------

    def get_chat(self, key: str) -> Chat | None:
        chat = self.chats_by_key.get(key)
        return deepcopy(chat) if chat is not None else None

    def save_chat(self, chat: Chat) -> None:
        self.chats_by_key[chat.key] = deepcopy(chat)

    def move_group(self, platform: str, old_id: str, new_id: str) -> dict[str, str]:
        moved: dict[str, str] = {}
        for key, chat in list(self.chats_by_key.items()):
            base, thread_id = split_thread(chat.chat_id)
            if chat.platform == platform and base == old_id:
                new_chat = replace(chat, chat_id=thread_chat_id(new_id, thread_id))
                del self.chats_by_key[key]
                self.chats_by_key[new_chat.key] = new_chat
                moved[key] = new_chat.key
        return moved

    def chats(self, platform: str | None = None) -> list[Chat]:
        return [deepcopy(c) for c in self.chats_by_key.values()
                if platform is None or c.platform == platform]

    # -- feeds --------------------------------------------------------------------------------

    def admin_feeds(self) -> list[FeedSpec]:
        return [replace(spec) for spec in self.added_feeds.values()]

    def add_admin_feed(self, spec: FeedSpec) -> None:
        spec.origin = "admin"
        self.added_feeds[spec.id] = replace(spec)

    def remove_admin_feed(self, feed_id: str) -> bool:
        self.states.pop(feed_id, None)
        return self.added_feeds.pop(feed_id, None) is not None

    def feed_states(self) -> dict[str, FeedState]:
        return {fid: replace(state) for fid, state in self.states.items()}

    def save_feed_state(self, state: FeedState) -> None:
        self.states[state.feed_id] = replace(state)

    def flush_feed_states(self) -> None:
        """Nothing to write: the states live in memory only."""
