"""An operator's first hour with the `newsbot` command line (issue 15, items 10-17): real
subprocesses, a real data directory, feeds from the local feed server."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli import feed_file, newsbot
from tests.fakes.feed_server import Entry, Fault, FeedServer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "hunter22"
PUBLIC = "http://93.184.215.14"  # a public address, given as an IP: no DNS needed


def write_config(tmp_path: Path, feeds: list[tuple[str, str]], extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    text = '[storage]\npath = "data"\n' + extra
    for feed_id, url in feeds:
        text += f'\n[[feeds]]\nid = "{feed_id}"\nurl = "{url}"\nlanguage = "en"\n'
    path.write_text(text)
    return path


def one_line_error(done: subprocess.CompletedProcess, status: int = 1) -> str:
    assert done.returncode == status, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# ---- check-config (10, 13, 17) -------------------------------------------------------------


def test_check_config_names_every_unknown_key_with_its_table(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("a", "https://feeds.example/rss")],
                          '[fetch]\nallow_privat = true\nretries = 3\n[server]\nprot = 8080\n')
    text = config.read_text().replace('language = "en"', 'language = "en"\nurll = "x"')
    config.write_text(text)
    error = one_line_error(newsbot("check-config", "--config", str(config)))
    for key, table in (("fetch.allow_privat", "[fetch]"), ("fetch.retries", "[fetch]"),
                       ("server.prot", "[server]"), ("feeds[0].urll", "[[feeds]]")):
        assert f"{key}: unknown key in {table}" in error
    assert "did you mean 'allow_private'?" in error and "did you mean 'port'?" in error


@pytest.mark.parametrize(
    ("url", "why"),
    [("http://", "no host name"), ("ftp://feeds.example/rss", "only http:// and https://"),
     ("https://feeds.example:99999/rss", "port")],
)
def test_check_config_refuses_a_feed_url_it_cannot_poll(tmp_path: Path, url: str,
                                                        why: str) -> None:
    config = write_config(tmp_path, [("a", url)])
    error = one_line_error(newsbot("check-config", "--config", str(config)))
    assert "feeds[0].url: expected an http(s) URL" in error and why in error


def test_credentials_are_masked_where_printed(tmp_path: Path) -> None:
    url = f"https://reader:{PASSWORD}@feeds.example/rss"
    config = write_config(tmp_path, [("private", url)])
    checked = newsbot("check-config", "--config", str(config))
    assert checked.returncode == 0
    assert "https://reader:***@feeds.example/rss" in checked.stdout
    listed = newsbot("feeds", "list", "--config", str(config))
    assert "https://reader:***@feeds.example/rss" in listed.stdout
    exported = newsbot("feeds", "export", "--config", str(config))
    assert 'xmlUrl="https://reader:***@feeds.example/rss"' in exported.stdout
    assert "masked" in exported.stderr
    unreachable = one_line_error(newsbot("ingest", f"http://reader:{PASSWORD}@127.0.0.1:9/rss",
                                         "--config", str(config)))
    assert unreachable.startswith("newsbot: http://reader:***@127.0.0.1:9/rss: network error")
    bad = write_config(tmp_path, [("private", f"ftp://reader:{PASSWORD}@feeds.example/rss")])
    refused = one_line_error(newsbot("check-config", "--config", str(bad)))
    assert "ftp://reader:***@" in refused
    for done in (checked, listed, exported):
        assert PASSWORD not in done.stdout + done.stderr
    assert PASSWORD not in refused + unreachable


# ---- feeds export / import / list / remove (11, 14) ------------------------------------------


def test_export_writes_the_file_it_is_given(tmp_path: Path) -> None:
    url = f"https://reader:{PASSWORD}@feeds.example/rss"
    config = write_config(tmp_path, [("customs-en", "https://customs.example/en/rss"),
                                     ("private", url)])
    target = tmp_path / "feeds.opml"
    done = newsbot("feeds", "export", str(target), "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"2 feeds written to {target}"
    text = target.read_text()
    assert 'xmlUrl="https://customs.example/en/rss"' in text
    assert f'xmlUrl="{url}"' in text  # the operator's own file keeps what it needs to fetch
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # readable by its owner only
    public = write_config(tmp_path, [("customs-en", "https://customs.example/en/rss")])
    shared = tmp_path / "public.opml"
    assert newsbot("feeds", "export", str(shared), "--config", str(public)).returncode == 0
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644  # nothing secret: readable by all
    assert sorted(p.name for p in tmp_path.glob("*.opml*")) == ["feeds.opml", "public.opml"]
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
    to_stdout = newsbot("feeds", "export", "-", "--config", str(config))
    assert to_stdout.stdout.startswith("<?xml") and PASSWORD not in to_stdout.stdout


def opml(*urls: str) -> str:
    outlines = "".join(f'<outline text="{n}" type="rss" xmlUrl="{u}"/>'
                       for n, u in enumerate(urls))
    return f'<?xml version="1.0"?><opml version="2.0"><body>{outlines}</body></opml>'


def test_import_checks_addresses_and_skips_feeds_already_watched(tmp_path: Path) -> None:
    config = write_config(tmp_path, [("customs-en", f"{PUBLIC}/en/rss")])
    source = tmp_path / "reader.opml"
    source.write_text(opml(f"{PUBLIC}/en/rss/", "http://127.0.0.1:8080/rss",
                           "http://10.0.0.5/rss", f"{PUBLIC}/az/rss", "http://"))
    done = newsbot("feeds", "import", str(source), "--config", str(config))
    assert done.returncode == 1  # something was refused: the operator should look
    assert "skipped" in done.stdout and "already watched as 'customs-en'" in done.stdout
    assert "refused http://127.0.0.1:8080/rss: 127.0.0.1 resolves to a non-public" in done.stderr
    assert "refused http://10.0.0.5/rss" in done.stderr and "allow_private" in done.stderr
    assert "refused http://: the URL has no host name" in done.stderr
    assert done.stdout.strip().endswith("1 feed added, 1 already watched, 3 refused")
    again = newsbot("feeds", "import", str(source), "--config", str(config))
    assert "0 feeds added, 2 already watched, 3 refused" in again.stdout
    listed = newsbot("feeds", "list", "--config", str(config)).stdout
    assert f"{PUBLIC}/az/rss" in listed and "127.0.0.1" not in listed
    [added] = [line.split()[0] for line in listed.splitlines() if "admin" in line]
    # allowed by the config: the private addresses come in too
    allowing = write_config(tmp_path, [("customs-en", f"{PUBLIC}/en/rss")],
                            "[fetch]\nallow_private = true\n")
    opened = newsbot("feeds", "import", str(source), "--config", str(allowing))
    assert "2 feeds added, 2 already watched, 1 refused" in opened.stdout

    removed = newsbot("feeds", "remove", added, "--config", str(config))
    assert removed.returncode == 0 and f"removed feed '{added}'" in removed.stdout
    assert f"{PUBLIC}/az/rss" not in newsbot("feeds", "list", "--config", str(config)).stdout
    from_config = one_line_error(newsbot("feeds", "remove", "customs-en", "--config",
                                         str(config)))
    assert "comes from" in from_config and "[[feeds]]" in from_config
    unknown = one_line_error(newsbot("feeds", "remove", "nope", "--config", str(config)))
    assert "no feed 'nope'; feeds: customs-en" in unknown


# ---- poll --once (15) --------------------------------------------------------------------------


async def newsbot_async(*args: str) -> tuple[int, str, str]:
    """`newsbot` without blocking the loop that serves the feeds."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=os.environ.copy(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_poll_once_fails_when_a_feed_fails_and_says_so_once(tmp_path: Path,
                                                                  feeds: FeedServer) -> None:
    feeds.publish("good", Entry("Customs revenue grew", "Revenue grew.", guid="g1"))
    for name, status in (("broken", 500), ("locked", 403)):
        feeds.publish(name, Entry("x", "y", guid=name))
        feeds.set_fault(name, Fault(status=status))
    locked = feeds.url("locked").replace("http://", f"http://reader:{PASSWORD}@")
    config = write_config(tmp_path, [("good", feeds.url("good")),
                                     ("broken", feeds.url("broken")),
                                     ("locked", locked), ("missing", feeds.url("missing"))],
                          "[fetch]\nallow_private = true\n")
    status, out, err = await newsbot_async("poll", "--once", "--config", str(config))
    assert status == 1
    assert "good: 1 new" in out
    for feed_id in ("broken", "locked", "missing"):
        assert err.count(f"{feed_id}: FAILED") == 1, err
    assert err.strip().splitlines()[-1] == "3 of 4 feeds failed: broken, locked, missing"
    assert len(err.strip().splitlines()) == 4  # one line per failure, one summary
    assert PASSWORD not in out + err
    status, listed, _ = await newsbot_async("feeds", "list", "--config", str(config))
    health = dict(zip(listed.splitlines()[::2], listed.splitlines()[1::2], strict=True))
    by_id = {line.split()[0]: state.strip() for line, state in health.items()}
    assert by_id["good"] == "ok" and by_id["broken"].startswith("failing (1 in a row): ")
    assert "reader:***@" in listed and PASSWORD not in listed
    feeds.set_fault("broken", None)
    feeds.set_fault("locked", None)
    feeds.publish("missing", Entry("Seminar held", "A seminar.", guid="m1"))
    status, out, err = await newsbot_async("poll", "--once", "--config", str(config))
    assert (status, err) == (0, "")
    assert out.strip().splitlines()[-1] == "4 feeds polled, none failed"


