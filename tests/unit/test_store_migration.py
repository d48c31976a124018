"""A data directory written by an older newsbot opens with nothing lost; a newer one is refused."""

import json
import shutil
from pathlib import Path

import pytest

from bot.models import FeedState, PendingLink
from bot.store import SCHEMA_VERSION, Store, StoreError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "datadir-schema1"
HTML_FEED = "dgk-az"
NEWS = "https://customs.example.az/az/news/"


@pytest.fixture
def schema1(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(FIXTURE, folder)
    return folder


def _meta(folder: Path) -> dict:
    return json.loads((folder / "meta.json").read_text())["meta"]["1"]


def _old_windows() -> list[list[str]]:
    """The hashes schema 1 packed into "window:h1,h2,..." boilerplate entries."""
    state = json.loads((FIXTURE / "feeds.json").read_text())["state"]["1"]
    return [e.removeprefix("window:").split(",") for e in state["boilerplate"]
            if e.startswith("window:")]


def test_a_schema1_directory_opens_with_nothing_lost(schema1: Path) -> None:
    assert _meta(schema1)["schema"] == 1
    with Store(schema1) as store:
        # releases: all 30, the corrected one in its second revision, numbering intact
        assert store.count_items() == 30 and store.max_seq == 30
        assert store.count_months() == len(list((FIXTURE / "releases").glob("*.json")))
        first = store.get_item("dev-001")
        assert first is not None and first.body.endswith("(corrected)")
        assert first.content_hash == "hash-dev-001-v2" and first.updated_at is not None
        assert [i.seq for i in store.items_after(0)] == list(range(1, 31))
        assert sum(not i.notify for i in store.items_after(0)) == 20  # the first backlog
        assert store.get_item("dev-002").topics  # type: ignore[union-attr]

        alice = store.get_chat("telegram:42")
        assert alice is not None and alice.language == "az" and alice.since_seq == 3
        assert alice.subscription.topics == {"narcotics", "wco"}
        assert alice.subscription.keywords == {"heroin"}
        assert alice.subscription.added_at == {"topic:narcotics": 0, "topic:wco": 12,
                                               "word:heroin": 20}
        channel = store.get_chat("slack:C0123")
        assert channel is not None and channel.kind == "channel"
        assert (channel.subscription.mode, channel.subscription.digest_time) == ("digest", "08:30")
        assert channel.last_digest_on == "2026-02-28"
        group = store.get_chat("telegram:-100777")
        assert group is not None and not group.active and group.deactivated_reason == "blocked"

        # cursors: the compacted ones and the journal line a crash left behind
        assert store.cursor("telegram:42") == 28
        assert store.cursor("slack:C0123") == 21

        html = store.feed_state(HTML_FEED)
        assert html.pending_links == [PendingLink(NEWS + "4"), PendingLink(NEWS + "5", 2),
                                      PendingLink(NEWS + "6"), PendingLink(NEWS + "7")]
        assert html.boilerplate == ["Dövlət Gömrük Komitəsi", "Paylaş: Facebook Twitter"]
        assert html.line_windows == _old_windows() and len(html.line_windows) == 4
        assert html.seen_links == [NEWS + "1"] and html.initialised
        rss = store.feed_state("customs-en")
        assert rss.etag == '"v42"' and rss.last_error == "HTTP 503"
        assert rss.last_error_at is not None and rss.last_error_at.hour == 9
        assert rss.pending_links == [] and rss.line_windows == []
        assert [(f.id, f.type, f.origin) for f in store.admin_feeds()] == [
            (HTML_FEED, "html", "admin")]

    meta = _meta(schema1)
    assert meta["schema"] == SCHEMA_VERSION
    assert [(m["from"], m["to"]) for m in meta["migrations"]] == [(1, SCHEMA_VERSION)]
    before = schema1 / "backups" / f"before-schema-{SCHEMA_VERSION}"
    for name in ("meta.json", "feeds.json", "chats.json", "cursors.json", "cursors.log"):
        assert (before / name).read_bytes() == (FIXTURE / name).read_bytes(), name

    with Store(schema1) as store:  # a second start: nothing to migrate, nothing changed
        assert store.feed_state(HTML_FEED).pending_links[1] == PendingLink(NEWS + "5", 2)
        assert store.cursor("telegram:42") == 28
    assert len(_meta(schema1)["migrations"]) == 1


def test_a_migration_cut_short_runs_again_to_the_same_result(schema1: Path) -> None:
    with Store(schema1) as store:
        migrated = store.feed_state(HTML_FEED)
    # a crash after feeds.json was rewritten, before meta.json recorded the new schema
    meta = json.loads((schema1 / "meta.json").read_text())
    meta["meta"]["1"]["schema"] = 1
    (schema1 / "meta.json").write_text(json.dumps(meta))
    with Store(schema1) as store:
        assert store.feed_state(HTML_FEED) == migrated
    before = schema1 / "backups" / f"before-schema-{SCHEMA_VERSION}"
    assert (before / "feeds.json").read_bytes() == (FIXTURE / "feeds.json").read_bytes()


def test_pending_links_and_line_windows_round_trip(tmp_path: Path) -> None:
    state = FeedState("site", pending_links=[PendingLink("https://x.org/1"),
                                             PendingLink("https://x.org/2\tsame", 4)],
                      boilerplate=["Share"], line_windows=[["a1", "b2"], []])
    with Store(tmp_path) as store:
        store.save_feed_state(state)
    with Store(tmp_path) as store:
        assert store.feed_state("site") == state
        assert store.feed_states() == {"site": state}


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    Store(tmp_path).close()
    meta = json.loads((tmp_path / "meta.json").read_text())
    meta["meta"]["1"]["schema"] = SCHEMA_VERSION + 1
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    files = {p: p.read_bytes() for p in tmp_path.glob("*.json")}
    for read_only in (False, True):
        with pytest.raises(StoreError) as err:
            Store(tmp_path, read_only=read_only)
        message = str(err.value)
        assert f"data schema {SCHEMA_VERSION + 1} was written by a newer newsbot" in message
        assert f"understands schema {SCHEMA_VERSION} and older" in message
    assert {p: p.read_bytes() for p in tmp_path.glob("*.json")} == files
    with pytest.raises(StoreError, match="newer newsbot"):
        Store(tmp_path)


def test_reading_an_old_directory_without_the_lock_asks_for_an_upgrade(schema1: Path) -> None:
    with pytest.raises(StoreError, match="older than this version's .* to upgrade it"):
        Store(schema1, read_only=True)
    assert (schema1 / "feeds.json").read_bytes() == (FIXTURE / "feeds.json").read_bytes()
    assert not (schema1 / "backups" / f"before-schema-{SCHEMA_VERSION}").exists()
