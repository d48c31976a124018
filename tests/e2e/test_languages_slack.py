"""Slack speaks the chat's language: the real slack-bolt app (HTTP mode), run by the App, against
the fake Slack Web API. A user's language comes from their Slack locale (users.info); expected
texts come from the catalogs (bot.i18n.tr), so the tests follow the translations.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import App
from bot.i18n import tr
from bot.models import Card, Chat, Reply
from bot.platforms.slack.app import SlackAdapter
from handlers.subscriptions import GREETING
from tests.conftest import until
from tests.e2e.test_slack_e2e import ADMIN, BACKLOG, FEED, WAIT, Env, make_slack_settings
from tests.fakes.feed_server import FeedServer
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
async def env(tmp_path: Any, feeds: FeedServer) -> AsyncIterator[Env]:
    async with FakeSlack() as slack:
        feeds.publish(FEED, *BACKLOG)
        settings = make_slack_settings(tmp_path, slack, feeds, interval_seconds=60)
        app = App(settings)
        app.build_platforms()
        await asyncio.wait_for(app.start(), timeout=WAIT)
        try:
            adapter = app.adapters["slack"]
            assert isinstance(adapter, SlackAdapter)
            await until(lambda: app.store.count_items() >= len(BACKLOG), WAIT,
                        what="the backlog stored")
            yield Env(app, slack, feeds, adapter, f"http://127.0.0.1:{adapter.port}/slack/events")
        finally:
            await asyncio.wait_for(app.stop(), timeout=10)


def _translated(lang: str, msgid: str, **kw: Any) -> str:
    text = tr(lang, msgid, **kw)
    assert text != msgid.format(**kw), f"{msgid!r} has no {lang} translation"
    return text


def _home_headers(env: Env, user: str) -> list[str]:
    return [b["text"]["text"] for call in env.slack.calls_to("views.publish")
            if call.params.get("user_id") == user
            for b in (call.params.get("view") or {}).get("blocks", []) if b["type"] == "header"]


async def test_a_user_whose_slack_is_in_russian_reads_russian(env: Env) -> None:
    env.slack.set_locale("U200", "ru-RU")
    [answer] = await env.command("start", channel="D200", user="U200")
    assert _translated("ru", GREETING[0]) in answer["text"]
    chat = env.chat("U200")
    assert chat is not None and chat.language == "ru"
    # the App Home is in Russian too; users.info was asked once, with the locale
    header = _translated("ru", "Customs news: your alerts")
    await env.slack.wait_for(lambda: header in _home_headers(env, "U200"), WAIT)
    await env.command("help", channel="D200", user="U200")
    [lookup] = env.slack.calls_to("users.info")
    assert lookup.params["user"] == "U200" and lookup.params["include_locale"] in ("1", "true")


async def test_news_language_az_switches_the_chat_to_azerbaijani(env: Env) -> None:
    env.slack.set_locale("U300", "en-US")
    [first] = await env.command("start", channel="D300", user="U300")
    assert GREETING[0] in first["text"]
    await env.command("language az", channel="D300", user="U300")
    chat = env.chat("U300")
    assert chat is not None and chat.language == "az"
    [again] = await env.command("start", channel="D300", user="U300")
    assert _translated("az", GREETING[0]) in again["text"]
    header = _translated("az", "Customs news: your alerts")
    await env.slack.wait_for(lambda: header in _home_headers(env, "U300"), WAIT)


async def test_a_failing_users_info_means_english(env: Env) -> None:
    env.slack.fail("users.info", error="missing_scope")
    [answer] = await env.command("start", channel="D400", user="U400")
    assert GREETING[0] in answer["text"]
    chat = env.chat("U400")
    assert chat is not None and chat.language == "en"


@pytest.mark.slow
async def test_a_slow_users_info_delays_neither_the_ack_nor_the_answer_much(env: Env) -> None:
    env.slack.set_locale("U500", "ru-RU")
    env.slack.delay("users.info", 4.0)
    started = time.monotonic()
    [answer] = await env.command("start", channel="D500", user="U500")  # acked within 3 s
    assert time.monotonic() - started < 3.0  # the lookup gave up after 1.5 s
    assert GREETING[0] in answer["text"]  # English, for want of the locale


async def test_a_notification_links_the_other_editions_and_never_pings(env: Env) -> None:
    card = Card(title="<!channel> Gömrük & <@U1> gəlirləri", url="https://customs.gov.az/az/7",
                date_text="22 iyun 2022", topic_labels=["Ticarət"], lead="Qısa <!here>.",
                editions=[("ru", "https://customs.gov.az/ru/9?a=1&b=2"),
                          ("en", "https://customs.gov.az/en/8"), ("xx", "javascript:x")])
    await env.adapter.transport.send(Chat("slack", "C700", language="ru"), Reply(cards=[card]))
    [message] = await env.slack.wait_for(lambda: env.slack.posted(channel="C700"), WAIT)
    blocks = json.dumps(message["blocks"], ensure_ascii=False)
    assert "<!channel>" not in blocks and "<!here>" not in blocks and "<@U1>" not in blocks
    assert "<!channel>" not in message["text"] and "<@U1>" not in message["text"]
    context = next(b for b in message["blocks"] if b["type"] == "context")
    assert context["elements"][0]["text"].endswith(
        "<https://customs.gov.az/ru/9?a=1&amp;b=2|RU> · <https://customs.gov.az/en/8|EN>")
    [button] = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == _translated("ru", "Read the release")
    # in a list (numbered cards), the links follow the date and topics
    listed = Reply(cards=[Card(**{**_fields(card), "number": 1}), Card(**_fields(card))])
    await env.adapter.transport.send(Chat("slack", "C701", language="az"), listed)
    [message] = await env.slack.wait_for(lambda: env.slack.posted(channel="C701"), WAIT)
    first = message["blocks"][0]["text"]["text"]
    assert "Ticarət  ·  <https://customs.gov.az/ru/9?a=1&amp;b=2|RU>" in first
    assert "<!channel>" not in json.dumps(message["blocks"])


def _fields(card: Card) -> dict[str, Any]:
    return {name: getattr(card, name) for name in Card.__dataclass_fields__}


async def test_admin_alerts_are_written_in_each_admins_language(env: Env) -> None:
    await env.command("language ru", channel="DADMIN", user=ADMIN)
    await env.adapter.alert_admins(
        lambda lang: Reply.text(tr(lang, "Feed '{feed}' is working again.", feed=FEED)))
    [alert] = await env.slack.wait_for(lambda: env.slack.posted(channel=ADMIN), WAIT)
    assert alert["text"] == _translated("ru", "Feed '{feed}' is working again.", feed=FEED)
