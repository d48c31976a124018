"""Append-only journals beside cursors.json: one small append per change instead of a rewrite.

A journal holds the changes since the last compaction, one line each. At start the lines are
replayed into memory, the state is compacted into cursors.json and the journal emptied; a line
cut short by a crash (kill -9 mid-append: the last line, without its line end) is simply skipped
by the reader. Any other line that is not a record (garbage bytes, a foreign file) is damage: the
start is refused, naming the file and the line (`newsbot restore FILE` keeps the good lines).
Durable after `flush()` (fsync), which delivery calls once per batch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Generic, TypeVar

from bot.store.files import StoreCorrupt, atomic_write

T = TypeVar("T")


def read_lines(path: Path) -> Iterator[tuple[int, str | None]]:
    """(line number, text) of each whole line, text None when it is not UTF-8; blank lines and
    a last line cut by a crash are left out. Nothing when there is no file."""
    if not path.exists():
        return
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):  # a line without its end was cut by a crash
                return
            try:
                text = raw[:-1].decode("utf-8")
            except UnicodeDecodeError:
                yield number, None
                continue
            if text.strip():
                yield number, text


class Journal(Generic[T]):
    def __init__(self, path: Path, parse: Callable[[str], T | None]) -> None:
        """`parse` turns a line into its record, or None when the line is not one."""
        self.path = path
        self.parse = parse
        self._handle: IO[str] | None = None

    def records(self) -> Iterator[T]:
        """What the last run journalled; a line that is not a record refuses the start."""
        for number, text in read_lines(self.path):
            record = self.parse(text) if text is not None else None
            if record is None:
                what = "not UTF-8 text" if text is None else "not a record of this journal"
                raise StoreCorrupt(
                    f"{self.path} is damaged (line {number}: {what}); refusing to start. Its "
                    "good lines can be kept, the damaged file set aside",
                    restore=self.path.name)
            yield record

    def open(self) -> None:
        self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    @property
    def is_open(self) -> bool:
        return self._handle is not None

    def append(self, line: str) -> None:
        if self._handle is None:
            raise RuntimeError("delivery progress recorded in a read-only store")
        self._handle.write(line + "\n")

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def truncate(self) -> None:
        """Empty it (after a compaction made its lines redundant)."""
        if self._handle is not None:
            self._handle.flush()
        atomic_write(self.path, b"")
        if self._handle is not None:  # the old handle points at the replaced file
            self._handle.close()
            self.open()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
