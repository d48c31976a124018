"""Stories over Telegram (issue 14): the real python-telegram-bot client against the fake Bot
API, three RSS feeds of one group (the az, ru and en news pages), chats whose users speak ru, az
and de. Each chat hears of a release once, in its own language (de reads English), and only
waits for its own edition as long as `[delivery] edition_wait_seconds` says.

The releases are real editions of one event each, from tests/fixtures/editions.jsonl: the
poller's matcher must find that they are one story.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import Settings, TelegramSettings
from bot.models import FeedSpec
from tests.conftest import settled, until
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "editions.jsonl"
LANGS = ("az", "ru", "en")
RU, AZ, DE = 201, 202, 203  # private chats; their users' Telegram language_code: ru, az, de
WAIT = 10.0
TOPICS = "smuggling bilateral demining"


def events() -> dict[str, dict[str, dict[str, Any]]]:
    """event id -> language -> the edition (title, body, url) from the fixture."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.setdefault(row["event"], {})[row["language"]] = row
    return out


EVENTS = events()
_HREF = re.compile(r'href="([^"]+)"')


@dataclass
class Env:
    app: App
    tg: FakeTelegram
    feeds: FeedServer

    async def start_chat(self, chat_id: int, language_code: str) -> None:
        """/start and /subscribe, typed by a user whose app speaks `language_code`."""
        for text in ("/start", f"/subscribe {TOPICS}"):
            before = len(self.tg.sent_to(chat_id))
            self.tg.push_message(chat_id, chat_id, text, language_code=language_code)
            await self.tg.wait_for(lambda _, n=before: self.tg.sent_to(chat_id)[n:], WAIT,
                                   what=f"an answer to {text} in {chat_id}")

    async def publish(self, event: str, *langs: str) -> None:
        """The `langs` editions of `event` on their news pages, polled at once."""
        now = datetime.now(UTC) - timedelta(minutes=1)
        for lang in langs:
            row = EVENTS[event][lang]
            self.feeds.publish(f"customs-{lang}", Entry(
                title=row["title"], body=row["body"], guid=row["id"], link=row["url"],
                published=now))
        await self.app.poller.poll_all()

    def notifications(self, chat_id: int) -> list[str]:
        """The url of the edition each notification to the chat is about (its title link)."""
        known = {row["url"] for editions in EVENTS.values() for row in editions.values()}
        out = []
        for message in self.tg.sent_to(chat_id):
            first = _HREF.search(message.get("html") or "")
            if first and first.group(1) in known:
                out.append(first.group(1))
        return out

    async def quiet(self) -> None:
        """Until delivery has nothing to send and nothing held: nothing more will come."""
        await settled(self.app, polls=0)
        delivery = self.app.delivery
        assert delivery is not None
        await delivery.settle(timeout=WAIT * 3)


def url(event: str, lang: str) -> str:
    return str(EVENTS[event][lang]["url"])


@pytest.fixture
async def make_env(tmp_path: Path, feeds: FeedServer) -> AsyncIterator[Any]:
    started: list[App] = []

    async def make(edition_wait: float) -> Env:
        tg = await FakeTelegram().start()
        settings = Settings()
        settings.storage.path = tmp_path / "data"
        settings.fetch.allow_private = True
        settings.fetch.jitter = 0.0
        settings.delivery.edition_wait_seconds = edition_wait
        settings.feeds = [FeedSpec(id=f"customs-{lang}", url=feeds.url(f"customs-{lang}"),
                                   interval_seconds=3600, language=lang, group="customs")
                          for lang in LANGS]
        settings.telegram = TelegramSettings(enabled_in_config=True, token=tg.token,
                                             api_base_url=tg.base_url)
        for lang in LANGS:  # a backlog: the first fetch stores it and notifies nobody
            row = EVENTS["dev-ev-09"].get(lang) or EVENTS["dev-ev-09"]["az"]
            feeds.publish(f"customs-{lang}", Entry(title=f"{row['title']} ({lang})",
                                                   body=row["body"], guid=f"old-{lang}",
                                                   link=f"{row['url']}/{lang}"))
        app = App(settings)
        app.build_platforms()
        await asyncio.wait_for(app.start(), timeout=WAIT)
        started.append(app)
        tgs.append(tg)
        await until(lambda: app.poller.polls_done >= len(LANGS), WAIT, what="first polls")
        env = Env(app, tg, feeds)
        for chat_id, code in ((RU, "ru"), (AZ, "az"), (DE, "de")):
            await env.start_chat(chat_id, code)
        return env

    tgs: list[FakeTelegram] = []
    yield make
    for app in started:
        await asyncio.wait_for(app.stop(), timeout=10)
    for tg in tgs:
        await tg.stop()


