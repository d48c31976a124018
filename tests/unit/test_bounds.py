"""Bounded by construction (issue 15, item 4): titles and bodies capped when stored, a reply in a
bounded number of Telegram messages, one lock per chat."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime
from pathlib import Path

from bot.classify import Classifier
from bot.models import Button, Card, Item, Reply, Span
from bot.platforms.chat_locks import ChatLocks
from bot.platforms.telegram.fit import MAX_MESSAGES, fit_html
from bot.poller import ingest_items
from bot.store import Store
from bot.summary import BODY_MAX_CHARS, TITLE_MAX_CHARS
from tests.fakes.telegram_html import parse_telegram_html, utf16_len

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
WORDS = "Customs <R&D> report on “excise” & tariffs, chapter "


def words(chars: int) -> str:
    text = " ".join(f"{WORDS}{n}" for n in range(chars // len(WORDS) + 2))
    return text[:chars]


def card(n: int, title: int = 100_000, lead: int = 420, url: str = "") -> Card:
    return Card(title=words(title), url=url or f"https://customs.example/news/{n}",
                date_text="6 December 2026, 16:00", topic_labels=["Excise", "Trade"],
                lead=words(lead), number=n, editions=[("az", f"https://x.az/{n}")])


def texts(messages: list[str]) -> list[str]:
    out = []
    for message in messages:
        assert utf16_len(message) <= 4096
        out.append(parse_telegram_html(message)[0])  # each message parses on its own
    return out


# ---- stored ----------------------------------------------------------------------------------


def test_titles_and_bodies_are_capped_when_stored(tmp_path: Path) -> None:
    item = Item(id="big", feed_id="f", url="https://customs.example/news/big",
                title=words(100_000), body=words(300_000), published=NOW, language="en",
                content_hash="h")
    with Store(tmp_path) as store:
        ingest_items(store, Classifier(), None, [item], notify=False, now=NOW)
        stored = store.get_item("big")
    assert stored is not None
    assert len(stored.title) <= TITLE_MAX_CHARS and stored.title.endswith("…")
    assert words(100_000).startswith(stored.title[:-1].rstrip(" ,;:-–—"))
    assert len(stored.body) <= BODY_MAX_CHARS and stored.body.endswith("…")


# ---- Telegram: how many messages -------------------------------------------------------------


def test_one_release_is_one_message_whatever_its_size() -> None:
    huge = card(1, title=100_000, lead=50_000, url="https://customs.example/" + "a" * 5000)
    huge.number = None
    [message] = fit_html(Reply(cards=[huge]))
    [text] = texts([message])
    assert text.startswith("Customs <R&D> report")
    assert "6 December 2026, 16:00 · Excise, Trade" in text


def test_a_list_of_huge_releases_is_shortened_into_at_most_three_messages() -> None:
    reply = Reply().add(Span("Latest releases", "bold"))
    reply.cards = [card(n) for n in range(1, 21)]
    reply.buttons = [[Button("More", "latest --page 2 20")]]
    shown = texts(fit_html(reply))
    assert 1 <= len(shown) <= MAX_MESSAGES
    whole = "\n".join(shown)
    assert all(f"\n{n}. Customs <R&D>" in whole for n in range(1, 21))  # none left out
    assert "more not shown" not in whole


def test_what_cannot_fit_is_left_out_with_a_note_in_the_chats_language() -> None:
    reply = Reply()
    for n in range(400):  # a reply of paragraphs only, far over three messages
        reply.add(Span(f"Line {n}: "), Span(words(200), "italic"))
    reply.cards = [card(n) for n in range(1, 31)]
    shown = texts(fit_html(reply, lang="ru"))
    assert len(shown) == MAX_MESSAGES
    assert "Line 0: " in shown[0]
    assert shown[-1].endswith("…остальное не показано")


def test_a_short_reply_is_rendered_unchanged() -> None:
    reply = Reply(cards=[card(1, title=80, lead=200)])
    [text] = texts(fit_html(reply))
    assert words(80) in text and words(200) in text


# ---- locks -----------------------------------------------------------------------------------


async def test_chats_have_their_own_locks_kept_only_while_in_use() -> None:
    locks = ChatLocks()
    order: list[str] = []

    async def command(chat: object, name: str, hold: asyncio.Event | None = None) -> None:
        async with locks(chat):
            order.append(f"{name} starts")
            if hold is not None:
                await hold.wait()
            order.append(f"{name} ends")

    hold = asyncio.Event()
    slow = asyncio.create_task(command(1, "slow", hold))
    await asyncio.sleep(0)
    # another chat (one that shared a stripe with 1 when there were 64) is not held up ...
    await asyncio.wait_for(command(65, "other"), 1)
    await asyncio.wait_for(command("slack:C1", "slack"), 1)
    # ... but the same chat's next command waits its turn
    same = asyncio.create_task(command(1, "same"))
    await asyncio.sleep(0)
    assert order == ["slow starts", "other starts", "other ends", "slack starts", "slack ends"]
    hold.set()
    await asyncio.gather(slow, same)
    assert order[-3:] == ["slow ends", "same starts", "same ends"]
    del slow, same
    gc.collect()
    assert len(locks) == 0  # nothing kept for chats that are done


# ---- HTML sources: how many articles a poll fetches ------------------------------------------


def test_a_large_backlog_is_fetched_faster_within_bounds() -> None:
    from bot.sources.links import CATCH_UP_FACTOR, batch_size

    assert batch_size(3, 10, 300, 1.0) == 10  # the usual poll
    assert batch_size(20, 10, 300, 1.0) == 10  # two polls' worth: no hurry
    assert batch_size(990, 10, 300, 1.0) == 10 * CATCH_UP_FACTOR  # a new source's backlog
    assert batch_size(35, 10, 300, 1.0) == 35  # the whole of a small backlog at once
    # the pauses between fetches take at most half the interval (60 s: 30 pauses of 1 s) ...
    assert batch_size(990, 10, 60, 1.0) == 30
    # ... but never fewer than max_new_per_poll; 0 still means "fetch nothing"
    assert batch_size(990, 10, 5, 1.0) == 10
    assert batch_size(990, 0, 300, 1.0) == 0
    polls, pending = 0, 990
    while pending:
        pending -= min(pending, batch_size(pending, 10, 300, 1.0))
        polls += 1
    assert polls <= 12  # 99 polls (8 hours at 300 s) at ten a poll
