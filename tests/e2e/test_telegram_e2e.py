"""End to end over Telegram: the real python-telegram-bot client, run by the App in-process,
talking HTTP to the fake Bot API (tests/fakes/telegram_api.py) and fed by the local feed server.

Every wait has a timeout: a broken build fails, it never hangs.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram.ext import ApplicationBuilder

from bot.app import App
from bot.config import Settings, TelegramSettings
from bot.models import Button, Card, Chat, FeedSpec, Reply, Span
from bot.platforms.base import ChatMovedError, PermanentSendError, TransientSendError
from bot.platforms.telegram.app import TelegramAdapter
from bot.platforms.telegram.render import render_html
from bot.platforms.telegram.transport import TelegramTransport
from tests.conftest import settled, until
from tests.fakes.feed_server import Entry, Fault, FeedServer
from tests.fakes.telegram_api import BOT_ID, FakeTelegram
from tests.fakes.telegram_html import parse_telegram_html, utf16_len
from tests.helpers import free_port

# PTB's own RetryAfter warns that retry_after will become a timedelta (the adapter handles both)
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

ROOT = Path(__file__).resolve().parents[2]
FEED = "customs"
WAIT = 8.0  # seconds any single expectation may take
ADMIN = 900  # a bot admin (settings.telegram.admins)
A, B, C = 101, 102, 103  # private chats (chat id = user id)
BACKLOG = [
    Entry(title="Customs revenue exceeded the forecast in May",
          body="The State Customs Committee collected customs revenue of 500 million manats. "
               "Customs payments grew by 12 percent.",
          guid="b1", link="https://customs.example/news/1"),
    Entry(title="Seminar on the harmonized system held in Baku",
          body="Officers attended a seminar on tariff classification.",
          guid="b2", link="https://customs.example/news/2"),
    *(Entry(title=f"Weekly customs revenue report no. {n}",
            body=f"Customs revenue for week {n} was collected in full.",
            guid=f"w{n}", link=f"https://customs.example/news/w{n}",
            published=datetime(2026, 1, n, 9, tzinfo=UTC))
      for n in range(1, 7)),
]



def make_settings(tmp_path: Any, tg: FakeTelegram, feeds: FeedServer) -> Settings:
    settings = Settings()
    settings.storage.path = tmp_path / "data"
    settings.fetch.allow_private = True
    settings.fetch.jitter = 0.0
    settings.feeds = [FeedSpec(id=FEED, url=feeds.url(FEED), interval_seconds=1, language="en")]
    settings.telegram = TelegramSettings(enabled_in_config=True, token=tg.token,
                                         api_base_url=tg.base_url, admins=[str(ADMIN)])
    return settings


@dataclass
class Env:
    app: App
    tg: FakeTelegram
    feeds: FeedServer
    settings: Settings

    @property
    def adapter(self) -> TelegramAdapter:
        adapter = self.app.adapters["telegram"]
        assert isinstance(adapter, TelegramAdapter)
        return adapter

    async def start(self) -> None:
        self.app = App(self.settings)
        self.app.build_platforms()
        await asyncio.wait_for(self.app.start(), timeout=WAIT)
        await until(lambda: self.app.store.count_items() >= len(BACKLOG), WAIT,
                    what="the backlog stored (the first fetch, pushed to nobody)")

    async def stop(self) -> float:
        started = time.monotonic()
        await asyncio.wait_for(self.app.stop(), timeout=10)
        return time.monotonic() - started

    async def say(self, chat_id: int, text: str, user_id: int | None = None,
                  chat_type: str = "private", **kw: Any) -> dict[str, Any]:
        """Write `text` in a chat; return the bot's (first) answer there."""
        before = len(self.tg.sent_to(chat_id))
        self.tg.push_message(chat_id, chat_id if user_id is None else user_id, text, chat_type,
                             **kw)
        new = await self.tg.wait_for(lambda _: self.tg.sent_to(chat_id)[before:], WAIT,
                                     what=f"an answer to {text!r} in {chat_id}")
        return new[0]

    def chat(self, chat_id: int) -> Chat | None:
        return self.app.store.get_chat(f"telegram:{chat_id}")

    async def publish(self, title: str, body: str, guid: str) -> None:
        """A new release on the feed, polled at once: no waiting for the schedule (a second
        of it per release); the tests of the schedule wait on `settled` or on faults."""
        self.feeds.publish(FEED, Entry(title=title, body=body, guid=guid,
                                       link=f"https://customs.example/news/{guid}",
                                       published=datetime.now(UTC) - timedelta(minutes=1)))
        await self.app.poller.poll_all()

    def received(self, chat_id: int, needle: str) -> list[dict[str, Any]]:
        return [m for m in self.tg.sent_to(chat_id) if needle in m["text"]]

    async def updates_handled(self) -> None:
        """Until the bot has no update queued or in progress (PTB's own counters)."""
        application = self.adapter.application
        processor = application.update_processor
        await until(lambda: application.update_queue.empty()
                    and processor.current_concurrent_updates == 0, WAIT, what="updates handled")

    async def arrives(self, chat_id: int, needle: str) -> dict[str, Any]:
        found = await self.tg.wait_for(lambda _: self.received(chat_id, needle), WAIT,
                                       what=f"{needle!r} in chat {chat_id}")
        return found[0]


