"""TinyDB persistence: the one module that touches the database files.

Layout of the data directory (why: the cost of a write must follow what changed, not the whole
history, so hot mutable state and the append-mostly archive live in separate files):

    newsbot.lock            held by the running process; a second one is refused
    meta.json               schema version
    feeds.json              per-feed validators and health; admin-added feeds
    chats.json              chats and their subscriptions
    cursors.json            per-chat delivery progress (compacted)
    cursors.log             append-only journal of confirmed deliveries since the compaction
    releases/YYYY-MM.json   the archive, one TinyDB file per month of publication
    releases/YYYY-MM.catalogue   derived: what start-up needs of that month (ids, sequence
                            numbers, dates, topics, content hashes), stamped with the month
                            file's inode, size and mtime
    search-index.pickle     derived: the search index as the last run left it
    backups/NAME.N          rolling copies of each file as it was at the last good start

Every TinyDB file is written atomically (temp file, fsync, rename, fsync of the directory), so a
crash or a full disk leaves the previous version readable. The state files are parsed once and
kept in memory (one process owns the directory). The archive is not: start-up reads only the
month catalogues (about a tenth of the bytes), and month files are parsed when a release's text
is needed, a few recent months kept parsed. A catalogue whose stamp does not match its month
file (a crash between the two writes, a restored backup) is rebuilt from the month file, so a
damaged month file is still refused at start.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from bisect import insort
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from filelock import FileLock, Timeout
from tinydb import Query, TinyDB
from tinydb.storages import Storage

from bot.models import Chat, FeedSpec, FeedState, IngestResult, Item, Subscription

SCHEMA_VERSION = 1
INDEX_SNAPSHOT = "search-index.pickle"
CATALOGUE_SUFFIX = ".catalogue"
CATALOGUE_FORMAT = 1
LOADED_MONTHS = 6  # month files kept parsed (the recent ones, mostly: /latest, delivery)
DERIVED_FILES = (INDEX_SNAPSHOT,)


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
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        atomic_write(self.path, raw)
        self.bytes_written += len(raw)
        self._data = data

    def close(self) -> None:
        pass


# ---- (de)serialisation ------------------------------------------------------------------


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def item_to_doc(item: Item) -> dict[str, Any]:
    doc = asdict(item)
    for key in ("published", "first_seen", "updated_at"):
        doc[key] = _dt(doc[key])
    return doc


def doc_to_item(doc: dict[str, Any]) -> Item:
    data = dict(doc)
    data.pop("revision", None)
    for key in ("published", "first_seen", "updated_at"):
        data[key] = _parse_dt(data.get(key))
    return Item(**data)


def chat_to_doc(chat: Chat) -> dict[str, Any]:
    doc = asdict(chat)
    doc["subscription"]["topics"] = sorted(chat.subscription.topics)
    doc["subscription"]["keywords"] = sorted(chat.subscription.keywords)
    doc["created_at"] = _dt(chat.created_at)
    doc["key"] = chat.key
    return doc


def doc_to_chat(doc: dict[str, Any]) -> Chat:
    data = dict(doc)
    data.pop("key", None)
    sub = data.pop("subscription", {}) or {}
    data["created_at"] = _parse_dt(data.get("created_at"))
    subscription = Subscription(
        topics=set(sub.get("topics", [])),
        keywords=set(sub.get("keywords", [])),
        mode=sub.get("mode", "instant"),
        digest_time=sub.get("digest_time", "09:00"),
        added_at=dict(sub.get("added_at", {})),
    )
    return Chat(subscription=subscription, **data)


def feed_state_to_doc(state: FeedState) -> dict[str, Any]:
    doc = asdict(state)
    for key in ("last_attempt", "last_success", "last_error_at"):
        doc[key] = _dt(doc[key])
    return doc


def doc_to_feed_state(doc: dict[str, Any]) -> FeedState:
    data = dict(doc)
    for key in ("last_attempt", "last_success", "last_error_at"):
        data[key] = _parse_dt(data.get(key))
    return FeedState(**data)


def _month(published: str) -> str:
    return published[:7]  # "2024-05" from an ISO UTC timestamp


def _stamp(path: Path) -> list[int]:
    """What changes whenever a month file is replaced (atomic writes make a new inode)."""
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _catalogue_row(doc_id: int, doc: dict[str, Any]) -> list[Any]:
    """A release's line in its month's catalogue: the fields of `_Entry` after the month."""
    return [doc_id, doc["id"], doc["seq"], doc["published"], doc.get("topics") or [],
            doc.get("feed_id", ""), doc.get("content_hash", ""), doc.get("updated_at")]


class _Entry(NamedTuple):
    """A stored release as far as start-up, /latest filters, dedup and delivery order need."""

    month: str
    doc_id: int
    seq: int
    published: str
    topics: tuple[str, ...]
    feed_id: str
    content_hash: str
    updated_at: str | None


# ---- the store ----------------------------------------------------------------------------


class Store:
    STATE_FILES = ("meta.json", "feeds.json", "chats.json", "cursors.json")

    def __init__(self, path: str | Path, backups: int = 3, read_only: bool = False) -> None:
        """`read_only` opens without the lock (for `newsbot search` beside a running bot):
        safe because every write is an atomic rename; such a Store must not be written."""
        self.path = Path(path)
        self.backups = backups
        self.read_only = read_only
        if read_only:
            if not (self.path / "meta.json").exists():
                raise StoreError(f"no newsbot data in {self.path}; run `newsbot ingest` or "
                                 "`newsbot run` with this config first")
            self._lock = None
            self._open()
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            (self.path / "releases").mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the data directory {self.path}: {exc.strerror}") from None
        self._lock = FileLock(str(self.path / "newsbot.lock"))
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise StoreLocked(
                f"another newsbot process is using {self.path}; stop it first, or give this "
                "one its own [storage] path"
            ) from None
        try:
            self._open()
        except BaseException:
            self._lock.release()
            raise

    # -- opening ------------------------------------------------------------------------

    def _db(self, path: Path) -> TinyDB:
        db = TinyDB(path, storage=AtomicJSONStorage)
        try:
            db.storage.read()  # type: ignore[attr-defined]
        except StoreCorrupt as exc:
            backup = self._latest_backup(path)
            hint = (f"restore it with: cp {backup} {path}" if backup
                    else "no backup exists; move it aside to start that part empty")
            raise StoreCorrupt(f"{exc}; refusing to start. {hint}") from None
        return db

    def _latest_backup(self, path: Path) -> Path | None:
        rel = path.relative_to(self.path)
        for n in range(1, self.backups + 1):
            candidate = self.path / "backups" / f"{str(rel).replace('/', '_')}.{n}"
            if candidate.exists():
                return candidate
        return None

    def _open(self) -> None:
        self.meta = self._db(self.path / "meta.json")
        meta = self.meta.table("meta").get(doc_id=1)
        if meta is None and not self.read_only:
            self.meta.table("meta").insert({"schema": SCHEMA_VERSION,
                                            "created": datetime.now(UTC).isoformat()})
        elif meta is not None and meta.get("schema") != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: data schema {meta.get('schema')} is not the {SCHEMA_VERSION} this "
                "version understands; use the matching newsbot version"
            )
        self.feeds_db = self._db(self.path / "feeds.json")
        self.chats_db = self._db(self.path / "chats.json")
        self._chat_ids: dict[str, int] | None = None
        self.chats_version = 0
        self.cursors_db = self._db(self.path / "cursors.json")
        self._load_catalogues()
        self._cursors: dict[str, int] = dict(self.cursors_db.table("cursors").get(doc_id=1) or {})
        if self.read_only:
            return
        self._replay_journal()
        self._journal = open(self.path / "cursors.log", "a", encoding="utf-8")  # noqa: SIM115
        self._backup()

    def _replay_journal(self) -> None:
        journal = self.path / "cursors.log"
        if not journal.exists():
            return
        with open(journal, encoding="utf-8") as handle:
            for line in handle:
                key, _, seq = line.rstrip("\n").rpartition("\t")
                if key and seq.isdigit():  # a line cut by a crash is simply ignored
                    self._cursors[key] = max(self._cursors.get(key, 0), int(seq))
        self._compact_cursors()

    def _compact_cursors(self) -> None:
        table = self.cursors_db.table("cursors")
        if table.get(doc_id=1) is None:
            table.insert(dict(self._cursors))
        else:
            table.update(dict(self._cursors), doc_ids=[1])
        atomic_write(self.path / "cursors.log", b"")

    def _backup(self) -> None:
        if not self.backups:
            return
        folder = self.path / "backups"
        folder.mkdir(exist_ok=True)
        files = [self.path / name for name in self.STATE_FILES]
        files += sorted((self.path / "releases").glob("*.json"))
        for path in files:
            if not path.exists():
                continue
            name = str(path.relative_to(self.path)).replace("/", "_")
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

    def close(self) -> None:
        if self._lock is None:
            return
        with contextlib.suppress(Exception):
            self.flush_cursors()
            self._journal.close()
        with contextlib.suppress(Exception):
            self._compact_cursors()
        self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the archive: catalogue in memory, month files on demand ----------------------------

    def _load_catalogues(self) -> None:
        self._entries: dict[str, _Entry] = {}  # item id -> what is known without the month file
        self._by_seq: list[str | None] = [None]  # sequence number -> item id
        self._by_date: list[tuple[str, int, str]] = []  # (published ISO UTC, seq, id), sorted
        self._months: set[str] = set()
        self._loaded: OrderedDict[str, TinyDB] = OrderedDict()  # parsed month files, LRU
        self._release_bytes = 0
        self.max_seq = 0
        interned: dict[Any, Any] = {}
        for shard_path in sorted((self.path / "releases").glob("*.json")):
            month = shard_path.stem
            self._months.add(month)
            rows = self._read_catalogue(month, shard_path)
            if rows is None:
                rows = self._catalogue_rows(month)
                if not self.read_only:
                    self._write_catalogue(month, rows)
            for row in rows:
                self._add_entry(month, row, interned)
        self._by_date.sort()

    def _read_catalogue(self, month: str, shard_path: Path) -> list[list[Any]] | None:
        """The month's catalogue rows, or None when missing, unreadable or stale."""
        try:
            data = json.loads((shard_path.parent / f"{month}{CATALOGUE_SUFFIX}").read_bytes())
            if data.get("format") != CATALOGUE_FORMAT or data.get("stamp") != _stamp(shard_path):
                return None
            rows = data["rows"]
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return None
        return rows if isinstance(rows, list) else None

    def _catalogue_rows(self, month: str) -> list[list[Any]]:
        return [_catalogue_row(int(doc_id), doc) for doc_id, doc in self._docs_of(month).items()]

    def _write_catalogue(self, month: str, rows: list[list[Any]]) -> None:
        """After the month file is written: a crash in between leaves a stale stamp, which the
        next start notices (and rebuilds this catalogue from the month file)."""
        shard_path = self.path / "releases" / f"{month}.json"
        data = {"format": CATALOGUE_FORMAT, "stamp": _stamp(shard_path), "rows": rows}
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        atomic_write(shard_path.parent / f"{month}{CATALOGUE_SUFFIX}", raw)
        self._release_bytes += len(raw)

    def _add_entry(
        self, month: str, row: list[Any], interned: dict[Any, Any], loading: bool = True
    ) -> None:
        doc_id, item_id, seq, published, topics, feed_id, chash, updated = row
        topics = tuple(topics)
        entry = _Entry(month, doc_id, seq, published, interned.setdefault(topics, topics),
                       interned.setdefault(feed_id, feed_id), chash, updated)
        known = self._entries.get(item_id)
        self._entries[item_id] = entry
        if known is not None:
            return  # an update: same place, same sequence number
        if seq >= len(self._by_seq):
            self._by_seq.extend([None] * (seq + 1 - len(self._by_seq)))
        self._by_seq[seq] = item_id
        if loading:
            self._by_date.append((published, seq, item_id))  # sorted once, when all are read
        else:
            insort(self._by_date, (published, seq, item_id))
        self.max_seq = max(self.max_seq, seq)

    def _shard(self, month: str) -> TinyDB:
        """The parsed month file; the few most recently used stay parsed."""
        db = self._loaded.get(month)
        if db is not None:
            self._loaded.move_to_end(month)
            return db
        db = self._db(self.path / "releases" / f"{month}.json")
        self._loaded[month] = db
        while len(self._loaded) > LOADED_MONTHS:
            self._loaded.popitem(last=False)
        return db

    def _docs_of(self, month: str) -> dict[str, dict[str, Any]]:
        return (self._shard(month).storage.read() or {}).get("_default", {})  # type: ignore

    def _doc(self, item_id: str) -> dict[str, Any] | None:
        entry = self._entries.get(item_id)
        if entry is None:
            return None
        return self._docs_of(entry.month).get(str(entry.doc_id))

    def _items(self, ids: Iterable[str]) -> list[Item]:
        """The releases `ids`, in that order, each month file parsed at most once."""
        ids = list(ids)
        by_month: dict[str, list[str]] = {}
        for item_id in ids:
            by_month.setdefault(self._entries[item_id].month, []).append(item_id)
        found: dict[str, Item] = {}
        for month, wanted in by_month.items():
            docs = self._docs_of(month)
            for item_id in wanted:
                doc = docs.get(str(self._entries[item_id].doc_id))
                if doc is not None:
                    found[item_id] = doc_to_item(doc)
        return [found[i] for i in ids if i in found]

    def has_item(self, item_id: str) -> bool:
        return item_id in self._entries

    def get_item(self, item_id: str) -> Item | None:
        doc = self._doc(item_id)
        return doc_to_item(doc) if doc else None

    def content_hash(self, item_id: str) -> str | None:
        entry = self._entries.get(item_id)
        return entry.content_hash if entry else None

    def count_items(self) -> int:
        return len(self._entries)

    def count_months(self) -> int:
        return len(self._months)

    def iter_items(self) -> Iterator[Item]:
        """Every release, oldest first; one month file parsed at a time, and not kept."""
        for month in sorted(self._months):
            db = self._loaded.get(month)
            if db is None:  # read once, not kept: the LRU stays with the recent months
                db = self._db(self.path / "releases" / f"{month}.json")
            docs = sorted((db.storage.read() or {}).get("_default", {}).values(),  # type: ignore
                          key=lambda d: (d["published"], d["seq"], d["id"]))
            for doc in docs:
                yield doc_to_item(doc)

    def ingest(
        self, items: Iterable[Item], *, notify: bool = True, now: datetime | None = None
    ) -> IngestResult:
        """Store what is new, record what changed, count what was already there.

        New releases get the next sequence numbers in publication order, so delivery (which
        follows sequence numbers) sends them oldest first. One write per month touched.
        """
        now = now or datetime.now(UTC)
        result = IngestResult()
        fresh: dict[str, Item] = {}
        for item in items:
            known = self._entries.get(item.id)
            if known is None:
                if item.id not in fresh:
                    fresh[item.id] = item
                else:
                    result.seen += 1
            elif known.content_hash != item.content_hash:
                result.updated.append(item)
            else:
                result.seen += 1
        writes: dict[str, list[tuple[int | None, dict[str, Any]]]] = {}
        for item in sorted(fresh.values(), key=lambda i: (i.published, i.id)):
            self.max_seq += 1
            item.seq = self.max_seq
            item.notify = notify and item.notify
            item.first_seen = now
            doc = item_to_doc(item)
            writes.setdefault(_month(doc["published"]), []).append((None, doc))
            result.new.append(item)
        for item in result.updated:
            entry = self._entries[item.id]
            old = self._doc(item.id) or {}
            item.seq, item.notify = old["seq"], old["notify"]
            item.first_seen = _parse_dt(old.get("first_seen"))
            item.updated_at = now
            if not item.topics:
                item.topics, item.reasons = old.get("topics", []), old.get("reasons", {})
            # the month of first publication keeps it, even if the date was corrected
            doc = item_to_doc(item) | {"revision": old.get("revision", 1) + 1}
            writes.setdefault(entry.month, []).append((entry.doc_id, doc))
        for month, docs in writes.items():
            self._write_shard(month, docs)
        return result

    def _write_shard(self, month: str, docs: list[tuple[int | None, dict[str, Any]]]) -> None:
        db = self._shard(month)
        data = db.storage.read() or {}  # type: ignore[attr-defined]
        table = dict(data.get("_default", {}))
        next_id = max((int(k) for k in table), default=0) + 1
        placed: list[list[Any]] = []
        for doc_id, doc in docs:
            if doc_id is None:
                doc_id, next_id = next_id, next_id + 1
            table[str(doc_id)] = doc
            placed.append(_catalogue_row(doc_id, doc))
        storage = db.storage
        before = storage.bytes_written  # type: ignore[attr-defined]
        storage.write({**data, "_default": table})
        self._release_bytes += storage.bytes_written - before  # type: ignore[attr-defined]
        db.clear_cache()
        self._months.add(month)
        self._write_catalogue(month, [_catalogue_row(int(k), d) for k, d in table.items()])
        for row in placed:
            self._add_entry(month, row, {}, loading=False)

    def set_topics(self, changes: dict[str, tuple[list[str], dict[str, list[str]]]]) -> int:
        """Apply new topics to stored releases (reclassify); one write per month touched.
        Derived data that embeds topics (the search index snapshot) is dropped."""
        for name in DERIVED_FILES:
            self.drop_blob(name)
        by_month: dict[str, list[str]] = {}
        for item_id in changes:
            if item_id in self._entries:
                by_month.setdefault(self._entries[item_id].month, []).append(item_id)
        written = 0
        for month, ids in sorted(by_month.items()):
            docs = self._docs_of(month)
            writes: list[tuple[int | None, dict[str, Any]]] = []
            for item_id in ids:
                doc_id = self._entries[item_id].doc_id
                doc = docs.get(str(doc_id))
                topics, reasons = changes[item_id]
                if doc is None or (doc.get("topics") == topics and doc.get("reasons") == reasons):
                    continue
                writes.append((doc_id, doc | {"topics": topics, "reasons": reasons}))
            if writes:
                self._write_shard(month, writes)
                written += len(writes)
        return written

    def latest(
        self,
        limit: int = 5,
        offset: int = 0,
        topic: str | None = None,
        feed_id: str | None = None,
    ) -> list[Item]:
        """Newest first by publication date."""
        ids: list[str] = []
        skipped = 0
        for _, _, item_id in reversed(self._by_date):
            entry = self._entries[item_id]
            if topic and topic not in entry.topics:
                continue
            if feed_id and entry.feed_id != feed_id:
                continue
            if skipped < offset:
                skipped += 1
                continue
            ids.append(item_id)
            if len(ids) >= limit:
                break
        return self._items(ids)

    def items_after(self, seq: int, limit: int = 1000) -> list[Item]:
        """Releases stored after `seq`, in sequence order (what delivery has not looked at)."""
        ids = [i for i in self._by_seq[max(seq + 1, 1):] if i is not None]
        return self._items(ids[:limit])

    def items_changed_since(self, seq: int, when: str) -> list[Item]:
        """Releases stored after `seq` or updated after the ISO time `when`."""
        ids = [item_id for item_id, e in self._entries.items()
               if e.seq > seq or (e.updated_at or "") > when]
        return self._items(ids)

    # -- derived data (e.g. the search index snapshot): rebuildable, so never backed up --

    def open_blob(self, name: str) -> BinaryIO | None:
        """The blob as an open file (the caller closes it), or None if there is none."""
        try:
            return open(self.path / name, "rb")  # noqa: SIM115
        except OSError:
            return None

    def write_blob(self, name: str, data: bytes | Callable[[BinaryIO], object]) -> None:
        atomic_write(self.path / name, data)

    def drop_blob(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.path / name).unlink()

    def release_bytes_written(self) -> int:
        """Bytes written to the archive (month files and their catalogues) by this process."""
        return self._release_bytes

    # -- feeds --------------------------------------------------------------------------------

    def feed_state(self, feed_id: str) -> FeedState:
        doc = self.feeds_db.table("state").get(Query().feed_id == feed_id)
        return doc_to_feed_state(doc) if doc else FeedState(feed_id=feed_id)

    def feed_states(self) -> dict[str, FeedState]:
        return {d["feed_id"]: doc_to_feed_state(d) for d in self.feeds_db.table("state").all()}

    def save_feed_state(self, state: FeedState) -> None:
        self.feeds_db.table("state").upsert(feed_state_to_doc(state),
                                            Query().feed_id == state.feed_id)

    def admin_feeds(self) -> list[FeedSpec]:
        return [FeedSpec(**doc) for doc in self.feeds_db.table("added").all()]

    def add_admin_feed(self, spec: FeedSpec) -> None:
        spec.origin = "admin"
        self.feeds_db.table("added").upsert(asdict(spec), Query().id == spec.id)

    def remove_admin_feed(self, feed_id: str) -> bool:
        removed = self.feeds_db.table("added").remove(Query().id == feed_id)
        self.feeds_db.table("state").remove(Query().feed_id == feed_id)
        return bool(removed)

    # -- chats ----------------------------------------------------------------------------------

    def _chat_doc_id(self, key: str) -> int | None:
        if self._chat_ids is None:
            self._chat_ids = {d["key"]: d.doc_id for d in self.chats_db.table("chats").all()}
        return self._chat_ids.get(key)

    def get_chat(self, key: str) -> Chat | None:
        doc_id = self._chat_doc_id(key)
        doc = self.chats_db.table("chats").get(doc_id=doc_id) if doc_id else None
        return doc_to_chat(doc) if doc else None

    def count_chats(self) -> int:
        return len(self.chats_db.table("chats"))

    def chats(self, platform: str | None = None) -> list[Chat]:
        docs = self.chats_db.table("chats").all()
        return [doc_to_chat(d) for d in docs if platform is None or d["platform"] == platform]

    def save_chat(self, chat: Chat) -> None:
        table = self.chats_db.table("chats")
        doc_id = self._chat_doc_id(chat.key)
        if doc_id is None:
            self._chat_ids[chat.key] = table.insert(chat_to_doc(chat))  # type: ignore[index]
        else:
            table.update(chat_to_doc(chat), doc_ids=[doc_id])
        self.chats_version += 1

    def save_chats(self, chats: Iterable[Chat]) -> None:
        """Many chats in one write (bulk set-up, benchmarks)."""
        table = self.chats_db.table("chats")
        chats = list(chats)
        table.remove(Query().key.one_of([c.key for c in chats]))
        table.insert_multiple(chat_to_doc(c) for c in chats)
        self._chat_ids = None
        self.chats_version += 1

    def move_chat(self, old_key: str, new_chat: Chat) -> None:
        """A Telegram group became a supergroup: same settings and progress, new id."""
        doc_id = self._chat_doc_id(old_key)
        if doc_id is not None:
            self.chats_db.table("chats").remove(doc_ids=[doc_id])
            self._chat_ids.pop(old_key, None)  # type: ignore[union-attr]
        self.save_chat(new_chat)
        if old_key in self._cursors:
            self.record_delivered(new_chat.key, self._cursors[old_key])

    # -- delivery progress ---------------------------------------------------------------------

    def cursor(self, key: str) -> int:
        return self._cursors.get(key, 0)

    def record_delivered(self, key: str, seq: int) -> None:
        """Note that `key` has everything up to `seq`. Durable after `flush_cursors()`."""
        if seq <= self._cursors.get(key, 0):
            return
        self._cursors[key] = seq
        self._journal.write(f"{key}\t{seq}\n")

    def flush_cursors(self) -> None:
        self._journal.flush()
        os.fsync(self._journal.fileno())
