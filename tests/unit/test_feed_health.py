"""`[[feeds]] stale_after_hours` in the config, and what /healthz makes of the feeds' states."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings, parse_settings
from bot.models import FeedState
from bot.ops_health import health_report
from bot.ops_server import OpsSnapshot, StoreFigures

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def feed(**extra: object) -> dict[str, object]:
    return {"id": "a", "url": "https://x.org/f", **extra}


def test_stale_after_hours_defaults_to_96_and_takes_fractions() -> None:
    assert parse_settings({"feeds": [feed()]}, env={}).feeds[0].stale_after_hours == 96
    tiny = parse_settings({"feeds": [feed(stale_after_hours=0.001)]}, env={})
    assert tiny.feeds[0].stale_after_hours == 0.001
    assert {f.stale_after_hours for f in load_settings(EXAMPLE, env={}).feeds} == {96}


@pytest.mark.parametrize("value", [0, -1, "96", True, 10_000])
def test_stale_after_hours_refuses_what_is_not_a_span(value: object) -> None:
    with pytest.raises(ConfigError) as err:
        parse_settings({"feeds": [feed(stale_after_hours=value)]}, source="c.toml", env={})
    assert str(err.value).startswith("c.toml: feeds[0].stale_after_hours: ")


def test_healthz_names_what_fails_and_hides_credentials() -> None:
    since = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    feeds = {
        "ok": FeedState("ok", last_success=since),
        "quiet": FeedState("quiet", last_success=since, stale_alerted=True, last_new_at=since),
        "bad": FeedState("bad", consecutive_failures=5,
                         last_error="invalid URL (https://user:pw@x.org/f)"),
        "new": FeedState("new", consecutive_failures=1, last_error="HTTP 500"),
    }
    healthy, body = health_report(OpsSnapshot(releases=3, feeds=feeds, delivery=None,
                                              alert_after_failures=5))
    assert not healthy and body["status"] == "failing"
    assert body["problems"] == ["feed bad: 5 failed polls in a row, last error: invalid URL "
                                "(https://user:***@x.org/f)"]
    assert {k: v["status"] for k, v in body["feeds"].items()} == \
        {"ok": "ok", "quiet": "stale", "bad": "failing", "new": "waiting"}
    assert body["feeds"]["quiet"]["last_new_release"] == since.isoformat()
    store = StoreFigures(write_failures=2, failing_since=since,
                         last_error="cannot write to /data: No space left on device")
    healthy, body = health_report(OpsSnapshot(releases=3, feeds={}, delivery=None, store=store))
    assert not healthy and body["store"]["writes"] == "failing"
    assert body["problems"] == ["store writes failing since 2026-12-06T18:00:00+00:00: cannot "
                                "write to /data: No space left on device"]
    assert health_report(OpsSnapshot(releases=0, feeds={}, delivery=None)) == \
        (True, {"status": "ok", "problems": [], "releases": 0, "feeds": {}, "poll_crashes": 0,
                "store": {"writes": "ok", "failing_since": None, "write_failures": 0,
                          "last_error": None}})
