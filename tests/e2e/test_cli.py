"""The `newsbot` command line as a user runs it: real subprocesses."""

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests.fakes.feed_server import Entry, rss_bytes

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = ROOT / "tests" / "fixtures" / "editions.jsonl"


def newsbot(
    *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[storage]\npath = "data"\n')
    return path


def feed_file(tmp_path: Path, n: int) -> Path:
    entries = [Entry(f"Demining release {i}", f"<p>Mine clearance in the liberated territories, "
                     f"operation {i}. Mines were found.</p>", guid=f"g{i}",
                     published="Tue, 10 Jun 2025 04:00:00 GMT") for i in range(n)]
    path = tmp_path / "feed.xml"
    path.write_bytes(rss_bytes(entries))
    return path


def test_ingest_counts_new_then_seen(tmp_path: Path, config: Path) -> None:
    feed = feed_file(tmp_path, 7)
    first = newsbot("ingest", str(feed), "--config", str(config))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "7 new, 0 updated, 0 already seen"
    again = newsbot("ingest", str(feed), "--config", str(config), "--json")
    assert json.loads(again.stdout) == {"new": 0, "updated": 0, "seen": 7}
    items = newsbot("items", "--config", str(config), "--json", "--limit", "3")
    rows = [json.loads(line) for line in items.stdout.splitlines()]
    assert len(rows) == 3 and all("demining" in r["topics"] for r in rows)
    found = newsbot("search", "mine clearance", "--config", str(config), "--json")
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert hits and {"id", "title", "url", "published", "topics", "score"} <= set(hits[0])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--config", "/nonexistent/c.toml"], "no such config file"),
        (["check-config"], "--config FILE is required"),
        (["ingest", "/nonexistent/feed.xml", "--config", "{config}"], "cannot read it"),
        (["ingest", "{html}", "--config", "{config}"], "not an RSS or Atom feed"),
        (["ingest", "http://127.0.0.1:9/feed.xml", "--config", "{config}"], "network error"),
        (["search", "wco", "--config", "{config}"], "no newsbot data"),
    ],
)
def test_errors_are_one_line_without_traceback(
    tmp_path: Path, config: Path, args: list[str], message: str
) -> None:
    html = tmp_path / "page.html"
    html.write_text("<html><body><p>Not a feed</p></body></html>")
    done = newsbot(*[a.format(config=config, html=html) for a in args])
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_check_config_reports_platforms(config: Path) -> None:
    config.write_text('[storage]\npath = "data"\n[telegram]\nadmins = [1]\n')
    done = newsbot("check-config", "--config", str(config))
    assert done.returncode == 0
    assert "telegram: off (TELEGRAM_BOT_TOKEN not set" in done.stdout
    assert "slack: off (no [slack] section)" in done.stdout


def test_classify_json_lines_with_a_bad_line() -> None:
    lines = [
        json.dumps({"title": "Heroin seized at Astara customs post",
                    "body": "Officers found 20 kg of heroin; the driver was detained."}),
        "this is not json",
        json.dumps({"title": "", "body": ""}),
    ]
    done = newsbot("classify", "-", stdin="\n".join(lines) + "\n")
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert "smuggling" in out[0]["topics"] and out[0]["reasons"]["smuggling"]
    assert out[1]["topics"] == []
    assert "line 2" in done.stderr and done.returncode == 1