@asynccontextmanager
async def running_env(tmp_path: Any, feeds: FeedServer,
                      prepare: Callable[[FakeTelegram], None] | None = None
                      ) -> AsyncIterator[Env]:
    """The bot running over the fake Bot API with the feed's backlog stored; `prepare` sets the
    fake up (forums, members) before the bot starts. Every Bot API method it called is known."""
    async with FakeTelegram() as tg:
        feeds.publish(FEED, *BACKLOG)
        if prepare is not None:
            prepare(tg)
        settings = make_settings(tmp_path, tg, feeds)
        env = Env(app=None, tg=tg, feeds=feeds, settings=settings)  # type: ignore[arg-type]
        await env.start()
        try:
            yield env
        finally:
            await env.stop()
        assert not tg.unknown_methods, tg.unknown_methods


@pytest.fixture
async def env(tmp_path: Any, feeds: FeedServer) -> AsyncIterator[Env]:
    async with running_env(tmp_path, feeds) as env:
        yield env


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button_for(message: dict[str, Any], word: str) -> dict[str, Any]:
    for b in buttons(message):
        if word in b.get("callback_data", "") or word.lower() in b["text"].lower():
            return b
    raise AssertionError(f"no button for {word!r} in {buttons(message)}")


async def tap_and_wait_edit(env: Env, chat_id: int, message: dict[str, Any],
                            word: str) -> None:
    """Tap a button under `message`; wait until the bot answered the tap and edited it."""
    button = button_for(message, word)
    answers = env.tg.count("answerCallbackQuery")
    env.tg.push_callback(chat_id, chat_id, button["callback_data"], message["message_id"])
    await env.tg.wait_for(lambda _: env.tg.count("answerCallbackQuery") > answers, WAIT)
    assert any(c.params.get("message_id") == str(message["message_id"]) and c.status == 200
               for c in env.tg.calls_of("editMessageText"))


DEMINING_BODY = ("Mine clearance teams of the customs service cleared 300 landmines in the "
                 "liberated territories. The demining work continues.")
TRADE_BODY = "Foreign trade turnover grew by 12 percent in the first quarter, the report says."


# ---- commands ------------------------------------------------------------------------------

