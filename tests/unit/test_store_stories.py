"""Stories in the store: `Item.story` kept across restarts, the story index, recent releases,
the sent-stories journal (durable with the cursors, pruned after 7 days), older directories."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.classify import Classifier
from bot.models import Item, SentStory
from bot.poller import ingest_items
from bot.store import SCHEMA_VERSION, Store
from tests.fakes.memory_store import MemoryStore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def edition(item_id: str, lang: str, hours: float = 0, story: str = "", feed: str = "") -> Item:
    return Item(id=item_id, feed_id=feed or f"customs-{lang}", url=f"https://x.az/{item_id}",
                title=f"Release {item_id}", body="text", language=lang,
                published=T0 + timedelta(hours=hours), content_hash=f"h-{item_id}", story=story)


def test_story_round_trip_across_reopen(tmp_path: Path) -> None:
    items = [edition("az-1", "az", 0, "az-1"), edition("ru-1", "ru", 1, "az-1"),
             edition("en-1", "en", 5, "az-1"), edition("az-2", "az", 2, "az-2"),
             edition("old", "en", -3)]  # stored before stories: its own story
    with Store(tmp_path) as store:
        store.ingest(items, now=T0 + timedelta(hours=6))
    with Store(tmp_path) as store:
        assert store.get_item("ru-1").story == "az-1"  # type: ignore[union-attr]
        assert store.get_item("old").story == ""  # type: ignore[union-attr]
        story = store.story("az-1")
        assert {lang: i.id for lang, i in story.editions.items()} == {
            "az": "az-1", "ru": "ru-1", "en": "en-1"}
        assert story.edition_for("en").id == "en-1"
        found = store.stories(["az-2", "old", "ru-1", "nope"])
        assert [i.id for i in found["az-2"].editions.values()] == ["az-2"]
        assert [i.id for i in found["old"].editions.values()] == ["old"]
        assert found["ru-1"].editions == {} and found["nope"].editions == {}


def test_an_update_never_changes_a_stored_story(tmp_path: Path) -> None:
    with Store(tmp_path) as store:
        store.ingest([edition("az-1", "az", story="az-1"), edition("ru-1", "ru", story="az-1")])
        corrected = edition("ru-1", "ru")  # re-parsed: no story yet
        corrected.content_hash = "h-corrected"
        assert store.ingest([corrected]).counts()["updated"] == 1
        assert store.get_item("ru-1").story == "az-1"  # type: ignore[union-attr]
        assert set(store.story("az-1").editions) == {"az", "ru"}
    with Store(tmp_path) as store:
        assert set(store.story("az-1").editions) == {"az", "ru"}


def test_recent_items_by_feed_and_time(tmp_path: Path) -> None:
    late = edition("late", "en", -100)  # published long ago, first seen now
    with Store(tmp_path) as store:
        store.ingest([edition("a", "az", -50), edition("b", "ru", -2), edition("c", "en", -1),
                      edition("x", "en", -1, feed="other")], now=T0 - timedelta(hours=40))
        store.ingest([late], now=T0)
        since = T0 - timedelta(hours=36)
        recent = store.recent_items(since, {"customs-az", "customs-ru", "customs-en"})
        assert [i.id for i in recent] == ["late", "b", "c"]
        assert store.recent_items(since, ()) == []


def test_sent_stories_survive_restart_and_are_pruned_after_a_week(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with Store(tmp_path) as store:
        store.record_story_sent(SentStory("telegram:1", "az-1", "ru-1", now, "55"))
        store.record_story_sent(SentStory("telegram:1", "az-1", "en-1", now))  # first counts
        store.record_story_sent(SentStory("slack:C1", "old", "old", now - timedelta(days=8)))
        store.flush_cursors()
        assert store.story_sent("telegram:1", "az-1") == SentStory(
            "telegram:1", "az-1", "ru-1", now, "55")
        assert store.story_sent("telegram:2", "az-1") is None
    with Store(tmp_path) as store:
        assert store.story_sent("telegram:1", "az-1").item_id == "ru-1"  # type: ignore[union-attr]
        assert store.story_sent("slack:C1", "old") is None  # older than 7 days


CRASHING_WRITER = """
import os, sys
from datetime import UTC, datetime
from bot.models import SentStory
from bot.store import Store
store = Store(sys.argv[1])
store.record_delivered("telegram:1", 7)
store.record_story_sent(SentStory("telegram:1", "s-1", "i-1", datetime.now(UTC), "9"))
store.flush_cursors()
store.record_story_sent(SentStory("telegram:1", "s-2", "i-2", datetime.now(UTC)))  # not flushed
os.kill(os.getpid(), 9)
"""


def test_sent_stories_flushed_survive_kill_9(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(tmp_path)], check=False)
    assert proc.returncode == -9
    (tmp_path / "newsbot.lock").unlink(missing_ok=True)
    with open(tmp_path / "sent-stories.log", "a", encoding="utf-8") as log:
        log.write('["telegram:1", "s-3", "i-')  # a line cut by the crash
    with Store(tmp_path) as store:
        assert store.cursor("telegram:1") == 7
        sent = store.story_sent("telegram:1", "s-1")
        assert sent is not None and (sent.item_id, sent.message_id) == ("i-1", "9")
        assert store.story_sent("telegram:1", "s-3") is None


def test_schema1_directory_opens_with_stories(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "datadir-schema1", data)
    with Store(data) as store:
        first = next(store.iter_items())
        assert first.story == "" and first.story_id == first.id
        assert list(store.story(first.id).editions.values()) == [first]
        assert store.story_sent("telegram:42", first.id) is None
        store.record_story_sent(SentStory("telegram:42", first.id, first.id, datetime.now(UTC)))
    meta = json.loads((data / "meta.json").read_text())
    assert meta["meta"]["1"]["schema"] == SCHEMA_VERSION == 3
    with Store(data) as store:
        assert store.story_sent("telegram:42", first.id) is not None


def test_memory_store_answers_stories_as_the_real_store(tmp_path: Path) -> None:
    items = [edition("az-1", "az", 0, "az-1"), edition("ru-1", "ru", 1, "az-1"),
             edition("az-2", "az", 2, "az-2"), edition("old", "en", -3),
             edition("far", "en", -90, feed="customs-en")]
    sent = SentStory("telegram:1", "az-1", "ru-1", T0, "7")
    answers = []
    with Store(tmp_path) as real:
        for store in (MemoryStore(), real):
            store.ingest([replace(i) for i in items], now=T0)
            corrected = replace(edition("ru-1", "ru"), content_hash="h-new")
            store.ingest([corrected], now=T0)
            store.record_story_sent(sent)
            store.record_story_sent(replace(sent, item_id="az-1"))
            store.flush_cursors()
            stories = store.stories(["az-1", "az-2", "old", "ru-1", "nope"])
            answers.append((
                {sid: {lang: i.id for lang, i in s.editions.items()}
                 for sid, s in stories.items()},
                store.story("az-1").edition_for("ru").body,
                [i.id for i in store.recent_items(T0 - timedelta(hours=36),
                                                  ["customs-az", "customs-en"])],
                store.story_sent("telegram:1", "az-1"), store.story_sent("telegram:1", "x")))
    assert answers[0] == answers[1]
    assert answers[0][0]["az-1"] == {"az": "az-1", "ru": "ru-1"}


# ---- the ingest path: stories assigned to new releases ---------------------------------------

GROUPS = {f"customs-{lang}": "customs-gov-az" for lang in ("az", "ru", "en")}


def fixture_editions(*events: str) -> list[Item]:
    rows = [json.loads(line) for line in
            (FIXTURES / "editions.jsonl").read_text("utf-8").splitlines()]
    return [Item(id=r["id"], feed_id=f"customs-{r['language']}", url=r["url"], title=r["title"],
                 body=r["body"], language=r["language"],
                 published=datetime.fromisoformat(r["published"]).astimezone(UTC),
                 content_hash=f"h-{r['id']}")
            for r in rows if r["event"] in events]


def test_ingest_joins_editions_across_polls_and_keeps_stored_stories(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    items = fixture_editions("dev-ev-01", "dev-ev-02")  # look-alikes on one day
    event = {"dev-ed-001": 1, "dev-ed-002": 1, "dev-ed-005": 1,
             "dev-ed-003": 2, "dev-ed-004": 2, "dev-ed-006": 2}
    classifier = Classifier()
    now = max(i.published for i in items)
    caplog.set_level(logging.INFO, logger="newsbot.poller")
    with Store(tmp_path) as store:
        az = [i for i in items if i.language == "az"]
        ingest_items(store, classifier, None, az, notify=False, now=now, groups=GROUPS)
        rest = [i for i in items if i.language != "az"]  # ru and en in one later poll
        ingest_items(store, classifier, None, rest, notify=True, now=now, groups=GROUPS)
        stories = {i.id: store.get_item(i.id).story for i in items}  # type: ignore[union-attr]
        for one in (1, 2):
            assert len({s for i, s in stories.items() if event[i] == one}) == 1
        assert stories["dev-ed-001"] == "dev-ed-001" != stories["dev-ed-003"] == "dev-ed-003"
        assert "event=story_join story=dev-ed-001 item=dev-ed-002" in caplog.text
        corrected = replace(fixture_editions("dev-ev-01")[1], content_hash="h-corrected")
        ingest_items(store, classifier, None, [corrected], notify=True, now=now, groups=GROUPS)
        assert store.get_item(corrected.id).story == stories[corrected.id]  # type: ignore[union-attr]
        assert set(store.story("dev-ed-001").editions) == {"az", "ru", "en"}


def test_ingest_without_a_group_gives_each_release_its_own_story(tmp_path: Path) -> None:
    items = fixture_editions("dev-ev-01")
    with Store(tmp_path) as store:
        ingest_items(store, Classifier(), None, items, notify=False, now=T0,
                     groups={"customs-az": "customs-gov-az"})  # the others are in no group
        assert {i.id: i.story for i in store.iter_items()} == {i.id: i.id for i in items}


def test_a_story_is_seen_whole_even_when_its_first_edition_is_older_than_the_window(
        tmp_path: Path) -> None:
    az, ru, _ = fixture_editions("dev-ev-01")
    now = az.published + timedelta(hours=40)
    az.published, az.story = now - timedelta(hours=40), az.id
    ru.published, ru.story = now - timedelta(hours=30), az.id  # joined 10 h later
    again = replace(az, id="az-again", story="", published=now, content_hash="h-again")
    with Store(tmp_path) as store:
        store.ingest([az], now=az.published)
        store.ingest([ru], now=ru.published)
        ingest_items(store, Classifier(), None, [again], notify=True, now=now, groups=GROUPS)
        assert store.get_item("az-again").story == "az-again"  # type: ignore[union-attr]
        assert [i.id for i in store.story(az.id).editions.values()] == [az.id, ru.id]
