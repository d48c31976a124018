"""The buttons on every alert ("Mute <topic>", "Unsubscribe", then "Undo"), the "Show the last
3 on <topic>" button after /subscribe, and the notice for a deleted forum topic.

Button actions are command lines without the slash, like every button's, but they are only
reached from a tapped button (`router.BUTTON_ACTIONS`), never typed:
    alert mute <topic id> <seq>     stop following that topic; the alert shows "Undo"
    alert stop <seq>                stop every alert here (topics and keywords); "Undo"
    alert undo <token> <seq>        put back exactly what the chat followed before (only the
                                    chat's latest such change, while nothing else changed)
    alert last <topic id>           the last 3 releases on the topic, as a new message
<seq> is the store's number of the edition the alert showed, so the alert can be redrawn as
it was. Everything in an action is checked: a known topic, a number, the chat's own undo token
(a random one per change, stored with the chat), and the caller's right to change the chat.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace

from bot.i18n import tr
from bot.models import Button, Chat, Command, Item, Reply, Span, Story, Subscription
from bot.summary import notification
from handlers.common import (
    advance_floor,
    can_change,
    refusal,
    snapshot,
    topic_name,
    topic_names,
    typed,
)
from handlers.deps import Deps
from handlers.news import latest

MAX_ACTION_BYTES = 64  # Telegram's limit for callback data
MAX_MUTE_BUTTONS = 2  # at most this many "Mute <topic>" buttons on one alert
LAST_COUNT = 3
TopicLabel = Callable[[str, str], str]


def _fits(action: str) -> bool:
    return len(action.encode()) <= MAX_ACTION_BYTES


def alert_buttons(chat: Chat, story: Story, edition: Item,
                  topic_label: TopicLabel) -> list[list[Button]]:
    """The buttons under an alert: "Mute <topic>" for the followed topics of the story (at
    most two), then "Unsubscribe"."""
    lang = chat.language
    followed = [t for t in story.topics if t in chat.subscription.topics][:MAX_MUTE_BUTTONS]
    row = [Button(tr(lang, "Mute {topic}", topic=topic_label(t, lang)),
                  action=f"alert mute {t} {edition.seq}") for t in followed]
    row = [b for b in row if _fits(b.action)]
    row.append(Button(tr(lang, "Unsubscribe"), action=f"alert stop {edition.seq}"))
    return [row]


def last_buttons(deps: Deps, topic_ids: list[str], lang: str) -> list[list[Button]]:
    """After /subscribe: "Show the last 3 on <topic>", one row per topic (at most three)."""
    rows = [[Button(tr(lang, "Show the last 3 on {topic}", topic=topic_name(deps, t, lang)),
                    action=f"alert last {t}")] for t in topic_ids[:3]]
    return [row for row in rows if _fits(row[0].action)]


def thread_gone_notice(chat: Chat, topic_label: TopicLabel) -> Reply:
    """For a group's General topic: one of its forum topics was deleted, so the alerts that went
    there stopped (and nothing else)."""
    lang = chat.language
    topics = ", ".join(topic_label(t, lang) for t in sorted(chat.subscription.topics))
    reply = Reply.text(tr(lang, "A forum topic of this group that received alerts was deleted, "
                          "so its alerts ({topics}) stopped; alerts in the other forum topics "
                          "go on.",
                          topics=topics or "-"),
                       tr(lang, "To get them again, send {command} in another forum topic.",
                          command="/subscribe"))
    reply.ephemeral = False
    return reply


# ---- what the buttons do ----------------------------------------------------------------------


def _toast(text: str) -> Reply:
    """An answer for the tapper alone; the alert stays as it is."""
    return Reply.text(text, toast=True)


def _seq(word: str) -> int | None:
    return int(word) if word.isdigit() and len(word) < 12 else None


def _redrawn(cmd: Command, deps: Deps, seq: int, chat: Chat) -> Reply | None:
    """The alert of edition `seq` as the chat was sent it (buttons for its current state)."""
    found = deps.store.items_after(seq - 1, limit=1)
    if not found or found[0].seq != seq:
        return None
    edition = found[0]
    story = deps.store.story(edition.story_id)
    if not story.editions:
        story = Story(edition.story_id, {edition.language: edition})

    def label(topic_id: str, lang: str) -> str:
        return topic_name(deps, topic_id, lang)

    reply = notification(edition, deps.settings.tz, label, lang=cmd.language,
                         others=story.others(edition))
    reply.buttons = alert_buttons(chat, story, edition, label)
    reply.replace = True
    return reply


def _state(sub: Subscription) -> str:
    """The topics and keywords followed, as one string to compare."""
    return "\n".join(["topics", *sorted(sub.topics), "keywords", *sorted(sub.keywords)])


def _remember(chat: Chat, before: Subscription) -> None:
    """Note what the chat followed before a button's change (call after the change)."""
    chat.undo_token = secrets.token_hex(4)
    chat.undo_topics = sorted(before.topics)
    chat.undo_keywords = sorted(before.keywords)
    chat.undo_state = _state(chat.subscription)