async def test_start_subscribe_and_the_keyboard_edits_in_place(env: Env) -> None:
    from handlers.router import COMMANDS

    registered = {c["command"] for c in env.tg.commands}
    assert "subscribe" in registered and "latest" in registered
    assert not {name for name, spec in COMMANDS.items() if spec[2]} & registered  # admin-only

    hello = await env.say(A, "/start")
    assert hello["text"].strip()
    await env.say(A, "/subscribe demining")
    chat = env.chat(A)
    assert chat is not None and chat.kind == "private"
    assert "demining" in chat.subscription.topics

    menu = await env.say(A, "/subscribe")
    keyboard_before = json.dumps(menu["reply_markup"])  # the fake edits its record in place
    trade = button_for(menu, "trade")
    sends_before = env.tg.count("sendMessage")
    answers_before = env.tg.count("answerCallbackQuery")
    env.tg.push_callback(A, A, trade["callback_data"], menu["message_id"])
    await env.tg.wait_for(lambda _: env.tg.count("answerCallbackQuery") > answers_before, WAIT)
    edits = [c for c in env.tg.calls_of("editMessageText")
             if c.params.get("message_id") == str(menu["message_id"])]
    assert edits and edits[-1].status == 200  # edited in place ...
    assert env.tg.count("sendMessage") == sends_before  # ... not answered with a new message
    chat = env.chat(A)
    assert chat is not None and {"demining", "trade"} <= chat.subscription.topics
    edited = env.tg.messages[(A, menu["message_id"])]
    assert json.dumps(edited["reply_markup"]) != keyboard_before  # the keyboard shows the new state

    # a second tap toggles it off again
    answers_before = env.tg.count("answerCallbackQuery")
    env.tg.push_callback(A, A, trade["callback_data"], menu["message_id"])
    await env.tg.wait_for(lambda _: env.tg.count("answerCallbackQuery") > answers_before, WAIT)
    chat = env.chat(A)
    assert chat is not None and "trade" not in chat.subscription.topics


async def test_deep_link_start_subscribes(env: Env) -> None:
    await env.say(B, "/start demining")
    chat = env.chat(B)
    assert chat is not None and "demining" in chat.subscription.topics


async def test_latest_and_search_answer_with_more(env: Env) -> None:
    latest = await env.say(A, "/latest 2")
    assert "Customs revenue exceeded the forecast" in latest["text"]
    assert parse_telegram_html(latest["html"])  # valid Telegram HTML (the fake also checked)
    await tap_and_wait_edit(env, A, latest, "More")
    assert "(3–4)" in env.tg.messages[(A, latest["message_id"])]["text"]  # page 2, in place

    found = await env.say(A, "/search revenue")
    assert "Results 1–5 of 7" in found["text"]
    assert "revenue" in found["html"].lower() and "<b>" in found["html"]
    await tap_and_wait_edit(env, A, found, "More")
    assert "Results 6–7 of 7" in env.tg.messages[(A, found["message_id"])]["text"]


async def test_a_command_for_another_bot_is_ignored(env: Env) -> None:
    env.tg.push_message(A, A, "/latest@some_other_bot")
    answer = await env.say(A, "/help@customs_news_bot")
    assert answer["text"].strip()
    await env.updates_handled()  # both updates came in one batch, the ignored one first
    assert len(env.tg.sent_to(A)) == 1


async def test_group_needs_an_admin_and_channels_need_a_bot_admin(env: Env) -> None:
    group, member, owner = -500, 201, 202
    env.tg.set_member(group, owner, "creator")
    await env.say(group, "/subscribe demining", user_id=member, chat_type="group")
    chat = env.chat(group)
    assert chat is None or "demining" not in chat.subscription.topics
    await env.say(group, "/subscribe demining", user_id=owner, chat_type="group")
    chat = env.chat(group)
    assert chat is not None and chat.kind == "group" and "demining" in chat.subscription.topics
    asked = {c.params.get("user_id") for c in env.tg.calls_of("getChatMember")}
    assert {str(member), str(owner)} <= asked

    # a supergroup counts as a group; the bot admin may act anywhere
    await env.say(-501, "/subscribe trade", user_id=ADMIN, chat_type="supergroup")
    chat = env.chat(-501)
    assert chat is not None and chat.kind == "group" and "trade" in chat.subscription.topics

    # channel posts carry no user: read-only commands answer, changes are refused
    channel = -1009
    answer = await env.say(channel, "/subscribe demining", chat_type="channel")
    assert answer["text"].strip()
    chat = env.chat(channel)
    assert chat is None or "demining" not in chat.subscription.topics


