"""Operations: /healthz and /metrics (off by default), JSON logs one object per line, SIGTERM
ends `newsbot run` cleanly within 5 s, and the feed list round-trips through OPML."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.app import App
from bot.config import FetchSettings, Settings, load_settings
from bot.models import Chat, FeedSpec, Reply, Subscription
from bot.platforms.base import TransientSendError
from bot.store import Store
from tests.conftest import until
from tests.fakes.feed_server import Entry, Fault, FeedServer
from tests.fakes.recording_transport import RecordingTransport
from tests.helpers import free_port, logs_to

ROOT = Path(__file__).resolve().parents[2]
WAIT = 10.0

# name{labels} value — the Prometheus text exposition format, as far as this bot uses it
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9.e+-]+|NaN)$')




def parse_metrics(text: str) -> dict[str, float]:
    """{'name{labels}': value}; fails on anything that is not valid exposition text."""
    samples: dict[str, float] = {}
    typed: dict[str, str] = {}
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge"), line
            assert name not in typed, f"TYPE twice for {name}"
            typed[name] = kind
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        assert name in typed, f"{name} has no TYPE line before it"
        key = name + (labels or "")
        assert key not in samples, f"duplicate sample {key}"
        samples[key] = float(value)
    return samples


@dataclass
class FlakyAdapter:
    transport: RecordingTransport = field(default_factory=RecordingTransport)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def alert_admins(self, alert: Callable[[str], Reply]) -> None:
        return None


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, str, str]:
    async with session.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


# ---- /healthz and /metrics -------------------------------------------------------------------


async def test_healthz_and_metrics_report_polls_failures_items_and_deliveries(
    tmp_path: Path
) -> None:
    async with FeedServer() as feeds:
        feeds.publish("good", Entry("Backlog", "Old.", guid="b0"))
        feeds.set_fault("bad", Fault(status=503))
        settings = Settings()
        settings.storage.path = tmp_path / "data"
        settings.fetch = FetchSettings(timeout_seconds=1, connect_timeout_seconds=0.5,
                                       allow_private=True, jitter=0.0, max_backoff_seconds=1)
        settings.feeds = [FeedSpec(id="good", url=feeds.url("good"), interval_seconds=1),
                          FeedSpec(id="bad", url=feeds.url("bad"), interval_seconds=1)]
        settings.server.port = free_port()
        app = App(settings)
        adapter = FlakyAdapter()
        adapter.transport.faults["c1"] = [TransientSendError("502", retry_after=0.05)]
        app.add_adapter("console", adapter)  # type: ignore[arg-type]
        for chat_id in ("c1", "c2"):
            app.store.save_chat(Chat("console", chat_id,
                                     subscription=Subscription(keywords={"customs"})))
        base = f"http://127.0.0.1:{settings.server.port}"
        started = time.time()
        await asyncio.wait_for(app.start(), WAIT)
        try:
            await asyncio.wait_for(app.poller.first_poll_done.wait(), WAIT)
            feeds.publish("good", Entry("New customs release", "Customs text.", guid="n1",
                                        published=datetime.now(UTC) - timedelta(minutes=1)))
            await app.poller.poll_all()  # the second poll of each feed, now
            await until(lambda: len(adapter.transport.sent) >= 2, WAIT, what="two deliveries")
            async with aiohttp.ClientSession() as session:
                status, ctype, body = await get(session, base + "/healthz")
                assert status == 200 and ctype.startswith("application/json")
                health = json.loads(body)
                assert health["status"] == "ok" and health["releases"] == 2
                status, ctype, body = await get(session, base + "/metrics")
                assert status == 200 and ctype.startswith("text/plain")
                metrics = parse_metrics(body)
                status, _, _ = await get(session, base + "/nothing")
                assert status == 404
        finally:
            await asyncio.wait_for(app.stop(), timeout=10)
    good, bad = '{feed="good"}', '{feed="bad"}'
    assert metrics[f"newsbot_polls_total{good}"] >= 2
    assert metrics[f"newsbot_polls_total{bad}"] >= 1
    assert metrics[f"newsbot_poll_failures_total{bad}"] >= 1
    assert metrics[f"newsbot_poll_failures_total{good}"] == 0
    assert metrics[f"newsbot_feed_consecutive_failures{bad}"] >= 1
    assert started - 1 <= metrics[f"newsbot_feed_last_success_timestamp_seconds{good}"] \
        <= time.time() + 1
    assert f"newsbot_feed_last_success_timestamp_seconds{bad}" not in metrics  # never succeeded
    assert metrics["newsbot_items_stored"] == 2
    assert metrics["newsbot_deliveries_sent_total"] == 2
    assert metrics["newsbot_deliveries_retried_total"] == 1
    assert metrics["newsbot_deliveries_failed_total"] == 0
    assert metrics["newsbot_delivery_queue_length"] == 0
    # the server is gone with the app
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1",
                                                           settings.server.port), 1):
        pass


async def test_the_ops_server_is_off_by_default(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[storage]\npath = "data"\n')
    settings = load_settings(config)
    assert settings.server.port is None and settings.server.host == "127.0.0.1"
    config.write_text('[storage]\npath = "data"\n[server]\nport = 9100\n')
    assert load_settings(config).server.host == "127.0.0.1"  # loopback unless told otherwise
    app = App(settings)
    await asyncio.wait_for(app.start(), WAIT)
    try:
        assert getattr(app, "_ops", None) is None
    finally:
        await asyncio.wait_for(app.stop(), timeout=10)


# ---- structured logs ---------------------------------------------------------------------------


def test_json_logs_are_one_object_per_line_even_with_tracebacks() -> None:
    buffer = io.StringIO()
    log = logging.getLogger("newsbot.test")
    with logs_to(buffer, "DEBUG", "json"):
        log.info("event=poll feed=%s new=%d", "customs", 3)
        log.warning("multi\nline \"quoted\" message\twith tab and ünïcode ✓")
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            log.exception("event=poll_crash feed=%s", "x")
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
    assert records[0]["msg"] == "event=poll feed=customs new=3" and records[0]["level"] == "info"
    assert records[1]["msg"].startswith("multi\nline")
    assert "ValueError: boom" in records[2]["exc"] and records[2]["level"] == "error"
    datetime.fromisoformat(records[0]["ts"])


# ---- the real process: JSON logs, /metrics, SIGTERM ----------------------------------------


@pytest.mark.slow
async def test_newsbot_run_serves_metrics_logs_json_and_stops_on_sigterm(tmp_path: Path) -> None:
    async with FeedServer() as feeds:
        feeds.publish("customs", Entry("Customs revenue grew", "Revenue text.", guid="g1"))
        port = free_port()
        config = tmp_path / "config.toml"
        config.write_text(f"""
