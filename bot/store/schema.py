"""The data directory's schema version (meta.json) and the migrations between versions.

A directory written by an older newsbot is migrated at the first start that may write: the
state files are first copied to backups/before-schema-N/ (never rotated, and what the older
newsbot can still read), then each step runs in order, then meta.json records the new version.
Every step is idempotent, so a crash half-way simply runs it again at the next start.
A directory written by a newer newsbot is refused: this code cannot know what it would lose.

Versions:
1. the first (up to commit e4335f9);
2. feeds' state: `pending_links` entries are {"url", "failures"} objects, not "URL" or
   "URL<TAB>N" strings; the boilerplate's "window:<hash>,<hash>,..." entries moved out of
   `boilerplate` into `line_windows` (lists of hashes);
3. releases carry their `story` (month files; read as "" where missing, so nothing is rewritten),
   and cursors.json gains the table "sent_stories" with its journal sent-stories.log. An
   older newsbot cannot read such releases, hence the new version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from bot.store.files import DataDir, StoreError, storage_of

SCHEMA_VERSION = 3
WINDOW_PREFIX = "window:"  # schema 1's packing of one boilerplate window

Databases = Mapping[str, TinyDB]  # state file name ("feeds.json") -> its open TinyDB


def _pending_link(entry: Any) -> Any:
    if not isinstance(entry, str):
        return entry  # already migrated
    url, _, failures = entry.partition("\t")
    return {"url": url, "failures": int(failures) if failures.isdigit() else 0}


def _feed_state_1_to_2(doc: dict[str, Any]) -> dict[str, Any]:
    windows: list[list[str]] = list(doc.get("line_windows", []))
    readable: list[str] = []
    for entry in doc.get("boilerplate", []):
        if entry.startswith(WINDOW_PREFIX):
            windows.append([h for h in entry[len(WINDOW_PREFIX):].split(",") if h])
        else:
            readable.append(entry)
    return doc | {"pending_links": [_pending_link(e) for e in doc.get("pending_links", [])],
                  "boilerplate": readable, "line_windows": windows}


def _migrate_1_to_2(dbs: Databases) -> None:
    storage = storage_of(dbs["feeds.json"])
    data = storage.read()
    if not data or not data.get("state"):
        return
    states = {doc_id: _feed_state_1_to_2(doc) for doc_id, doc in data["state"].items()}
    storage.write({**data, "state": states})
    dbs["feeds.json"].clear_cache()


def _migrate_2_to_3(dbs: Databases) -> None:
    """Nothing to rewrite: a release without a story is a story of its own, and the month
    catalogues (derived data, format 2 now) are rebuilt from the month files when read."""


# version N -> the step that turns a version N directory into a version N + 1 one
MIGRATIONS: dict[int, Callable[[Databases], None]] = {1: _migrate_1_to_2, 2: _migrate_2_to_3}


def _meta(meta_db: TinyDB) -> dict[str, Any] | None:
    doc = meta_db.table("meta").get(doc_id=1)
    return dict(doc) if isinstance(doc, dict) else None


def check(root: Path, meta_db: TinyDB, read_only: bool) -> int | None:
    """The directory's schema version if it must be migrated, None if it is current (a new
    directory is stamped current). Raises StoreError when this code cannot use it."""
    meta = _meta(meta_db)
    if meta is None:
        if not read_only:
            meta_db.table("meta").insert({"schema": SCHEMA_VERSION,
                                          "created": datetime.now(UTC).isoformat()})
        return None
    found = meta.get("schema")
    if found == SCHEMA_VERSION:
        return None
    if not isinstance(found, int) or found < 1:
        raise StoreError(f"{root}/meta.json: unknown data schema {found!r}; refusing to start")
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"{root}: data schema {found} was written by a newer newsbot; this version "
            f"understands schema {SCHEMA_VERSION} and older. Run the newer newsbot, or restore "
            f"a copy of the directory made by this version")
    if read_only:
        raise StoreError(
            f"{root}: data schema {found} is older than this version's {SCHEMA_VERSION}; start "
            "`newsbot run` (or `newsbot ingest`) once to upgrade it")
    return found


def migrate(data: DataDir, found: int, meta_db: TinyDB, dbs: Databases,
            files: Iterable[Path]) -> Path:
    """Bring a schema `found` directory to SCHEMA_VERSION; returns the folder of the copies
    taken first."""
    backup = data.snapshot(files, f"before-schema-{SCHEMA_VERSION}")
    for version in range(found, SCHEMA_VERSION):
        MIGRATIONS[version](dbs)
    meta = _meta(meta_db) or {}
    history = list(meta.get("migrations", []))
    history.append({"from": found, "to": SCHEMA_VERSION, "at": datetime.now(UTC).isoformat(),
                    "backup": str(backup.relative_to(data.root))})
    meta_db.table("meta").update({"schema": SCHEMA_VERSION, "migrations": history}, doc_ids=[1])
    return backup
