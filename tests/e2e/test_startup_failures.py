"""Expected failures at start-up, as an operator meets them: the real `newsbot` in a subprocess
ends with one line on stderr naming the file or config key and what to do, exit status 1, no
traceback; and an emptied or deleted state file is refused, its backups kept, until
`newsbot restore` brings it back."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.models import Chat, FeedSpec, FeedState, Item, Subscription
from bot.store import Store
from tests.fakes.feed_server import Entry, rss_bytes

ROOT = Path(__file__).resolve().parents[2]


def newsbot(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The failure's line: exit status 1, no traceback, and nothing else on stderr but the
    bot's own log records (kv format: `level=`)."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if " level=" not in line]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("newsbot: "), lines
    return lines[0]


def write_config(tmp_path: Path, data: Path, extra: str = "") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\npath = "{data}"\n{extra}')
    return config


def seed(data: Path, chats: int = 20) -> None:
    """A directory as a bot leaves it after some use, then a clean start that backs it up."""
    with Store(data) as store:
        store.save_chats(Chat("telegram", str(1000 + n), subscription=Subscription(
            topics={"wco"})) for n in range(chats))
        for n in range(chats):
            store.record_delivered(f"telegram:{1000 + n}", 3)
        store.flush_cursors()
        store.save_feed_state(FeedState(feed_id="customs-en"))
        store.add_admin_feed(FeedSpec(id="extra", url="https://customs.example/rss"))
        store.ingest([Item(id=f"r{n}", feed_id="customs-en", url=f"https://customs.example/{n}",
                           title=f"Release {n}", body="WCO session.", topics=["wco"],
                           published=datetime(2026, 5, n + 1, tzinfo=UTC), content_hash=str(n))
                      for n in range(3)])
    Store(data).close()


def feed_file(tmp_path: Path) -> Path:
    path = tmp_path / "feed.xml"
    path.write_bytes(rss_bytes([Entry("WCO council session", "<p>The WCO met.</p>", guid="g1",
                                      published="Tue, 10 Jun 2025 04:00:00 GMT")]))
    return path


# ---- a read-only or full disk ----------------------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` (needs root: skipped with a message otherwise)."""
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; run the tests as root to cover this")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_data_directory_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "mnt" / "data"
    with contextlib.ExitStack() as stack:
        if os.geteuid() == 0:  # root writes through permissions: a read-only mount then
            stack.enter_context(small_tmpfs(tmp_path / "mnt", "4m"))
            seed(data)
            subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "mnt")], check=True)
        else:
            seed(data)
            for path in (data, *data.rglob("*")):
                path.chmod(0o555 if path.is_dir() else 0o444)
        config = write_config(tmp_path, data)
        for args in (["run"], ["ingest", str(feed_file(tmp_path))]):
            line = one_line(newsbot(*args, "--config", str(config)))
            assert str(data) in line and ("read-only" in line or "permission denied" in line)
            assert "point [storage] path" in line
        # reading beside it still works
        done = newsbot("items", "--config", str(config))
        assert done.returncode == 0 and "Release 2" in done.stdout


def test_a_full_disk_at_start_is_one_line_naming_the_file(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "mnt", "256k") as mnt:
        data = mnt / "data"
        seed(data, chats=5)
        (data / "chats.json").write_bytes((data / "chats.json").read_bytes() + b" ")  # changed
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):  # the disk fills up
            while os.write(fd, b"\0" * 4096):
                pass
        os.close(fd)
        config = write_config(tmp_path, data)
        for args in (["run"], ["ingest", str(feed_file(tmp_path))]):
            line = one_line(newsbot(*args, "--config", str(config)))
            assert "no space left" in line and str(data) in line and "free some space" in line
        (mnt / "filler").unlink()  # space again: the same command works
        done = newsbot("ingest", str(feed_file(tmp_path)), "--config", str(config))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "1 new, 0 updated, 0 already seen"


# ---- damaged files ---------------------------------------------------------------------------


