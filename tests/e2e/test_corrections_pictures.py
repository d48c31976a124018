"""Corrections and pictures (issue 16), end to end: one bot on Telegram (the real
python-telegram-bot client against the fake Bot API) and Slack (the real slack-bolt app in HTTP
mode against the fake Web API), one RSS feed from the local feed server, which also serves the
releases' pictures. Both fakes download a picture as the real services do.

- A release corrected at its source (same guid, new title) edits the messages sent of it, on
  both platforms, and sends nothing new.
- A release with a picture arrives with it: a Telegram photo with the summary as caption, a
  Slack image block; a corrected one has its caption edited.
- A picture that cannot be fetched never holds back the text.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.config import Settings, SlackSettings, TelegramSettings
from bot.models import FeedSpec
from bot.platforms.slack.app import SlackAdapter
from tests.conftest import settled, until
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.slack_api import FakeSlack, slash_command
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import free_port

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN = "UADMIN"
CHANNEL = "C500"
USER = 501  # a private Telegram chat
WAIT = 10.0
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the fakes check the content type, not the pixels
BODY = ("A large batch of contraband cigarettes was found hidden in a truck at the Astara "
        "customs post. The driver was handed over to the police.")


@dataclass
class Env:
    app: App
    tg: FakeTelegram
    slack: FakeSlack
    feeds: FeedServer
    n: int = 0

    async def publish(self, *entries: Entry) -> None:
        self.feeds.publish("customs", *entries)
        await self.app.poller.poll_all()

    async def republish(self, guid: str, **changes: Any) -> None:
        """The source corrects its release `guid` in place; one poll."""
        entry = next(e for e in self.feeds.site("customs").entries if e.guid == guid)
        for key, value in changes.items():
            setattr(entry, key, value)
        self.feeds.site("customs").last_modified = datetime.now(UTC)
        await self.app.poller.poll_all()
        assert self.app.delivery is not None
        await self.app.delivery.corrections.wait()

    def telegram(self) -> list[dict[str, Any]]:
        """The notifications in the Telegram chat (messages and photos) as they are now; deleted
        ones left out."""
        return [self.tg.messages[(USER, m["message_id"])] for m in self.tg.sent_to(USER)
                if "Astara" in m.get("html", "") and (USER, m["message_id"]) in self.tg.messages]

    def slack_posts(self) -> list[dict[str, Any]]:
        return [p for p in self.slack.posted(channel=CHANNEL) if "Astara" in p.get("text", "")]

    def slack_now(self) -> list[dict[str, Any]]:
        """The channel's notifications as they are now (after any chat.update)."""
        return [m for (channel, _), m in self.slack.messages.items()
                if channel == CHANNEL and "Astara" in (m.get("text") or "")]

    async def both(self, count: int = 1) -> None:
        """Until each platform has `count` notifications, and delivery is quiet."""
        await until(lambda: len(self.telegram()) >= count and len(self.slack_posts()) >= count,
                    WAIT, what=f"{count} notification(s) on each platform")
        await settled(self.app, polls=0)

    def calls(self, method: str) -> int:
        return sum(1 for c in self.tg.calls if c.method == method and c.status == 200)


def release(guid: str, title: str, body: str = BODY, link: str = "", **extra: Any) -> Entry:
    return Entry(title=title, body=body, guid=guid,
                 link=link or f"https://customs.example/news/{guid}",
                 published=datetime.now(UTC) - timedelta(minutes=1), **extra)


