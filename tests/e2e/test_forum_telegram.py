"""End to end over Telegram: forum topics (threads), the buttons on every alert, and "Show the
last 3" after /subscribe. The real python-telegram-bot client, run by the App, talks to the fake
Bot API (tests/fakes/telegram_api.py); releases come from the local feed server.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import settled, until
from tests.e2e.test_telegram_e2e import (
    DEMINING_BODY,
    TRADE_BODY,
    WAIT,
    Env,
    button_for,
    buttons,
    running_env,
)
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

FORUM, OWNER, MEMBER = -1001500, 301, 302
MINES, TRADE = 42, 77  # two topics (message_thread_id) of the forum
A = 101


def _forum(tg: FakeTelegram) -> None:
    tg.add_forum(FORUM, threads=(MINES, TRADE), title="Brokers")
    tg.set_member(FORUM, OWNER, "creator")


@pytest.fixture
async def env(tmp_path: Any, feeds: FeedServer) -> AsyncIterator[Env]:
    async with running_env(tmp_path, feeds, _forum) as env:
        yield env


async def say_in(env: Env, thread: int | None, text: str, user: int = OWNER,
                 chat: int = FORUM) -> dict[str, Any]:
    """Write `text` in a topic of the forum (None: General); the bot's first answer."""
    before = len(env.tg.sent_to(chat))
    env.tg.push_message(chat, user, text, "supergroup", thread_id=thread)
    new = await env.tg.wait_for(lambda _: env.tg.sent_to(chat)[before:], WAIT,
                                what=f"an answer to {text!r}")
    return new[0]


def in_thread(env: Env, thread: int | None, needle: str, chat: int = FORUM) -> list[dict]:
    return [m for m in env.tg.sent_to(chat)
            if m.get("message_thread_id") == thread and needle in m["text"]]


async def tap(env: Env, chat: int, message: dict[str, Any], word: str,
              user: int | None = None) -> None:
    """Tap a button under `message`; wait until the tap was answered."""
    answers = env.tg.count("answerCallbackQuery")
    env.tg.push_callback(chat, chat if user is None else user,
                         button_for(message, word)["callback_data"], message["message_id"])
    await env.tg.wait_for(lambda _: env.tg.count("answerCallbackQuery") > answers, WAIT)


# ---- forum topics ----------------------------------------------------------------------------

async def test_a_command_in_a_topic_is_answered_there_and_its_alerts_go_there(env: Env) -> None:
    answer = await say_in(env, MINES, "/subscribe demining")
    assert answer.get("message_thread_id") == MINES and "demining" in answer["text"].lower()
    general = await say_in(env, None, "/subscribe trade")
    assert "message_thread_id" not in general  # the General topic is no thread
    topic_chat = env.app.store.get_chat(f"telegram:{FORUM}:{MINES}")
    group_chat = env.app.store.get_chat(f"telegram:{FORUM}")
    assert topic_chat is not None and topic_chat.subscription.topics == {"demining"}
    assert group_chat is not None and group_chat.subscription.topics == {"trade"}

    await env.publish("Demining teams cleared 300 landmines", DEMINING_BODY, "f1")
    await env.publish("Foreign trade turnover grew", TRADE_BODY, "f2")
    await settled(env.app, polls=0)
    assert len(in_thread(env, MINES, "300 landmines")) == 1
    assert len(in_thread(env, None, "trade turnover grew")) == 1
    assert not in_thread(env, None, "300 landmines") and not in_thread(env, MINES, "trade")

    # a command in another topic reads that topic's settings, not the General one's
    settings = await say_in(env, TRADE, "/settings")
    assert settings.get("message_thread_id") == TRADE and "no settings yet" in settings["text"]


@pytest.mark.slow  # ~6 s: three sends to one group, 3 s apart (Telegram's 20 a minute)
async def test_a_deleted_topic_stops_only_its_alerts_and_the_group_is_told_once(
        env: Env) -> None:
    await say_in(env, MINES, "/subscribe demining")
    await say_in(env, TRADE, "/subscribe demining")
    env.tg.delete_thread(FORUM, MINES)
    await env.publish("Demining teams cleared 300 landmines", DEMINING_BODY, "d1")
    await settled(env.app, polls=0)
    assert len(in_thread(env, TRADE, "300 landmines")) == 1  # the other topic still gets it
    gone = env.app.store.get_chat(f"telegram:{FORUM}:{MINES}")
    assert gone is not None and not gone.active
    assert "thread not found" in (gone.deactivated_reason or "")
    notices = in_thread(env, None, "was deleted")
    assert len(notices) == 1 and "Demining" in notices[0]["text"]

    await env.publish("Demining teams cleared 50 more landmines", DEMINING_BODY, "d2")
    await settled(env.app, polls=0)
    assert len(in_thread(env, TRADE, "50 more landmines")) == 1
    assert len(in_thread(env, None, "was deleted")) == 1  # told once


