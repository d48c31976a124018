"""Corrections' bookkeeping: each notification's message id kept per chat and release across a
restart, and which messages a correction edits (sent with that edition, with an id, within
`[delivery] edit_window_hours`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import parse_settings
from bot.delivery.corrections import Corrections
from bot.delivery.sender import Sender
from bot.models import Item, SentStory
from bot.store import Store
from bot.summary import topic_id_label

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def release(item_id: str) -> Item:
    return Item(id=item_id, feed_id="customs", url=f"https://x.az/{item_id}", title="T",
                body="B", published=NOW, content_hash="h", story="story-1")


def test_message_ids_per_chat_and_release_survive_a_restart(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.record_story_sent(SentStory("telegram:1", "story-1", "az-1", NOW, "photo:17"))
        store.record_story_sent(SentStory("slack:C1", "story-1", "az-1", NOW, "C1:1.000200"))
        store.record_story_sent(SentStory("telegram:2", "story-1", "ru-1", NOW, "4"))
        store.flush_cursors()
    with Store(tmp_path) as store:
        assert [(s.chat_key, s.message_id) for s in store.sent_of_item("az-1")] == [
            ("slack:C1", "C1:1.000200"), ("telegram:1", "photo:17")]
        assert [s.chat_key for s in store.sent_of_item("ru-1")] == ["telegram:2"]
        assert store.sent_of_item("en-1") == []


def test_only_messages_sent_within_the_window_with_an_id_are_edited(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        for chat, hours, message in (("telegram:1", 47, "5"), ("telegram:2", 49, "6"),
                                     ("telegram:3", 1, ""), ("slack:C1", 0, "C1:2.0")):
            store.record_story_sent(SentStory(chat, "story-1", "az-1",
                                              NOW - timedelta(hours=hours), message))
        corrections = Corrections(store, Sender(store, {}), ZoneInfo("Asia/Baku"),
                                  topic_id_label, lambda: NOW, timedelta(hours=48))
        due = corrections.due(release("az-1"))
        assert sorted(s.chat_key for s in due) == ["slack:C1", "telegram:1"]
        corrections.window = timedelta(hours=50)
        assert len(corrections.due(release("az-1"))) == 3  # the one without an id: never


def test_edit_window_defaults_to_48_hours_and_0_turns_it_off() -> None:
    assert parse_settings({}, "c.toml", env={}).delivery.edit_window_hours == 48
    settings = parse_settings({"delivery": {"edit_window_hours": 0}}, "c.toml", env={})
    assert settings.delivery.edit_window_hours == 0


def test_message_ids_are_kept_only_within_the_edit_window(tmp_path: Path) -> None:
    now = datetime.now(UTC)  # the store compacts against the real time when it opens
    with Store(tmp_path) as store:
        store.record_story_sent(SentStory("telegram:1", "s-1", "i-1", now - timedelta(hours=3),
                                          "11"))
        store.record_story_sent(SentStory("telegram:1", "s-2", "i-2", now - timedelta(hours=50),
                                          "12"))
        store.flush_cursors()
    with Store(tmp_path, edit_window=timedelta(hours=48)) as store:
        recent, old = store.story_sent("telegram:1", "s-1"), store.story_sent("telegram:1", "s-2")
        assert recent is not None and recent.message_id == "11"
        assert old is not None and old.message_id == ""  # still sent (no repeat), no id kept
