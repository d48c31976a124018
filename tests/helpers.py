"""Small things several test files need."""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.logs import NOISY_LOGGERS, setup_logging
from bot.models import Item

FIXTURE_RELEASES = Path(__file__).parent / "fixtures" / "releases.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def logs_to(buffer: io.StringIO, level: str, fmt: str,
            secrets: list[str] | tuple[str, ...] = ()) -> Iterator[None]:
    """bot.logs.setup_logging into `buffer`; the logging set-up as it was afterwards."""
    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    setup_logging(level, fmt, secrets=secrets, stream=buffer)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(root_level)
        for name, value in levels.items():
            logging.getLogger(name).setLevel(value)


def fixture_releases() -> list[Item]:
    """The 90 development releases as unclassified Items of feed "customs"."""
    items = []
    for line in FIXTURE_RELEASES.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        items.append(Item(
            id=doc["id"], feed_id="customs", url=doc["url"], title=doc["title"],
            body=doc["body"], published=datetime.fromisoformat(doc["published"]).astimezone(UTC),
            language=doc["language"], content_hash=doc["id"]))
    return items


# Secrets that must never reach a log line or an error message (tests/*/test_security*.py).
TG_TOKEN = "7000001:SECRET-telegram-Token_abcdef0123"
SLACK_BOT = "xoxb-111-222-SECRETslackbot0123456789"
SLACK_SIGNING = "SECRETsigning0123456789abcdef"
SLACK_APP = "xapp-1-A111-222-SECRETslackapp0123"
WEBHOOK_SECRET = "SECRET-webhook-0123456789"
SECRETS = [TG_TOKEN, TG_TOKEN.split(":", 1)[1], SLACK_BOT, SLACK_SIGNING, SLACK_APP,
           WEBHOOK_SECRET]


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        at = text.find(secret)
        assert at < 0, f"a secret leaked: ...{text[max(0, at - 200):at + 200]}"