def test_demo_from_a_script_shows_replies_and_a_demining_notification() -> None:
    script = "/help\n/subscribe demining\n/latest 3\n/search WCO\n"
    done = newsbot("demo", stdin=script, timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "/subscribe" in out and "/search" in out  # the help
    assert "demining" in out.lower()
    assert "New release for you" in out
    notification = out.split("New release for you", 1)[1]
    assert "Demining" in notification or "mine" in notification.lower()
    assert "Traceback" not in done.stderr


# two drug seizures at two border posts on one day, each in az, ru and en: look-alikes
LOOK_ALIKES = ("dev-ev-01", "dev-ev-02")


def edition_feeds(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A config with the three customs pages in one group, an RSS file per language holding
    the editions of LOOK_ALIKES, and item id (the RSS guid) -> event."""
    rows = [json.loads(line) for line in EDITIONS.read_text("utf-8").splitlines()]
    rows = [r for r in rows if r["event"] in LOOK_ALIKES]
    config = tmp_path / "config.toml"
    lines = ['[storage]\npath = "data"\n']
    for lang in ("az", "ru", "en"):
        entries = [Entry(r["title"], r["body"], guid=r["id"], link=r["url"],
                         published=datetime.fromisoformat(r["published"]))
                   for r in rows if r["language"] == lang]
        (tmp_path / f"{lang}.xml").write_bytes(rss_bytes(entries))
        lines.append(f'[[feeds]]\nid = "customs-{lang}"\nurl = "https://customs.gov.az/{lang}"'
                     f'\nlanguage = "{lang}"\ngroup = "customs-gov-az"\n')
    config.write_text("\n".join(lines))
    return config, {r["url"]: r["event"] for r in rows}


def test_ingest_of_a_group_gives_one_story_per_release(tmp_path: Path) -> None:
    config, event_of = edition_feeds(tmp_path)
    for lang in ("az", "ru", "en"):
        done = newsbot("ingest", str(tmp_path / f"{lang}.xml"), "--feed-id", f"customs-{lang}",
                       "--config", str(config))
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("2 new")
    items = newsbot("items", "--config", str(config), "--json")
    rows = [json.loads(line) for line in items.stdout.splitlines()]
    assert len(rows) == 6 and all(r["story"] for r in rows)
    story_of_event: dict[str, set[str]] = {}
    for row in rows:
        story_of_event.setdefault(event_of[row["url"]], set()).add(row["story"])
    assert all(len(stories) == 1 for stories in story_of_event.values())  # editions share one
    assert story_of_event["dev-ev-01"] != story_of_event["dev-ev-02"]  # look-alikes do not
    plain = newsbot("items", "--config", str(config))
    assert plain.stdout.count(", story ") == 6
    listed = newsbot("stories", "--config", str(config), "--json")
    assert listed.returncode == 0, listed.stderr
    stories = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(stories) == 2
    for story in stories:
        assert sorted(e["language"] for e in story["editions"]) == ["az", "en", "ru"]
        assert {event_of[e["url"]] for e in story["editions"]} == {
            event_of[story["editions"][0]["url"]]}
        assert all(e["id"] and e["title"] for e in story["editions"])
    assert stories[0]["editions"][0]["published"] > stories[1]["editions"][0]["published"]
    one = newsbot("stories", "--config", str(config), "--limit", "1")
    assert one.stdout.count("story ") == 1 and one.stdout.count("https://") == 3


def test_items_of_a_feed_without_group_are_their_own_stories(tmp_path: Path,
                                                              config: Path) -> None:
    assert newsbot("ingest", str(feed_file(tmp_path, 3)), "--config", str(config)).returncode == 0
    rows = [json.loads(line) for line in
            newsbot("items", "--config", str(config), "--json").stdout.splitlines()]
    assert len(rows) == 3 and all(r["story"] == r["id"] for r in rows)


def test_demo_lists_each_story_once_with_its_other_editions() -> None:
    done = newsbot("demo", stdin="/help\n/latest 3\n", timeout=120)
    assert done.returncode == 0, done.stderr
    listing = done.stdout.split("/latest", 1)[-1]
    english = [line for line in listing.splitlines() if "customs.example.az/en/" in line]
    assert len(english) == 3 and len(set(english)) == 3  # three stories, each in English once
    assert listing.count("customs.example.az/az/") == 3  # and a link to each one's az edition
    assert "/az/" not in "".join(english)