async def test_a_migrated_group_keeps_its_topics_subscriptions(env: Env) -> None:
    await say_in(env, MINES, "/subscribe demining")
    await say_in(env, None, "/subscribe demining")
    new_id = -1001600
    env.tg.migrate(FORUM, new_id)
    await env.publish("Demining teams cleared 300 landmines", DEMINING_BODY, "m1")
    await settled(env.app, polls=0)
    assert len(in_thread(env, MINES, "300 landmines", chat=new_id)) == 1
    assert len(in_thread(env, None, "300 landmines", chat=new_id)) == 1
    assert env.app.store.get_chat(f"telegram:{FORUM}:{MINES}") is None
    moved = env.app.store.get_chat(f"telegram:{new_id}:{MINES}")
    assert moved is not None and moved.subscription.topics == {"demining"}


async def test_the_migration_message_moves_the_topics_before_any_delivery(env: Env) -> None:
    await say_in(env, MINES, "/subscribe demining")
    await say_in(env, None, "/subscribe trade")
    new_id = -1001700
    env.tg.push_migration(FORUM, new_id, OWNER)
    await until(lambda: env.app.store.get_chat(f"telegram:{new_id}:{MINES}"), WAIT,
                what="the topic's record under the new id")
    answer = await say_in(env, MINES, "/settings", chat=new_id)
    assert answer.get("message_thread_id") == MINES and "Demining" in answer["text"]
    general = env.app.store.get_chat(f"telegram:{new_id}")
    assert general is not None and general.subscription.topics == {"trade"}
    assert env.app.store.get_chat(f"telegram:{FORUM}") is None


# ---- the buttons on every alert -----------------------------------------------------------------

async def test_mute_on_an_alert_stops_the_topic_and_undo_restores_it(env: Env) -> None:
    await env.say(A, "/subscribe demining")
    await env.say(A, "/watch customs")
    before = env.chat(A)
    assert before is not None
    await env.publish("Demining teams cleared 300 landmines", DEMINING_BODY, "a1")
    alert = await env.arrives(A, "300 landmines")
    html_before, markup_before = alert["html"], json.dumps(alert["reply_markup"])
    labels = [b["text"] for b in buttons(alert)]
    assert "Mute Demining" in labels and "Unsubscribe" in labels
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons(alert))

    await tap(env, A, alert, "Mute")
    muted = env.tg.messages[(A, alert["message_id"])]
    assert "Muted Demining" in muted["text"] and "300 landmines" in muted["text"]
    assert [b["text"] for b in buttons(muted)] == ["Undo"]
    undo = button_for(muted, "Undo")["callback_data"]
    chat = env.chat(A)
    assert chat is not None and "demining" not in chat.subscription.topics
    assert chat.subscription.keywords == before.subscription.keywords  # only the topic went

    await env.publish("Demining teams cleared 50 more landmines", "Sappers worked.", "a2")
    await settled(env.app, polls=0)
    assert not env.received(A, "50 more landmines")  # muted

    await tap(env, A, muted, "Undo")
    restored = env.tg.messages[(A, alert["message_id"])]
    assert restored["html"] == html_before  # the alert as it was, buttons and all
    assert json.dumps(restored["reply_markup"]) == markup_before
    chat = env.chat(A)
    assert chat is not None and chat.subscription.topics == before.subscription.topics
    assert chat.subscription.keywords == before.subscription.keywords
    await env.publish("Demining teams cleared 70 landmines", "Sappers worked.", "a3")
    await env.arrives(A, "70 landmines")

    # a second Undo of the same change is refused, privately
    answers = env.tg.count("answerCallbackQuery")
    env.tg.push_callback(A, A, undo, alert["message_id"])
    await env.tg.wait_for(lambda _: env.tg.count("answerCallbackQuery") > answers, WAIT)
    toast = env.tg.calls_of("answerCallbackQuery")[-1]
    assert "no longer be undone" in toast.params.get("text", "")


