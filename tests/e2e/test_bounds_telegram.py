"""Huge titles and slow chats over Telegram (issue 15, item 4): the real python-telegram-bot
client against the fake Bot API, which refuses a message over 4096 characters as Telegram does.

One release reaches a subscriber as one message whatever its title; `/latest 20` of releases
with 100,000-character titles (stored before titles were capped) is at most three messages; a
chat whose answer is slow holds up no other chat.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.models import Item
from bot.store import Store
from bot.summary import TITLE_MAX_CHARS
from tests.conftest import settled
from tests.e2e.test_telegram_e2e import FEED, WAIT, Env, running_env
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_html import utf16_len

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

A = 101
SAME_STRIPE = A + 64  # shared A's lock when chats were striped over 64 locks by id
DEMINING = ("Mine clearance teams of the customs service cleared 300 landmines in the "
            "liberated territories. The demining work continues.")


def huge_title(chars: int) -> str:
    """A title of `chars` characters full of what HTML escaping makes longer."""
    words = "Customs R&D on demining & mine clearance, part"
    out, n = [], 0
    while sum(len(w) + 1 for w in out) < chars:
        n += 1
        out.append(f"{words} {n}")
    return " ".join(out)[:chars]


def store_huge_titles(store: Store) -> None:
    """24 demining releases of the last day with 100,000-character titles, stored as they were
    before titles were capped."""
    now = datetime.now(UTC)
    old = [Item(id=f"old-{n}", feed_id=FEED, url=f"https://customs.example/news/old-{n}",
                title=huge_title(100_000), body=DEMINING + " " + huge_title(50_000),
                published=now - timedelta(hours=n), language="en", content_hash=f"h{n}")
           for n in range(1, 25)]
    store.ingest(old, notify=False, now=now)


@pytest.fixture
async def env(tmp_path: Any, feeds: FeedServer) -> AsyncIterator[Env]:
    async with running_env(tmp_path, feeds) as env:
        yield env


async def test_a_release_with_a_20000_character_title_is_one_message(env: Env) -> None:
    await env.say(A, "/subscribe demining")
    before = len(env.tg.sent_to(A))
    title = huge_title(20_000)
    await env.publish(title, DEMINING, "huge-1")
    message = await env.arrives(A, "Customs R&D on demining")
    await settled(env.app, 0)  # delivery sent all it would: nothing else is coming
    assert env.tg.sent_to(A)[before:] == [message]
    assert utf16_len(message["text"]) <= 4096
    assert "&amp; mine clearance" in message["html"]  # escaped, and cut after escaping
    assert "landmines" in message["text"]  # the lead survives beside the title
    # stored capped, on a word boundary, with an ellipsis
    [stored] = [i for i in env.app.store.latest(5) if i.title.startswith("Customs R&D")]
    assert len(stored.title) <= TITLE_MAX_CHARS and stored.title.endswith("…")
    assert title.startswith(stored.title[:-1]) and title[len(stored.title) - 1] == " "
    assert message["text"].startswith(stored.title)


async def test_latest_20_with_100000_character_titles_is_at_most_three_messages(
    env: Env
) -> None:
    store_huge_titles(env.app.store)
    before = len(env.tg.sent_to(A))
    await env.say(A, "/latest 20")
    await env.updates_handled()
    messages = env.tg.sent_to(A)[before:]
    assert 1 <= len(messages) <= 3
    text = "\n".join(m["text"] for m in messages)
    # every one of the 20 is listed (shortened rather than left out), the newest huge ones first
    assert all(f"\n{n}. " in "\n" + text for n in range(1, 21))
    assert text.count(". Customs R&D on demining") == 18
    assert all(utf16_len(m["text"]) <= 4096 for m in messages)
    keyboard = messages[-1].get("reply_markup") or {}
    assert any(b.get("callback_data", "").startswith("latest --page 2")
               for row in keyboard.get("inline_keyboard", []) for b in row)


async def test_a_slow_chat_does_not_delay_another_chats_answer(env: Env) -> None:
    env.tg.inject("delay", chat_id=A, delay=2.5)  # A's next answer hangs at Telegram
    env.tg.push_message(A, A, "/help")
    await env.tg.wait_for(lambda calls: [c for c in calls if c.method == "sendMessage"
                                         and c.chat_id == str(A)], WAIT,
                          what="A's answer on its way (and hanging)")
    env.tg.push_message(SAME_STRIPE, SAME_STRIPE, "/help")
    await env.tg.wait_for(lambda _: env.tg.sent_to(SAME_STRIPE), WAIT,
                          what="the other chat's answer")
    assert env.tg.sent_to(A) == []  # the other chat was answered while A's answer hung
    await env.tg.wait_for(lambda _: env.tg.sent_to(A), WAIT, what="A's answer, in the end")
