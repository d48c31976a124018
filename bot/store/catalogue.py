"""Month catalogues: what start-up needs of a month of the archive, without parsing it.

`releases/YYYY-MM.catalogue` holds one row per release of `releases/YYYY-MM.json` (ids, sequence
numbers, dates, topics, content hashes, story ids), stamped with the month file's inode, size and
mtime.
It is derived data: a catalogue whose stamp does not match its month file (a crash between the
two writes, a restored backup) is ignored, and the archive rebuilds it from the month file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.store.files import atomic_write, dump_json

CATALOGUE_SUFFIX = ".catalogue"
CATALOGUE_FORMAT = 2  # 2: rows end with the story id and first_seen


def catalogue_row(doc_id: int, doc: dict[str, Any]) -> list[Any]:
    """A release's line in its month's catalogue: document id, id, sequence number, published,
    topics, feed id, content hash, updated at, story ("" for releases stored before stories),
    first seen. `entries.Entries` keeps them in memory."""
    return [doc_id, doc["id"], doc["seq"], doc["published"], doc.get("topics") or [],
            doc.get("feed_id", ""), doc.get("content_hash", ""), doc.get("updated_at"),
            doc.get("story") or "", doc.get("first_seen")]


def _stamp(path: Path) -> list[int]:
    """What changes whenever a month file is replaced (atomic writes make a new inode)."""
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _catalogue_path(month_file: Path) -> Path:
    return month_file.with_name(f"{month_file.stem}{CATALOGUE_SUFFIX}")


def read_catalogue(month_file: Path) -> list[list[Any]] | None:
    """The month's catalogue rows, or None when missing, unreadable or stale."""
    try:
        data = json.loads(_catalogue_path(month_file).read_bytes())
        if data.get("format") != CATALOGUE_FORMAT or data.get("stamp") != _stamp(month_file):
            return None
        rows = data["rows"]
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return None
    return rows if isinstance(rows, list) else None


def write_catalogue(month_file: Path, rows: list[list[Any]]) -> int:
    """After the month file is written: a crash in between leaves a stale stamp, which the
    next start notices (and rebuilds this catalogue from the month file). Returns the bytes."""
    raw = dump_json({"format": CATALOGUE_FORMAT, "stamp": _stamp(month_file), "rows": rows})
    atomic_write(_catalogue_path(month_file), raw)
    return len(raw)