async def test_the_buttons_of_an_alert_sent_as_a_photo_edit_its_caption(env: Env) -> None:
    await env.say(A, "/subscribe demining")
    image = env.feeds.add_file("pictures/mines.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    env.feeds.publish("customs", Entry(title="Demining teams cleared 300 landmines",
                                       body=DEMINING_BODY, guid="p1", image=image,
                                       link="https://customs.example/news/p1",
                                       published=datetime.now(UTC) - timedelta(minutes=1)))
    await env.app.poller.poll_all()
    alert = (await env.tg.wait_for(lambda _: [m for m in env.tg.sent_to(A) if "photo" in m],
                                   WAIT))[0]
    caption_before = alert["html"]
    await tap(env, A, alert, "Mute")
    muted = env.tg.messages[(A, alert["message_id"])]
    assert "Muted Demining" in muted["caption"] and "photo" in muted
    assert [b["text"] for b in buttons(muted)] == ["Undo"]
    await tap(env, A, muted, "Undo")
    assert env.tg.messages[(A, alert["message_id"])]["html"] == caption_before
    chat = env.chat(A)
    assert chat is not None and chat.subscription.topics == {"demining"}


async def test_unsubscribe_on_an_alert_and_undo_bring_everything_back(env: Env) -> None:
    await env.say(A, "/subscribe demining trade")
    await env.say(A, "/watch landmines")
    await env.publish("Demining teams cleared 300 landmines", DEMINING_BODY, "u1")
    alert = await env.arrives(A, "300 landmines")
    await tap(env, A, alert, "Unsubscribe")
    chat = env.chat(A)
    assert chat is not None and not chat.subscription.topics and not chat.subscription.keywords
    assert "Unsubscribed from everything" in env.tg.messages[(A, alert["message_id"])]["text"]
    await tap(env, A, env.tg.messages[(A, alert["message_id"])], "Undo")
    chat = env.chat(A)
    assert chat is not None and chat.subscription.topics == {"demining", "trade"}
    assert chat.subscription.keywords == {"landmines"}


async def test_in_a_group_only_admins_may_use_the_alert_buttons(env: Env) -> None:
    await say_in(env, MINES, "/subscribe demining")
    await env.publish("Demining teams cleared 300 landmines", DEMINING_BODY, "g1")
    alert = (await env.tg.wait_for(lambda _: in_thread(env, MINES, "300 landmines"), WAIT))[0]
    edits = env.tg.count("editMessageText")
    await tap(env, FORUM, alert, "Mute", user=MEMBER)
    toast = env.tg.calls_of("answerCallbackQuery")[-1]
    assert "administrators" in toast.params.get("text", "")
    assert toast.params.get("show_alert") in ("true", "True", True)
    assert env.tg.count("editMessageText") == edits  # the alert stays as it was
    chat = env.app.store.get_chat(f"telegram:{FORUM}:{MINES}")
    assert chat is not None and chat.subscription.topics == {"demining"}

    await tap(env, FORUM, alert, "Mute", user=OWNER)
    await until(lambda: "Muted" in env.tg.messages[(FORUM, alert["message_id"])]["text"])
    muted = env.tg.messages[(FORUM, alert["message_id"])]
    assert muted.get("message_thread_id") == MINES
    chat = env.app.store.get_chat(f"telegram:{FORUM}:{MINES}")
    assert chat is not None and not chat.subscription.topics


async def test_a_forged_alert_button_changes_nothing(env: Env) -> None:
    await env.say(A, "/subscribe demining")
    reply = await env.say(A, "/topics")
    for data in ("alert undo 00000000 1", "alert mute nosuchtopic 1", "alert stop x",
                 "alert mute demining 99999999999999"):
        answers = env.tg.count("answerCallbackQuery")
        env.tg.push_callback(A, A, data, reply["message_id"])
        await env.tg.wait_for(lambda _, n=answers: env.tg.count("answerCallbackQuery") > n,
                              WAIT)
    chat = env.chat(A)
    assert chat is not None and chat.subscription.topics == {"demining"}
    typed = await env.say(A, "/alert stop 1")  # not a command one can type
    assert "don't know the command" in typed["text"]


# ---- after /subscribe --------------------------------------------------------------------------

async def test_show_the_last_3_after_subscribing(env: Env) -> None:
    for n in range(1, 5):
        await env.publish(f"Demining report {n}: teams cleared {n}00 landmines", DEMINING_BODY,
                          f"s{n}")
    answer = await env.say(A, "/subscribe demining")
    assert button_for(answer, "Show the last 3")["text"] == "Show the last 3 on Demining"
    sends = len(env.tg.sent_to(A))
    await tap(env, A, answer, "Show the last 3")
    shown = (await env.tg.wait_for(lambda _: env.tg.sent_to(A)[sends:], WAIT))[0]
    assert env.tg.messages[(A, answer["message_id"])]["text"] == answer["text"]  # kept
    for n in (4, 3, 2):
        assert shown["text"].count(f"Demining report {n}:") == 1
    assert "Demining report 1:" not in shown["text"]