@pytest.mark.parametrize(("journal", "garbage"), [
    ("cursors.log", b"\xff\xfe\x00garbage \x9c\n"),
    ("cursors.log", b"<html>not a journal</html>\n"),
    ("sent-stories.log", b"\x00\x01\x02\x9c\n"),
])
def test_garbage_in_a_journal_is_refused_then_restored_keeping_its_good_lines(
    tmp_path: Path, journal: str, garbage: bytes
) -> None:
    data = tmp_path / "data"
    seed(data)
    good = (b"telegram:1000\t9\n" if journal == "cursors.log" else
            json.dumps(["telegram:1000", "s1", "r1", "2026-12-01T00:00:00+00:00", "7"]).encode()
            + b"\n")
    (data / journal).write_bytes(good + garbage + good)
    config = write_config(tmp_path, data)

    line = one_line(newsbot("run", "--config", str(config)))
    assert f"{data / journal} is damaged (line 2" in line
    assert f"newsbot restore {journal} --config {config}" in line

    done = newsbot("restore", journal, "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "kept 2 good lines, dropped 1 damaged" in done.stdout
    aside = list((data / "backups" / "replaced").glob(f"{journal}.*"))
    assert len(aside) == 1 and aside[0].read_bytes() == good + garbage + good

    with Store(data) as store:  # starts again, the good lines replayed
        if journal == "cursors.log":
            assert store.cursor("telegram:1000") == 9  # the good lines were replayed
        else:
            assert store.story_sent("telegram:1000", "s1") is not None


# ---- emptied or deleted state files ----------------------------------------------------------


def _empty_object(path: Path) -> None:
    path.write_text("{}")


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _deleted(path: Path) -> None:
    path.unlink()


def _fewer_records(path: Path) -> None:  # an old copy put in its place: 3 chats of 20
    data = json.loads(path.read_text())
    data["chats"] = dict(list(data["chats"].items())[:3])
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("damage", [_empty_object, _zero_bytes, _deleted, _fewer_records])
def test_an_emptied_chats_file_is_refused_its_backups_kept_then_restored(
    tmp_path: Path, damage: object
) -> None:
    data = tmp_path / "data"
    seed(data)
    chats, backup = data / "chats.json", data / "backups" / "chats.json.1"
    good = backup.read_bytes()
    assert damage is not None and callable(damage)
    damage(chats)
    config = write_config(tmp_path, data)

    commands = [["run"], ["ingest", str(feed_file(tmp_path))], ["items"]]
    for args in commands if damage is _empty_object else commands[:1]:
        line = one_line(newsbot(*args, "--config", str(config)))
        assert str(chats) in line and str(backup) in line
        assert f"newsbot restore chats.json --config {config}" in line
    # the good copy was not pushed out of the backups by the emptied one
    assert backup.read_bytes() == good and not (data / "backups" / "chats.json.2").exists()

    done = newsbot("restore", "chats.json", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert f"restored from {backup} (20 records)" in done.stdout
    with Store(data) as store:
        assert store.count_chats() == 20 and store.cursor("telegram:1019") == 3


@pytest.mark.parametrize("name", ["feeds.json", "cursors.json", "meta.json"])
def test_every_state_file_deleted_is_refused_naming_it(tmp_path: Path, name: str) -> None:
    data = tmp_path / "data"
    seed(data)
    (data / name).unlink()
    config = write_config(tmp_path, data)
    for command in ("run", "items"):
        line = one_line(newsbot(command, "--config", str(config)))
        assert f"{data / name} is missing" in line and f"newsbot restore {name}" in line
    assert newsbot("restore", name, "--config", str(config)).returncode == 0
    with Store(data) as store:
        assert [f.id for f in store.admin_feeds()] == ["extra"]
        assert store.count_items() == 3 and store.cursor("telegram:1000") == 3


def test_a_loss_on_purpose_is_kept_with_keep_current(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seed(data)
    _empty_object(data / "chats.json")
    config = write_config(tmp_path, data)
    done = newsbot("restore", "chats.json", "--keep-current", "--config", str(config))
    assert done.returncode == 0 and "kept as it is (0 records)" in done.stdout
    with Store(data) as store:  # accepted now
        assert store.count_chats() == 0
    # the copy holding the 20 chats is still there, one step older
    assert json.loads((data / "backups" / "chats.json.2").read_text())["chats"]


def test_restore_lists_the_backups_and_refuses_a_running_bot(tmp_path: Path) -> None:
    data = tmp_path / "data"
    seed(data)
    config = write_config(tmp_path, data)
    listing = newsbot("restore", "--config", str(config))
    assert listing.returncode == 0
    assert "chats.json (20 records): chats.json.1 (20 records" in listing.stdout
    with Store(data):  # the bot is running
        line = one_line(newsbot("restore", "chats.json", "--config", str(config)))
        assert "another newsbot process is using" in line
    line = one_line(newsbot("restore", "../../etc/passwd", "--config", str(config)))
    assert "not a file newsbot keeps" in line


# ---- ports -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("section", "key"), [("server", "port"), ("slack", "port"),
                                              ("telegram", "webhook_port")])
def test_an_impossible_port_is_refused_naming_its_key(tmp_path: Path, section: str,
                                                      key: str) -> None:
    config = write_config(tmp_path, tmp_path / "data", f"[{section}]\n{key} = 99999\n")
    for command in ("check-config", "run"):
        line = one_line(newsbot(command, "--config", str(config)))
        assert f"{config}: {section}.{key}: expected a port number from 1 to 65535" in line
    assert not (tmp_path / "data").exists()  # refused before anything was created


def test_a_busy_port_is_one_line_naming_the_key_and_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = write_config(tmp_path, tmp_path / "data", f"[server]\nport = {port}\n")
        line = one_line(newsbot("run", "--config", str(config)))
    assert f"{config}: server.port = {port}: the port is already in use" in line
    assert "choose another port" in line



async def test_slack_http_on_a_busy_port_names_slack_port(tmp_path: Path) -> None:
    """The real slack-bolt adapter (HTTP mode) against the fake Web API: its listening port is
    taken, so the start fails with the key to change, and the App stops cleanly."""
    from bot.app import App, StartupError
    from bot.config import Settings, SlackSettings
    from tests.fakes.slack_api import FakeSlack

    async with FakeSlack() as slack:
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            settings = Settings(source="config.toml")
            settings.storage.path = tmp_path / "data"
            settings.slack = SlackSettings(enabled_in_config=True, mode="http", port=port,
                                           api_base_url=slack.api_base_url,
                                           bot_token="xoxb-test-token", signing_secret="s")
            app = App(settings)
            app.build_platforms()
            with pytest.raises(StartupError) as err:
                await app.start()
            await app.stop()
    assert str(err.value) == (f"config.toml: slack.port = {port}: the port is already in use "
                              f"on {settings.slack.host}; stop the program using it or choose "
                              "another port")
