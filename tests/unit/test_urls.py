"""Feed URLs as the operator sees them: passwords masked wherever printed or logged, the syntax
a feed URL needs, and Slack's replay guard keeping a bounded memory."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging

import pytest

from bot.platforms.slack.replay import WINDOW_SECONDS, ReplayGuard
from bot.urls import feed_url_problem, mask_credentials, url_key
from tests.helpers import logs_to


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://user:s3cret@feeds.example/rss", "https://user:***@feeds.example/rss"),
        ("https://user:p@ss@feeds.example/rss?q=a@b", "https://user:***@feeds.example/rss?q=a@b"),
        ("https://ghp_token123@feeds.example/rss", "https://***@feeds.example/rss"),
        ("https://:s3cret@feeds.example/", "https://***@feeds.example/"),
        ("poll of http://a:b@x.example/f failed; see https://c:d@y.example/",
         "poll of http://a:***@x.example/f failed; see https://c:***@y.example/"),
        ("https://feeds.example/news/a@b", "https://feeds.example/news/a@b"),
        ("write to press@customs.example", "write to press@customs.example"),
    ],
)
def test_passwords_in_urls_are_masked(text: str, shown: str) -> None:
    assert mask_credentials(text) == shown


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://", "the URL has no host name"),
        ("https://:8080/rss", "the URL has no host name"),
        ("ftp://feeds.example/rss", "only http:// and https:// feed URLs are accepted"),
        ("file:///etc/passwd", "only http:// and https:// feed URLs are accepted"),
        ("feeds.example/rss", "only http:// and https:// feed URLs are accepted"),
        ("https://feeds.example:99999/rss", "the URL's port is not a number from 1 to 65535"),
        ("https://feeds example/rss", "the URL contains spaces"),
        ("  ", "the URL is empty"),
        ("https://feeds.example/rss", None),
        ("HTTP://user:pw@feeds.example:8080/rss?x=1", None),
    ],
)
def test_feed_url_syntax(url: str, problem: str | None) -> None:
    assert feed_url_problem(url) == problem


def test_the_same_feed_url_written_differently() -> None:
    assert url_key("https://Customs.GOV.az/rss/") == url_key("https://customs.gov.az/rss")
    assert url_key("https://customs.gov.az/rss?lang=az") != url_key("https://customs.gov.az/rss")


@pytest.mark.parametrize("fmt", ["kv", "json"])
def test_logs_never_show_a_feed_password(fmt: str) -> None:
    buffer = io.StringIO()
    with logs_to(buffer, "INFO", fmt):  # no secrets configured: URLs are masked all the same
        log = logging.getLogger("newsbot.test")
        log.warning("event=poll_failed url=%s", "https://reader:hunter22@feeds.example/rss")
        try:
            raise ValueError("cannot fetch https://reader:hunter22@feeds.example/rss")
        except ValueError:
            log.error("event=crashed", exc_info=True)
    text = buffer.getvalue()
    assert "hunter22" not in text
    assert "url=https://reader:***@feeds.example/rss" in text


# ---- Slack replays ------------------------------------------------------------------------------

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def signed(body: str, ts: int, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def test_a_replay_is_recognised_within_the_window_and_forgotten_after() -> None:
    now = [1_700_000_000.0]
    guard = ReplayGuard(SECRET, now=lambda: now[0])
    request = ("command=/news&text=help", signed("command=/news&text=help", int(now[0])))
    assert guard.is_replay(*request) is False
    assert guard.is_replay(*request) is True
    now[0] += 60
    assert guard.is_replay(*request) is True  # 60 s later: still inside Slack's 5 minutes
    other = ("command=/news&text=help", signed("command=/news&text=help", int(now[0])))
    assert guard.is_replay(*other) is False  # signed anew: a new request
    now[0] += WINDOW_SECONDS + 2  # the second one's window is over too
    fresh = ("text=latest", signed("text=latest", int(now[0])))
    assert guard.is_replay(*fresh) is False
    assert len(guard) == 1  # the two old requests left with their window


def test_forged_requests_are_not_remembered_and_memory_is_capped() -> None:
    now = 1_700_000_000.0
    guard = ReplayGuard(SECRET, now=lambda: now, max_remembered=100)
    forged = ("text=help", signed("text=help", int(now), secret="not-the-secret"))
    assert guard.is_replay(*forged) is False and guard.is_replay(*forged) is False
    assert guard.is_replay("text=help", {"X-Slack-Request-Timestamp": "soon",
                                         "X-Slack-Signature": "v0=00"}) is False
    assert len(guard) == 0  # bolt refuses those (401); nothing is kept for them
    for n in range(1000):
        body = f"text=help&n={n}"
        assert guard.is_replay(body, signed(body, int(now))) is False
    assert len(guard) == 100
    last = "text=help&n=999"
    assert guard.is_replay(last, signed(last, int(now))) is True