# ---- items and search (16) -----------------------------------------------------------------


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    config = write_config(tmp_path, [("customs-en", f"{PUBLIC}/en/rss")])
    done = newsbot("ingest", str(feed_file(tmp_path, 3)), "--feed-id", "customs-en",
                   "--config", str(config))
    assert done.returncode == 0, done.stderr
    return config


def test_items_show_the_chats_time_zone_and_refuse_bad_arguments(stored: Path) -> None:
    done = newsbot("items", "--config", str(stored), "--limit", "2")
    lines = [line for line in done.stdout.splitlines() if not line.startswith(" ")]
    assert len(lines) == 2  # published 04:00 UTC: 08:00 in Baku, as the chats show it
    assert all(line.startswith("2025-06-10 08:00 +04:00 customs-en") for line in lines)
    as_json = [json.loads(line) for line in newsbot("items", "--config", str(stored), "--json",
                                                    "--limit", "1").stdout.splitlines()]
    assert as_json[0]["published"] == "2025-06-10T04:00:00+00:00"
    for bad in ("0", "-3", "many"):
        error = one_line_error(newsbot("items", "--config", str(stored), "--limit", bad), 2)
        assert "--limit: expected a whole number of at least 1" in error
    error = one_line_error(newsbot("items", "--config", str(stored), "--feed", "nope"))
    assert error == "newsbot: no feed 'nope'; feeds: customs-en"


def test_search_explains_what_is_wrong_as_the_chat_does(stored: Path) -> None:
    error = one_line_error(newsbot("search", "mines", "--limit", "0", "--config", str(stored)),
                           2)
    assert "--limit: expected a whole number of at least 1, not 0" in error
    error = one_line_error(newsbot("search", "since:banana", "--config", str(stored)))
    assert "since: expects YYYY, YYYY-MM or YYYY-MM-DD, not 'banana'" in error
    error = one_line_error(newsbot("search", "mines topic:nonsense", "--config", str(stored)))
    assert "unknown topic 'nonsense'" in error and "demining, smuggling" in error
    found = newsbot("search", "mines", "--limit", "1", "--config", str(stored))
    assert found.returncode == 0
    assert "2025-06-10 08:00 +04:00" in found.stdout
    assert found.stdout.strip().splitlines()[-1] == "(1 shown, 3 matches)"
