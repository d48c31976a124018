"""End to end over Slack: the real slack-bolt app (HTTP mode), run by the App in-process, talking
to a fake Slack Web API on 127.0.0.1 and fed by the local feed server.

Every wait has a timeout: a broken build fails, it never hangs.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import App
from bot.config import Settings, SlackSettings
from bot.models import Button, Card, Chat, Command, FeedSpec, Reply, Span
from bot.platforms.base import PermanentSendError, TransientSendError
from bot.platforms.slack.app import SlackAdapter
from bot.platforms.slack.blocks import escape_mrkdwn, render_blocks
from handlers.deps import Deps
from handlers.router import COMMANDS, SORRY
from tests.conftest import settled, until
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.slack_api import (
    FakeSlack,
    button_click,
    event,
    post_signed,
    slash_command,
    slash_command_fields,
)
from tests.helpers import free_port

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN = "UADMIN"
FEED = "customs"
WAIT = 8.0  # seconds any single expectation may take
FORM = "application/x-www-form-urlencoded"
BACKLOG = [
    Entry(title="Customs revenue exceeded the forecast in May",
          body="The State Customs Committee collected customs revenue of 500 million manats. "
               "Customs payments grew by 12 percent.",
          guid="b1", link="https://customs.example/news/1",
          published=datetime(2024, 6, 3, 9, 30, tzinfo=UTC)),
    Entry(title="Seminar on the harmonized system held in Baku",
          body="Officers attended a seminar on tariff classification.",
          guid="b2", link="https://customs.example/news/2",
          published=datetime(2024, 5, 28, 14, 0, tzinfo=UTC)),
]



@dataclass
class Env:
    app: App
    slack: FakeSlack
    feeds: FeedServer
    adapter: SlackAdapter
    url: str
    n: int = 0

    async def command(self, text: str, *, channel: str = "C100", user: str = ADMIN,
                      **kw: Any) -> list[dict[str, Any]]:
        """Run `/news <text>`; return what the bot posted to the response_url."""
        self.n += 1
        key = f"r{self.n}"
        answer = await slash_command(self.url, SECRET, text=text, channel_id=channel,
                                     user_id=user, response_url=self.slack.response_url(key),
                                     **kw)
        assert answer.status == 200, answer
        assert answer.seconds < 3.0  # Slack's ack deadline
        return await self.slack.wait_for(lambda: self.slack.responses.get(key), WAIT)

    async def publish(self, title: str, body: str, guid: str) -> None:
        """A new release on the feed, polled at once: no waiting for the schedule (a second
        of it per release); the tests of the schedule wait on `settled` or on faults."""
        self.feeds.publish(FEED, Entry(title=title, body=body, guid=guid,
                                       link=f"https://customs.example/news/{guid}",
                                       published=datetime.now(UTC) - timedelta(minutes=1)))
        await self.app.poller.poll_all()

    def chat(self, chat_id: str) -> Chat | None:
        return self.app.store.get_chat(f"slack:{chat_id}")


def make_slack_settings(tmp_path: Any, slack: FakeSlack, feeds: FeedServer,
                        interval_seconds: float = 1) -> Settings:
    """The bot in Slack's HTTP mode over the fake Web API, polling the local feed."""
    settings = Settings()
    settings.storage.path = tmp_path / "data"
    settings.fetch.allow_private = True
    settings.fetch.jitter = 0.0
    settings.feeds = [FeedSpec(id=FEED, url=feeds.url(FEED), interval_seconds=interval_seconds,
                               language="en")]
    settings.slack = SlackSettings(
        enabled_in_config=True, mode="http", port=free_port(),
        api_base_url=slack.api_base_url, admins=[ADMIN], channel_rule="admins",
        bot_token="xoxb-test-token", signing_secret=SECRET,
    )
    return settings


@pytest.fixture
async def env(tmp_path: Any, feeds: FeedServer) -> AsyncIterator[Env]:
    async with FakeSlack() as slack:
        feeds.publish(FEED, *BACKLOG)
        settings = make_slack_settings(tmp_path, slack, feeds)
        app = App(settings)
        app.build_platforms()
        await asyncio.wait_for(app.start(), timeout=WAIT)
        try:
            adapter = app.adapters["slack"]
            assert isinstance(adapter, SlackAdapter)
            url = f"http://127.0.0.1:{adapter.port}/slack/events"
            # the first fetch stores the backlog (pushed to nobody)
            await until(lambda: app.store.count_items() >= len(BACKLOG), WAIT,
                        what="the backlog stored")
            yield Env(app, slack, feeds, adapter, url)
        finally:
            await asyncio.wait_for(app.stop(), timeout=10)


