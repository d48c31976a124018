"""End to end over Telegram, on a fake clock: /pause, /quiet, weekly digests and /broadcast,
through the real python-telegram-bot client and the fake Bot API.

The App's clock is a fake one that starts at the real time (the poller archives releases
published long before "now"), moved forward by the tests; delivery is then asked to look again
(`settled`), as its timers would after a real wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.models import Chat, utcnow
from tests.conftest import settled, until
from tests.e2e.test_telegram_e2e import (
    ADMIN,
    BACKLOG,
    DEMINING_BODY,
    FEED,
    TRADE_BODY,
    WAIT,
    A,
    B,
    C,
    Env,
    make_settings,
)
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

BAKU = ZoneInfo("Asia/Baku")  # the default time zone of the settings
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class Clock:
    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class ClockedEnv(Env):
    clock: Clock = field(default_factory=Clock)
    n: int = 0

    async def start(self) -> None:
        self.app = App(self.settings, clock=self.clock)
        self.app.build_platforms()
        await asyncio.wait_for(self.app.start(), timeout=WAIT)
        await until(lambda: self.app.store.count_items() >= len(BACKLOG), WAIT,
                    what="the backlog stored (the first fetch, pushed to nobody)")

    async def release(self, title: str, body: str) -> str:
        """A new release, published a minute ago on the fake clock, polled and delivered."""
        self.n += 1
        guid = f"p{self.n}"
        self.feeds.publish(FEED, Entry(title=title, body=body, guid=guid,
                                       link=f"https://customs.example/news/{guid}",
                                       published=self.clock() - timedelta(minutes=1)))
        await self.app.poller.poll_all()
        await settled(self.app, polls=0)
        return title

    def texts(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.tg.sent_to(chat_id)]


@pytest.fixture
async def env(tmp_path: Any, feeds: FeedServer) -> AsyncIterator[ClockedEnv]:
    async with FakeTelegram() as tg:
        feeds.publish(FEED, *BACKLOG)
        env = ClockedEnv(app=None, tg=tg, feeds=feeds,  # type: ignore[arg-type]
                         settings=make_settings(tmp_path, tg, feeds))
        await env.start()
        try:
            yield env
        finally:
            await env.stop()
        assert not tg.unknown_methods, tg.unknown_methods


async def test_the_command_menus_list_the_new_commands_in_three_languages(
    env: ClockedEnv,
) -> None:
    for lang, word in (("", "Quiet hours"), ("az", "Sakit saatlar"), ("ru", "Тихие часы")):
        menu = {c["command"]: c["description"] for c in env.tg.command_menus[lang]}
        assert {"pause", "resume", "quiet", "settings", "digest"} <= menu.keys(), lang
        assert menu["quiet"].startswith(word), (lang, menu["quiet"])
        assert "broadcast" not in menu  # for the bot's admins only
    # the admin had never written to the bot: Telegram knows no chat to give a menu of its own
    assert not env.tg.chat_menus
    await env.say(ADMIN, "/start")
    await env.stop()
    await env.start()  # the menus are set at start-up
    for lang, word in (("", "An announcement"), ("az", "İlkin baxışdan"), ("ru", "Объявление")):
        mine = {c["command"]: c["description"] for c in env.tg.chat_menus[(ADMIN, lang)]}
        assert {"broadcast", "feeds", "pause", "quiet"} <= mine.keys()
        assert mine["broadcast"].startswith(word), (lang, mine["broadcast"])
    assert "broadcast" not in {c["command"] for c in env.tg.commands}


async def test_a_paused_chat_gets_nothing_until_resume(env: ClockedEnv) -> None:
    await env.say(A, "/subscribe demining")
    assert "until /resume" in (await env.say(A, "/pause"))["text"]
    dropped = await env.release("Demining teams cleared the Aghdam district", DEMINING_BODY)
    assert not [t for t in env.texts(A) if dropped in t]
    env.clock.advance(days=2)  # no end but /resume
    await settled(env.app, polls=0)
    assert not [t for t in env.texts(A) if dropped in t]
    assert "/latest" in (await env.say(A, "/resume"))["text"]
    await settled(env.app, polls=0)
    assert not [t for t in env.texts(A) if dropped in t]  # dropped: the default
    after = await env.release("Demining teams cleared the Fuzuli district", DEMINING_BODY)
    await env.arrives(A, after)


async def test_a_kept_pause_ends_by_itself_with_one_digest(env: ClockedEnv) -> None:
    await env.say(B, "/subscribe demining trade")
    reply = await env.say(B, "/pause 2h keep")
    assert "one digest" in reply["text"]
    before = len(env.texts(B))
    first = await env.release("Demining teams cleared the Aghdam district", DEMINING_BODY)
    second = await env.release("Foreign trade turnover grew in the first quarter", TRADE_BODY)
    assert len(env.texts(B)) == before
    env.clock.advance(hours=2, minutes=1)
    await settled(env.app, polls=0)
    [digest] = env.texts(B)[before:]
    assert "2 new releases arrived during the pause" in digest
    assert first in digest and second in digest
    assert digest.index("Demining (1)") < digest.index(first) \
        < digest.index("Foreign trade and revenue (1)") < digest.index(second)  # by topic
    await settled(env.app, polls=0)
    assert len(env.texts(B)) == before + 1  # once


async def test_quiet_hours_hold_releases_and_send_one_digest_after(env: ClockedEnv) -> None:
    local = env.clock().astimezone(BAKU)
    hours = f"{local - timedelta(hours=1):%H:%M}-{local + timedelta(hours=1):%H:%M}"
    await env.say(A, "/subscribe demining trade")
    await env.say(C, "/subscribe demining")  # no quiet hours: alerts as they come
    assert f"Quiet hours: {hours}" in (await env.say(A, f"/quiet {hours}"))["text"]
    before = len(env.texts(A))
    first = await env.release("Demining teams cleared the Aghdam district", DEMINING_BODY)
    second = await env.release("Foreign trade turnover grew in the first quarter", TRADE_BODY)
    await env.arrives(C, first)
    assert len(env.texts(A)) == before
    env.clock.advance(hours=1, minutes=1)
    await settled(env.app, polls=0)
    [digest] = env.texts(A)[before:]
    assert "Quiet hours are over: 2 new releases arrived meanwhile" in digest
    assert first in digest and second in digest
    later = await env.release("Demining teams cleared the Fuzuli district", DEMINING_BODY)
    assert env.texts(A)[-1].startswith(later)  # outside quiet hours: one by one again


async def test_a_weekly_digest_arrives_once_a_week(env: ClockedEnv) -> None:
    due = (env.clock().astimezone(BAKU) + timedelta(hours=1)).replace(second=0, microsecond=0)
    await env.say(A, "/subscribe trade")
    reply = await env.say(A, f"/digest weekly {DAYS[due.weekday()]} {due:%H:%M}")
    assert f"one digest a week, on {due:%A} at {due:%H:%M}" in reply["text"]
    before = len(env.texts(A))
    first = await env.release("Foreign trade turnover grew in the first quarter", TRADE_BODY)
    await env.app.delivery.send_digests()  # type: ignore[union-attr]
    assert len(env.texts(A)) == before  # not its time yet
    env.clock.now = due.astimezone(UTC) + timedelta(seconds=30)  # its minute, even at 23:59
    await env.app.delivery.send_digests()  # type: ignore[union-attr]
    [weekly] = env.texts(A)[before:]
    assert "Your weekly digest: 1 new release" in weekly and first in weekly
    second = await env.release("Foreign trade turnover grew in the second quarter", TRADE_BODY)
    for _ in range(14):  # a week, looked at twice a day
        env.clock.advance(hours=12)
        await env.app.delivery.send_digests()  # type: ignore[union-attr]
    digests = [t for t in env.texts(A)[before:] if "weekly digest" in t]
    assert len(digests) == 2 and second in digests[1] and first not in digests[1]


async def test_broadcast_reaches_every_active_chat_once(env: ClockedEnv) -> None:
    for chat_id in (A, B, C):
        await env.say(chat_id, "/start")
    env.app.store.save_chat(Chat("telegram", "104", active=False))  # blocked us long ago
    assert "administrators" in (await env.say(A, "/broadcast Hello"))["text"]
    preview = await env.say(ADMIN, "/broadcast We move to @customs_news_bot on Monday.")
    assert "goes to 3 active chats" in preview["text"]
    confirm = preview["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    env.tg.block(C)  # blocks the bot meanwhile: one chat fewer receives it
    env.tg.tap(ADMIN, ADMIN, "Confirm")
    report = await env.arrives(ADMIN, "The announcement reached")
    assert "reached 2 of 3 chats" in report["text"]
    edited = env.tg.messages[(ADMIN, preview["message_id"])]
    assert "Sending the announcement to 3 chats" in edited["text"]
    for chat_id in (A, B):
        got = [t for t in env.texts(chat_id) if "@customs_news_bot" in t]
        assert len(got) == 1 and "Announcement from the bot's administrators" in got[0]
    chat_c = env.chat(C)
    assert chat_c is not None and not chat_c.active
    assert not env.tg.sent_to(104)
    # a second tap on the same preview sends nothing again
    env.tg.push_callback(ADMIN, ADMIN, confirm, preview["message_id"])
    await until(lambda: "already sent" in env.tg.messages[(ADMIN, preview["message_id"])]["text"],
                WAIT, what="the second tap answered")
    assert sum("@customs_news_bot" in t for c in (A, B) for t in env.texts(c)) == 2
