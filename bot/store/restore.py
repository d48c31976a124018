"""`newsbot restore`: a file of the data directory brought back from its rolling backups.

A state or month file is replaced atomically by its newest good backup (or the one asked for);
a journal (cursors.log, sent-stories.log) has no backup, its records being in cursors.json as
of the last start: restoring it keeps its good lines. Either way the file replaced is first
copied to backups/replaced/, so a restore never loses anything. It takes the directory's lock:
the bot must be stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.store.backups import read_records
from bot.store.files import DataDir, StoreError, atomic_write
from bot.store.journal import read_lines
from bot.store.sent import SentStories, sent_line
from bot.store.state import Cursors, cursor_line
from bot.store.store import DERIVED_FILES

STATE_FILES = ("meta.json", "feeds.json", "chats.json", "cursors.json")
JOURNALS: dict[str, Callable[[str], Any]] = {Cursors.JOURNAL: cursor_line,
                                             SentStories.JOURNAL: sent_line}
KNOWN = "chats.json, feeds.json, cursors.json, meta.json, cursors.log, sent-stories.log or " \
        "releases/YYYY-MM.json"


def resolve(root: Path, name: str) -> Path:
    """FILE as the operator gave it (a name in the data directory, or a path to it)."""
    given = Path(name)
    candidates = [given] if given.is_absolute() else [root / given, Path.cwd() / given]
    for candidate in candidates:
        try:
            relative = candidate.resolve().relative_to(root.resolve())
        except ValueError:
            continue
        text = str(relative)
        if text in STATE_FILES or text in JOURNALS or (
                relative.parent == Path("releases") and relative.suffix == ".json"):
            return root / relative
    raise StoreError(f"{name}: not a file newsbot keeps in {root}; give one of {KNOWN}")


def _records(count: int | None) -> str:
    return "damaged" if count is None else f"{count} record{'s' if count != 1 else ''}"


def describe_backups(data: DataDir) -> list[str]:
    """One line per file with backups: each copy, newest first, with its records and time."""
    lines = []
    names = [*STATE_FILES, *(f"releases/{p.name}" for p in sorted(
        (data.root / "releases").glob("*.json")))]
    for name in names:
        path = data.root / name
        copies = data.copies.copies(path)
        if not copies:
            continue
        shown = []
        for copy in copies:
            when = datetime.fromtimestamp(copy.stat().st_mtime, UTC)
            shown.append(f"{copy.name} ({_records(read_records(copy))}, {when:%Y-%m-%d %H:%M} UTC)")
        now = _records(read_records(path)) if path.exists() else "missing"
        lines.append(f"{name} ({now}): {', '.join(shown)}")
    return lines


def _repair_journal(data: DataDir, path: Path) -> str:
    parse = JOURNALS[path.name]
    good: list[str] = []
    dropped = 0
    for _, text in read_lines(path):
        if text is not None and parse(text) is not None:
            good.append(text)
        else:
            dropped += 1
    if not dropped:
        return f"{path} has no damaged line; nothing to do"
    replaced = data.copies.set_aside(path)
    atomic_write(path, "".join(f"{line}\n" for line in good).encode())
    kept = f"{len(good)} good line{'s' if len(good) != 1 else ''}"
    return f"{path}: kept {kept}, dropped {dropped} damaged; the damaged file is in {replaced}"


def _keep_current(data: DataDir, path: Path) -> str:
    if not path.exists():
        atomic_write(path, b"{}")
    data.back_up([path], force=True)
    return (f"{path} kept as it is ({_records(read_records(path))}); it is now its newest "
            f"backup ({data.copies.copy(path, 1)}), so the next start accepts it")


def _drop_derived(data: DataDir) -> None:
    """A month of the archive changed under them: the data derived from the archive (the
    search index snapshot, which would still find the releases it no longer holds) goes, and
    is made again at the next start."""
    for derived in DERIVED_FILES:
        (data.root / derived).unlink(missing_ok=True)


def restore(data: DataDir, name: str, copy: int | None = None,
            keep_current: bool = False) -> str:
    """Restore FILE (see the module's doc); returns what was done, for the operator."""
    path = resolve(data.root, name)
    data.lock()
    try:
        if path.name in JOURNALS and path.parent == data.root:
            return _repair_journal(data, path)
        if path.parent.name == "releases":
            _drop_derived(data)
        if keep_current:
            return _keep_current(data, path)
        if copy is not None:
            backup: Path | None = data.copies.copy(path, copy)
            assert backup is not None
            if not backup.exists():
                raise StoreError(f"{backup}: no such backup; `newsbot restore` without FILE "
                                 "lists them")
        else:
            backup = data.copies.good(path)
            if backup is None:
                raise StoreError(f"{path}: no readable backup in {data.copies.folder}")
        records = read_records(backup)
        if records is None:
            raise StoreError(f"{backup} is damaged too; `newsbot restore` without FILE lists "
                             "the other backups")
        replaced = data.restore(path, backup)
        aside = f"; the file it replaced is in {replaced}" if replaced else ""
        return f"{path} restored from {backup} ({_records(records)}){aside}"
    finally:
        data.unlock()