def all_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_subscribe_in_channel_is_announced_and_releases_arrive(env: Env) -> None:
    [answer] = await env.command("subscribe demining")
    assert answer["response_type"] == "in_channel"
    assert "demining" in answer["text"].lower()
    assert answer["blocks"]
    chat = env.chat("C100")
    assert chat is not None and chat.kind == "channel" and "demining" in chat.subscription.topics

    await env.publish("Demining teams cleared 300 hectares of liberated territories",
                "Demining teams cleared 300 hectares. Mine clearance continues in the area.",
                "d1")
    [msg] = await env.slack.wait_for(lambda: env.slack.posted(channel="C100"), WAIT)
    assert "Demining teams cleared 300 hectares" in msg["text"]  # the fallback text
    blocks = msg["blocks"]
    header = [b for b in blocks if b["type"] == "header"]
    assert header and header[0]["text"]["type"] == "plain_text"
    assert header[0]["text"]["text"].startswith("Demining teams cleared")
    assert any(b["type"] == "context" and "Demining" in all_text([b]) for b in blocks)
    assert any(b["type"] == "section" and "Mine clearance" in b["text"]["text"] for b in blocks)
    assert "https://customs.example/news/d1" in all_text(blocks)
    # releases that do not match are not pushed
    await env.publish("Customs revenue grew again", "Customs revenue grew by 3 percent.", "r9")
    await settled(env.app, polls=0)  # stored by the poll in publish(); then a delivery pass
    assert len(env.slack.posted(channel="C100")) == 1


async def test_mentions_in_a_title_are_escaped(env: Env) -> None:
    await env.command("subscribe demining")
    # the feed carries them as text (HTML-escaped inside the XML), as a real title would
    title = "&lt;!channel&gt; demining & <@U123> &lt;!here&gt; <#C999> finished"
    await env.publish(title, "Demining <b>work</b> & mine clearance <!everyone>.", "x1")
    [msg] = await env.slack.wait_for(lambda: env.slack.posted(channel="C100"), WAIT)
    for where in (msg["text"], all_text(msg["blocks"])):
        assert "&lt;!channel&gt;" in where
        assert "&lt;@U123&gt;" in where and "&lt;!here&gt;" in where
        assert "&amp;" in where
        for raw in ("<!channel>", "<@U123>", "<!here>", "<!everyone>", "<#C999>"):
            assert raw not in where


async def test_latest_and_search_answer_only_the_caller(env: Env) -> None:
    [latest] = await env.command("latest", user="UREADER")
    assert latest["response_type"] == "ephemeral"
    assert "Customs revenue exceeded the forecast" in all_text(latest["blocks"])
    assert "Customs revenue exceeded the forecast" in latest["text"]

    [found] = await env.command("search customs revenue", user="UREADER")
    assert found["response_type"] == "ephemeral"
    assert "Customs revenue exceeded the forecast" in all_text(found["blocks"])
    assert env.slack.posted() == []  # nothing went to the channel


async def test_forged_and_stale_requests_are_refused(env: Env) -> None:
    url = env.slack.response_url("forged")
    bad = await slash_command(env.url, SECRET, text="subscribe demining", response_url=url,
                              user_id=ADMIN, bad_signature=True)
    unsigned = await slash_command(env.url, SECRET, text="subscribe demining",
                                   response_url=url, user_id=ADMIN, unsigned=True)
    stale = await slash_command(env.url, SECRET, text="subscribe demining", response_url=url,
                                user_id=ADMIN, timestamp=int(time.time()) - 10 * 60)
    assert (bad.status, unsigned.status, stale.status) == (401, 401, 401)
    await env.command("help", channel="C200")  # a signed request sent later is answered ...
    assert "forged" not in env.slack.responses  # ... the refused ones never will be
    assert env.chat("C100") is None


async def test_a_replayed_request_is_acked_and_not_run_again(env: Env) -> None:
    """The same signed request (same signature and timestamp) sent again within Slack's 5
    minutes: the replay gets its 200 (an ack) and the command runs once."""
    url = env.slack.response_url("replayed")
    body = urllib.parse.urlencode(slash_command_fields(
        text="subscribe demining", channel_id="C300", user_id=ADMIN, response_url=url))
    when = int(time.time())
    first = await post_signed(env.url, SECRET, body, FORM, timestamp=when)
    again = await post_signed(env.url, SECRET, body, FORM, timestamp=when)
    assert (first.status, again.status) == (200, 200)
    await until(lambda: env.slack.responses.get("replayed"), WAIT, what="the first answer")
    await until(lambda: env.adapter.busy == 0, WAIT, what="every accepted command done")
    assert len(env.slack.responses["replayed"]) == 1
    # the same command, signed anew (another timestamp), is a new request: it runs
    later = await post_signed(env.url, SECRET, body, FORM, timestamp=when - 1)
    assert later.status == 200
    await until(lambda: len(env.slack.responses["replayed"]) == 2, WAIT, what="second answer")
    subscribed = env.chat("C300")
    assert subscribed is not None and subscribed.active


