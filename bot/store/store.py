"""`Store`: the one object the rest of the bot uses for everything it keeps on disk.

Layout of the data directory (why: the cost of a write must follow what changed, not the whole
history, so hot mutable state and the append-mostly archive live in separate files):

    newsbot.lock            held by the running process; a second one is refused
    meta.json               schema version (and the migrations applied)
    feeds.json              per-feed validators and health; admin-added feeds
    chats.json              chats and their subscriptions
    cursors.json            per-chat delivery progress (compacted)
    cursors.log             append-only journal of confirmed deliveries since the compaction
    sent-stories.log        append-only journal of the stories each chat was notified of
                            (compacted into cursors.json's "sent_stories" table; 7 days kept)
    releases/YYYY-MM.json   the archive, one TinyDB file per month of publication
    releases/YYYY-MM.catalogue   derived: what start-up needs of that month (catalogue.py)
    search-index.pickle     derived: the search index as the last run left it
    backups/NAME.N          rolling copies of each file as it was at the last good start
    backups/before-schema-N/   the state files as they were before a schema migration

Every TinyDB file is written atomically (files.py), so a crash or a full disk leaves the
previous version readable; a damaged file is refused at start, naming its backup, and so is a
state file that lost most of its records since its newest backup (backups.py). Every expected
failure to open (damage, a read-only or full disk) is a StoreError: one line for the operator.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from bot.models import (
    Chat,
    FeedSpec,
    FeedState,
    IngestResult,
    Item,
    SentStory,
    Story,
    split_thread,
    thread_chat_id,
)
from bot.store import schema
from bot.store.archive import Archive
from bot.store.files import DataDir, StoreError, atomic_write, disk_error, storage_of
from bot.store.sent import KEEP, SentStories
from bot.store.state import Chats, Cursors, Feeds

INDEX_SNAPSHOT = "search-index.pickle"
DERIVED_FILES = (INDEX_SNAPSHOT,)  # embed topics: dropped when topics change


class Store:
    STATE_FILES = ("meta.json", "feeds.json", "chats.json", "cursors.json")

    def __init__(self, path: str | Path, backups: int = 3, read_only: bool = False,
                 edit_window: timedelta | None = None) -> None:
        """`read_only` opens without the lock (for `newsbot search` beside a running bot):
        safe because every write is an atomic rename; such a Store must not be written.
        `edit_window`: how long sent notifications' message ids are kept (7 days at most)."""
        self.path = Path(path)
        self._edit_window = edit_window
        self.backups = backups
        self.read_only = read_only
        self._data = DataDir(self.path, backups)
        self.renamed: dict[str, str] = {}  # old key -> new key of the chats moved this run
        if read_only:
            if not (self.path / "meta.json").exists() and self._data.latest_backup(
                    self.path / "meta.json") is None:  # a deleted one is refused below
                raise StoreError(f"no newsbot data in {self.path}; run `newsbot ingest` or "
                                 "`newsbot run` with this config first")
            self._open_reporting_disk_errors()
            return
        try:
            self._data.create()
            self._data.lock()
        except OSError as exc:
            raise disk_error(exc, self.path) from None
        try:
            self._open_reporting_disk_errors()
        except BaseException:
            self._data.unlock()
            raise

    def _open_reporting_disk_errors(self) -> None:
        """Open; a read-only or full disk, a permission refused: one line naming the file."""
        try:
            self._open()
        except OSError as exc:
            raise disk_error(exc, self.path) from None

    def _open(self) -> None:
        open_db = self._data.open_db
        paths = [self.path / name for name in self.STATE_FILES]
        dbs = {path.name: open_db(path) for path in paths}
        for path in paths:  # before anything is written: an emptied or deleted file is refused
            self._data.refuse_loss(path, storage_of(dbs[path.name]).read())
        self._data.refuse_lost_months()
        self._meta = dbs.pop("meta.json")
        outdated = schema.check(self.path, self._meta, self.read_only)
        if outdated is not None:
            schema.migrate(self._data, outdated, self._meta, dbs,
                           [self.path / n for n in (*self.STATE_FILES, Cursors.JOURNAL,
                                                    SentStories.JOURNAL)])
        self._feeds = Feeds(dbs["feeds.json"])
        self._chats = Chats(dbs["chats.json"])
        self._cursors = Cursors(dbs["cursors.json"], self.path)
        self._sent = SentStories(dbs["cursors.json"], self.path,
                                 self._edit_window if self._edit_window is not None else KEEP)
        self._archive = Archive(self._data, self.read_only)
        if self.read_only:
            return
        self._cursors.open_journal()
        self._sent.open_journal()
        self._archive.seq_floor = max(self._cursors.highest(), self._chats.highest_since_seq())
        self._data.back_up([*(self.path / n for n in self.STATE_FILES),
                            *self._archive.month_files()])

    def close(self) -> None:
        if self.read_only:
            return
        with contextlib.suppress(Exception):
            self._feeds.flush()
        for journal in (self._cursors, self._sent):
            with contextlib.suppress(Exception):
                journal.flush()
                journal.close()
            with contextlib.suppress(Exception):
                journal.compact()
        self._data.unlock()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the archive ------------------------------------------------------------------------

    @property
    def max_seq(self) -> int:
        """The newest sequence number stored."""
        return self._archive.max_seq

    def has_item(self, item_id: str) -> bool:
        return self._archive.has_item(item_id)

    def get_item(self, item_id: str) -> Item | None:
        return self._archive.get_item(item_id)

    def content_hash(self, item_id: str) -> str | None:
        return self._archive.content_hash(item_id)

    def count_items(self) -> int:
        return self._archive.count_items()

    def count_months(self) -> int:
        return self._archive.count_months()

    def iter_items(self) -> Iterator[Item]:
        """Every release, oldest first; one month file parsed at a time, and not kept."""
        return self._archive.iter_items()

    def ingest(
        self, items: Iterable[Item], *, notify: bool = True, now: datetime | None = None
    ) -> IngestResult:
        """Store what is new (next sequence numbers, in publication order), record what
        changed, count what was already there. One write per month touched."""
        return self._archive.ingest(items, notify, now)

    def set_topics(self, changes: dict[str, tuple[list[str], dict[str, list[str]]]]) -> int:
        """Apply new topics to stored releases (reclassify); one write per month touched.
        Derived data that embeds topics (the search index snapshot) is dropped."""
        for name in DERIVED_FILES:
            self.drop_blob(name)
        return self._archive.set_topics(changes)

    def latest(self, limit: int = 5, offset: int = 0, topic: str | None = None,
               feed_id: str | None = None) -> list[Item]:
        """Newest first by publication date."""
        return self._archive.latest(limit, offset, topic, feed_id)

    # -- stories: the language editions of one release ---------------------------------------

    def story(self, story_id: str) -> Story:
        """The story with its stored editions (one per language, the first stored of each);
        a release stored before stories is a story of its own; an unknown id: no editions."""
        return self.stories([story_id])[story_id]

    def stories(self, story_ids: Iterable[str]) -> dict[str, Story]:
        """`story` for many ids, each month file parsed at most once."""
        members = {sid: self._archive.story_members(sid) for sid in dict.fromkeys(story_ids)}
        items = {i.id: i for i in self._archive.items(i for ids in members.values() for i in ids)}
        found: dict[str, Story] = {}
        for sid, ids in members.items():
            story = Story(sid)
            for item in sorted((items[i] for i in ids if i in items),
                               key=lambda i: (i.published, i.seq)):
                story.editions.setdefault(item.language, item)
            found[sid] = story
        return found

    def recent_items(self, since: datetime, feed_ids: Collection[str]) -> list[Item]:
        """Releases of `feed_ids` published or first seen at or after `since`, in publication
        order: the candidates a new edition is matched against."""
        return self._archive.items(
            self._archive.recent_ids(since.astimezone(UTC).isoformat(), feed_ids))

    def items_after(self, seq: int, limit: int = 1000) -> list[Item]:
        """Releases stored after `seq`, in sequence order (what delivery has not looked at)."""
        return self._archive.items_after(seq, limit)

    def items_changed_since(self, seq: int, when: str) -> list[Item]:
        """Releases stored after `seq` or updated after the ISO time `when`."""
        return self._archive.items_changed_since(seq, when)

    def release_bytes_written(self) -> int:
        """Bytes written to the archive (month files and their catalogues) by this process."""
        return self._archive.bytes_written

    def state_bytes_written(self) -> int:
        """Bytes written to the state files (meta, feeds, chats, cursors.json) by this process;
        the cursors journal not included."""
        dbs = (self._meta, self._feeds.db, self._chats.db, self._cursors.db)
        return sum(storage_of(db).bytes_written for db in dbs)

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

    # -- feeds --------------------------------------------------------------------------------

    def feed_state(self, feed_id: str) -> FeedState:
        return self._feeds.state(feed_id)

    def feed_states(self) -> dict[str, FeedState]:
        return self._feeds.states()

    def save_feed_state(self, state: FeedState) -> None:
        """Kept at once; written to feeds.json at most once a second (see `Feeds`), and by
        `flush_feed_states()`, `flush_cursors()` and `close()`."""
        self._feeds.save_state(state)

    def flush_feed_states(self) -> None:
        self._feeds.flush()

    def feed_states_pending(self) -> bool:
        """Whether feed states saved are not written yet."""
        return self._feeds.pending

    def admin_feeds(self) -> list[FeedSpec]:
        return self._feeds.admin_feeds()

    def add_admin_feed(self, spec: FeedSpec) -> None:
        self._feeds.add_admin_feed(spec)

    def remove_admin_feed(self, feed_id: str) -> bool:
        return self._feeds.remove_admin_feed(feed_id)

    # -- chats ----------------------------------------------------------------------------------

    @property
    def chats_version(self) -> int:
        """Bumped on every change to the chats (delivery caches its routing on it)."""
        return self._chats.version

    def get_chat(self, key: str) -> Chat | None:
        return self._chats.get(key)

    def count_chats(self) -> int:
        return self._chats.count()

    def chats(self, platform: str | None = None) -> list[Chat]:
        return self._chats.all(platform)

    def save_chat(self, chat: Chat) -> None:
        self._chats.save(chat)

    def save_chats(self, chats: Iterable[Chat]) -> None:
        """Many chats in one write (bulk set-up, benchmarks)."""
        self._chats.save_many(chats)

    def move_chat(self, old_key: str, new_chat: Chat) -> None:
        """A Telegram group became a supergroup: same settings and progress, new id."""
        self._chats.remove(old_key)
        self.save_chat(new_chat)
        if self._cursors.get(old_key):
            self.record_delivered(new_chat.key, self._cursors.get(old_key))

    def move_group(self, platform: str, old_id: str, new_id: str) -> dict[str, str]:
        """`move_chat` for a group and each of its forum topics ("<id>:<thread>"), which keep
        their thread. Returns old key -> new key of what moved (also kept in `renamed`, so that
        delivery follows a chat that moved while releases were queued for it)."""
        moved: dict[str, str] = {}
        for chat in self.chats(platform):
            base, thread_id = split_thread(chat.chat_id)
            if base == old_id:
                new_chat = replace(chat, chat_id=thread_chat_id(new_id, thread_id))
                self.move_chat(chat.key, new_chat)
                moved[chat.key] = new_chat.key
        self.renamed.update(moved)
        return moved

    # -- delivery progress ---------------------------------------------------------------------

    def cursor(self, key: str) -> int:
        return self._cursors.get(key)

    def record_delivered(self, key: str, seq: int) -> None:
        """Note that `key` has everything up to `seq`. Durable after `flush_cursors()`."""
        self._cursors.record(key, seq)

    def flush_cursors(self) -> None:
        """Make the delivery progress and the sent stories recorded so far durable (fsync),
        and the feed states saved so far."""
        self._feeds.flush()
        self._cursors.flush()
        self._sent.flush()

    def record_story_sent(self, sent: SentStory) -> None:
        """Note that a chat was notified of a story (the first record of a chat and story
        counts). Durable after `flush_cursors()`; kept 7 days."""
        self._sent.record(sent)

    def story_sent(self, chat_key: str, story_id: str) -> SentStory | None:
        return self._sent.get(chat_key, story_id)

    def sent_of_item(self, item_id: str) -> list[SentStory]:
        """The notifications sent with the release `item_id` (kept 7 days), their message ids
        included: what a correction of the release edits."""
        return self._sent.of_item(item_id)
