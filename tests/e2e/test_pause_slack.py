"""End to end over Slack, on a fake clock: `/news pause|resume|quiet|settings` through the real
slack-bolt app (HTTP mode) and the fake Slack Web API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from tests.conftest import settled, until
from tests.e2e.test_pause_telegram import Clock
from tests.e2e.test_slack_e2e import ADMIN, BACKLOG, FEED, SECRET, WAIT, Env, make_slack_settings
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.slack_api import FakeSlack, button_click

BAKU = ZoneInfo("Asia/Baku")
DEMINING = "Demining teams cleared 300 hectares. Mine clearance continues in the area."


class ClockedEnv(Env):
    clock: Clock
    released: int = 0

    async def release(self, title: str) -> str:
        """A demining release published a minute ago on the fake clock, polled, delivered."""
        self.released += 1
        guid = f"s{self.released}"
        self.feeds.publish(FEED, Entry(title=title, body=DEMINING, guid=guid,
                                       link=f"https://customs.example/news/{guid}",
                                       published=self.clock() - timedelta(minutes=1)))
        await self.app.poller.poll_all()
        await settled(self.app, polls=0)
        return title

    def posts(self, channel: str = "C100") -> list[str]:
        return [m["text"] for m in self.slack.posted(channel=channel)]


@pytest.fixture
async def env(tmp_path: Any, feeds: FeedServer) -> AsyncIterator[ClockedEnv]:
    async with FakeSlack() as slack:
        feeds.publish(FEED, *BACKLOG)
        settings = make_slack_settings(tmp_path, slack, feeds)
        clock = Clock()
        app = App(settings, clock=clock)
        app.build_platforms()
        await asyncio.wait_for(app.start(), timeout=WAIT)
        try:
            adapter = app.adapters["slack"]
            url = f"http://127.0.0.1:{adapter.port}/slack/events"  # type: ignore[attr-defined]
            await until(lambda: app.store.count_items() >= len(BACKLOG), WAIT,
                        what="the backlog stored")
            env = ClockedEnv(app, slack, feeds, adapter, url)  # type: ignore[arg-type]
            env.clock = clock
            yield env
        finally:
            await asyncio.wait_for(app.stop(), timeout=10)


async def test_pause_and_resume_in_a_channel(env: ClockedEnv) -> None:
    await env.command("subscribe demining")
    [refused] = await env.command("pause", user="UOTHER")
    assert "administrators" in refused["text"]
    [paused] = await env.command("pause 1h keep")
    assert paused["response_type"] == "in_channel" and "one digest" in paused["text"]
    assert "/news resume" in paused["text"]
    first = await env.release("Demining teams cleared the Aghdam district")
    second = await env.release("Demining teams cleared the Fuzuli district")
    assert env.posts() == []
    [settings] = await env.command("settings")
    assert "paused until" in settings["text"] and "Quiet hours: off." in settings["text"]
    [resumed] = await env.command("resume")
    assert "as one digest" in resumed["text"]
    await settled(env.app, polls=0)
    [digest] = env.posts()
    assert "2 new releases arrived during the pause" in digest
    assert first in digest and second in digest
    blocks = json.dumps(env.slack.posted(channel="C100")[0]["blocks"], ensure_ascii=False)
    assert f"<https://customs.example/news/s1|{first}>" in blocks  # each a link
    third = await env.release("Demining teams cleared the Zangilan district")
    await env.slack.wait_for(lambda: len(env.posts()) == 2, WAIT)
    assert third in env.posts()[1]


async def test_quiet_hours_in_a_channel(env: ClockedEnv) -> None:
    local = env.clock().astimezone(BAKU)
    hours = f"{local - timedelta(minutes=30):%H:%M}-{local + timedelta(minutes=30):%H:%M}"
    await env.command("subscribe demining")
    [quiet] = await env.command(f"quiet {hours}")
    assert f"Quiet hours: {hours}" in quiet["text"] and quiet["response_type"] == "in_channel"
    first = await env.release("Demining teams cleared the Aghdam district")
    second = await env.release("Demining teams cleared the Fuzuli district")
    assert env.posts() == []
    env.clock.advance(minutes=31)
    await settled(env.app, polls=0)
    [digest] = env.posts()
    assert "Quiet hours are over: 2 new releases arrived meanwhile" in digest
    assert first in digest and second in digest
    [off] = await env.command("quiet off")
    assert "Quiet hours: off." in off["text"]
    assert env.chat("C100").quiet_hours == ""  # type: ignore[union-attr]


async def test_broadcast_from_slack_reaches_every_active_chat_once(env: ClockedEnv) -> None:
    await env.command("subscribe demining")
    await env.command("subscribe trade", channel="C200")
    await env.command("subscribe wco", channel="D1", user="U1")  # a user's own DM
    [preview] = await env.command("broadcast The bot gets a new name on Monday.", channel="D9")
    assert "goes to 3 active chats" in preview["text"]
    values = [e["value"] for b in preview["blocks"] if b["type"] == "actions"
              for e in b["elements"]]
    confirm = next(v for v in values if v.startswith("broadcast confirm"))
    answer = await button_click(env.url, SECRET, value=confirm, user_id=ADMIN, channel_id="D9",
                                response_url=env.slack.response_url("confirm"))
    assert answer.status == 200 and answer.seconds < 3.0
    sending = await env.slack.wait_for(lambda: env.slack.responses.get("confirm"), WAIT)
    assert "Sending the announcement to 3 chats" in sending[0]["text"]
    report = await env.slack.wait_for(lambda: env.posts(ADMIN), WAIT)  # the admin's DM
    assert "reached 3 of 3 chats" in report[0]
    for channel in ("C100", "C200", "U1"):  # a DM is the user's own chat
        got = [t for t in env.posts(channel) if "new name on Monday" in t]
        assert len(got) == 1 and "Announcement from the bot's administrators" in got[0]