@pytest.mark.slow
async def test_rate_limited_send_is_retried_and_delivered_once(env: Env) -> None:
    await env.command("subscribe demining")
    env.slack.fail("chat.postMessage", status=429, retry_after=1, times=1)
    await env.publish("Mine clearance in Aghdam district", "Demining goes on near Aghdam.", "rl1")
    await env.slack.wait_for(lambda: env.slack.posted(channel="C100"), WAIT)
    await settled(env.app, polls=0)  # no retry left in flight: room for a wrong duplicate
    attempts = env.slack.posted(channel="C100", ok_only=False)
    assert len(attempts) == 2
    assert len(env.slack.posted(channel="C100")) == 1
    first, second = env.slack.calls_to("chat.postMessage")[:2]
    assert first.status == 429 and second.at - first.at >= 0.9  # waited Retry-After


async def test_channel_not_found_deactivates_the_subscription(env: Env) -> None:
    await env.command("subscribe demining", channel="C300")
    env.slack.fail("chat.postMessage", error="channel_not_found", channel="C300", times=None)
    await env.publish("Demining dogs trained",
                      "Mine-detection dogs finished demining training.", "g1")

    def gone() -> bool:
        chat = env.chat("C300")
        return chat is not None and not chat.active

    await env.slack.wait_for(gone, WAIT)
    chat = env.chat("C300")
    assert chat is not None and "channel_not_found" in (chat.deactivated_reason or "")
    assert len(env.slack.posted(channel="C300", ok_only=False)) == 1  # no retry loop


async def test_channel_rule_refuses_non_admins(env: Env) -> None:
    [answer] = await env.command("subscribe demining", channel="C400", user="UNOBODY")
    assert answer["response_type"] == "ephemeral"
    chat = env.chat("C400")
    assert chat is None or "demining" not in chat.subscription.topics
    # in a DM everyone manages their own subscription: the chat is the user's DM with the app
    [mine] = await env.command("subscribe demining", channel="D0NOBODY", user="UNOBODY")
    dm = env.chat("UNOBODY")
    assert dm is not None and dm.kind == "private" and "demining" in dm.subscription.topics
    assert mine["text"]
    # channel_rule = "members": anyone in the channel may change it
    env.app.settings.slack.channel_rule = "members"
    await env.command("subscribe demining", channel="C400", user="UNOBODY")
    chat = env.chat("C400")
    assert chat is not None and "demining" in chat.subscription.topics


async def test_button_click_runs_its_command(env: Env) -> None:
    await env.command("subscribe demining")
    answer = await button_click(env.url, SECRET, value="unsubscribe demining", user_id=ADMIN,
                                channel_id="C100", response_url=env.slack.response_url("b1"))
    assert answer.status == 200 and answer.seconds < 3.0
    await env.slack.wait_for(lambda: env.slack.responses.get("b1"), WAIT)
    chat = env.chat("C100")
    assert chat is not None and "demining" not in chat.subscription.topics


async def test_app_home_shows_the_users_topics(env: Env) -> None:
    answer = await event(env.url, SECRET, {"type": "app_home_opened", "user": "UHOME",
                                          "tab": "home", "channel": "D0HOME"})
    assert answer.status == 200
    [call] = await env.slack.wait_for(lambda: env.slack.calls_to("views.publish"), WAIT)
    assert call.params["user_id"] == "UHOME"
    view = call.params["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    values = [e.get("value", "") for b in view["blocks"] if b["type"] == "actions"
              for e in b["elements"]]
    assert any("demining" in v for v in values)  # a toggle per topic
    # a toggle clicked in the Home tab changes the user's own (DM) subscription
    toggle = next(v for v in values if "demining" in v)
    await button_click(env.url, SECRET, value=toggle, user_id="UHOME", channel_id=None)
    await env.slack.wait_for(lambda: len(env.slack.calls_to("views.publish")) >= 2, WAIT)
    chat = env.chat("UHOME")
    assert chat is not None and "demining" in chat.subscription.topics


async def test_admin_alerts_are_dms_and_never_raise(env: Env) -> None:
    env.slack.fail("chat.postMessage", status=500, times=1)
    await env.adapter.alert_admins(lambda lang: Reply.text("Feed 'customs' has failed 5 times"))
    await env.adapter.alert_admins(lambda lang: Reply.text("Feed 'customs' is working again."))
    [alert] = env.slack.posted(channel=ADMIN)
    assert "working again" in alert["text"]


