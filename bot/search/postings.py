"""Posting lists: per term id, the slots of the releases containing it (ascending) and their
quantised impacts (one byte each).

Two parts: the frozen part, read in place from the snapshot file (`frozen.py`: one offsets
array, one array of slots and one of impacts for every term), and the tail, what was indexed
since (an `array('I')` and a `bytearray` per term that has any). Slots only grow, so a term's
postings are its frozen ones followed by its tail. A frozen release that is removed stays in
the frozen arrays (`dead`): queries skip it and `df` does not count it, until the next
snapshot, which leaves it out.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict

import numpy as np

_NO_DOCS = memoryview(array("I"))
_NO_IMPS = memoryview(b"")


class Postings:
    def __init__(self, offsets: memoryview | None = None, docs: memoryview | None = None,
                 imps: memoryview | None = None) -> None:
        self._offsets = offsets if offsets is not None else memoryview(array("Q", [0]))
        self._docs = docs if docs is not None else _NO_DOCS
        self._imps = imps if imps is not None else _NO_IMPS
        self.frozen_terms = len(self._offsets) - 1
        # term id -> what was indexed since the snapshot (the whole index when built here)
        self.tail_docs: defaultdict[int, array] = defaultdict(lambda: array("I"))
        self.tail_imps: defaultdict[int, bytearray] = defaultdict(bytearray)
        self.dead: set[int] = set()  # removed releases still in the frozen postings
        self._dead_array: np.ndarray | None = None

    def get(self, tid: int) -> tuple[memoryview | array, memoryview | bytearray]:
        """(slots, impacts) of a term: sequences that index, iterate, bisect and export their
        buffer (numpy reads them in place)."""
        tail = self.tail_docs.get(tid)
        if tid < self.frozen_terms:
            a, b = self._offsets[tid], self._offsets[tid + 1]
            if not tail:
                return self._docs[a:b], self._imps[a:b]
            if a < b:  # both parts: a copy (for the few terms seen since the snapshot)
                docs = array("I")
                docs.frombytes(self._docs[a:b].cast("B"))
                docs.extend(tail)
                return docs, bytearray(self._imps[a:b]) + self.tail_imps[tid]
        if tail is None:
            return _NO_DOCS, _NO_IMPS
        return tail, self.tail_imps[tid]

    def df(self, tid: int) -> int:
        """How many releases hold the term (the removed frozen ones not counted)."""
        tail = self.tail_docs.get(tid)
        count = len(tail) if tail else 0
        if tid < self.frozen_terms:
            a, b = self._offsets[tid], self._offsets[tid + 1]
            count += b - a
            if self.dead and a < b:
                docs = self._docs[a:b]
                if len(self.dead) <= 64:
                    count -= sum(1 for slot in self.dead
                                 if (i := bisect_left(docs, slot)) < len(docs) and docs[i] == slot)
                else:
                    count -= int(np.isin(np.frombuffer(docs, np.uint32), self.dead_array()).sum())
        return count

    def remove_frozen(self, slot: int) -> None:
        """A release of the snapshot removed: its slot stays in the frozen postings, where
        queries skip it (see `SearchIndex`) and `df` does not count it."""
        self.dead.add(slot)
        self._dead_array = None

    def dead_array(self) -> np.ndarray:
        if self._dead_array is None:
            self._dead_array = np.fromiter(self.dead, np.uint32, len(self.dead))
        return self._dead_array

    def remove_tail(self, tid: int, slot: int) -> None:
        """Forget a slot indexed since the snapshot."""
        docs = self.tail_docs.get(tid)
        if docs is None:
            return
        i = bisect_left(docs, slot)
        if i < len(docs) and docs[i] == slot:
            del docs[i]
            del self.tail_imps[tid][i]

    def arrays(self, n_terms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(offsets, slots, impacts) of every term, the removed frozen ones left out, for a
        snapshot."""
        offsets = np.frombuffer(self._offsets, np.uint64).astype(np.int64)
        f_docs = np.frombuffer(self._docs, np.uint32)
        f_imps = np.frombuffer(self._imps, np.uint8)
        if self.dead and f_docs.size:
            keep = ~np.isin(f_docs, self.dead_array())
            kept = np.zeros(keep.size + 1, np.int64)
            np.cumsum(keep, out=kept[1:])
            offsets = kept[offsets]
            f_docs, f_imps = f_docs[keep], f_imps[keep]
        counts = np.zeros(n_terms, np.int64)
        counts[:self.frozen_terms] = np.diff(offsets)
        tails = sorted(t for t, d in self.tail_docs.items() if d)
        for tid in tails:
            counts[tid] += len(self.tail_docs[tid])
        out_off = np.zeros(n_terms + 1, np.int64)
        np.cumsum(counts, out=out_off[1:])
        docs = np.empty(int(out_off[-1]), np.uint32)
        imps = np.empty(int(out_off[-1]), np.uint8)

        def frozen_block(first: int, last: int) -> None:
            """The frozen postings of terms first..last-1: one contiguous copy."""
            last = min(last, self.frozen_terms)
            if first >= last:
                return
            a, b = int(offsets[first]), int(offsets[last])
            at = int(out_off[first])
            docs[at:at + b - a] = f_docs[a:b]
            imps[at:at + b - a] = f_imps[a:b]

        following = 0  # the first term whose frozen postings are not copied yet
        for tid in tails:
            frozen_block(following, tid + 1)
            tail = np.frombuffer(self.tail_docs[tid], np.uint32)
            at = int(out_off[tid + 1]) - tail.size
            docs[at:at + tail.size] = tail
            imps[at:at + tail.size] = np.frombuffer(self.tail_imps[tid], np.uint8)
            following = tid + 1
        frozen_block(following, self.frozen_terms)
        return out_off.astype(np.uint64), docs, imps