@pytest.fixture
async def make_env(tmp_path: Path, feeds: FeedServer
                   ) -> AsyncIterator[Callable[..., Awaitable[Env]]]:
    started: list[tuple[App, FakeTelegram, FakeSlack]] = []

    async def make(edit_window_hours: float = 48.0) -> Env:
        tg, slack = await FakeTelegram().start(), await FakeSlack().start()
        settings = Settings()
        settings.storage.path = tmp_path / "data"
        settings.fetch.allow_private = True
        settings.fetch.jitter = 0.0
        settings.delivery.edit_window_hours = edit_window_hours
        settings.feeds = [FeedSpec(id="customs", url=feeds.url("customs"),
                                   interval_seconds=3600, language="en")]
        settings.telegram = TelegramSettings(enabled_in_config=True, token=tg.token,
                                             api_base_url=tg.base_url)
        settings.slack = SlackSettings(
            enabled_in_config=True, mode="http", port=free_port(),
            api_base_url=slack.api_base_url, admins=[ADMIN], channel_rule="admins",
            bot_token="xoxb-test-token", signing_secret=SECRET)
        feeds.publish("customs", release("old", "An old release about the budget"))
        app = App(settings)
        app.build_platforms()
        await asyncio.wait_for(app.start(), timeout=WAIT)
        started.append((app, tg, slack))
        await until(lambda: app.poller.polls_done >= 1, WAIT, what="the first poll")
        env = Env(app, tg, slack, feeds)
        for text in ("/start", "/subscribe smuggling"):
            before = len(tg.sent_to(USER))
            tg.push_message(USER, USER, text, language_code="en")
            await tg.wait_for(lambda _, n=before: tg.sent_to(USER)[n:], WAIT, what=text)
        adapter = app.adapters["slack"]
        assert isinstance(adapter, SlackAdapter)
        answer = await slash_command(f"http://127.0.0.1:{adapter.port}/slack/events", SECRET,
                                     text="subscribe smuggling", channel_id=CHANNEL,
                                     user_id=ADMIN, response_url=slack.response_url("sub"))
        assert answer.status == 200
        await slack.wait_for(lambda: slack.responses.get("sub"), WAIT)
        return env

    yield make
    for app, tg, slack in started:
        await asyncio.wait_for(app.stop(), timeout=10)
        await tg.stop()
        await slack.stop()


async def test_a_corrected_title_edits_both_messages_and_sends_nothing_new(
    make_env: Any,
) -> None:
    env = await make_env()
    await env.publish(release("r1", "Cigarette smugling stoped at Astara"))
    await env.both()
    [message] = env.telegram()
    [post] = env.slack_posts()
    assert "smugling stoped" in message["text"] and "smugling stoped" in post["text"]
    buttons = message["reply_markup"]  # the alert's Mute / Unsubscribe buttons
    assert "Unsubscribe" in str(buttons)
    sends = env.calls("sendMessage") + env.calls("sendPhoto")

    await env.republish("r1", title="Cigarette smuggling stopped at Astara")
    await settled(env.app, polls=0)
    [edited] = env.telegram()
    assert edited["message_id"] == message["message_id"] and "edit_date" in edited
    assert "Cigarette smuggling stopped at Astara" in edited["text"]
    assert "stoped" not in edited["text"]
    assert edited["reply_markup"] == buttons  # the buttons stay
    [now] = env.slack_now()
    assert "Cigarette smuggling stopped at Astara" in now["text"] and "edited" in now
    assert now["blocks"][0]["text"]["text"] == "Cigarette smuggling stopped at Astara"
    # nothing new on either platform
    assert env.calls("sendMessage") + env.calls("sendPhoto") == sends
    assert len(env.slack_posts()) == 1
    assert env.app.delivery is not None and env.app.delivery.stats.edited == 2

    # the same release polled again unchanged: no edit is even attempted
    edits = sum(1 for c in env.tg.calls if c.method == "editMessageText")
    await env.republish("r1")
    assert sum(1 for c in env.tg.calls if c.method == "editMessageText") == edits


async def test_outside_the_edit_window_a_correction_edits_nothing(make_env: Any) -> None:
    env = await make_env(edit_window_hours=0)
    await env.publish(release("r2", "Heroin found at Astara custom post"))
    await env.both()
    await env.republish("r2", title="Heroin found at the Astara customs post")
    await settled(env.app, polls=0)
    assert "custom post" in env.telegram()[0]["text"]
    assert not [c for c in env.tg.calls if c.method.startswith("edit") and c.chat_id == str(USER)
                and "Astara" in str(c.params)]
    assert env.slack.calls_to("chat.update") == []
    assert len(env.telegram()) == 1 and len(env.slack_posts()) == 1