async def test_a_failing_command_is_answered_with_the_routers_apology(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(command: Command, deps: Deps) -> Reply:
        raise RuntimeError("a bug in a handler")

    monkeypatch.setitem(COMMANDS, "stats", COMMANDS["stats"]._replace(handler=broken))
    [answer] = await env.command("stats")
    assert answer["text"] == SORRY
    [answer] = await env.command("help")  # the next command is served as usual
    assert SORRY not in answer["text"] and "/news" in answer["text"]


async def test_transport_maps_slack_errors(env: Env) -> None:
    transport = env.adapter.transport
    chat = Chat("slack", "C500", kind="channel")
    env.slack.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(TransientSendError) as rate:
        await transport.send(chat, Reply.text("x"))
    assert rate.value.retry_after == 7
    for error in ("channel_not_found", "not_in_channel", "is_archived", "account_inactive"):
        env.slack.fail("chat.postMessage", error=error)
        with pytest.raises(PermanentSendError):
            await transport.send(chat, Reply.text("x"))
    for fault in ({"status": 503}, {"error": "invalid_auth"}, {"error": "internal_error"}):
        env.slack.fail("chat.postMessage", **fault)  # type: ignore[arg-type]
        with pytest.raises(TransientSendError):
            await transport.send(chat, Reply.text("x"))
    # markup Slack refuses: the plain text goes instead
    env.slack.fail("chat.postMessage", error="invalid_blocks")
    await transport.send(chat, Reply.text("still delivered"))
    assert env.slack.posted(channel="C500")[-1]["text"] == "still delivered"


def test_render_cuts_and_escapes() -> None:
    title = "Customs & mines " + "word " * 60 + "<!channel>"
    card = Card(title=title, url="https://customs.example/a?b=1&c=2", date_text="1 Jun 2024",
                topic_labels=["Demining"], lead="lead " * 1000)
    text, blocks = render_blocks(Reply(cards=[card], ephemeral=False))
    header = blocks[0]["text"]["text"]
    assert len(header) <= 150 and header.endswith("…") and "&amp;" in header
    assert not header.endswith("wor…")  # cut on a word boundary
    section = next(b for b in blocks if b["type"] == "section")
    assert len(section["text"]["text"]) <= 3000
    assert len(text) <= 3000 and "<!channel>" not in text

    reply = Reply(paragraphs=[[Span("Found "), Span("2", "bold"), Span(" for "),
                               Span("a<b", "code"), Span(" see "),
                               Span("site", "link", "https://x.example/?q=1&r=2"),
                               Span(" bad", "link", "javascript:alert(1)")]],
                  cards=[Card("T", "https://x.example/1", "d", [], "l", number=1),
                         Card("U", "https://x.example/2", "d", [], "m", number=2)],
                  buttons=[[Button("More", "search --page 2"), Button("Open", url="https://x.example")]])
    text, blocks = render_blocks(reply)
    first = blocks[0]["text"]["text"]
    assert first.startswith("Found *2* for `a&lt;b` see <https://x.example/?q=1&amp;r=2|site>")
    assert "javascript" not in first
    actions = blocks[-1]
    assert actions["type"] == "actions"
    assert actions["elements"][0]["value"] == "search --page 2"
    assert actions["elements"][1]["url"] == "https://x.example"
    assert escape_mrkdwn("<&>") == "&lt;&amp;&gt;"


async def test_check_channel_tells_admins_what_to_do(env: Env) -> None:
    env.slack.add_channel("C600", "public")
    env.slack.add_channel("G700", "secret", is_member=False, is_private=True)
    env.slack.add_channel("C800", "old", is_archived=True)
    check = env.app.deps.channel_check["slack"]
    assert await check("C600") is None
    assert await check("<#C600|public>") is None
    assert "invite" in (await check("G700") or "")
    assert "archived" in (await check("C800") or "")
    assert "cannot see" in (await check("C999") or "")
    assert await check("general") is not None


async def test_socket_mode(tmp_path: Any) -> None:
    async with FakeSlack() as slack:
        settings = Settings()
        settings.storage.path = tmp_path / "data"
        settings.slack = SlackSettings(
            enabled_in_config=True, mode="socket", api_base_url=slack.api_base_url,
            admins=[ADMIN], bot_token="xoxb-test-token", app_token="xapp-test-token",
        )
        app = App(settings)
        app.build_platforms()
        await asyncio.wait_for(app.start(), timeout=WAIT)
        try:
            await slack.wait_for(lambda: slack.sockets, WAIT)
            fields = slash_command_fields(text="subscribe demining", channel_id="C100",
                                          user_id=ADMIN, response_url=slack.response_url("s1"))
            envelope = await slack.socket_send("slash_commands", fields)
            await slack.wait_for(
                lambda: any(a.get("envelope_id") == envelope for a in slack.socket_acks), WAIT)
            [answer] = await slack.wait_for(lambda: slack.responses.get("s1"), WAIT)
            assert answer["response_type"] == "in_channel"
            chat = app.store.get_chat("slack:C100")
            assert chat is not None and "demining" in chat.subscription.topics
        finally:
            await asyncio.wait_for(app.stop(), timeout=10)
