"""The archive of releases: one TinyDB file per month of publication, `releases/YYYY-MM.json`.

Why per month: the cost of storing a new release must follow what changed, not the whole history.
Start-up reads only the month catalogues (about a tenth of the bytes, see catalogue.py); a month
file is parsed when a release's text is needed, and the few most recently used stay parsed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from bot.models import IngestResult, Item
from bot.store.catalogue import catalogue_row, read_catalogue, write_catalogue
from bot.store.codec import doc_to_dt, doc_to_item, item_to_doc
from bot.store.entries import Entries, micros
from bot.store.files import DataDir, storage_of

LOADED_MONTHS = 6  # month files kept parsed (the recent ones, mostly: /latest, delivery)

Docs = dict[str, dict[str, Any]]  # a month file's documents by TinyDB doc id
Writes = list[tuple[int | None, dict[str, Any]]]  # (doc id or None for a new one, document)


def _month(published: str) -> str:
    return published[:7]  # "2024-05" from an ISO UTC timestamp


class Archive:
    def __init__(self, data: DataDir, read_only: bool) -> None:
        self._data = data
        self.folder = data.root / "releases"
        self._read_only = read_only
        self._entries = Entries()  # what is known without the month files, by id and seq
        self._months: set[str] = set()
        # story id -> the ids of the releases that joined it (not its first edition): the only
        # releases whose story is not their own, so the index stays small
        self._joined: dict[str, list[str]] = {}
        self._loaded: OrderedDict[str, TinyDB] = OrderedDict()  # parsed month files, LRU
        # new releases are numbered above this too: the highest sequence number the chats'
        # delivery has passed, which is above max_seq when a month came back from an older
        # backup (numbers given again would be taken as delivered, and never sent)
        self.seq_floor = 0
        self.bytes_written = 0  # month files and catalogues, by this process
        self._load_catalogues()

    # -- loading ------------------------------------------------------------------------

    def month_files(self) -> list[Path]:
        return sorted(self.folder.glob("*.json"))

    def _month_file(self, month: str) -> Path:
        return self.folder / f"{month}.json"

    @property
    def max_seq(self) -> int:
        return self._entries.max_seq

    def _load_catalogues(self) -> None:
        self._entries.loading()
        for month_file in self.month_files():
            month = month_file.stem
            self._months.add(month)
            rows = read_catalogue(month_file)
            if rows is None:
                try:
                    rows = [catalogue_row(int(k), d) for k, d in self._docs_of(month).items()]
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise self._data.corrupt(month_file, f"{month_file} is damaged (not "
                                             f"releases as newsbot writes them: {exc!r})") \
                        from None
                if not self._read_only:
                    self.bytes_written += write_catalogue(month_file, rows)
            self._entries.load_rows(month, rows)
        self._entries.loaded()
        for seq, story in self._entries.joined():
            self._joined.setdefault(story, []).append(self._entries.ids[seq] or "")

    def _add_entry(self, month: str, row: list[Any]) -> None:
        new, story = self._entries.add(month, row)
        item_id = row[1]
        if new and story and story != item_id:
            self._joined.setdefault(story, []).append(item_id)

    def _place(self, item_id: str) -> tuple[str, int]:
        """(month, TinyDB document id) of a stored release."""
        seq = self._entries.seq(item_id)
        assert seq is not None, item_id
        return self._entries.month(seq), self._entries.doc_id(seq)

    # -- month files ------------------------------------------------------------------------

    def _shard(self, month: str) -> TinyDB:
        """The parsed month file; the few most recently used stay parsed."""
        db = self._loaded.get(month)
        if db is not None:
            self._loaded.move_to_end(month)
            return db
        db = self._data.open_db(self._month_file(month))
        self._loaded[month] = db
        while len(self._loaded) > LOADED_MONTHS:
            self._loaded.popitem(last=False)
        return db

    def _docs_of(self, month: str) -> Docs:
        docs: Docs = (storage_of(self._shard(month)).read() or {}).get("_default", {})
        return docs

    def _doc(self, item_id: str) -> dict[str, Any] | None:
        if item_id not in self._entries:
            return None
        month, doc_id = self._place(item_id)
        return self._docs_of(month).get(str(doc_id))

    def _items(self, ids: Iterable[str]) -> list[Item]:
        """The releases `ids`, in that order, each month file parsed at most once."""
        ids = list(ids)
        by_month: dict[str, list[tuple[str, int]]] = {}
        for item_id in ids:
            month, doc_id = self._place(item_id)
            by_month.setdefault(month, []).append((item_id, doc_id))
        found: dict[str, Item] = {}
        for month, wanted in by_month.items():
            docs = self._docs_of(month)
            for item_id, doc_id in wanted:
                doc = docs.get(str(doc_id))
                if doc is not None:
                    found[item_id] = doc_to_item(doc)
        return [found[i] for i in ids if i in found]

    def _write_shard(self, month: str, docs: Writes) -> None:
        db = self._shard(month)
        storage = storage_of(db)
        data = storage.read() or {}
        table = dict(data.get("_default", {}))
        next_id = max((int(k) for k in table), default=0) + 1
        placed: list[list[Any]] = []
        for doc_id, doc in docs:
            if doc_id is None:
                doc_id, next_id = next_id, next_id + 1
            table[str(doc_id)] = doc
            placed.append(catalogue_row(doc_id, doc))
        before = storage.bytes_written
        storage.write({**data, "_default": table})
        self.bytes_written += storage.bytes_written - before
        db.clear_cache()
        self._months.add(month)
        # known in memory as soon as the month file holds them: if the catalogue cannot be
        # written (a full disk), a retry must not store them twice; its stale stamp is noticed
        # at the next start (or the next write of the month)
        for row in placed:
            self._add_entry(month, row)
        rows = [catalogue_row(int(k), d) for k, d in table.items()]
        self.bytes_written += write_catalogue(self._month_file(month), rows)

    # -- reading ----------------------------------------------------------------------------

    def has_item(self, item_id: str) -> bool:
        return item_id in self._entries

    def get_item(self, item_id: str) -> Item | None:
        doc = self._doc(item_id)
        return doc_to_item(doc) if doc else None

    def content_hash(self, item_id: str) -> str | None:
        seq = self._entries.seq(item_id)
        return None if seq is None else self._entries.content_hash(seq)

    def count_items(self) -> int:
        return len(self._entries)

    def count_months(self) -> int:
        return len(self._months)

    def iter_items(self) -> Iterator[Item]:
        """Every release, oldest first; one month file parsed at a time, and not kept."""
        for month in sorted(self._months):
            db = self._loaded.get(month)
            if db is None:  # read once, not kept: the LRU stays with the recent months
                db = self._data.open_db(self._month_file(month))
            docs = sorted((storage_of(db).read() or {}).get("_default", {}).values(),
                          key=lambda d: (d["published"], d["seq"], d["id"]))
            for doc in docs:
                yield doc_to_item(doc)

    def latest(self, limit: int, offset: int, topic: str | None,
               feed_id: str | None) -> list[Item]:
        """Newest first by publication date."""
        ids: list[str] = []
        skipped = 0
        entries = self._entries
        for seq in reversed(entries.by_date):
            if topic and topic not in entries.topics(seq):
                continue
            if feed_id and entries.feed_id(seq) != feed_id:
                continue
            item_id = entries.ids[seq] or ""
            if skipped < offset:
                skipped += 1
                continue
            ids.append(item_id)
            if len(ids) >= limit:
                break
        return self._items(ids)

    def items(self, ids: Iterable[str]) -> list[Item]:
        """The stored releases among `ids`, in that order."""
        return self._items(i for i in ids if i in self._entries)

    def story_members(self, story_id: str) -> list[str]:
        """The ids of a story's stored editions, oldest first (an unknown id: none)."""
        first = self._entries.seq(story_id)
        ids = [story_id] if first is not None and self._entries.story(first) in ("", story_id) \
            else []
        ids += self._joined.get(story_id, [])
        return ids

    def recent_ids(self, since: str, feed_ids: Collection[str]) -> list[str]:
        """Releases of `feed_ids` published or first seen at or after the ISO UTC time `since`,
        in publication order."""
        entries = self._entries
        published, start = entries.published, micros(since)
        found: set[int] = set()
        for seq in reversed(entries.by_date):
            if published[seq] < start:
                break
            found.add(seq)
        for seq in range(entries.max_seq, 0, -1):  # first seen follows the sequence numbers
            if entries.ids[seq] is None:
                continue
            seen = entries.first_seen(seq)
            if seen is None or seen < since:
                break
            found.add(seq)
        wanted = set(feed_ids)
        return [entries.ids[seq] or "" for seq in sorted(
            (s for s in found if entries.feed_id(s) in wanted),
            key=lambda s: (published[s], s))]

    def items_after(self, seq: int, limit: int) -> list[Item]:
        """Releases stored after `seq`, in sequence order (what delivery has not looked at)."""
        ids = [i for i in self._entries.ids[max(seq + 1, 1):] if i is not None]
        return self._items(ids[:limit])

    def items_changed_since(self, seq: int, when: str) -> list[Item]:
        """Releases stored after `seq` or updated after the ISO time `when`."""
        entries = self._entries
        seqs = sorted({*range(max(seq + 1, 1), entries.max_seq + 1),
                       *(s for s in entries.updated_since(when) if s <= seq)})
        return self._items(i for s in seqs if (i := entries.ids[s]) is not None)

    # -- writing ----------------------------------------------------------------------------

    def ingest(self, items: Iterable[Item], notify: bool, now: datetime | None) -> IngestResult:
        """Store what is new, record what changed, count what was already there.

        New releases get the next sequence numbers in publication order, so delivery (which
        follows sequence numbers) sends them oldest first. One write per month touched.
        """
        now = now or datetime.now(UTC)
        result = IngestResult()
        fresh: dict[str, Item] = {}
        for item in items:
            known = self._entries.seq(item.id)
            if known is None:
                if item.id not in fresh:
                    fresh[item.id] = item
                else:
                    result.seen += 1
            elif self._entries.content_hash(known) != item.content_hash:
                result.updated.append(item)
            else:
                result.seen += 1
        writes: dict[str, Writes] = {}
        next_seq = max(self.max_seq, self.seq_floor)
        for item in sorted(fresh.values(), key=lambda i: (i.published, i.id)):
            next_seq += 1
            item.seq = next_seq
            item.notify = notify and item.notify
            item.first_seen = now
            doc = item_to_doc(item)
            writes.setdefault(_month(doc["published"]), []).append((None, doc))
            result.new.append(item)
        for item in result.updated:
            month, doc_id = self._place(item.id)
            old = self._doc(item.id) or {}
            item.seq, item.notify = old["seq"], old["notify"]
            item.first_seen = doc_to_dt(old.get("first_seen"))
            item.story = old.get("story") or ""  # a stored release's story never changes
            # when it was written, not when its poll began: the index snapshot's catch-up
            # re-reads what was updated after the snapshot was saved, and a poll that began
            # before that may write after it
            item.updated_at = max(now, datetime.now(UTC)).astimezone(UTC)  # compared as text
            if not item.topics:
                item.topics, item.reasons = old.get("topics", []), old.get("reasons", {})
            # the month of first publication keeps it, even if the date was corrected
            doc = item_to_doc(item) | {"revision": old.get("revision", 1) + 1}
            writes.setdefault(month, []).append((doc_id, doc))
        # a month not written (a full disk): its releases' sequence numbers are given again
        # when they are stored (max_seq is the highest stored), so delivery sees no gap
        for month, docs in writes.items():
            self._write_shard(month, docs)
        return result

    def set_topics(self, changes: dict[str, tuple[list[str], dict[str, list[str]]]]) -> int:
        """Apply new topics to stored releases (reclassify); one write per month touched."""
        by_month: dict[str, list[str]] = {}
        for item_id in changes:
            if item_id in self._entries:
                by_month.setdefault(self._place(item_id)[0], []).append(item_id)
        written = 0
        for month, ids in sorted(by_month.items()):
            docs = self._docs_of(month)
            writes: Writes = []
            for item_id in ids:
                doc_id = self._place(item_id)[1]
                doc = docs.get(str(doc_id))
                topics, reasons = changes[item_id]
                if doc is None or (doc.get("topics") == topics and doc.get("reasons") == reasons):
                    continue
                writes.append((doc_id, doc | {"topics": topics, "reasons": reasons}))
            if writes:
                self._write_shard(month, writes)
                written += len(writes)
        return written
