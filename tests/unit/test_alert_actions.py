"""The alert buttons' actions on the memory store: what Mute, Unsubscribe and Undo leave in a
chat's subscription; forged and stale actions; the thread-id helpers and error mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from telegram.error import BadRequest, ChatMigrated

from bot.classify import Classifier
from bot.config import Settings
from bot.matching import wants
from bot.models import Chat, Command, Item, Story, Subscription, split_thread, thread_chat_id
from bot.platforms.base import ChatMovedError, ThreadGoneError
from bot.platforms.telegram.transport import map_send_error
from handlers.alert_actions import alert_buttons
from handlers.deps import Deps
from handlers.router import dispatch, parse_command_text
from tests.fakes.memory_store import MemoryStore

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)


def release(n: int, topics: list[str]) -> Item:
    return Item(id=f"r{n}", feed_id="customs", url=f"https://customs.example/{n}",
                title=f"Release {n}", body="Mine clearance went on.", published=NOW,
                language="en", topics=topics, content_hash=str(n))


@pytest.fixture
def deps() -> Deps:
    store = MemoryStore()
    store.ingest([release(1, ["demining"]), release(2, ["demining", "trade"])], now=NOW)
    return Deps(store=store, index=None, classifier=Classifier(),  # type: ignore[arg-type]
                settings=Settings(), clock=lambda: NOW)


def chat_with(deps: Deps, chat_id: str = "100", kind: Any = "private") -> Chat:
    chat = Chat(platform="telegram", chat_id=chat_id, kind=kind,
                subscription=Subscription(topics={"demining", "trade"}, keywords={"mines"},
                                          added_at={"word:mines": 1}))
    deps.store.save_chat(chat)
    return chat


async def tap(deps: Deps, data: str, chat_id: str = "100", **kw: Any) -> Any:
    parsed = parse_command_text("/" + data)
    assert parsed is not None
    name, args, raw = parsed
    return await dispatch(Command(platform="telegram", chat_id=chat_id, name=name, args=args,
                                  raw_args=raw, via_button=True, **kw), deps)


def followed(deps: Deps, chat_id: str = "100") -> tuple[set[str], set[str]]:
    chat = deps.store.get_chat(f"telegram:{chat_id}")
    assert chat is not None
    return chat.subscription.topics, chat.subscription.keywords


async def test_mute_then_undo_puts_back_exactly_what_was_followed(deps: Deps) -> None:
    chat_with(deps)
    muted = await tap(deps, "alert mute demining 2")
    assert muted.replace and not muted.toast
    assert "Muted Demining" in muted.plain() and "Release 2" in muted.plain()
    assert followed(deps) == ({"trade"}, {"mines"})
    [[undo]] = muted.buttons
    assert undo.label == "Undo"
    memory(deps).ingest([release(3, ["demining"])], now=NOW)  # published while muted

    restored = await tap(deps, undo.action)
    assert followed(deps) == ({"demining", "trade"}, {"mines"})
    assert [b.label for b in restored.buttons[0]] == ["Mute Demining",
                                                       "Mute Foreign trade and revenue",
                                                       "Unsubscribe"]
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None and chat.subscription.added_at["word:mines"] == 1  # untouched
    # what was published while muted is not sent late; what comes after is
    [while_muted] = deps.store.items_after(2, limit=1)
    assert not wants(chat.subscription, while_muted, ["demining"])
    later = release(4, ["demining"])
    memory(deps).ingest([later], now=NOW)
    assert wants(chat.subscription, later)

    again = await tap(deps, undo.action)  # an Undo works once
    assert again.toast and "no longer be undone" in again.plain()


def memory(deps: Deps) -> MemoryStore:
    assert isinstance(deps.store, MemoryStore)
    return deps.store


async def test_unsubscribe_clears_topics_and_keywords_and_undo_brings_both_back(
        deps: Deps) -> None:
    chat_with(deps)
    stopped = await tap(deps, "alert stop 1")
    assert "Unsubscribed from everything" in stopped.plain()
    assert followed(deps) == (set(), set())
    await tap(deps, stopped.buttons[0][0].action)
    assert followed(deps) == ({"demining", "trade"}, {"mines"})


@pytest.mark.parametrize("data", [
    "alert undo 00000000 1", "alert mute nosuchtopic 1", "alert mute demining x",
    "alert stop", "alert stop 1 2", "alert frobnicate", "alert",
])
async def test_forged_or_malformed_actions_change_nothing(deps: Deps, data: str) -> None:
    chat_with(deps)
    reply = await tap(deps, data)
    assert reply.toast
    assert followed(deps) == ({"demining", "trade"}, {"mines"})


async def test_no_undo_after_the_chat_changed_otherwise(deps: Deps) -> None:
    chat_with(deps)
    muted = await tap(deps, "alert mute demining 1")
    chat = deps.store.get_chat("telegram:100")
    assert chat is not None
    chat.subscription.topics.add("wco")  # e.g. /subscribe wco in between
    deps.store.save_chat(chat)
    late = await tap(deps, muted.buttons[0][0].action)
    assert late.toast and "no longer be undone" in late.plain()
    assert followed(deps) == ({"trade", "wco"}, {"mines"})


async def test_a_token_is_good_for_its_own_chat_only(deps: Deps) -> None:
    chat_with(deps, "100")
    chat_with(deps, "200")
    muted = await tap(deps, "alert mute trade 2", chat_id="100")
    elsewhere = await tap(deps, muted.buttons[0][0].action, chat_id="200")
    assert elsewhere.toast and followed(deps, "200") == ({"demining", "trade"}, {"mines"})


async def test_in_a_group_a_member_is_refused_privately(deps: Deps) -> None:
    chat_with(deps, "-5:42", kind="group")
    reply = await tap(deps, "alert mute demining 1", chat_id="-5:42", chat_kind="group",
                      is_chat_admin=False)
    assert reply.toast and "administrators" in reply.plain()
    assert followed(deps, "-5:42") == ({"demining", "trade"}, {"mines"})
    reply = await tap(deps, "alert mute demining 1", chat_id="-5:42", chat_kind="group",
                      is_chat_admin=True)
    assert not reply.toast and followed(deps, "-5:42") == ({"trade"}, {"mines"})


async def test_typed_alert_actions_are_unknown_commands(deps: Deps) -> None:
    chat_with(deps)
    parsed = parse_command_text("/alert stop 1")
    assert parsed is not None
    reply = await dispatch(Command(platform="telegram", chat_id="100", name=parsed[0],
                                   args=parsed[1], raw_args=parsed[2]), deps)
    assert "don't know the command" in reply.plain()
    assert followed(deps) == ({"demining", "trade"}, {"mines"})


def test_alert_buttons_fit_telegrams_64_bytes() -> None:
    long_id = "x" * 60
    chat = Chat(platform="telegram", chat_id="1",
                subscription=Subscription(topics={"demining", long_id, "trade", "wco"}))
    item = release(123456789, ["demining", long_id, "trade", "wco"])
    item.seq = 123456789
    rows = alert_buttons(chat, Story(item.id, {"en": item}), item, lambda t, lang: t.title())
    actions = [b.action for row in rows for b in row]
    assert all(len(a.encode()) <= 64 for a in actions)
    assert actions == ["alert mute demining 123456789", "alert stop 123456789"]


def test_thread_ids_round_trip() -> None:
    assert thread_chat_id(-1001, 42) == "-1001:42"
    assert thread_chat_id("-1001", None) == "-1001"
    assert split_thread("-1001:42") == ("-1001", 42)
    for plain in ("-1001", "@customs_alerts", "C0123", "U1"):
        assert split_thread(plain) == (plain, None)


def test_telegram_errors_of_a_thread() -> None:
    gone = map_send_error(BadRequest("Message thread not found"), thread_id=42)
    assert isinstance(gone, ThreadGoneError)
    assert isinstance(map_send_error(BadRequest("Topic_deleted"), thread_id=42), ThreadGoneError)
    assert not isinstance(map_send_error(BadRequest("Message thread not found")),
                          ThreadGoneError)
    moved = map_send_error(ChatMigrated(-1002), thread_id=42)
    assert isinstance(moved, ChatMovedError) and moved.new_chat_id == "-1002:42"