async def test_channel_check_reports_a_missing_admin_right(env: Env) -> None:
    check = env.app.deps.channel_check["telegram"]
    env.tg.add_chat(-1001, "channel", title="Customs alerts", username="customs_alerts")
    problem = await check("@customs_alerts")
    assert problem is not None and "not an administrator of @customs_alerts" in problem
    env.tg.set_member(-1001, BOT_ID, "administrator")
    assert await check("@customs_alerts") is None
    assert await check("customs_alerts") is None
    missing = await check("@no_such_channel")
    assert missing is not None and "@no_such_channel" in missing

    # a bot admin binds the channel from a private chat; releases are posted there by @name
    env.tg.add_chat(-1002, "channel", title="Customs mines", username="customs_mines")
    refused = await env.say(ADMIN, "/channel add @customs_mines demining")
    assert "not an administrator of @customs_mines" in refused["text"]
    env.tg.set_member(-1002, BOT_ID, "administrator")
    await env.say(ADMIN, "/channel add @customs_mines demining")
    await env.publish("Demining: the channel hears of 12 landmines", DEMINING_BODY, "c1")
    await env.arrives(-1002, "12 landmines")


# ---- delivery ------------------------------------------------------------------------------

async def test_a_release_reaches_its_subscribers_only_and_html_is_escaped(env: Env) -> None:
    await env.say(A, "/subscribe demining")
    await env.say(B, "/subscribe trade")
    # the feed's title holds the literal text "<b>& Co" (escaped once for XML, once for HTML)
    await env.publish("&lt;b&gt;&amp; Co: demining teams cleared 300 landmines", DEMINING_BODY,
                      "n1")
    await env.publish("Foreign trade turnover grew by 12 percent", TRADE_BODY, "n2")
    note = await env.arrives(A, "300 landmines")
    await env.arrives(B, "trade turnover")
    await settled(env.app, polls=0)  # both are stored: the delivery pass is all that is left
    assert not env.received(B, "landmines")
    assert not env.received(A, "trade turnover")
    assert len(env.received(A, "300 landmines")) == 1

    assert "&lt;b&gt;&amp; Co" in note["html"]  # escaped in what the bot sent ...
    text, tags = parse_telegram_html(note["html"])  # ... which parses as Telegram HTML
    assert "<b>& Co: demining teams" in text
    assert ("a", "https://customs.example/news/n1") in tags
    assert note["link_preview_options"].get("is_disabled") is not True


@pytest.mark.slow
async def test_429_403_and_migration(env: Env) -> None:
    group, new_group = -600, -100600
    env.tg.set_member(group, ADMIN, "administrator")
    await env.say(A, "/subscribe demining")
    await env.say(C, "/subscribe demining")
    await env.say(group, "/subscribe demining", user_id=ADMIN, chat_type="group")
    env.tg.inject("retry_after", chat_id=A, retry_after=1)
    env.tg.block(C)
    env.tg.migrate(group, new_group)
    await env.publish("Demining: 40 anti-tank mines found", DEMINING_BODY, "f1")

    await env.arrives(A, "40 anti-tank mines")
    await env.arrives(new_group, "40 anti-tank mines")
    await until(lambda: (chat := env.chat(C)) is not None and not chat.active, WAIT,
                what="the blocked chat deactivated")
    # 429 with retry_after=1: retried once, delivered exactly once
    statuses = [c.status for c in env.tg.calls_of("sendMessage") if c.chat_id == str(A)]
    assert 429 in statuses
    await settled(env.app, polls=0)  # no retry left in flight
    assert len(env.received(A, "40 anti-tank mines")) == 1
    # the subscription moved with the group
    assert env.chat(group) is None
    moved = env.chat(new_group)
    assert moved is not None and "demining" in moved.subscription.topics
    assert len(env.received(new_group, "40 anti-tank mines")) == 1
    # /start reactivates the blocked chat (writing to the bot means it was unblocked)
    await env.say(C, "/start")
    chat = env.chat(C)
    assert chat is not None and chat.active
    await env.publish("Mine clearance: a new minefield mapped", DEMINING_BODY, "f2")
    await env.arrives(C, "new minefield mapped")


