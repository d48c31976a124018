import json
import os
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import Chat, FeedState, Item, Subscription
from bot.store import Store, StoreCorrupt


def make_item(n: int, text: str = "body", month: int = 1) -> Item:
    return Item(id=f"id-{n}", feed_id="f", url=f"https://x.org/{n}", title=f"Release {n}",
                body=text, published=datetime(2024, month, 1, tzinfo=UTC) + timedelta(hours=n),
                content_hash=f"h-{n}-{text}")


def test_new_seen_and_updated(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        first = store.ingest([make_item(1), make_item(2), make_item(2)])
        assert first.counts() == {"new": 2, "updated": 0, "seen": 1}
        assert store.ingest([make_item(1), make_item(2)]).counts()["seen"] == 2
        changed = store.ingest([make_item(1, "corrected body")])
        assert changed.counts() == {"new": 0, "updated": 1, "seen": 0}
        item = store.get_item("id-1")
        assert item and item.body == "corrected body" and item.seq == 1 and item.updated_at
    with Store(tmp_path) as store:  # and it all survives a restart
        assert store.count_items() == 2
        assert store.get_item("id-1").body == "corrected body"  # type: ignore[union-attr]
        assert [i.id for i in store.latest(5)] == ["id-2", "id-1"]


def test_sequence_follows_publication_order_within_a_batch(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.ingest([make_item(3), make_item(1), make_item(2)])
        assert [i.id for i in store.items_after(0)] == ["id-1", "id-2", "id-3"]


def test_backlog_is_marked_not_to_push(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.ingest([make_item(1)], notify=False)
        store.ingest([make_item(2)], notify=True)
        assert [(i.id, i.notify) for i in store.items_after(0)] == [
            ("id-1", False), ("id-2", True)]


def test_chats_feed_state_and_cursors_persist(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        chat = Chat("telegram", "42", subscription=Subscription(topics={"wco"}))
        store.save_chat(chat)
        store.save_feed_state(FeedState("f", etag='"abc"', consecutive_failures=2))
        store.record_delivered(chat.key, 7)
        store.flush_cursors()
    with Store(tmp_path) as store:
        assert store.get_chat("telegram:42").subscription.topics == {"wco"}  # type: ignore
        assert store.feed_state("f").etag == '"abc"'
        assert store.cursor("telegram:42") == 7


def test_a_setting_back_to_its_default_survives_a_restart(tmp_path: Path) -> None:
    """Chat documents leave out empty defaults: saving a chat replaces its whole document, so
    /resume after /pause, or a cleared keyword list, is what the next start reads."""
    until = datetime(2030, 1, 2, tzinfo=UTC)
    paused = Chat("telegram", "42", title="Ops", paused=True, paused_until=until,
                  quiet_hours="22:00-07:00", deactivated_reason="blocked",
                  subscription=Subscription(topics={"wco"}, keywords={"tariff"},
                                            digest_weekday=4, added_at={"topic:wco": 3}))
    with Store(tmp_path) as store:
        store.save_chat(paused)
    with Store(tmp_path) as store:
        assert store.get_chat("telegram:42") == paused
        store.save_chat(replace(paused, paused=False, paused_until=None, quiet_hours="",
                                deactivated_reason=None,
                                subscription=Subscription(topics={"wco"})))
    with Store(tmp_path) as store:
        chat = store.get_chat("telegram:42")
        assert chat is not None and store.chats() == [chat]
        assert (chat.paused, chat.paused_until, chat.quiet_hours, chat.deactivated_reason) == (
            False, None, "", None)
        assert chat.subscription == Subscription(topics={"wco"})
        assert chat.title == "Ops"


def test_chats_stored_by_an_earlier_version_read_the_same(tmp_path: Path) -> None:
    """A chats.json with every field written out (as before compact documents) opens to the
    same chats, and is written compact at the next save."""
    chats = [Chat("telegram", str(n), language="az", since_seq=n,
                  subscription=Subscription(topics={"wco"}, mode="daily")) for n in range(50)]
    full = {"chats": {str(n + 1): {**asdict(c), "key": c.key, "created_at": None,
                                   "paused_until": None,
                                   "subscription": {**asdict(c.subscription),
                                                    "topics": ["wco"], "keywords": []}}
                      for n, c in enumerate(chats)}}
    with Store(tmp_path) as store:
        store.save_chat(Chat("slack", "C1"))
    (tmp_path / "chats.json").write_text(json.dumps(full))
    size = (tmp_path / "chats.json").stat().st_size
    with Store(tmp_path) as store:
        assert store.chats() == chats and store.count_chats() == 50
        assert store.get_chat("telegram:7") == chats[7]
        store.save_chat(replace(chats[0], title="first"))
    assert (tmp_path / "chats.json").stat().st_size < size / 2
    with Store(tmp_path) as store:
        assert store.chats() == [replace(chats[0], title="first"), *chats[1:]]


def test_corrupt_file_is_refused_with_the_backup_to_restore(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.save_chat(Chat("telegram", "1"))
    Store(tmp_path).close()  # a clean start takes a backup of the good file
    (tmp_path / "chats.json").write_text('{"chats": {"1": {"platf')
    with pytest.raises(StoreCorrupt) as err:
        Store(tmp_path)
    message = str(err.value)
    assert "chats.json is damaged" in message and "backups/chats.json.1" in message
    os.replace(tmp_path / "backups" / "chats.json.1", tmp_path / "chats.json")
    with Store(tmp_path) as store:
        assert store.get_chat("telegram:1") is not None


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path, monkeypatch) -> None:
    with Store(tmp_path) as store:
        store.ingest([make_item(1)])
        before = (tmp_path / "releases" / "2024-01.json").read_bytes()

        def disk_full(*args, **kwargs):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync", disk_full)
        with pytest.raises(OSError):
            store.ingest([make_item(2)])
        monkeypatch.undo()
        assert (tmp_path / "releases" / "2024-01.json").read_bytes() == before
        assert not list((tmp_path / "releases").glob(".*.tmp"))


def test_write_cost_follows_the_month_not_the_history(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        for month in range(1, 13):
            store.ingest([make_item(month * 100 + n, month=month) for n in range(50)])
        before = store.release_bytes_written()
        store.ingest([make_item(9999, month=12)])
        one_write = store.release_bytes_written() - before
        total = sum(p.stat().st_size for p in (tmp_path / "releases").glob("*.json"))
        assert one_write < total / 6  # one month's file rewritten, not the archive


def _archive_view(store: Store) -> list[tuple]:
    return [(i.id, i.seq, i.body, tuple(i.topics)) for i in store.iter_items()]


def test_the_archive_spans_more_months_than_are_kept_parsed(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        for month in range(1, 13):
            store.ingest([make_item(month * 100 + n, f"text {month}", month=month)
                          for n in range(3)])
        store.ingest([make_item(101, "corrected in January", month=1)])  # an old month again
    with Store(tmp_path) as store:
        assert store.count_items() == 36 and store.count_months() == 12
        assert store.get_item("id-101").body == "corrected in January"  # type: ignore
        assert [i.id for i in store.latest(2)] == ["id-1202", "id-1201"]
        assert [i.id for i in store.latest(1, offset=35)] == ["id-100"]
        assert [i.seq for i in store.items_after(30)] == [31, 32, 33, 34, 35, 36]
        assert store.content_hash("id-101") == "h-101-corrected in January"
        assert {i.id for i in store.items_changed_since(35, "9999")} == {"id-1202"}
        assert len({i.id for i in store.items_changed_since(36, "2000")}) == 1  # the update


@pytest.mark.parametrize("damage", ["missing", "garbage", "stale"])
def test_a_lost_or_stale_catalogue_is_rebuilt_from_the_month_file(tmp_path: Path,
                                                                  damage: str) -> None:
    """The catalogue is derived data: a crash between the month file's write and its
    catalogue's, or a catalogue lost or damaged, must cost nothing but a re-read."""
    with Store(tmp_path) as store:
        store.ingest([make_item(1), make_item(2)])
        catalogue = tmp_path / "releases" / "2024-01.catalogue"
        old = catalogue.read_bytes()
        store.ingest([make_item(3), make_item(1, "corrected")])
        expected = _archive_view(store)
    if damage == "missing":
        catalogue.unlink()
    elif damage == "garbage":
        catalogue.write_bytes(b"\x00 not json")
    else:
        catalogue.write_bytes(old)  # as if the process died right after the month file
    with Store(tmp_path) as store:
        assert _archive_view(store) == expected
        assert store.max_seq == 3
        assert store.ingest([make_item(3), make_item(1, "corrected")]).counts()["seen"] == 2
        assert store.ingest([make_item(4)]).new[0].seq == 4
    assert json.loads(catalogue.read_bytes())["rows"]  # rewritten, current again


def test_a_burst_of_feed_states_is_written_once_and_kept(tmp_path: Path) -> None:
    """1,000 feeds polled together: feeds.json is not rewritten once per feed, yet every state
    is there for the process and after a restart."""
    with Store(tmp_path / "data") as store:
        before = store.state_bytes_written()
        for n in range(1000):
            store.save_feed_state(FeedState(f"f{n}", etag=f'"{n}"'))
        assert store.feed_state("f999").etag == '"999"'  # read back at once
        store.flush_feed_states()
        with Store(tmp_path / "data", read_only=True) as beside:  # e.g. `newsbot feeds`
            assert beside.feed_state("f999").etag == '"999"'
        size = (tmp_path / "data" / "feeds.json").stat().st_size
        # at most one write a second: a few full files, where one per save was ~500
        assert store.state_bytes_written() - before < 10 * size
        store.save_feed_state(FeedState("f5", etag='"new"'))
    with Store(tmp_path / "data") as store:  # close() wrote the last one
        assert len(store.feed_states()) == 1000
        assert store.feed_state("f5").etag == '"new"'


@pytest.mark.parametrize("chash", ["0123456789abcdef0123456789abcdef",  # as sources make them
                                   "0123456789ABCDEF0123456789ABCDEF", "h-1", "",
                                   "0123456789abcdef0123456789abcdeZ"])
def test_content_hashes_of_any_form_tell_a_change(tmp_path: Path, chash: str) -> None:
    def version(text: str, hash_: str) -> Item:
        return replace(make_item(1, text), content_hash=hash_)

    for reopen in (False, True):
        path = tmp_path / f"data-{reopen}"
        with Store(path) as store:
            store.ingest([version("body", chash)])
        with Store(path) as store:
            assert store.ingest([version("body", chash)]).counts()["seen"] == 1
            assert store.ingest([version("new body", chash + "x")]).counts()["updated"] == 1
            assert store.content_hash("id-1") == chash + "x"


def test_a_corrected_date_moves_the_release_in_latest(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.ingest([make_item(n) for n in (1, 2, 3)])
        assert [i.id for i in store.latest(3)] == ["id-3", "id-2", "id-1"]
        later = replace(make_item(1, "date corrected"), published=datetime(2024, 1, 28, tzinfo=UTC))
        store.ingest([later])
        assert [i.id for i in store.latest(3)] == ["id-1", "id-3", "id-2"]
    with Store(tmp_path) as store:
        assert [i.id for i in store.latest(3)] == ["id-1", "id-3", "id-2"]
