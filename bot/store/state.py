"""The mutable state files: feeds.json (per-feed validators and health, admin-added feeds),
chats.json (chats and their subscriptions), cursors.json + cursors.log (delivery progress).

Each is one TinyDB file parsed once and kept in memory (one process owns the directory)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from bot.models import Chat, FeedSpec, FeedState
from bot.store.codec import (
    chat_to_doc,
    compact_chat_doc,
    doc_to_chat,
    doc_to_feed_spec,
    doc_to_feed_state,
    feed_spec_to_doc,
    feed_state_to_doc,
    intern_chat_values,
)
from bot.store.files import storage_of
from bot.store.journal import Journal


class Feeds:
    """feeds.json: table "state" (one FeedState per feed), table "added" (admin-added feeds).

    The states are kept in memory and written behind: a save writes the file at most once
    every FLUSH_SECONDS (the rest at the next save after that, `flush()` - which the poller
    calls FLUSH_SECONDS after a save left states unwritten - or close). Each write
    re-encodes every feed's state, so writing on every poll cost O(feeds) per poll: 11 ms at
    1,000 feeds. A crash loses at most the last second's validators and health, which the
    next poll rebuilds (a 200 instead of a 304; stored releases are recognised by id)."""

    FLUSH_SECONDS = 1.0

    def __init__(self, db: TinyDB) -> None:
        self.db = db
        self._docs: dict[str, dict[str, Any]] | None = None  # feed id -> its state document
        self._dirty: set[str] = set()
        self._written_at = -self.FLUSH_SECONDS  # time.monotonic() of the last write

    def _all(self) -> dict[str, dict[str, Any]]:
        if self._docs is None:
            self._docs = {d["feed_id"]: dict(d) for d in self.db.table("state").all()}
        return self._docs

    def state(self, feed_id: str) -> FeedState:
        doc = self._all().get(feed_id)
        return doc_to_feed_state(doc) if doc is not None else FeedState(feed_id=feed_id)

    def states(self) -> dict[str, FeedState]:
        return {fid: doc_to_feed_state(d) for fid, d in self._all().items()}

    def save_state(self, state: FeedState) -> None:
        self._all()[state.feed_id] = feed_state_to_doc(state)
        self._dirty.add(state.feed_id)
        if time.monotonic() - self._written_at >= self.FLUSH_SECONDS:
            self.flush()

    @property
    def pending(self) -> bool:
        return bool(self._dirty)

    def flush(self) -> None:
        """Write the states saved since the last write (one write of feeds.json)."""
        if not self._dirty:
            return
        docs, dirty = self._all(), self._dirty

        def update(table: dict[int, Any]) -> None:
            doc_ids = {doc["feed_id"]: doc_id for doc_id, doc in table.items()}
            next_id = max(table, default=0) + 1
            for feed_id in sorted(dirty):
                doc_id = doc_ids.get(feed_id)
                if doc_id is None:
                    doc_id, next_id = next_id, next_id + 1
                table[doc_id] = docs[feed_id]

        # TinyDB's one read-modify-write of a table (what its upsert does per document)
        self.db.table("state")._update_table(update)
        self._dirty = set()
        self._written_at = time.monotonic()

    def admin_feeds(self) -> list[FeedSpec]:
        return [doc_to_feed_spec(doc) for doc in self.db.table("added").all()]

    def add_admin_feed(self, spec: FeedSpec) -> None:
        spec.origin = "admin"
        self.db.table("added").upsert(feed_spec_to_doc(spec), Query().id == spec.id)

    def remove_admin_feed(self, feed_id: str) -> bool:
        removed = self.db.table("added").remove(Query().id == feed_id)
        self.flush()
        self.db.table("state").remove(Query().feed_id == feed_id)
        self._all().pop(feed_id, None)
        return bool(removed)


class Chats:
    """chats.json: table "chats", one document per chat, found by its key "platform:id".

    The documents are held once, as TinyDB's storage parsed them (compacted at open: see
    `codec.compact_chat_doc`), and read from there without TinyDB's per-document copies: at
    10,000 chats a copy of the table is ~10 MB, and delivery asks for every chat."""

    TABLE = "chats"
    COMPACT_KEYS = 12  # a document with more keys is compacted at open (most have 8-9)

    def __init__(self, db: TinyDB) -> None:
        self.db = db
        self._ids: dict[str, int] | None = None  # chat key -> doc id, built on first use
        self.version = 0  # bumped on every change (delivery caches its routing on it)
        rows = self._rows()
        for doc_id, doc in rows.items():  # same meaning, less memory; written at the next save
            if len(doc) > self.COMPACT_KEYS:  # written by an earlier version: every field
                rows[doc_id] = compact_chat_doc(doc)
            else:
                intern_chat_values(doc)

    def _rows(self) -> dict[str, dict[str, Any]]:
        """The table as stored (doc id as a string -> document): read, never changed here."""
        tables = storage_of(self.db).read() or {}
        rows = tables.get(self.TABLE)
        return rows if isinstance(rows, dict) else {}

    def _doc_ids(self) -> dict[str, int]:
        if self._ids is None:
            self._ids = {d["key"]: int(doc_id) for doc_id, d in self._rows().items()}
        return self._ids

    def get(self, key: str) -> Chat | None:
        doc_id = self._doc_ids().get(key)
        doc = self._rows().get(str(doc_id)) if doc_id else None
        return doc_to_chat(doc) if isinstance(doc, dict) else None

    def highest_since_seq(self) -> int:
        """The highest `since_seq` of any chat (releases up to it are never pushed to it)."""
        return max((d.get("since_seq") or 0 for d in self._rows().values()), default=0)

    def count(self) -> int:
        return len(self._rows())

    def all(self, platform: str | None = None) -> list[Chat]:
        return [doc_to_chat(d) for d in self._rows().values()
                if platform is None or d["platform"] == platform]

    def save(self, chat: Chat) -> None:
        table = self.db.table(self.TABLE)
        ids = self._doc_ids()
        doc_id = ids.get(chat.key)
        doc = chat_to_doc(chat)
        if doc_id is None:
            ids[chat.key] = table.insert(doc)
        else:  # the whole document replaced: a field back to its default is left out of it
            known = doc_id
            table._update_table(lambda rows: rows.__setitem__(known, doc))
        self.version += 1

    def save_many(self, chats: Iterable[Chat]) -> None:
        """Many chats in one write (bulk set-up, benchmarks)."""
        table = self.db.table(self.TABLE)
        chats = list(chats)
        table.remove(Query().key.one_of([c.key for c in chats]))
        table.insert_multiple(chat_to_doc(c) for c in chats)
        self._ids = None
        self.version += 1

    def remove(self, key: str) -> None:
        doc_id = self._doc_ids().get(key)
        if doc_id is not None:
            self.db.table(self.TABLE).remove(doc_ids=[doc_id])
            self._doc_ids().pop(key, None)


def cursor_line(line: str) -> tuple[str, int] | None:
    """A cursors.log line "KEY<TAB>SEQ" as (key, seq); None when it is not one."""
    key, _, seq = line.rpartition("\t")
    if key and seq.isascii() and seq.isdigit():
        return key, int(seq)
    return None


class Cursors:
    """Per-chat delivery progress: the highest sequence number each chat has confirmed.

    cursors.json holds them as of the last compaction; cursors.log is an append-only journal of
    "KEY<TAB>SEQ" lines since then (one small append per confirmed delivery instead of a rewrite
    of every chat's cursor). The journal is replayed and compacted at start and at close."""

    JOURNAL = "cursors.log"

    def __init__(self, db: TinyDB, folder: Path) -> None:
        self.db = db
        self._journal = Journal(folder / self.JOURNAL, cursor_line)
        table = self.db.table("cursors").get(doc_id=1)
        self._cursors: dict[str, int] = dict(table) if isinstance(table, dict) else {}

    def open_journal(self) -> None:
        """Replay what the last run journalled, compact, and start a new journal."""
        if self._journal.path.exists():
            for key, seq in self._journal.records():
                self._cursors[key] = max(self._cursors.get(key, 0), seq)
            self.compact()
        self._journal.open()

    def compact(self) -> None:
        table = self.db.table("cursors")
        if table.get(doc_id=1) is None:
            table.insert(dict(self._cursors))
        else:
            table.update(dict(self._cursors), doc_ids=[1])
        self._journal.truncate()

    def get(self, key: str) -> int:
        return self._cursors.get(key, 0)

    def highest(self) -> int:
        return max(self._cursors.values(), default=0)

    def record(self, key: str, seq: int) -> None:
        """Note that `key` has everything up to `seq`. Durable after `flush()`."""
        if seq <= self._cursors.get(key, 0):
            return
        if not self._journal.is_open:
            raise RuntimeError("delivery progress recorded in a read-only store")
        self._cursors[key] = seq
        self._journal.append(f"{key}\t{seq}")

    def flush(self) -> None:
        self._journal.flush()

    def close(self) -> None:
        self._journal.close()
