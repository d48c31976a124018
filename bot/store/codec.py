"""Models <-> the JSON documents the store writes (one place for every field's format)."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bot.models import Chat, FeedSpec, FeedState, Item, PendingLink, Subscription

_ITEM_TIMES = ("published", "first_seen", "updated_at")
_FEED_TIMES = ("last_attempt", "last_success", "last_error_at", "last_new_at", "watched_since")


def dt_to_doc(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def doc_to_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def item_to_doc(item: Item) -> dict[str, Any]:
    doc = asdict(item)
    for key in _ITEM_TIMES:
        doc[key] = dt_to_doc(doc[key])
    return doc


def doc_to_item(doc: dict[str, Any]) -> Item:
    data = dict(doc)
    data.pop("revision", None)  # the store's own bookkeeping
    for key in _ITEM_TIMES:
        data[key] = doc_to_dt(data.get(key))
    return Item(**data)


def _full_chat_doc(chat: Chat) -> dict[str, Any]:
    doc = asdict(chat)
    doc["subscription"]["topics"] = sorted(chat.subscription.topics)
    doc["subscription"]["keywords"] = sorted(chat.subscription.keywords)
    doc["created_at"] = dt_to_doc(chat.created_at)
    doc["paused_until"] = dt_to_doc(chat.paused_until)
    doc["key"] = chat.key  # looked up by key; not a field of Chat
    return doc


def chat_to_doc(chat: Chat) -> dict[str, Any]:
    return compact_chat_doc(_full_chat_doc(chat))


# A chat's document leaves out the fields whose value is the empty default (None, "", False,
# 0, [], {}), which `doc_to_chat` restores: 10,000 chats are held parsed for the whole run, and
# most of a chat's 20 fields are empty (half the memory of chats.json; the file shrinks too).
# Non-empty defaults ("instant", "09:00", "en", ...) are always written, so a change of such a
# default later cannot change what a stored chat means. Often repeated values are interned.
_EMPTY: tuple[Any, ...] = (None, "", False, 0, [], {})


def _empty_defaults(defaults: dict[str, Any]) -> dict[str, tuple[type, Any]]:
    return {key: (type(value), value) for key, value in defaults.items()
            if any(value == e and type(value) is type(e) for e in _EMPTY)}


_FULL_DEFAULTS = _full_chat_doc(Chat(platform="", chat_id=""))
_SUB_EMPTY = _empty_defaults(_FULL_DEFAULTS.pop("subscription"))
_CHAT_EMPTY = _empty_defaults({k: v for k, v in _FULL_DEFAULTS.items()
                               if k not in ("platform", "chat_id", "key")})  # always written
_INTERNED = frozenset(("platform", "kind", "language", "mode", "digest_time"))


def _without_empty(doc: dict[str, Any], empty: dict[str, tuple[type, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        default = empty.get(key)
        if default is not None and type(value) is default[0] and value == default[1]:
            continue
        out[key] = sys.intern(value) if key in _INTERNED and type(value) is str else value
    return out


def compact_chat_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """`doc` (a stored chat document, not changed) without its empty default fields."""
    out = _without_empty(doc, _CHAT_EMPTY)
    sub = out.pop("subscription", None)
    if isinstance(sub, dict) and (sub := _without_empty(sub, _SUB_EMPTY)):
        out["subscription"] = sub
    return out


def intern_chat_values(doc: dict[str, Any]) -> None:
    """Share the often repeated values of a compact chat document (changed in place)."""
    for holder in (doc, doc.get("subscription")):
        if isinstance(holder, dict):
            for key in _INTERNED.intersection(holder):
                if type(value := holder[key]) is str:
                    holder[key] = sys.intern(value)


def doc_to_chat(doc: dict[str, Any]) -> Chat:
    data = dict(doc)
    data.pop("key", None)
    sub = data.pop("subscription", {}) or {}
    data["created_at"] = doc_to_dt(data.get("created_at"))
    data["paused_until"] = doc_to_dt(data.get("paused_until"))
    subscription = Subscription(
        topics=set(sub.get("topics", [])),
        keywords=set(sub.get("keywords", [])),
        mode=sub.get("mode", "instant"),
        digest_time=sub.get("digest_time", "09:00"),
        digest_weekday=sub.get("digest_weekday"),
        added_at=dict(sub.get("added_at", {})),
    )
    return Chat(subscription=subscription, **data)


def feed_state_to_doc(state: FeedState) -> dict[str, Any]:
    doc = asdict(state)  # pending_links: [{"url": ..., "failures": n}, ...]
    for key in _FEED_TIMES:
        doc[key] = dt_to_doc(doc[key])
    return doc


def doc_to_feed_state(doc: dict[str, Any]) -> FeedState:
    data = dict(doc)
    for key in _FEED_TIMES:
        data[key] = doc_to_dt(data.get(key))
    data["pending_links"] = [PendingLink(p["url"], int(p.get("failures", 0)))
                             for p in data.get("pending_links", [])]
    data["line_windows"] = [list(hashes) for hashes in data.get("line_windows", [])]
    return FeedState(**data)


def feed_spec_to_doc(spec: FeedSpec) -> dict[str, Any]:
    return asdict(spec)


def doc_to_feed_spec(doc: dict[str, Any]) -> FeedSpec:
    return FeedSpec(**doc)
