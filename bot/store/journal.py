"""Append-only journals beside cursors.json: one small append per change instead of a rewrite.

A journal holds the changes since the last compaction, one line each. At start the lines are
replayed into memory, the state is compacted into cursors.json and the journal emptied; a line
cut short by a crash (kill -9 mid-append) is simply skipped by the reader. Durable after
`flush()` (fsync), which delivery calls once per batch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from bot.store.files import atomic_write


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def lines(self) -> Iterator[str]:
        """What the last run journalled (without line ends); nothing when there is no file."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.endswith("\n"):  # a line without its end was cut by a crash
                    yield line[:-1]

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
