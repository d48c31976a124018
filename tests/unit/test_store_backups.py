"""Rolling backups: a copy that lost data never pushes a good one out; a state file that lost
most of its records is refused at start, a file that shrank by use is not; restore picks the
newest good backup and sets the replaced file aside."""

from __future__ import annotations

import errno
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import Chat, Item, SentStory, Subscription
from bot.store import Store, StoreCorrupt, StoreError
from bot.store.files import DataDir
from bot.store.restore import restore


def _chats(data: Path, n: int, first: int = 0) -> None:
    with Store(data) as store:
        store.save_chats(Chat("telegram", str(first + i), subscription=Subscription(
            topics={"wco"})) for i in range(n))


def _keep_only(path: Path, n: int) -> None:
    raw = json.loads(path.read_text())
    raw["chats"] = dict(list(raw["chats"].items())[:n])
    path.write_text(json.dumps(raw))
    future = path.stat().st_mtime + 5  # written after the backup, as a later run would
    os.utime(path, (future, future))


def _backup_chats(data: Path, n: int) -> int:
    return len(json.loads((data / "backups" / f"chats.json.{n}").read_text())["chats"])


def test_a_copy_that_lost_data_never_rotates_the_good_ones_out(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _chats(data, 40)
    Store(data).close()  # backups/chats.json.1: 40 chats
    root = DataDir(data, 3)
    chats = data / "chats.json"
    for kept in (0, 5):  # emptied, then an old copy of 5 chats in its place
        _keep_only(chats, kept)
        for _ in range(4):  # more starts than there are backups
            root.back_up([chats])
        assert _backup_chats(data, 1) == 40 and not (data / "backups" / "chats.json.2").exists()
    chats.write_text("{}")
    for _ in range(4):
        root.back_up([chats])
    assert _backup_chats(data, 1) == 40


def test_a_file_that_shrank_or_grew_by_use_rotates_as_before(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _chats(data, 40)
    Store(data).close()
    root, chats = DataDir(data, 3), data / "chats.json"
    _keep_only(chats, 31)  # 9 chats fewer: under the 10 records a loss needs
    root.back_up([chats])
    _keep_only(chats, 21)  # 10 fewer, but not half
    root.back_up([chats])
    assert [_backup_chats(data, n) for n in (1, 2, 3)] == [21, 31, 40]
    _chats(data, 30, first=100)  # grew: the next start backs it up, the oldest copy goes
    Store(data).close()
    assert [_backup_chats(data, n) for n in (1, 2, 3)] == [51, 21, 31]


def test_the_start_refuses_a_state_file_that_lost_most_records(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _chats(data, 40)
    Store(data).close()
    _keep_only(data / "chats.json", 12)
    with pytest.raises(StoreCorrupt) as err:
        Store(data)
    assert "holds 12 records where its newest backup" in str(err.value)
    assert err.value.restore == "chats.json" and err.value.intended
    with pytest.raises(StoreCorrupt):
        Store(data, read_only=True)
    restore(DataDir(data, 3), "chats.json")  # takes the lock: the refusal released it
    with Store(data) as store:
        assert store.count_chats() == 40


def test_sent_stories_pruned_after_a_week_are_no_loss(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Store(data) as store:
        store.record_delivered("telegram:1", 2)
        store.record_story_sent(SentStory("telegram:1", "s", "r", datetime.now(UTC), "1"))
    Store(data).close()
    backup = data / "backups" / "cursors.json.1"
    raw = json.loads(backup.read_text())
    rows = raw["sent_stories"]["1"]["rows"]
    raw["sent_stories"]["1"]["rows"] = rows * 300  # a busy week, since pruned
    backup.write_text(json.dumps(raw))
    with Store(data) as store:
        assert store.cursor("telegram:1") == 2
    raw = json.loads(backup.read_text())
    raw["cursors"]["1"] = {f"telegram:{n}": 2 for n in range(40)}  # 40 chats' progress...
    backup.write_text(json.dumps(raw))
    with pytest.raises(StoreCorrupt, match="cursors.json holds 1 record where"):  # ...down to 1
        Store(data)


def test_restore_takes_the_newest_good_backup_and_keeps_the_replaced_file(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    _chats(data, 12)
    Store(data).close()
    folder = data / "backups"
    os.replace(folder / "chats.json.1", folder / "chats.json.3")
    (folder / "chats.json.2").write_bytes(b"\x00garbage")
    (folder / "chats.json.1").write_text('{"chats": {}}')
    (data / "chats.json").write_text("{}")
    said = restore(DataDir(data, 3), str(data / "chats.json"))
    assert "restored from" in said and "chats.json.3 (12 records)" in said
    assert [p.read_text() for p in (folder / "replaced").iterdir()] == ["{}"]
    with Store(data, read_only=True) as store:
        assert store.count_chats() == 12
    said = restore(DataDir(data, 3), "chats.json", copy=1)
    with Store(data, read_only=True) as store:
        assert store.count_chats() == 0
    with pytest.raises(Exception, match="damaged too"):
        restore(DataDir(data, 3), "chats.json", copy=2)


def test_a_journal_line_cut_by_a_crash_is_no_damage_but_one_in_the_middle_is(
    tmp_path: Path,
) -> None:
    with Store(tmp_path) as store:
        store.record_delivered("telegram:1", 4)
        store.flush_cursors()
    (tmp_path / "cursors.log").write_bytes(b"telegram:1\t5\ntelegram:1\t\xff")  # torn last line
    with Store(tmp_path) as store:
        assert store.cursor("telegram:1") == 5
    (tmp_path / "cursors.log").write_bytes(b"telegram:1\t6\ntelegram:1\tsix\ntelegram:1\t7\n")
    with pytest.raises(StoreCorrupt, match=r"cursors.log is damaged \(line 2: not a record"):
        Store(tmp_path)


@pytest.mark.parametrize(("name", "content", "said"), [
    ("chats.json", '{"chats": {"1": 5}}', "not tables of documents"),
    ("chats.json", '{"chats": []}', "not tables of documents"),
    ("releases/2026-05.json", '{"_default": {"1": {"id": "r1"}}}', "not releases as newsbot"),
])
def test_json_that_is_not_what_newsbot_wrote_is_damage_naming_the_backup(
    tmp_path: Path, name: str, content: str, said: str
) -> None:
    with Store(tmp_path) as store:
        store.save_chat(Chat("telegram", "1"))
        store.ingest([Item(id="r1", feed_id="f", url="https://customs.example/1", title="T",
                           body="B", published=datetime(2026, 5, 1, tzinfo=UTC))])
    Store(tmp_path).close()
    (tmp_path / name).write_text(content)
    (tmp_path / "releases" / "2026-05.catalogue").unlink()  # rebuilt from the month file
    with pytest.raises(StoreCorrupt) as err:
        Store(tmp_path)
    assert said in str(err.value) and err.value.restore == name
    assert f"newest good backup is {tmp_path / 'backups' / name.replace('/', '_')}.1" in str(
        err.value)
    restore(DataDir(tmp_path, 3), name)
    with Store(tmp_path) as store:
        assert store.count_chats() == 1 and store.get_item("r1") is not None


@pytest.mark.parametrize("damage", ["deleted", "emptied"])
def test_a_month_of_the_archive_deleted_or_emptied_is_refused(tmp_path: Path,
                                                               damage: str) -> None:
    with Store(tmp_path) as store:
        store.ingest([Item(id=f"r{n}", feed_id="f", url=f"https://customs.example/{n}",
                           title=f"T{n}", body="B", published=datetime(2026, 4 + n % 2, 1 + n,
                                                                       tzinfo=UTC))
                      for n in range(6)])
    Store(tmp_path).close()
    month = tmp_path / "releases" / "2026-05.json"
    if damage == "deleted":
        month.unlink()
    else:
        month.write_text('{"_default": {}}')
    for read_only in (False, True):
        with pytest.raises(StoreCorrupt) as err:
            Store(tmp_path, read_only=read_only)
        assert str(month) in str(err.value) and "holds 3" in str(err.value)
        assert err.value.restore == "releases/2026-05.json"
    restore(DataDir(tmp_path, 3), "releases/2026-05.json")
    with Store(tmp_path) as store:
        assert store.count_items() == 6
    month.unlink()
    restore(DataDir(tmp_path, 3), "releases/2026-05.json", keep_current=True)  # on purpose
    with Store(tmp_path) as store:
        assert store.count_items() == 3


def test_with_backups_turned_off_old_copies_refuse_nothing(tmp_path: Path) -> None:
    _chats(tmp_path, 40)
    Store(tmp_path).close()  # copies taken while backups were on
    (tmp_path / "chats.json").write_text("{}")
    with pytest.raises(StoreCorrupt):
        Store(tmp_path)
    with Store(tmp_path, backups=0) as store:  # [storage] backups = 0 now
        assert store.count_chats() == 0


def test_a_backup_cut_by_a_full_disk_leaves_the_copies_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _chats(tmp_path, 40)
    Store(tmp_path).close()
    _chats(tmp_path, 5, first=100)  # changed since: the next start copies it

    def disk_full(source: Path, target: Path) -> None:
        Path(target).write_bytes(b'{"chats": {"1": ')  # what fitted
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("bot.store.backups.shutil.copy2", disk_full)
    with pytest.raises(StoreError, match=r"chats.json.1: no space left"):
        Store(tmp_path)
    folder = tmp_path / "backups"
    assert _backup_chats(tmp_path, 1) == 40 and not (folder / "chats.json.2").exists()
    assert not list(folder.glob(".*"))  # no half copy left behind
    monkeypatch.undo()  # space again
    Store(tmp_path).close()
    assert [_backup_chats(tmp_path, n) for n in (1, 2)] == [45, 40]


def test_a_release_stored_after_a_month_is_restored_reaches_the_chats(tmp_path: Path) -> None:
    """A damaged month is restored from the copy taken at the last start, which lacks what
    was stored (and delivered) since: the releases stored next must still come after every
    chat's delivery cursor, or they are never sent."""
    def release(n: int) -> Item:
        return Item(id=f"r{n}", feed_id="f", url=f"https://customs.example/{n}", title=f"T{n}",
                    body="B", published=datetime(2026, 5, n, tzinfo=UTC), content_hash=f"h{n}")

    with Store(tmp_path) as store:
        store.ingest([release(1), release(2)])
    with Store(tmp_path) as store:  # the copy of 2026-05 holds r1 and r2
        store.ingest([release(3)])
        store.record_delivered("telegram:1", 3)  # r3 went out
        store.flush_cursors()
    month = tmp_path / "releases" / "2026-05.json"
    month.write_bytes(b"\x00garbage")
    with pytest.raises(StoreCorrupt):
        Store(tmp_path)
    restore(DataDir(tmp_path, 3), "releases/2026-05.json")
    with Store(tmp_path) as store:
        assert store.count_items() == 2
        store.ingest([release(4)])
        waiting = [i.id for i in store.items_after(store.cursor("telegram:1"))]
        assert waiting == ["r4"]


def test_a_release_is_numbered_above_every_chats_since_seq(tmp_path: Path) -> None:
    """A chat joined when the archive reached seq 7 (since_seq) but the archive came back
    from an older copy holding less: a new release must still be numbered above 7, or that
    chat never receives it."""
    with Store(tmp_path) as store:
        store.save_chat(Chat("telegram", "1", since_seq=7))
    with Store(tmp_path) as store:
        result = store.ingest([Item(id="r1", feed_id="f", url="https://customs.example/1",
                                    title="T", body="B", content_hash="h1",
                                    published=datetime(2026, 5, 1, tzinfo=UTC))])
        assert [i.seq for i in result.new] == [8]