async def test_a_release_with_a_picture_arrives_with_it_and_its_caption_is_corrected(
    make_env: Any,
) -> None:
    env = await make_env()
    picture = env.feeds.add_file("pictures/astara.png", PNG)
    await env.publish(release("r3", "Smuggled cigarettes seized at Astara", image=picture))
    await env.both()
    [photo] = env.telegram()
    assert photo["photo_url"] == picture and picture in env.tg.photo_fetches
    assert photo["caption"].startswith("Smuggled cigarettes seized at Astara")
    assert "contraband cigarettes" in photo["caption"]  # the summary is the caption
    assert "text" not in photo
    [post] = env.slack_posts()
    images = [b for b in post["blocks"] if b["type"] == "image"]
    assert images == [{"type": "image", "image_url": picture,
                       "alt_text": "Smuggled cigarettes seized at Astara"}]

    await env.republish("r3", title="Smuggled cigarettes & cigars seized at Astara")
    [edited] = env.telegram()
    assert edited["caption"].startswith("Smuggled cigarettes & cigars seized at Astara")
    assert env.calls("editMessageCaption") == 1 and env.calls("editMessageText") == 0
    [now] = env.slack_now()
    assert [b["alt_text"] for b in now["blocks"] if b["type"] == "image"] == [
        "Smuggled cigarettes &amp; cigars seized at Astara"]

    # its "Mute" button: the photo's caption says so, in place (a photo has no text to edit)
    mute = next(b for row in edited["reply_markup"]["inline_keyboard"] for b in row
                if b["text"].startswith("Mute"))
    sent = len(env.tg.sent_to(USER))
    env.tg.push_callback(USER, USER, mute["callback_data"], edited["message_id"])
    await until(lambda: "Undo" in str(edited.get("reply_markup")), WAIT,
                what="the muted alert, in place")
    assert edited["caption"].startswith("Muted")
    assert "photo" in edited and len(env.tg.sent_to(USER)) == sent


async def test_a_summary_too_long_for_a_caption_gets_a_large_preview_of_the_picture(
    make_env: Any,
) -> None:
    env = await make_env()
    picture = env.feeds.add_file("pictures/long.png", PNG)
    # a caption holds 1,024 characters: a long title, the lead and a long address do not fit
    title = "Contraband tobacco found at Astara " + "in a lorry from the south " * 8
    link = "https://customs.example/news/2026/12/06/" + "contraband-tobacco-astara-" * 12
    await env.publish(release("r4", title, body=" ".join([BODY] * 4), link=link,
                              image=picture))
    await env.both()
    [message] = env.telegram()
    assert "text" in message and "photo" not in message
    preview = message["link_preview_options"]
    assert preview["url"] == picture and preview["prefer_large_media"] is True
    assert env.calls("sendPhoto") == 0


async def test_a_broken_picture_never_holds_back_the_text(make_env: Any) -> None:
    env = await make_env()
    broken = env.feeds.url("pictures/missing.png")  # 404
    not_an_image = env.feeds.add_file("pictures/page.html", b"<html></html>", "text/html")
    await env.publish(release("r5", "Smuggled caviar seized at Astara", image=broken),
                      release("r6", "Smuggled saffron seized at Astara", media=not_an_image))
    await env.both(count=2)
    messages = env.telegram()
    assert len(messages) == 2 and all("text" in m and "photo" not in m for m in messages)
    refused = [c for c in env.tg.calls if c.method == "sendPhoto"]
    assert {c.status for c in refused} == {400}
    posts = env.slack_posts()
    assert len(posts) == 2
    assert all(b["type"] != "image" for p in posts for b in p["blocks"])
    assert {c.error for c in env.slack.calls_to("chat.postMessage") if c.error} == {
        "invalid_blocks"}


async def test_a_deleted_message_is_let_be_when_its_release_is_corrected(make_env: Any) -> None:
    env = await make_env()
    await env.publish(release("r7", "Gold bars seized at Astara"))
    await env.both()
    [message] = env.telegram()
    del env.tg.messages[(USER, message["message_id"])]  # the user deleted it
    for key in [k for k, m in env.slack.messages.items() if "Gold bars" in m["text"]]:
        del env.slack.messages[key]
    await env.republish("r7", title="Gold bars and coins seized at Astara")
    await settled(env.app, polls=0)
    edits = [c for c in env.tg.calls if c.method == "editMessageText"]
    assert [c.status for c in edits] == [400]  # "message to edit not found": once, no retry
    assert [c.error for c in env.slack.calls_to("chat.update")] == ["message_not_found"]
    assert len(env.telegram()) == 0 and len(env.slack_posts()) == 1  # nothing sent anew
    chat = env.app.store.get_chat(f"telegram:{USER}")
    assert chat is not None and chat.active  # and the chat is not taken for gone
    # the chat still gets the next release
    await env.publish(release("r8", "Silver seized at Astara"))
    await until(lambda: len(env.telegram()) == 1, WAIT, what="the next alert")
