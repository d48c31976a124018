"""The search index is saved at shutdown and loaded at start-up, then caught up with the store."""

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.config import Settings
from bot.models import Item
from bot.poller import ingest_items
from bot.store import INDEX_SNAPSHOT, Store
from bot.store.files import DataDir
from bot.store.restore import restore


def release(n: int, body: str) -> Item:
    return Item(id=f"r{n}", feed_id="f", url=f"https://x.az/{n}", title=f"Release {n}",
                body=body, published=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n),
                content_hash=body)


def settings_for(path: Path) -> Settings:
    settings = Settings()
    settings.storage.path = path
    return settings


async def run_briefly(settings: Settings) -> App:
    app = App(settings)
    await app.start()
    await app.index_ready.wait()
    return app


def hits(app: App, query: str) -> list[str]:
    return [h.item_id for h in app.index.search(query, limit=10).hits]


async def test_snapshot_round_trip_and_catch_up(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.ingest([release(1, "Heroin seized at Astara."), release(2, "Parcels from abroad.")])
    app = await run_briefly(settings_for(tmp_path))
    assert app._snapshot_meta is None and hits(app, "heroin") == ["r1"]
    await app.stop()
    assert (tmp_path / INDEX_SNAPSHOT).exists()

    with Store(tmp_path) as store:  # while the bot is down: one new release, one corrected
        store.ingest([release(3, "Demining equipment handed over."),
                      release(2, "Postal items bought online.")])
    app = await run_briefly(settings_for(tmp_path))
    try:
        assert app._snapshot_meta is not None  # loaded, not rebuilt
        assert hits(app, "heroin") == ["r1"]
        assert hits(app, "demining") == ["r3"]
        assert hits(app, "postal") == ["r2"] and hits(app, "parcels") == []
    finally:
        await app.stop()


async def test_a_foreign_or_damaged_snapshot_is_ignored(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.ingest([release(1, "Heroin seized at Astara.")])
        store.write_blob(INDEX_SNAPSHOT, b"not a snapshot")
    app = await run_briefly(settings_for(tmp_path))
    try:
        assert app._snapshot_meta is None and hits(app, "heroin") == ["r1"]
    finally:
        await app.stop()


def test_reclassifying_drops_the_snapshot(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.ingest([release(1, "Heroin seized.")])
        store.write_blob(INDEX_SNAPSHOT, b"x")
        store.set_topics({"r1": (["smuggling"], {"smuggling": ["body: heroin"]})})
        assert store.open_blob(INDEX_SNAPSHOT) is None


async def crash(app: App) -> None:
    """As kill -9 leaves it: nothing saved at exit (no snapshot written by stop())."""
    for task in app._tasks:
        task.cancel()
    for task in app._tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    await app.fetcher.aclose()
    app.store.close()


async def test_a_correction_stored_after_the_snapshot_by_an_earlier_poll_is_found(
        tmp_path: Path) -> None:
    """A poll that began before the snapshot was saved stores its correction after it (the
    fetch took a while); after a crash the loaded snapshot must be caught up with it."""
    with Store(tmp_path) as store:
        store.ingest([release(1, "Heroin seized at Astara."), release(2, "Parcels from abroad.")])
    app = await run_briefly(settings_for(tmp_path))
    assert (tmp_path / INDEX_SNAPSHOT).exists()  # saved once built
    poll_began = datetime.now(UTC) - timedelta(seconds=30)
    ingest_items(app.store, app.classifier, app.index, [release(2, "Postal items bought.")],
                 notify=True, now=poll_began)
    assert hits(app, "postal") == ["r2"]
    await crash(app)

    app = await run_briefly(settings_for(tmp_path))
    try:
        assert app._snapshot_meta is not None
        assert hits(app, "postal") == ["r2"] and hits(app, "parcels") == []
    finally:
        await app.stop()


async def test_a_correction_polled_while_the_index_is_built_is_not_undone(
        tmp_path: Path) -> None:
    """The build adds the history in slices, the poller runs between them: a release it
    corrects meanwhile must not be put back to the text the build read before."""
    with Store(tmp_path) as store:
        store.ingest([release(n, f"Routine notice number {n}.") for n in range(1, 5)])
    app = App(settings_for(tmp_path))
    app.poller.first_poll_done.set()
    add_many = app.index.add_many
    polled: list[bool] = []

    def slice_then_poll(items: Iterable[Item]) -> None:
        add_many(items)
        if not polled:  # the poller's turn between two slices
            polled.append(True)
            ingest_items(app.store, app.classifier, app.index,
                         [release(3, "Heroin seized at Astara.")], notify=True,
                         now=datetime.now(UTC))

    app.index.add_many = slice_then_poll  # type: ignore[method-assign]
    try:
        await app.build_index(chunk=1)
        assert hits(app, "heroin") == ["r3"]
        assert "r3" not in hits(app, "routine")
    finally:
        app.store.close()
        await app.fetcher.aclose()


async def test_a_month_restored_from_its_backup_is_searched_as_restored(tmp_path: Path) -> None:
    """`newsbot restore releases/YYYY-MM.json` puts back an older copy of a month: the index
    snapshot, saved from the month as it was, must not keep answering with releases the
    archive no longer holds (the rest of the archive is newer, so its position says nothing)."""
    with Store(tmp_path) as store:
        store.ingest([release(1, "Heroin seized at Astara."), release(40, "Parcels abroad.")])
    with Store(tmp_path) as store:  # the copies of January and February taken at this start
        store.ingest([release(2, "Demining equipment handed over."),
                      release(41, "Tobacco smuggled by sea.")])
    app = await run_briefly(settings_for(tmp_path))
    assert hits(app, "demining") == ["r2"]
    await app.stop()
    month = tmp_path / "releases" / "2025-01.json"
    month.write_bytes(b"garbage")
    restore(DataDir(tmp_path, 3), "releases/2025-01.json", copy=2)  # the one before r2

    app = await run_briefly(settings_for(tmp_path))
    try:
        assert app.store.get_item("r2") is None and app.store.max_seq == 4
        assert hits(app, "demining") == []
        assert hits(app, "heroin") == ["r1"] and hits(app, "tobacco") == ["r41"]
    finally:
        await app.stop()