[storage]
path = "data"
[fetch]
allow_private = true
[[feeds]]
id = "customs"
url = "{feeds.url('customs')}"
interval_seconds = 1
[server]
port = {port}
[log]
format = "json"
level = "DEBUG"
""")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_"))}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            metrics: dict[str, float] = {}
            async with aiohttp.ClientSession() as session, asyncio.timeout(20):
                while metrics.get('newsbot_polls_total{feed="customs"}', 0) < 2:
                    await asyncio.sleep(0.1)
                    try:
                        _, _, body = await get(session, f"http://127.0.0.1:{port}/metrics")
                    except aiohttp.ClientConnectionError:
                        continue  # not listening yet
                    metrics = parse_metrics(body)
            assert metrics["newsbot_items_stored"] == 1
            proc.send_signal(signal.SIGTERM)
            # a clean exit in bounded time; how fast it is belongs to benchmarks
            stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert proc.returncode == 0, stderr.decode()[-2000:]
    lines = [line for line in stderr.decode().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(isinstance(r, dict) and {"ts", "level", "logger", "msg"} <= set(r)
               for r in records)
    messages = [r["msg"] for r in records]
    assert any(m.startswith("event=poll feed=customs") for m in messages)
    assert any(m.startswith("event=stopping") for m in messages)
    assert not any(r["level"] in ("error", "critical") for r in records), records
    assert stdout == b""
    # stopped cleanly: the lock is free and the data is intact
    with Store(tmp_path / "data") as store:
        assert store.count_items() == 1 and store.feed_state("customs").total_polls >= 2


# ---- OPML ------------------------------------------------------------------------------------


def newsbot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def outlines(opml: str) -> list[dict[str, str]]:
    root = ET.fromstring(opml)
    assert root.tag == "opml"
    return sorted((dict(o.attrib) for o in root.iter("outline")), key=lambda a: a["text"])


def test_opml_export_then_import_round_trips_the_feeds(tmp_path: Path) -> None:
    source = tmp_path / "a.toml"
    source.write_text("""
[storage]
path = "data-a"
[[feeds]]
id = "customs-en"
url = "https://customs.example/en/rss?lang=en&amp=1"
language = "en"
[[feeds]]
id = "customs-az"
url = "https://customs.example/az/xeberler"
type = "html"
link_pattern = "/az/faydali/xeberler/\\\\d+"
language = "az"
""")
    with Store(tmp_path / "data-a") as store:  # and one an admin added with /addfeed
        store.add_admin_feed(FeedSpec(id="wco-news", url="https://wco.example/feed?x=<1>&y=2"))
    exported = newsbot("feeds", "export", "--config", str(source))
    assert exported.returncode == 0, exported.stderr
    first = outlines(exported.stdout)
    assert [o["text"] for o in first] == ["customs-az", "customs-en", "wco-news"]
    opml = tmp_path / "feeds.opml"
    opml.write_text(exported.stdout, encoding="utf-8")

    target = tmp_path / "b.toml"
    # *.example never resolves: the import's address check (as /addfeed's) is off here, and
    # tested in test_cli_operator
    target.write_text('[storage]\npath = "data-b"\n[fetch]\nallow_private = true\n')
    imported = newsbot("feeds", "import", str(opml), "--config", str(target))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().splitlines()[-1] == \
        "3 feeds added, 0 already watched, 0 refused"
    again = newsbot("feeds", "import", str(opml), "--config", str(target))
    assert again.stdout.strip().splitlines()[-1] == "0 feeds added, 3 already watched, 0 refused"

    second = newsbot("feeds", "export", "--config", str(target))
    assert second.returncode == 0, second.stderr
    assert outlines(second.stdout) == first
    with Store(tmp_path / "data-b") as store:
        specs = {s.id: s for s in store.admin_feeds()}
    settings = load_settings(source)
    for spec in settings.feeds:
        copy = specs[spec.id]
        assert (copy.url, copy.type, copy.link_pattern, copy.language) == \
            (spec.url, spec.type, spec.link_pattern, spec.language)
    assert specs["wco-news"].url == "https://wco.example/feed?x=<1>&y=2"


def test_opml_import_refuses_a_non_opml_file_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[storage]\npath = "data"\n')
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline xmlUrl='http://x/")
    done = newsbot("feeds", "import", str(bad), "--config", str(config))
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert "not an OPML file" in done.stderr
