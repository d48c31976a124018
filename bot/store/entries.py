"""What the archive knows of every stored release without its month file, in columns.

One tuple of ten fields (three strings of its own) per release and a sorted list of (published,
seq, id) tuples held about 60 MB at 100,000 releases. Here a release costs its id
(the key of id -> sequence number) and a few bytes in arrays indexed by sequence number: month,
document id, publication time (microseconds), topics, feed and first-seen time (indexes into
lists of the distinct values), the content hash (16 bytes when it is 32 hex digits, as the
sources make it). Updated-at times and stories joined to another release are few: dicts.
"""

from __future__ import annotations

from array import array
from bisect import insort
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_OWN, _NONE, _JOINED = 0, 1, 2  # story: the release's own id, "" (stored before stories), other


def micros(iso: str) -> int:
    """Microseconds since 1970 of an ISO time (UTC when it names no offset)."""
    when = datetime.fromisoformat(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // _MICRO


class _Distinct:
    """Distinct values (months, topic tuples, feeds, first-seen times) and their numbers."""

    def __init__(self, first: Any) -> None:
        self.values: list[Any] = [first]
        self._number: dict[Any, int] = {first: 0}

    def number(self, value: Any) -> int:
        n = self._number.get(value)
        if n is None:
            n = self._number[value] = len(self.values)
            self.values.append(value)
        return n


class Entries:
    def __init__(self) -> None:
        self._seq: dict[str, int] = {}  # item id -> sequence number
        self.ids: list[str | None] = [None]  # sequence number -> item id
        self._month = array("I", [0])
        self._doc_id = array("I", [0])
        self.published = array("q", [0])  # microseconds since 1970, UTC
        self._topics = array("I", [0])
        self._feed = array("I", [0])
        self._seen = array("I", [0])
        self._hash = bytearray(16)  # 16 bytes per sequence number
        self._story = bytearray(1)
        self._months = _Distinct("")
        self._topic_sets = _Distinct(())
        self._feeds = _Distinct("")
        self._seen_times = _Distinct(None)
        self._other_hash: dict[int, str] = {}  # hashes that are not 32 lowercase hex digits
        self._updated: dict[int, str] = {}
        self._joined_to: dict[int, str] = {}  # sequence number -> the story it joined
        self.by_date = array("I")  # sequence numbers by (published, seq)

    def __len__(self) -> int:
        return len(self._seq)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._seq

    def __iter__(self) -> Iterator[str]:
        return iter(self._seq)

    @property
    def max_seq(self) -> int:
        return len(self.ids) - 1

    def seq(self, item_id: str) -> int | None:
        return self._seq.get(item_id)

    # -- reading ------------------------------------------------------------------------

    def month(self, seq: int) -> str:
        return str(self._months.values[self._month[seq]])

    def doc_id(self, seq: int) -> int:
        return self._doc_id[seq]

    def topics(self, seq: int) -> tuple[str, ...]:
        return tuple(self._topic_sets.values[self._topics[seq]])

    def feed_id(self, seq: int) -> str:
        return str(self._feeds.values[self._feed[seq]])

    def first_seen(self, seq: int) -> str | None:
        value = self._seen_times.values[self._seen[seq]]
        return None if value is None else str(value)

    def updated_at(self, seq: int) -> str | None:
        return self._updated.get(seq)

    def content_hash(self, seq: int) -> str:
        other = self._other_hash.get(seq)
        return other if other is not None else self._hash[16 * seq:16 * seq + 16].hex()

    def story(self, seq: int) -> str:
        kind = self._story[seq]
        if kind == _OWN:
            return self.ids[seq] or ""
        return "" if kind == _NONE else self._joined_to[seq]

    def joined(self) -> list[tuple[int, str]]:
        """(seq, story) of the releases that joined another release's story, in seq order."""
        return sorted(self._joined_to.items())

    def updated_since(self, when: str) -> list[int]:
        return [seq for seq, at in self._updated.items() if at > when]

    # -- writing ------------------------------------------------------------------------

    def add(self, month: str, row: list[Any]) -> tuple[bool, str]:
        """A catalogue row (see `catalogue_row`); (whether the release is new, its story)."""
        doc_id, item_id, seq, published, topics, feed_id, chash, updated, story, seen = row
        when = micros(published)
        known = self._seq.get(item_id)
        if known is None:
            self._seq[item_id] = seq
            self._grow(seq)
            self.ids[seq] = item_id
        else:
            seq = known  # an update: same place, same sequence number, same story
        self._month[seq] = self._months.number(month)
        self._doc_id[seq] = doc_id
        moved = known is not None and self.published[seq] != when
        if moved:
            self.by_date.remove(seq)
        self.published[seq] = when
        self._topics[seq] = self._topic_sets.number(tuple(topics))
        self._feed[seq] = self._feeds.number(feed_id)
        self._seen[seq] = self._seen_times.number(seen)
        self._set_hash(seq, chash)
        if updated:
            self._updated[seq] = updated
        if known is None:
            self._set_story(seq, item_id, story)
        if known is None or moved:
            published_of = self.published
            insort(self.by_date, seq, key=lambda s: (published_of[s], s))
        return known is None, self.story(seq)

    def loading(self) -> None:
        """Whole catalogues follow (`load_rows`), then `loaded()` builds the columns at once."""
        # in load order: seq, month, doc id, published, topics, feed, first seen (numbers, in
        # arrays: no Python object per value), then ids and stories (strings kept anyway)
        self._bulk: list[Any] = [array("I"), array("I"), array("I"), array("q"), array("I"),
                                 array("I"), array("I"), [], []]
        self._bulk_hash = bytearray()  # 16 bytes per row; others by row number:
        self._bulk_other: dict[int, str] = {}
        self._again: list[tuple[str, list[Any]]] = []

    def load_rows(self, month: str, rows: list[list[Any]]) -> None:
        m = self._months.number(month)
        seqs, months, doc_ids, published, topics, feeds, seen, ids, stories = self._bulk
        hashes, others = self._bulk_hash, self._bulk_other
        known, topic_no, feed_no, seen_no = (self._seq, self._topic_sets.number,
                                             self._feeds.number, self._seen_times.number)
        for row in rows:
            doc_id, item_id, seq, when, topic_list, feed_id, chash, updated, story, first = row
            if item_id in known:  # listed twice: applied as an update once all are in
                self._again.append((month, row))
                continue
            known[item_id] = seq
            seqs.append(seq)
            months.append(m)
            doc_ids.append(doc_id)
            published.append(micros(when))
            topics.append(topic_no(tuple(topic_list)))
            feeds.append(feed_no(feed_id))
            seen.append(seen_no(first))
            raw = _packed(chash)
            if raw is None:
                others[len(ids)] = chash
                raw = bytes(16)
            hashes += raw
            ids.append(item_id)
            stories.append(story)
            if updated:
                self._updated[seq] = updated

    def loaded(self) -> None:
        seqs, months, doc_ids, published, topics, feeds, seen, ids, stories = self._bulk
        hashes, others = self._bulk_hash, self._bulk_other
        del self._bulk, self._bulk_hash, self._bulk_other
        if seqs:
            self._grow(max(seqs))
            at = np.frombuffer(seqs, np.uint32).astype(np.int64)
            for column, values in ((self._month, months), (self._doc_id, doc_ids),
                                   (self.published, published), (self._topics, topics),
                                   (self._feed, feeds), (self._seen, seen)):
                view = np.frombuffer(column, np.dtype(column.typecode))
                view[at] = np.frombuffer(values, np.dtype(values.typecode))
            packed = np.frombuffer(self._hash, np.uint8).reshape(-1, 16)
            packed[at] = np.frombuffer(hashes, np.uint8).reshape(-1, 16)
            self._other_hash.update((seqs[row], chash) for row, chash in others.items())
            for seq, item_id, story in zip(seqs, ids, stories, strict=True):
                self.ids[seq] = item_id
                self._set_story(seq, item_id, story)
        self._sort_by_date()
        for month, row in self._again:
            self.add(month, row)
        self._again = []

    def _sort_by_date(self) -> None:
        seqs = np.array([s for s, i in enumerate(self.ids) if i is not None], np.int64)
        published = np.frombuffer(self.published, np.int64)[seqs]
        self.by_date = array("I", seqs[np.lexsort((seqs, published))].astype(np.uint32).tobytes())

    def _set_story(self, seq: int, item_id: str, story: str) -> None:
        if story == item_id:
            self._story[seq] = _OWN
        elif not story:
            self._story[seq] = _NONE
        else:
            self._story[seq] = _JOINED
            self._joined_to[seq] = story

    def _grow(self, seq: int) -> None:
        missing = seq + 1 - len(self.ids)
        if missing <= 0:
            return
        self.ids.extend([None] * missing)
        zeros = [0] * missing
        for column in (self._month, self._doc_id, self.published, self._topics, self._feed,
                       self._seen):
            column.extend(zeros)
        self._hash.extend(bytes(16 * missing))
        self._story.extend(bytes(missing))

    def _set_hash(self, seq: int, chash: str) -> None:
        self._other_hash.pop(seq, None)
        raw = _packed(chash)
        if raw is not None:
            self._hash[16 * seq:16 * seq + 16] = raw
        else:
            self._other_hash[seq] = chash


def _packed(chash: str) -> bytes | None:
    """A content hash of 32 lowercase hex digits as 16 bytes; None for any other."""
    if len(chash) != 32:
        return None
    try:
        raw = bytes.fromhex(chash)
    except ValueError:
        return None
    return raw if raw.hex() == chash else None
