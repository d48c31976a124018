"""The search index snapshot as a file the index reads in place (memory-mapped).

Layout: the big arrays, each at an 8-byte boundary (raw, native byte order), then a pickled
header (format, the caller's meta, the index's small Python fields, each array's place), then
16 bytes: the header's offset and length. Loading maps the file and pickles back only the
header; the postings, the token sequences and the titles stay in the file, so the operating
system's page cache holds them (as it would hold SQLite's pages) and a query reads the pages it
needs. A snapshot is replaced by an atomic rename: a mapping of the old file stays valid.

`Column`: a sequence of byte strings whose first part lives in such a file (one blob and an
offsets array) and whose later part is a Python list (what was added since the snapshot).
"""

from __future__ import annotations

import io
import mmap
import pickle
import struct
from array import array
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import numpy as np

_TRAILER = struct.Struct("<QQ")


class Column:
    """bytes per slot: slots below `len(offsets) - 1` in `blob` (read-only), then a list."""

    def __init__(self, blob: memoryview | None = None, offsets: memoryview | None = None,
                 unit: int = 1) -> None:
        self._blob = blob if blob is not None else memoryview(b"")
        self._offsets = offsets if offsets is not None else memoryview(array("Q", [0]))
        self._unit = unit  # bytes per element counted by the offsets
        self._base = len(self._offsets) - 1
        self._tail: list[bytes] = []
        self._cleared: set[int] = set()  # frozen slots emptied since (removed releases)

    def __len__(self) -> int:
        return self._base + len(self._tail)

    @property
    def offsets(self) -> memoryview:
        """The frozen part's offsets (in units)."""
        return self._offsets

    def __getitem__(self, slot: int) -> bytes:
        if slot >= self._base:
            return self._tail[slot - self._base]
        if slot in self._cleared:
            return b""
        unit, offsets = self._unit, self._offsets
        return bytes(self._blob[offsets[slot] * unit:offsets[slot + 1] * unit])

    def __iter__(self) -> Iterator[bytes]:
        return (self[slot] for slot in range(len(self)))

    def clear(self, slot: int) -> None:
        if slot >= self._base:
            self._tail[slot - self._base] = b""
        else:
            self._cleared.add(slot)

    def extend(self, values: Iterable[bytes]) -> None:
        self._tail.extend(values)

    def chunks(self) -> tuple[np.ndarray, list[Any]]:
        """(offsets in units, the bytes as a list of buffers) of the whole column, for a
        snapshot: the frozen part as one buffer when no slot of it was emptied."""
        lengths = np.fromiter((len(self[s]) // self._unit for s in range(len(self))),
                              np.uint64, len(self))
        offsets = np.zeros(len(self) + 1, np.uint64)
        np.cumsum(lengths, out=offsets[1:])
        if self._base and not self._cleared:
            end = self._offsets[self._base] * self._unit
            return offsets, [self._blob[:end], *self._tail]
        return offsets, list(self)


def write(handle: BinaryIO, header: dict[str, Any],
          arrays: dict[str, np.ndarray | list[Any]]) -> None:
    """The arrays (each 8-aligned; a list of byte buffers is one uint8 array written piece by
    piece), then the header with their places, then the trailer."""
    places: dict[str, tuple[int, str, int]] = {}
    at = 0
    for name, values in arrays.items():
        pad = -at % 8
        handle.write(b"\0" * pad)
        at += pad
        if isinstance(values, list):
            dtype, size = np.dtype(np.uint8).str, 0
            for chunk in values:
                size += handle.write(chunk)
        else:
            data = np.ascontiguousarray(values)
            handle.write(data.data.cast("B"))
            dtype, size = data.dtype.str, data.size
        places[name] = (at, dtype, size)
        at += size * np.dtype(dtype).itemsize
    raw = pickle.dumps({**header, "arrays": places}, protocol=pickle.HIGHEST_PROTOCOL)
    handle.write(raw)
    handle.write(_TRAILER.pack(at, len(raw)))


def load(handle: BinaryIO) -> tuple[dict[str, Any], dict[str, memoryview]] | None:
    """(header, arrays as read-only memoryviews of the mapped file); None when the file is not
    a snapshot of this layout. Only ever given the bot's own files (the header is a pickle)."""
    mapped: mmap.mmap | bytes
    try:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (io.UnsupportedOperation, AttributeError):  # not a file (BytesIO): read it whole
        mapped = handle.read()
    except (OSError, ValueError):  # an empty file
        return None
    try:
        if len(mapped) < _TRAILER.size:
            return None
        at, length = _TRAILER.unpack(mapped[-_TRAILER.size:])
        if at + length + _TRAILER.size != len(mapped):
            return None
        header = pickle.loads(mapped[at:at + length])
        if not isinstance(header, dict) or not isinstance(header.get("arrays"), dict):
            return None
        view = memoryview(mapped)
        arrays = {}
        for name, (offset, dtype, size) in header["arrays"].items():
            kind = np.dtype(dtype)
            part = view[offset:offset + size * kind.itemsize]
            arrays[name] = part if kind.char == "B" else part.cast(kind.char)
    except Exception:
        return None
    return header, arrays
