"""Rolling backups of the data directory's files, and what keeps them worth restoring.

backups/NAME.1 is the newest copy, NAME.<keep> the oldest ("releases/2024-05.json" is backed up
as "releases_2024-05.json.N": one flat folder). A copy is taken at each start that may write,
of each file changed since its last copy.

Two rules protect the copies: a file that lost most of its records since its newest copy (an
emptied `{}`, a deleted or truncated file, an old copy put in its place) is never copied over
them, since rotation would push the good copy out; and a state file in that condition is refused
at start (`loss`), with the command that restores it (`restore`) or keeps it as it is
(`keep_current`). A file's records: the documents of its tables; the delivery cursors (one
document, one key per chat) by key; the sent stories not at all (pruned after 7 days by design,
so their shrinking is no loss).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("newsbot.store")

FOLDER = "backups"
ARCHIVE = "releases"  # the month files' folder, backed up as releases_YYYY-MM.json.N
REPLACED = "replaced"  # backups/replaced/: the files `restore` put aside
MIN_LOSS = 10  # fewer lost records than this is never a loss (a few chats left, feeds removed)
UNCOUNTED_TABLES = frozenset({"sent_stories"})
KEYED_TABLES = frozenset({"cursors"})


def is_tables(data: Any) -> bool:
    """TinyDB's shape: an object of tables, each an object of documents (objects)."""
    return isinstance(data, dict) and all(
        isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
        for table in data.values())


def count_records(data: Mapping[str, Any]) -> int:
    total = 0
    for table, docs in data.items():
        if table in UNCOUNTED_TABLES or not isinstance(docs, dict):
            continue
        if table in KEYED_TABLES:
            total += sum(len(doc) for doc in docs.values() if isinstance(doc, dict))
        else:
            total += len(docs)
    return total


def read_records(path: Path) -> int | None:
    """The records of a TinyDB file: 0 when it is missing or empty, None when it is damaged."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return 0
    except OSError:
        return None
    if not raw.strip():
        return 0
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return count_records(data) if is_tables(data) else None


def lost(now: int, before: int) -> bool:
    """Did a file go from `before` records to `now` by losing data rather than by use? All of
    them, or at least MIN_LOSS and more than half."""
    return before > 0 and (now == 0 or (before - now >= MIN_LOSS and now * 2 < before))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _maybe_smaller(path: Path, backup: Path) -> bool:
    """Cheap test before counting records: a file that lost half its records lost bytes."""
    return _size(path) * 4 < _size(backup) * 3


@dataclass
class Loss:
    path: Path
    records: int
    backup: Path
    backup_records: int

    def describe(self) -> str:
        records = f"{self.records} record{'s' if self.records != 1 else ''}"
        state = "is missing" if not self.path.exists() else f"holds {records}"
        return (f"{self.path} {state} where its newest backup {self.backup} holds "
                f"{self.backup_records}: it was emptied, deleted or replaced; refusing to start")


class Backups:
    def __init__(self, root: Path, keep: int) -> None:
        self.root = root
        self.keep = keep
        self.folder = root / FOLDER

    def name(self, path: Path) -> str:
        """"releases/2024-05.json" -> "releases_2024-05.json"."""
        return str(path.relative_to(self.root)).replace("/", "_")

    def copy(self, path: Path, n: int) -> Path:
        return self.folder / f"{self.name(path)}.{n}"

    def copies(self, path: Path) -> list[Path]:
        """The backups of `path` that exist, newest first (any number kept before included)."""
        found = []
        for entry in self.folder.glob(f"{self.name(path)}.*"):
            suffix = entry.name.rpartition(".")[2]
            if suffix.isdigit():
                found.append((int(suffix), entry))
        return [entry for _, entry in sorted(found)]

    def newest(self, path: Path) -> Path | None:
        copies = self.copies(path)
        return copies[0] if copies else None

    def good(self, path: Path) -> Path | None:
        """The newest copy that can be read and holds records; else the newest that can be read
        (a file that held nothing yet)."""
        readable = None
        for copy in self.copies(path):
            records = read_records(copy) if copy.stat().st_size else None
            if records:
                return copy
            if records is not None and readable is None:
                readable = copy
        return readable

    def loss(self, path: Path, data: Mapping[str, Any] | None) -> Loss | None:
        """`path`, parsed as `data` (None when missing), against its newest copy (none when
        backups are off: copies left from before are no longer kept up to date)."""
        newest = self.newest(path) if self.keep else None
        if newest is None or not _maybe_smaller(path, newest):
            return None
        before = read_records(newest)
        now = count_records(data) if data is not None else 0
        if before is not None and lost(now, before):
            return Loss(path, now, newest, before)
        return None

    def lost_months(self) -> Iterator[Loss]:
        """The archive's month files that lost their releases since their newest copy, or are
        gone (the copies say which months there were). A damaged one is left to its reader."""
        if not self.keep:
            return
        for copy in sorted(self.folder.glob(f"{ARCHIVE}_*.json.1")):
            path = self.root / ARCHIVE / copy.name[len(ARCHIVE) + 1:-2]
            if not _maybe_smaller(path, copy):
                continue
            now, before = read_records(path), read_records(copy)
            if now is not None and before is not None and lost(now, before):
                yield Loss(path, now, copy, before)

    def rotate(self, files: Iterable[Path], force: bool = False) -> None:
        """Copy each file as NAME.1, the older copies moving up to NAME.<keep> (the oldest
        dropped); a file unchanged since its last copy is not copied again, and one that lost
        data against its newest copy is not copied at all (unless `force`)."""
        if not self.keep:
            return
        self.folder.mkdir(exist_ok=True)
        for path in files:
            if not path.exists():
                continue
            newest = self.copy(path, 1)
            if newest.exists() and not force:
                if _size(newest) == _size(path) and (
                        newest.stat().st_mtime >= path.stat().st_mtime):
                    continue  # unchanged since the last backup
                if _maybe_smaller(path, newest):
                    now, before = read_records(path), read_records(newest)
                    if now is None or (before is not None and lost(now, before)):
                        log.warning("event=backup_kept file=%s records=%s backup_records=%s "
                                    "(the file lost data: its copies are kept as they are)",
                                    path, now, before)
                        continue
            fresh = self.folder / f".{newest.name}.tmp"  # whole or not at all (a full disk)
            try:
                shutil.copy2(path, fresh)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    fresh.unlink()
                raise OSError(exc.errno, exc.strerror, str(newest)) from exc
            for n in range(self.keep, 1, -1):
                older = self.copy(path, n - 1)
                if older.exists():
                    os.replace(older, self.copy(path, n))
            os.replace(fresh, newest)

    def set_aside(self, path: Path) -> Path | None:
        """A copy of `path` (about to be replaced) in backups/replaced/NAME.<UTC time>."""
        if not path.exists():
            return None
        folder = self.folder / REPLACED
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"{self.name(path)}.{stamp}"
        shutil.copy2(path, target)
        return target