async def test_a_restart_delivers_nothing_twice(env: Env) -> None:
    await env.say(A, "/subscribe demining")
    await env.publish("Demining report one: landmines removed", DEMINING_BODY, "r1")
    await env.arrives(A, "report one")
    stopped_in = await env.stop()
    assert stopped_in < 3.0
    await env.start()
    await env.publish("Demining report two: landmines removed", DEMINING_BODY, "r2")
    await env.arrives(A, "report two")
    await env.app.poller.poll_all()  # a poll more ...
    await settled(env.app, polls=0)  # ... and a delivery pass: nothing comes again
    assert len(env.received(A, "report one")) == 1
    assert len(env.received(A, "report two")) == 1
    assert not env.received(A, "Customs revenue exceeded")  # the backlog is never pushed


async def test_admins_hear_when_a_feed_fails_and_recovers(tmp_path: Any, feeds: FeedServer) -> None:
    async with FakeTelegram() as tg:
        feeds.publish(FEED, *BACKLOG)
        settings = make_settings(tmp_path, tg, feeds)
        settings.fetch.alert_after_failures = 2
        settings.fetch.max_backoff_seconds = 1
        env = Env(app=None, tg=tg, feeds=feeds, settings=settings)  # type: ignore[arg-type]
        await env.start()
        try:
            await env.say(ADMIN, "/start")
            feeds.set_fault(FEED, Fault(status=500))
            for _ in range(2):  # polled at once, not on the schedule (test_faults covers it)
                await env.app.poller.poll_all()
            alert = await env.arrives(ADMIN, f"Feed '{FEED}' has failed")
            assert "failed 2 times" in alert["text"]
            feeds.set_fault(FEED, None)
            await env.app.poller.poll_all()
            await env.arrives(ADMIN, "working again")
            assert not env.tg.sent_to(A)
        finally:
            await env.stop()


# ---- webhook mode ------------------------------------------------------------------------------

