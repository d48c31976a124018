"""Loading the dev fixtures as `Item`s, for the search benchmark."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.models import Item

ROOT = Path(__file__).resolve().parent.parent
RELEASES = ROOT / "tests" / "fixtures" / "releases.jsonl"
QUERIES = ROOT / "tests" / "fixtures" / "queries.jsonl"
OWN_QUERIES = Path(__file__).resolve().parent / "search_quality.jsonl"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def item_from_dict(doc: dict[str, Any]) -> Item:
    """A fixture release as an Item: published in UTC, the source's offset kept for dates."""
    published = datetime.fromisoformat(doc["published"])
    offset = published.utcoffset()
    return Item(
        id=doc["id"], feed_id=doc.get("feed_id", "dev"), url=doc.get("url", ""),
        title=doc.get("title", ""), body=doc.get("body", ""),
        published=published.astimezone(UTC), language=doc.get("language", ""),
        topics=list(doc.get("topics") or []),
        tz_offset_minutes=int(offset.total_seconds() // 60) if offset is not None else None,
    )
