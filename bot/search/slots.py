"""Release id <-> slot (the index's internal number), the snapshot's part read in place.

A dict of 100,000 ids and a list of them cost 15 MB of Python objects. The slots of a snapshot
keep their ids in the mapped file (UTF-8, one `Column`), with a sorted array of 64-bit hashes
of the ids and the slot of each (a lookup: one hash, one binary search, one comparison); the
slots added since are a dict and a list, as before. The hash is keyed (BLAKE2b with a key
drawn when the snapshot is written and saved in it), so no one can prepare colliding ids; a
collision would cost a second comparison, nothing else.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator

import numpy as np

from bot.search.frozen import Column


def _hash(key: bytes, item_id: str) -> int:
    digest = hashlib.blake2b(item_id.encode(errors="surrogatepass"), digest_size=8, key=key)
    return int.from_bytes(digest.digest(), "little")


class Ids:
    """slot -> release id (None once removed): `Slots.ids`."""

    def __init__(self, slots: Slots) -> None:
        self._slots = slots

    def __len__(self) -> int:
        return self._slots.count

    def __getitem__(self, slot: int) -> str | None:
        return self._slots.id_of(slot)


class Slots:
    """release id -> slot, for the ids not removed."""

    def __init__(self, ids: Column | None = None, hashes: memoryview | None = None,
                 order: memoryview | None = None, key: bytes = b"") -> None:
        self._frozen = ids if ids is not None else Column()
        self._n_frozen = len(self._frozen)
        self._hashes = np.frombuffer(hashes, np.uint64) if hashes is not None \
            else np.empty(0, np.uint64)
        self._order = np.frombuffer(order, np.uint32) if order is not None \
            else np.empty(0, np.uint32)
        self._key = key
        # frozen slots whose release was removed (before the snapshot: their id is empty)
        self._removed: set[int] = set()
        if hashes is not None and self._hashes.size < self._n_frozen:
            lengths = np.diff(np.frombuffer(self._frozen.offsets, np.uint64))
            self._removed.update(np.flatnonzero(lengths == 0).tolist())
        self._tail: list[str | None] = []  # the slots added since, from _n_frozen on
        self._tail_slot: dict[str, int] = {}
        self.ids = Ids(self)

    @property
    def count(self) -> int:
        """Slots given so far, removed ones included."""
        return self._n_frozen + len(self._tail)

    def __len__(self) -> int:
        return self._n_frozen - len(self._removed) + len(self._tail_slot)

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, str) and self.get(item_id) is not None

    def __getitem__(self, item_id: str) -> int:
        slot = self.get(item_id)
        if slot is None:
            raise KeyError(item_id)
        return slot

    def get(self, item_id: str) -> int | None:
        slot = self._tail_slot.get(item_id)
        if slot is not None or not self._n_frozen:
            return slot
        wanted = _hash(self._key, item_id)
        i = int(np.searchsorted(self._hashes, np.uint64(wanted)))
        while i < self._hashes.size and int(self._hashes[i]) == wanted:
            slot = int(self._order[i])
            if slot not in self._removed and self.id_of(slot) == item_id:
                return slot
            i += 1
        return None

    def id_of(self, slot: int) -> str | None:
        if slot >= self._n_frozen:
            return self._tail[slot - self._n_frozen]
        if slot in self._removed:
            return None
        return self._frozen[slot].decode(errors="surrogatepass")

    def pop(self, item_id: str) -> int | None:
        slot = self.get(item_id)
        if slot is None:
            return None
        if slot < self._n_frozen:
            self._removed.add(slot)
        else:
            del self._tail_slot[item_id]
            self._tail[slot - self._n_frozen] = None
        return slot

    def extend(self, ids: list[str]) -> None:
        """New slots, in order, for ids not held (the caller removes them first)."""
        first = self.count
        self._tail.extend(ids)
        self._tail_slot.update(zip(ids, range(first, first + len(ids)), strict=True))

    def values(self) -> Iterator[int]:
        """Every slot in use."""
        removed = self._removed
        yield from (s for s in range(self._n_frozen) if s not in removed)
        yield from self._tail_slot.values()

    def arrays(self) -> tuple[bytes, np.ndarray, list[bytes], np.ndarray, np.ndarray]:
        """For a snapshot: (hash key, id offsets, id bytes, sorted hashes, their slots)."""
        key = secrets.token_bytes(16)
        ids = Column()
        ids.extend((self.id_of(s) or "").encode(errors="surrogatepass")
                   for s in range(self.count))
        offsets, chunks = ids.chunks()
        alive = np.fromiter(self.values(), np.uint32)
        hashes = np.fromiter((_hash(key, self.id_of(int(s)) or "") for s in alive), np.uint64,
                             alive.size)
        order = np.argsort(hashes, kind="stable")
        return key, offsets, chunks, hashes[order], alive[order]