async def test_webhook_mode_checks_the_secret(tmp_path: Any, feeds: FeedServer) -> None:
    async with FakeTelegram() as tg:
        feeds.publish(FEED, *BACKLOG)
        settings = make_settings(tmp_path, tg, feeds)
        port = free_port()
        settings.telegram.webhook_url = f"http://127.0.0.1:{port}/telegram/hook"
        settings.telegram.webhook_port = port
        settings.telegram.webhook_secret = "s3cret-Token_1"
        env = Env(app=None, tg=tg, feeds=feeds, settings=settings)  # type: ignore[arg-type]
        await env.start()
        try:
            assert tg.webhook == {"url": settings.telegram.webhook_url,
                                  "secret": "s3cret-Token_1"}
            assert tg.count("getUpdates") == 0
            answer = await env.say(A, "/start")
            assert answer["text"].strip()
            async with aiohttp.ClientSession() as session:
                forged = {"update_id": 999, "message": {
                    "message_id": 1, "date": 0, "chat": {"id": B, "type": "private"},
                    "from": {"id": B, "is_bot": False, "first_name": "x"}, "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                    async with session.post(settings.telegram.webhook_url, json=forged,
                                            headers=headers) as response:
                        assert response.status == 403
            await env.updates_handled()
            assert env.chat(B) is None
        finally:
            await env.stop()


# ---- the real process ------------------------------------------------------------------------

async def test_newsbot_run_answers_stops_on_sigterm_and_never_logs_the_token(
        tmp_path: Path, feeds: FeedServer) -> None:
    async with FakeTelegram() as tg:
        feeds.publish(FEED, *BACKLOG)
        config = tmp_path / "config.toml"
        config.write_text(f"""
[storage]
path = "{tmp_path / 'data'}"
[fetch]
allow_private = true
[[feeds]]
id = "{FEED}"
url = "{feeds.url(FEED)}"
interval_seconds = 1
[telegram]
api_base_url = "{tg.base_url}"
admins = ["{ADMIN}"]
""")
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": tg.token}
        env.pop("TELEGRAM_WEBHOOK_SECRET", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            await tg.wait_for(lambda _: tg.count("getUpdates"), 15, what="polling")
            tg.push_message(A, A, "/start")
            await tg.wait_for(lambda _: tg.sent_to(A), WAIT, what="an answer to /start")
            proc.send_signal(signal.SIGTERM)
            # a clean exit, in bounded time (how fast is a benchmark's business, not a test's)
            output, _ = await asyncio.wait_for(proc.communicate(), 60)
            assert proc.returncode == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        logs = output.decode()
        assert "event=platform_on platform=telegram" in logs
        assert tg.token not in logs and tg.token.split(":")[1] not in logs


# ---- the transport alone ----------------------------------------------------------------------

async def test_send_errors_map_to_what_delivery_expects() -> None:
    async with FakeTelegram() as tg:
        application = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
        await application.initialize()
        try:
            transport = TelegramTransport(application)
            assert transport.platform == "telegram"
            tg.add_chat(A, "private")
            tg.add_chat(-1001, "channel", username="customs_alerts")
            chat = Chat("telegram", str(A))
            reply = Reply.text("hello & <goodbye>")
            await transport.send(chat, reply)
            assert tg.sent_to(A)[-1]["text"] == "hello & <goodbye>"
            await transport.send(Chat("telegram", "@customs_alerts", kind="channel"), reply)
            assert tg.sent_to(-1001)

            tg.inject("retry_after", chat_id=A, retry_after=3)
            with pytest.raises(TransientSendError) as transient:
                await transport.send(chat, reply)
            assert transient.value.retry_after == 3
            for kind, expected in (("blocked", PermanentSendError),
                                   ("kicked", PermanentSendError),
                                   ("not_found", PermanentSendError),
                                   ("server_error", TransientSendError),
                                   ("reset", TransientSendError)):
                tg.inject(kind, chat_id=A)
                with pytest.raises(expected):
                    await transport.send(chat, reply)
            tg.inject("migrate", chat_id=A, migrate_to=-100777)
            with pytest.raises(ChatMovedError) as moved:
                await transport.send(chat, reply)
            assert moved.value.new_chat_id == "-100777"
            with pytest.raises(PermanentSendError):
                await transport.send(Chat("telegram", "@nobody_here"), reply)
            # a refused markup still gets through as plain text
            tg.inject("bad_request", chat_id=A,
                      description="Bad Request: can't parse entities: test")
            await transport.send(chat, reply)
            assert tg.sent_to(A)[-1]["text"] == "hello & <goodbye>"
        finally:
            await application.shutdown()


# ---- rendering -------------------------------------------------------------------------------

def test_render_html_escapes_and_splits_on_paragraphs() -> None:
    card = Card(title="<b>& Co</b> seized", url="https://x.az/a?b=1&c=2",
                date_text="01 Jan 2026, 10:00", topic_labels=["Demining", "Trade"],
                lead="", snippet=[Span("found "), Span("mines", "mark"), Span(" & more")],
                number=1)
    [html_text] = render_html(Reply(cards=[card]))
    text, tags = parse_telegram_html(html_text)
    assert text.startswith("1. <b>& Co</b> seized\n01 Jan 2026, 10:00 · Demining, Trade\n")
    assert "found mines & more" in text
    assert ("a", "https://x.az/a?b=1&c=2") in tags and ("i", "") in tags
    assert "<b>mines</b>" in html_text

    long_reply = Reply()
    for n in range(300):
        long_reply.add(Span(f"Paragraph {n} & <stuff> "), Span("x" * 30, "bold"))
    long_reply.add(Span("word&word " * 1500, "italic"))  # one paragraph over the limit
    long_reply.cards = [card] * 20
    long_reply.buttons = [[Button("More", "latest --page 2")]]
    messages = render_html(long_reply)
    assert len(messages) > 3
    joined = []
    for message in messages:
        assert utf16_len(message) <= 4096
        joined.append(parse_telegram_html(message)[0])  # every part parses on its own
    whole = "\n".join(joined)
    assert whole.count("Paragraph ") == 300 and whole.count("word&word") == 1500
    assert whole.count("<b>& Co</b> seized") == 20
    assert "Paragraph 41 & <stuff> " + "x" * 30 in whole  # a paragraph is never cut