async def test_editions_published_together_reach_each_chat_once_in_its_language(
    make_env: Any,
) -> None:
    env = await make_env(edition_wait=20)
    languages = {RU: env.app.store.get_chat(f"telegram:{RU}"),
                 AZ: env.app.store.get_chat(f"telegram:{AZ}"),
                 DE: env.app.store.get_chat(f"telegram:{DE}")}
    assert {k: c.language for k, c in languages.items() if c} == {RU: "ru", AZ: "az", DE: "en"}
    await env.publish("dev-ev-01", *LANGS)
    for chat_id in (RU, AZ, DE):
        await until(lambda c=chat_id: env.notifications(c), WAIT,
                    what=f"a notification to {chat_id}")
    await env.quiet()
    assert env.notifications(RU) == [url("dev-ev-01", "ru")]
    assert env.notifications(AZ) == [url("dev-ev-01", "az")]
    assert env.notifications(DE) == [url("dev-ev-01", "en")]

    # /language: the de user's chat switches to Azerbaijani and gets the az edition
    before = len(env.tg.sent_to(DE))
    env.tg.push_message(DE, DE, "/language az", language_code="de")
    await env.tg.wait_for(lambda _: env.tg.sent_to(DE)[before:], WAIT, what="/language answer")
    chat = env.app.store.get_chat(f"telegram:{DE}")
    assert chat is not None and chat.language == "az"
    await env.publish("dev-ev-04", *LANGS)
    await until(lambda: len(env.notifications(DE)) == 2, WAIT, what="the second story")
    await env.quiet()
    assert env.notifications(DE) == [url("dev-ev-01", "en"), url("dev-ev-04", "az")]
    assert env.notifications(RU)[1:] == [url("dev-ev-04", "ru")]


@pytest.mark.slow
async def test_a_chat_waits_for_its_own_edition_that_comes_soon_after(make_env: Any) -> None:
    env = await make_env(edition_wait=20)
    await env.publish("dev-ev-02", "az")
    await until(lambda: env.notifications(AZ), WAIT, what="the az edition in the az chat")
    await settled(env.app, polls=0)
    assert env.app.delivery is not None and env.app.delivery.held >= 2  # ru and en wait
    assert env.notifications(RU) == [] and env.notifications(DE) == []
    await asyncio.sleep(5)  # the other pages publish five seconds later
    await env.publish("dev-ev-02", "ru", "en")
    await until(lambda: env.notifications(RU) and env.notifications(DE), WAIT,
                what="ru and en editions")
    await env.quiet()
    assert env.notifications(RU) == [url("dev-ev-02", "ru")]
    assert env.notifications(DE) == [url("dev-ev-02", "en")]
    assert env.notifications(AZ) == [url("dev-ev-02", "az")]  # not again for the others


@pytest.mark.slow
async def test_a_chat_whose_edition_never_comes_gets_the_best_other_after_the_wait(
    make_env: Any,
) -> None:
    env = await make_env(edition_wait=3)
    await env.publish("dev-ev-03", "az", "ru")
    await until(lambda: env.notifications(AZ) and env.notifications(RU), WAIT,
                what="the az and ru chats' own editions")
    await settled(env.app, polls=0)
    assert env.notifications(DE) == []  # held: its English edition may still come
    await until(lambda: env.notifications(DE), WAIT, what="the en chat, after the wait")
    await env.quiet()
    assert env.notifications(DE) == [url("dev-ev-03", "ru")]  # English readers prefer ru
    assert url("dev-ev-03", "az") in env.tg.sent_to(DE)[-1]["html"]  # a link to the other
    assert env.notifications(AZ) == [url("dev-ev-03", "az")]
    assert env.notifications(RU) == [url("dev-ev-03", "ru")]
    # the English edition at last: the en chat was notified already
    await env.publish("dev-ev-03", "en")
    await env.quiet()
    assert env.notifications(DE) == [url("dev-ev-03", "ru")]
