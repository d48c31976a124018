"""Persistence: the one package that touches the database files (TinyDB), behind `Store`.

    files.py      atomic writes, the TinyDB storage, the lock, backups
    codec.py      models <-> JSON documents
    catalogue.py  per-month catalogues (what start-up reads instead of the archive)
    archive.py    the releases, one file per month
    state.py      feeds' state, chats, delivery cursors (+ journal)
    schema.py     schema version and migrations
    store.py      `Store`, which puts them together
"""

from bot.store.codec import item_to_doc
from bot.store.files import StoreCorrupt, StoreError, StoreLocked, atomic_write
from bot.store.schema import SCHEMA_VERSION
from bot.store.store import INDEX_SNAPSHOT, Store

__all__ = ["INDEX_SNAPSHOT", "SCHEMA_VERSION", "Store", "StoreCorrupt", "StoreError",
           "StoreLocked", "atomic_write", "item_to_doc"]
