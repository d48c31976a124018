"""The data directory's files: atomic writes, the TinyDB storage built on them, the lock, and
rolling backups. Nothing here knows what the files hold."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage

LOCK_FILE = "newsbot.lock"
BACKUPS = "backups"


class StoreError(Exception):
    """A storage problem with a message fit to show the operator as it is."""


class StoreLocked(StoreError):
    pass


class StoreCorrupt(StoreError):
    pass


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Replace `path` with `data` so that a reader sees the old or the new file, never half.
    `data` may be a function that writes to the open file (a big blob, never held whole)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if callable(data):
                data(handle)
            else:
                handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
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
        self._lock: FileLock | None = None

    def create(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / "releases").mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the data directory {self.root}: {exc.strerror}") from None

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

    def open_db(self, path: Path) -> TinyDB:
        """The TinyDB file at `path`, parsed now: a damaged file is refused, naming its backup."""
        db = TinyDB(path, storage=AtomicJSONStorage)
        try:
            storage_of(db).read()
        except StoreCorrupt as exc:
            backup = self.latest_backup(path)
            hint = (f"restore it with: cp {backup} {path}" if backup
                    else "no backup exists; move it aside to start that part empty")
            raise StoreCorrupt(f"{exc}; refusing to start. {hint}") from None
        return db

    def latest_backup(self, path: Path) -> Path | None:
        for n in range(1, self.backups + 1):
            candidate = self.root / BACKUPS / f"{backup_name(self.root, path)}.{n}"
            if candidate.exists():
                return candidate
        return None

    def back_up(self, files: Iterable[Path]) -> None:
        """Rolling copies NAME.1 (newest) .. NAME.<backups>; a file unchanged since its last
        copy is not copied again."""
        if not self.backups:
            return
        folder = self.root / BACKUPS
        folder.mkdir(exist_ok=True)
        for path in files:
            if not path.exists():
                continue
            name = backup_name(self.root, path)
            newest = folder / f"{name}.1"
            if newest.exists() and newest.stat().st_size == path.stat().st_size and (
                newest.stat().st_mtime >= path.stat().st_mtime
            ):
                continue  # unchanged since the last backup
            for n in range(self.backups, 1, -1):
                older = folder / f"{name}.{n - 1}"
                if older.exists():
                    os.replace(older, folder / f"{name}.{n}")
            shutil.copy2(path, newest)

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
