"""Which stories each chat was notified of: the sent-stories journal.

Kept as the cursors are (and fsynced with them by `Store.flush_cursors`): the table
"sent_stories" of cursors.json as of the last compaction, plus sent-stories.log, one JSON line
[chat key, story id, item id, sent at, message id] per notification since then. Entries older
than `KEEP` are dropped at compaction: by then every edition of a story has long arrived. The
message ids (what a correction edits) are kept only as long as `[delivery] edit_window_hours`
says (`ids_kept`), then blanked at compaction.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from bot.models import SentStory, utcnow
from bot.store.journal import Journal

KEEP = timedelta(days=7)
TABLE = "sent_stories"


def _row(sent: SentStory) -> list[str]:
    return [sent.chat_key, sent.story_id, sent.item_id, sent.sent_at.isoformat(),
            sent.message_id]


def _sent(row: Any) -> SentStory | None:
    """A journal line or table row back to a SentStory; None when it is not one."""
    try:
        chat, story, item, when, message = row
        return SentStory(str(chat), str(story), str(item), datetime.fromisoformat(when),
                         str(message))
    except (TypeError, ValueError):
        return None


def sent_line(line: str) -> SentStory | None:
    """A sent-stories.log line back to its SentStory; None when it is not one."""
    try:
        return _sent(json.loads(line))
    except ValueError:
        return None


class SentStories:
    JOURNAL = "sent-stories.log"

    def __init__(self, db: TinyDB, folder: Path, ids_kept: timedelta = KEEP) -> None:
        """`ids_kept`: how long a record keeps its message id (the edit window); the record
        itself is kept `KEEP`."""
        self.db = db
        self.ids_kept = min(ids_kept, KEEP)
        self._journal = Journal(folder / self.JOURNAL, sent_line)
        self._sent: dict[tuple[str, str], SentStory] = {}
        # item id -> the (chat, story) keys of the notifications made with that edition
        self._by_item: dict[str, set[tuple[str, str]]] = {}
        doc = self.db.table(TABLE).get(doc_id=1)
        rows = doc.get("rows", []) if isinstance(doc, dict) else []
        for row in rows:
            self._keep(_sent(row))

    def _keep(self, sent: SentStory | None) -> None:
        if sent is not None and (sent.chat_key, sent.story_id) not in self._sent:
            self._add(sent)  # the first one counts

    def _add(self, sent: SentStory) -> None:
        key = (sent.chat_key, sent.story_id)
        self._sent[key] = sent
        self._by_item.setdefault(sent.item_id, set()).add(key)

    def open_journal(self, now: datetime | None = None) -> None:
        """Replay what the last run journalled, compact (pruning), start a new journal."""
        if self._journal.path.exists():
            for sent in self._journal.records():
                self._keep(sent)
            self.compact(now)
        self._journal.open()

    def compact(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        horizon, ids_horizon = now - KEEP, now - self.ids_kept
        self._sent = {k: s if s.sent_at >= ids_horizon or not s.message_id
                      else replace(s, message_id="")  # too old to edit: its id is let go
                      for k, s in self._sent.items() if s.sent_at >= horizon}
        self._by_item = {}
        for key, sent in self._sent.items():
            self._by_item.setdefault(sent.item_id, set()).add(key)
        table = self.db.table(TABLE)
        doc = {"rows": [_row(s) for s in self._sent.values()]}
        if table.get(doc_id=1) is None:
            table.insert(doc)
        else:
            table.update(doc, doc_ids=[1])
        self._journal.truncate()

    def get(self, chat_key: str, story_id: str) -> SentStory | None:
        return self._sent.get((chat_key, story_id))

    def of_item(self, item_id: str) -> list[SentStory]:
        """The notifications made with the edition `item_id` (to edit them when it changes)."""
        return [self._sent[k] for k in sorted(self._by_item.get(item_id, ())) if k in self._sent]

    def record(self, sent: SentStory) -> None:
        """Durable after `flush()`. A story already recorded for the chat keeps its first
        record."""
        if (sent.chat_key, sent.story_id) in self._sent:
            return
        self._journal.append(json.dumps(_row(sent), ensure_ascii=False))
        self._add(sent)

    def count(self) -> int:
        return len(self._sent)

    def flush(self) -> None:
        self._journal.flush()

    def close(self) -> None:
        self._journal.close()
