"""The data directory's files: atomic writes, the TinyDB storage built on them, the lock, and
rolling backups. Nothing here knows what the files hold."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shlex
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage

from bot.store.backups import Backups, is_tables

LOCK_FILE = "newsbot.lock"
BACKUPS = "backups"


class StoreError(Exception):
    """A storage problem with a message fit to show the operator as it is.

    `restore` names a file of the data directory that `newsbot restore FILE` can bring back;
    `intended` adds the way to keep the file as it is (when it only looks emptied). The command
    line completes the commands with its `--config` (`describe`)."""

    def __init__(self, message: str, restore: str | None = None, intended: bool = False) -> None:
        super().__init__(message)
        self.message, self.restore, self.intended = message, restore, intended

    def describe(self, config: str | None = None) -> str:
        if not self.restore:
            return self.message
        tail = f" --config {shlex.quote(config)}" if config else ""
        text = f"{self.message}. Restore it with: newsbot restore {self.restore}{tail}"
        if self.intended:
            text += f" (or, if the loss is intended: newsbot restore {self.restore} " \
                    f"--keep-current{tail})"
        return text

    def __str__(self) -> str:
        return self.describe()


class StoreLocked(StoreError):
    pass


class StoreCorrupt(StoreError):
    pass


def disk_error(exc: OSError, root: Path) -> StoreError:
    """An OSError met while opening the data directory, as one line saying what to do."""
    where = exc.filename or root
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EROFS:
        return StoreError(f"{where}: the data directory {root} is on a read-only file system; "
                          "remount it read-write, or point [storage] path at a writable directory")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StoreError(f"{where}: permission denied; make {root} and its files writable by "
                          "the user running newsbot, or point [storage] path elsewhere")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(f"{where}: no space left ({reason}); free some space on the disk "
                          f"holding {root} and start again")
    return StoreError(f"{where}: {reason}; check the data directory {root}")


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Replace `path` with `data` so that a reader sees the old or the new file, never half.
    `data` may be a function that writes to the open file (a big blob, never held whole).
    An OSError names `path` (not the temporary file, nor no file at all as ENOSPC on write)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    _fsync_dir(path.parent)


def dump_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


class AtomicJSONStorage(Storage):
    """TinyDB storage: parsed once, kept in memory, every write atomic."""

    def __init__(self, path: str | Path, **_: Any) -> None:
        self.path = Path(path)
        self._data: dict[str, Any] | None = None
        self.bytes_written = 0

    def read(self) -> dict[str, Any] | None:
        if self._data is None:
            try:
                raw = self.path.read_bytes()
            except FileNotFoundError:
                return None
            if not raw.strip():
                raise StoreCorrupt(f"{self.path} is empty")
            try:
                data = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise StoreCorrupt(f"{self.path} is damaged ({exc})") from None
            if not isinstance(data, dict):
                raise StoreCorrupt(f"{self.path} is damaged (not a JSON object)")
            if not is_tables(data):
                raise StoreCorrupt(f"{self.path} is damaged (not tables of documents)")
            self._data = data
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        raw = dump_json(data)
        atomic_write(self.path, raw)
        self.bytes_written += len(raw)
        self._data = data

    def close(self) -> None:
        pass


def storage_of(db: TinyDB) -> AtomicJSONStorage:
    """The storage of a TinyDB opened by `DataDir.open_db` (typed, for the raw table access the
    archive uses to read a month file without building TinyDB documents)."""
    storage = db.storage
    assert isinstance(storage, AtomicJSONStorage)
    return storage


def backup_name(root: Path, path: Path) -> str:
    """"releases/2024-05.json" -> "releases_2024-05.json": backups sit in one flat folder."""
    return str(path.relative_to(root)).replace("/", "_")


class DataDir:
    """The data directory: its lock, its TinyDB files and their rolling backups."""

    def __init__(self, root: Path, backups: int) -> None:
        self.root = root
        self.backups = backups
        self.copies = Backups(root, backups)
        self._lock: FileLock | None = None

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "releases").mkdir(exist_ok=True)

    def lock(self) -> None:
        lock = FileLock(str(self.root / LOCK_FILE))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise StoreLocked(
                f"another newsbot process is using {self.root}; stop it first, or give this "
                "one its own [storage] path"
            ) from None
        self._lock = lock

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def open_db(self, path: Path) -> TinyDB:
        """The TinyDB file at `path`, parsed now: a damaged file is refused, naming its backup."""
        db = TinyDB(path, storage=AtomicJSONStorage)
        try:
            storage_of(db).read()
        except StoreCorrupt as exc:
            raise self.corrupt(path, exc.message) from None
        return db

    def corrupt(self, path: Path, what: str) -> StoreCorrupt:
        """`path` is damaged (`what` says how): refused, with its newest good backup."""
        backup = self.copies.good(path)
        if backup is None:
            return StoreCorrupt(f"{what}; refusing to start; no backup exists: move it aside "
                                "to start that part empty")
        return StoreCorrupt(f"{what}; refusing to start. Its newest good backup is {backup}",
                            restore=self.relative(path))

    def refuse_loss(self, path: Path, data: dict[str, Any] | None) -> None:
        """Refuse a file that lost most of its records since its newest backup."""
        loss = self.copies.loss(path, data)
        if loss is not None:
            raise StoreCorrupt(loss.describe(), restore=self.relative(path),
                               intended=True)

    def refuse_lost_months(self) -> None:
        """Refuse an archive month file emptied or deleted since its newest backup."""
        for loss in self.copies.lost_months():
            raise StoreCorrupt(loss.describe(), restore=self.relative(loss.path), intended=True)

    def latest_backup(self, path: Path) -> Path | None:
        return self.copies.newest(path)

    def back_up(self, files: Iterable[Path], force: bool = False) -> None:
        """Rolling copies NAME.1 (newest) .. NAME.<backups> (backups.py)."""
        self.copies.rotate(files, force)

    def restore(self, path: Path, backup: Path) -> Path | None:
        """Put `backup` in the place of `path` atomically; returns where the replaced file was
        set aside (backups/replaced/), if there was one."""
        replaced = self.copies.set_aside(path)
        atomic_write(path, backup.read_bytes())
        return replaced

    def snapshot(self, files: Iterable[Path], folder_name: str) -> Path:
        """Copies of `files` in backups/<folder_name>/, never rotated (e.g. before a schema
        migration: what an older newsbot can still read). An existing snapshot is kept."""
        folder = self.root / BACKUPS / folder_name
        folder.mkdir(parents=True, exist_ok=True)
        for path in files:
            target = folder / backup_name(self.root, path)
            if path.exists() and not target.exists():
                atomic_write(target, path.read_bytes())  # a crash never leaves half a copy
        return folder
