"""Telegram speaks the chat's language: the real python-telegram-bot client, run by the App,
against the fake Bot API. Expected texts come from the catalogs (bot.i18n.tr), so the tests
follow the translations instead of copying them.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.i18n import ntr, tr
from bot.models import Card, Chat, Reply
from handlers.router import COMMANDS
from handlers.subscriptions import GREETING
from tests.e2e.test_telegram_e2e import ADMIN, BACKLOG, FEED, Env, make_settings, running_env
from tests.fakes.feed_server import Fault, FeedServer
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_html import parse_telegram_html

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

RU, AZ, DE = 301, 302, 303  # private chats (chat id = user id)
FAILING = ("Feed '{feed}' has failed {n} time in a row; last error: {error}. See /feeds.",
           "Feed '{feed}' has failed {n} times in a row; last error: {error}. See /feeds.")
NOT_CHANNEL_ADMIN = ("the bot is not an administrator of {channel}; add it as an admin with "
                     "permission to post")


@pytest.fixture
async def env(tmp_path: Any, feeds: FeedServer) -> AsyncIterator[Env]:
    async with running_env(tmp_path, feeds) as env:
        yield env


def _translated(lang: str, msgid: str, **kw: Any) -> str:
    text = tr(lang, msgid, **kw)
    assert text != msgid.format(**kw), f"{msgid!r} has no {lang} translation"
    return text


async def test_start_answers_in_the_language_of_the_users_telegram_app(env: Env) -> None:
    """Users whose Telegram is in Russian, Azerbaijani and German read Russian, Azerbaijani
    and English; each new chat keeps that language."""
    answers = {
        chat_id: await env.say(chat_id, "/start", language_code=code)
        for chat_id, code in ((RU, "ru"), (AZ, "az"), (DE, "de"))
    }
    greeting = GREETING[0]
    assert _translated("ru", greeting) in answers[RU]["text"]
    assert _translated("az", greeting) in answers[AZ]["text"]
    assert greeting in answers[DE]["text"]
    assert {chat_id: (env.chat(chat_id) or Chat("", "")).language
            for chat_id in (RU, AZ, DE)} == {RU: "ru", AZ: "az", DE: "en"}


async def test_the_command_menu_is_set_in_each_language(env: Env) -> None:
    menus = env.tg.command_menus
    assert set(menus) == {"", "az", "ru"}  # English is the default menu
    names = [c["command"] for c in menus[""]]
    assert "start" in names and [c["command"] for c in menus["ru"]] == names
    assert all(not COMMANDS[n].admin_only for n in names)  # admins' commands stay hidden
    described = {lang: {c["command"]: c["description"] for c in menus[code]}
                 for lang, code in (("en", ""), ("az", "az"), ("ru", "ru"))}
    start = COMMANDS["start"].description
    assert described["en"]["start"] == start
    assert described["ru"]["start"] == _translated("ru", start)
    assert described["az"]["start"] == _translated("az", start)


async def test_a_card_links_the_storys_other_language_editions(env: Env) -> None:
    card = Card(title="Gömrük <gəlirləri> & proqnoz", url="https://customs.gov.az/az/news/7",
                date_text="22 iyun 2022", topic_labels=["Ticarət"], lead="Qısa məzmun.",
                editions=[("ru", "https://customs.gov.az/ru/news/9?a=1&b=2"),
                          ("en", "https://customs.gov.az/en/news/8"),
                          ("xx", "javascript:alert(1)")])
    env.tg.add_chat(AZ, "private")
    await env.adapter.transport.send(Chat("telegram", str(AZ), language="az"),
                                     Reply(cards=[card]))
    [message] = env.tg.sent_to(AZ)
    text, tags = parse_telegram_html(message["html"])
    assert text.startswith("Gömrük <gəlirləri> & proqnoz\n")  # escaped, shown as typed
    assert text.rstrip().endswith("https://customs.gov.az/az/news/7  ·  RU · EN")
    assert ("a", "https://customs.gov.az/ru/news/9?a=1&b=2") in tags
    assert ("a", "https://customs.gov.az/en/news/8") in tags
    assert not any("javascript" in href for _, href in tags)
    links = dict((label, html.unescape(href)) for href, label in
                 re.findall(r'<a href="([^"]+)">([^<]+)</a>', message["html"]))
    assert links["RU"] == "https://customs.gov.az/ru/news/9?a=1&b=2"


async def test_an_admin_hears_of_a_failing_feed_in_their_chats_language(
    tmp_path: Any, feeds: FeedServer
) -> None:
    async with FakeTelegram() as tg:
        feeds.publish(FEED, *BACKLOG)
        settings = make_settings(tmp_path, tg, feeds)
        settings.fetch.alert_after_failures = 2
        env = Env(app=None, tg=tg, feeds=feeds, settings=settings)  # type: ignore[arg-type]
        await env.start()
        try:
            await env.say(ADMIN, "/start", language_code="ru")
            feeds.set_fault(FEED, Fault(status=500))
            for _ in range(2):
                await env.app.poller.poll_all()
            failing = ntr("ru", *FAILING, 2, feed=FEED, error="ERROR").split("ERROR")[0]
            assert failing != ntr("en", *FAILING, 2, feed=FEED, error="ERROR").split("ERROR")[0]
            await env.arrives(ADMIN, failing)
            feeds.set_fault(FEED, None)
            await env.app.poller.poll_all()
            await env.arrives(ADMIN, _translated("ru", "Feed '{feed}' is working again.",
                                                 feed=FEED))
        finally:
            await env.stop()


async def test_the_channel_check_answers_in_the_language_of_the_chat_that_asked(
    env: Env
) -> None:
    """The adapter's own words inside a handler's answer: the check of a channel an admin
    binds, written in the admin's chat's language."""
    env.tg.add_chat(-1001, "channel", title="Gömrük", username="customs_alerts")
    answer = await env.say(ADMIN, "/channel add @customs_alerts demining", language_code="az")
    assert _translated("az", NOT_CHANNEL_ADMIN, channel="@customs_alerts") in answer["text"]
    check = env.app.deps.channel_check["telegram"]
    assert await check("@customs_alerts") == NOT_CHANNEL_ADMIN.format(channel="@customs_alerts")