def _confirmed(cmd: Command, deps: Deps, chat: Chat, seq: int, note: str) -> Reply:
    """The alert, with what its button did above it and "Undo" below it."""
    reply = _redrawn(cmd, deps, seq, chat) or Reply(replace=True)
    reply.paragraphs.insert(0, [Span(note)])
    reply.buttons = [[Button(tr(cmd.language, "Undo"),
                             action=f"alert undo {chat.undo_token} {seq}")]]
    reply.link_preview = False
    return reply


def _change(cmd: Command, deps: Deps) -> Chat | Reply:
    """The chat to change, or the answer that refuses it."""
    lang = cmd.language
    chat = deps.store.get_chat(cmd.chat_key)
    if chat is None:
        return _toast(tr(lang, "This chat follows nothing, so there is nothing to stop. "
                         "{command} lists the topics.", command=typed(cmd, "topics")))
    if not can_change(cmd):
        return _toast(refusal(cmd).plain())
    return chat


async def _mute(cmd: Command, deps: Deps, topic_id: str, seq: int) -> Reply:
    lang = cmd.language
    chat = _change(cmd, deps)
    if isinstance(chat, Reply):
        return chat
    name = topic_name(deps, topic_id, lang)
    if topic_id not in chat.subscription.topics:
        return _toast(tr(lang, "This chat does not follow {topics}.", topics=name))
    before = snapshot(chat.subscription)
    chat.subscription.topics.discard(topic_id)
    advance_floor(chat, before, deps)
    _remember(chat, before)
    deps.store.save_chat(chat)
    return _confirmed(cmd, deps, chat, seq, tr(
        lang, "Muted {topic}: its releases no longer come here. Send {command} to follow it again.",
        topic=name, command=typed(cmd, f"subscribe {topic_id}")))


async def _stop(cmd: Command, deps: Deps, seq: int) -> Reply:
    lang = cmd.language
    chat = _change(cmd, deps)
    if isinstance(chat, Reply):
        return chat
    sub = chat.subscription
    if not sub.topics and not sub.keywords:
        return _toast(tr(lang, "This chat follows nothing, so there is nothing to stop. "
                         "{command} lists the topics.", command=typed(cmd, "topics")))
    before = snapshot(sub)
    sub.topics.clear()
    sub.keywords.clear()
    advance_floor(chat, before, deps)
    _remember(chat, before)
    deps.store.save_chat(chat)
    return _confirmed(cmd, deps, chat, seq, tr(
        lang, "Unsubscribed from everything: no more alerts here (topics and keywords)."))


async def _undo(cmd: Command, deps: Deps, token: str, seq: int) -> Reply:
    lang = cmd.language
    chat = _change(cmd, deps)
    if isinstance(chat, Reply):
        return chat
    # only the chat's latest button change, and only while nothing else changed since
    if not chat.undo_token or not secrets.compare_digest(token, chat.undo_token) \
            or chat.undo_state != _state(chat.subscription):
        return _toast(tr(lang, "This change can no longer be undone; {command} shows what this "
                         "chat follows.", command=typed(cmd, "settings")))
    before = snapshot(chat.subscription)
    chat.subscription.topics = set(chat.undo_topics)
    chat.subscription.keywords = set(chat.undo_keywords)
    # what comes back counts from now: nothing published while it was off arrives late
    advance_floor(chat, before, deps)
    chat.undo_token, chat.undo_topics, chat.undo_keywords, chat.undo_state = "", [], [], ""
    deps.store.save_chat(chat)
    reply = _redrawn(cmd, deps, seq, chat)
    if reply is None:
        return Reply.text(tr(lang, "Undone. This chat follows: {topics}.",
                             topics=topic_names(deps, chat.subscription.topics, lang)),
                          replace=True)
    return reply


async def _last(cmd: Command, deps: Deps, topic_id: str) -> Reply:
    reply = await latest(replace(cmd, name="latest", args=[str(LAST_COUNT), topic_id],
                                 raw_args=f"{LAST_COUNT} {topic_id}"), deps)
    reply.new_message = True
    return reply


async def alert(cmd: Command, deps: Deps) -> Reply:
    """A tapped alert button (see the module's docstring); anything malformed is refused."""
    args = cmd.args
    verb = args[0] if args else ""
    known = deps.classifier.topic(args[1]) if len(args) > 1 and verb in ("mute", "last") \
        else None
    if verb == "mute" and len(args) == 3 and known and (seq := _seq(args[2])):
        return await _mute(cmd, deps, known.id, seq)
    if verb == "stop" and len(args) == 2 and (seq := _seq(args[1])):
        return await _stop(cmd, deps, seq)
    if verb == "undo" and len(args) == 3 and (seq := _seq(args[2])):
        return await _undo(cmd, deps, args[1], seq)
    if verb == "last" and len(args) == 2 and known:
        return await _last(cmd, deps, known.id)
    return _toast(tr(cmd.language, "This button no longer works; {command} shows what this "
                     "chat follows.", command=typed(cmd, "settings")))
