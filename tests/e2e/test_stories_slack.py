"""Stories over Slack (issue 14): the real slack-bolt app (HTTP mode) against the fake Slack Web
API, three RSS feeds of one group. A channel hears of a release once, in its language: the one
of the Slack user who set it up (their locale), then what `/news language` chose.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import Settings, SlackSettings
from bot.models import FeedSpec
from bot.platforms.slack.app import SlackAdapter
from tests.conftest import settled, until
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.slack_api import FakeSlack, slash_command
from tests.helpers import free_port

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN = "UADMIN"
CHANNEL = "C300"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "editions.jsonl"
LANGS = ("az", "ru", "en")
WAIT = 10.0


def events() -> dict[str, dict[str, dict[str, Any]]]:
    """event id -> language -> the edition (title, body, url) from the fixture."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.setdefault(row["event"], {})[row["language"]] = row
    return out


EVENTS = events()


@dataclass
class Env:
    app: App
    slack: FakeSlack
    feeds: FeedServer
    url: str
    n: int = 0

    async def command(self, text: str) -> list[dict[str, Any]]:
        """`/news <text>` in the channel, by the admin; what the bot answered."""
        self.n += 1
        key = f"r{self.n}"
        answer = await slash_command(self.url, SECRET, text=text, channel_id=CHANNEL,
                                     user_id=ADMIN, response_url=self.slack.response_url(key))
        assert answer.status == 200, answer
        return await self.slack.wait_for(lambda: self.slack.responses.get(key), WAIT)

    async def publish(self, event: str, *langs: str) -> None:
        now = datetime.now(UTC) - timedelta(minutes=1)
        for lang in langs:
            row = EVENTS[event][lang]
            self.feeds.publish(f"customs-{lang}", Entry(
                title=row["title"], body=row["body"], guid=row["id"], link=row["url"],
                published=now))
        await self.app.poller.poll_all()

    def notifications(self) -> list[tuple[str, str]]:
        """(event, language) of each release posted to the channel, by its title."""
        out = []
        for message in self.slack.posted(channel=CHANNEL):
            for event, editions in EVENTS.items():
                out += [(event, lang) for lang, row in editions.items()
                        if row["title"][:40] in message.get("text", "")]
        return out

    async def quiet(self) -> None:
        """Until delivery has nothing to send and nothing held: nothing more will come."""
        await settled(self.app, polls=0)
        assert self.app.delivery is not None
        await self.app.delivery.settle(timeout=WAIT * 3)


@pytest.fixture
async def make_env(tmp_path: Path, feeds: FeedServer
                   ) -> AsyncIterator[Callable[[float], Awaitable[Env]]]:
    started: list[tuple[App, FakeSlack]] = []

    async def make(edition_wait: float) -> Env:
        slack = await FakeSlack().start()
        slack.set_locale(ADMIN, "ru-RU")
        settings = Settings()
        settings.storage.path = tmp_path / "data"
        settings.fetch.allow_private = True
        settings.fetch.jitter = 0.0
        settings.delivery.edition_wait_seconds = edition_wait
        settings.feeds = [FeedSpec(id=f"customs-{lang}", url=feeds.url(f"customs-{lang}"),
                                   interval_seconds=3600, language=lang, group="customs")
                          for lang in LANGS]
        settings.slack = SlackSettings(
            enabled_in_config=True, mode="http", port=free_port(),
            api_base_url=slack.api_base_url, admins=[ADMIN], channel_rule="admins",
            bot_token="xoxb-test-token", signing_secret=SECRET)
        for lang in LANGS:  # a backlog: the first fetch stores it and notifies nobody
            row = EVENTS["dev-ev-09"]["az"]
            feeds.publish(f"customs-{lang}", Entry(title=f"{row['title']} ({lang})",
                                                   body=row["body"], guid=f"old-{lang}",
                                                   link=f"{row['url']}/{lang}"))
        app = App(settings)
        app.build_platforms()
        await asyncio.wait_for(app.start(), timeout=WAIT)
        started.append((app, slack))
        await until(lambda: app.poller.polls_done >= len(LANGS), WAIT, what="first polls")
        adapter = app.adapters["slack"]
        assert isinstance(adapter, SlackAdapter)
        env = Env(app, slack, feeds, f"http://127.0.0.1:{adapter.port}/slack/events")
        await env.command("subscribe smuggling bilateral demining")
        return env

    yield make
    for app, slack in started:
        await asyncio.wait_for(app.stop(), timeout=10)
        await slack.stop()


async def test_a_channel_gets_each_story_once_in_its_language(make_env: Any) -> None:
    env = await make_env(20)
    chat = env.app.store.get_chat(f"slack:{CHANNEL}")
    assert chat is not None and chat.language == "ru"  # its creator's Slack locale
    await env.publish("dev-ev-01", *LANGS)
    await until(env.notifications, WAIT, what="a notification in the channel")
    await env.quiet()
    assert env.notifications() == [("dev-ev-01", "ru")]

    await env.command("language az")
    chat = env.app.store.get_chat(f"slack:{CHANNEL}")
    assert chat is not None and chat.language == "az"
    await env.publish("dev-ev-04", *LANGS)
    await until(lambda: len(env.notifications()) == 2, WAIT, what="the second story")
    await env.quiet()
    assert env.notifications() == [("dev-ev-01", "ru"), ("dev-ev-04", "az")]


@pytest.mark.slow
async def test_a_channel_waits_for_its_edition_then_gets_the_best_other(make_env: Any) -> None:
    env = await make_env(3)
    await env.publish("dev-ev-03", "az", "en")
    await settled(env.app, polls=0)
    assert env.notifications() == [] and env.app.delivery is not None
    assert env.app.delivery.held >= 1  # the Russian edition may still come
    await until(env.notifications, WAIT, what="the best other edition, after the wait")
    await env.quiet()
    assert env.notifications() == [("dev-ev-03", "en")]  # a Russian reader's next best
    await env.publish("dev-ev-03", "ru")  # too late: the channel was notified
    await env.quiet()
    assert env.notifications() == [("dev-ev-03", "en")]
