"""/start /topics /subscribe /unsubscribe /settings: what a chat follows."""

from __future__ import annotations

from bot.models import Button, Chat, Command, Reply, Span
from handlers.common import (
    WELCOME_BACK,
    advance_floor,
    announce,
    can_change,
    clean,
    find_topic,
    load_chat,
    reactivate,
    refusal,
    resolve_topics,
    snapshot,
    topic_names,
    topic_words,
    typed,
    unknown_topic,
)
from handlers.deps import Deps
from handlers.digest import mode_line

GREETING = (
    "Hello! I send the customs agency's press releases (English, Azerbaijani, Russian) "
    "to this chat as soon as they are published.",
    "You choose the topics; only releases on those topics arrive. /latest and /search look "
    "through everything already published.",
)


def topic_keyboard(deps: Deps, chat: Chat | None, per_row: int = 2) -> list[list[Button]]:
    following = chat.subscription.topics if chat else set()
    buttons = [Button(label=("✅ " if t.id in following else "") + t.name,
                      action=f"subscribe toggle {t.id}") for t in deps.classifier.topics]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def following_line(deps: Deps, chat: Chat) -> str:
    if chat.subscription.topics:
        return f"This chat follows: {topic_names(deps, chat.subscription.topics)}."
    return "This chat follows no topic."


# ---- /start ---------------------------------------------------------------------------------


async def start(cmd: Command, deps: Deps) -> Reply:
    stored = deps.store.get_chat(cmd.chat_key)
    chat = load_chat(cmd, deps)
    reply = Reply.text(*GREETING)
    notes: list[str] = []
    changed = stored is None
    if stored is not None and not stored.active:
        if can_change(cmd):
            changed = reactivate(chat, deps)
            what = topic_names(deps, chat.subscription.topics) or "no topics yet"
            notes.append(f"Welcome back! Alerts are on again with your old settings ({what}); "
                         "they resume with releases published from now on.")
        else:
            notes.append("Alerts to this chat are paused; an administrator can send "
                         f"{typed(cmd, 'start')} to resume them.")
    words = topic_words(cmd.args)
    if words:  # a deep link: t.me/<bot>?start=demining
        ids, unknown = resolve_topics(deps, words)
        if unknown:
            notes.append(unknown_topic(deps, unknown[0]))
        elif not can_change(cmd):
            notes.append(refusal(cmd).plain())
        else:
            before = snapshot(chat.subscription)
            added = [t for t in ids if t not in chat.subscription.topics]
            chat.subscription.topics.update(ids)
            if added:
                advance_floor(chat, before, deps)
                changed = True
                announce(cmd, reply)
            notes.append(f"You are subscribed to {topic_names(deps, ids)}. New releases on "
                         f"it arrive here; {typed(cmd, 'topics')} lists the others.")
    if changed:
        deps.store.save_chat(chat)
    for note in notes:
        reply.add(note)
    if not words:
        reply.add(f"To start, tap the topics you want below, or type "
                  f"{typed(cmd, 'subscribe demining')}. {typed(cmd, 'help')} lists every "
                  "command.")
        reply.buttons = topic_keyboard(deps, chat)
    return reply


# ---- /topics --------------------------------------------------------------------------------


async def topics(cmd: Command, deps: Deps) -> Reply:
    chat = deps.store.get_chat(cmd.chat_key)
    following = chat.subscription.topics if chat else set()
    reply = Reply().add(Span("Topics", "bold"), " (✅ = this chat follows it)")
    for topic in deps.classifier.topics:
        mark = "✅ " if topic.id in following else "▫️ "
        spans: list[Span | str] = [mark, Span(topic.name, "bold"), " · ", Span(topic.id, "code")]
        if topic.description:
            spans.append(" – " + topic.description)
        reply.add(*spans)
    example = deps.classifier.topics[0].id if deps.classifier.topics else "demining"
    reply.add(f"Follow one with {typed(cmd, 'subscribe ' + example)}, or send "
              f"{typed(cmd, 'subscribe')} for buttons.")
    return reply


# ---- /subscribe /unsubscribe ------------------------------------------------------------------


def _keyboard_reply(cmd: Command, deps: Deps, chat: Chat | None, note: str = "") -> Reply:
    reply = Reply()
    if note:
        reply.add(note)
    reply.add("Tap a topic to follow it, tap it again to stop (✅ = followed).")
    reply.buttons = topic_keyboard(deps, chat)
    return reply


async def _toggle(cmd: Command, deps: Deps, word: str) -> Reply:
    topic = find_topic(deps, word)
    chat = deps.store.get_chat(cmd.chat_key)
    if topic is None:
        return _keyboard_reply(cmd, deps, chat, unknown_topic(deps, word))
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    before = snapshot(chat.subscription)
    if topic.id in chat.subscription.topics:
        chat.subscription.topics.discard(topic.id)
        note = f"Stopped following {topic.name}."
    else:
        chat.subscription.topics.add(topic.id)
        advance_floor(chat, before, deps)
        note = f"Now following {topic.name}: new releases on it arrive here."
        if reactivate(chat, deps):
            note += " " + WELCOME_BACK
    deps.store.save_chat(chat)
    return announce(cmd, _keyboard_reply(cmd, deps, chat, note))


async def subscribe(cmd: Command, deps: Deps) -> Reply:
    args = cmd.args
    if args and args[0].casefold() == "toggle" and find_topic(deps, "toggle") is None:
        if len(args) < 2:
            return _keyboard_reply(cmd, deps, deps.store.get_chat(cmd.chat_key))
        return await _toggle(cmd, deps, args[1])
    words = topic_words(args)
    if not words:
        return _keyboard_reply(cmd, deps, deps.store.get_chat(cmd.chat_key))
    unknown: list[str] = []
    if [w.casefold() for w in words] == ["all"]:
        ids = [t.id for t in deps.classifier.topics]
    else:
        ids, unknown = resolve_topics(deps, words)
    if unknown:
        return Reply.text(unknown_topic(deps, unknown[0]) + ". Nothing was changed.")
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    before = snapshot(chat.subscription)
    added = [t for t in ids if t not in chat.subscription.topics]
    if not added:
        return Reply.text(f"This chat already follows {topic_names(deps, ids)}.",
                          following_line(deps, chat))
    chat.subscription.topics.update(added)
    advance_floor(chat, before, deps)
    back = reactivate(chat, deps)
    deps.store.save_chat(chat)
    reply = Reply.text(
        f"Subscribed to {topic_names(deps, added)}.", following_line(deps, chat),
        "New releases on these topics arrive here; earlier ones are in "
        f"{typed(cmd, 'latest')}.")
    if back:
        reply.add(WELCOME_BACK)
    return announce(cmd, reply)


async def unsubscribe(cmd: Command, deps: Deps) -> Reply:
    words = topic_words(cmd.args)
    chat = deps.store.get_chat(cmd.chat_key)
    if not words:
        note = f"Type {typed(cmd, 'unsubscribe <topic>')} or {typed(cmd, 'unsubscribe all')}."
        return _keyboard_reply(cmd, deps, chat, note)
    everything = [w.casefold() for w in words] == ["all"]
    ids, unknown = ([], []) if everything else resolve_topics(deps, words)
    if unknown:
        return Reply.text(unknown_topic(deps, unknown[0]) + ". Nothing was changed.")
    if chat is None or not (chat.subscription.topics or chat.subscription.keywords):
        return Reply.text("This chat follows nothing, so there is nothing to stop. "
                          f"{typed(cmd, 'topics')} lists the topics.")
    if not can_change(cmd):
        return refusal(cmd)
    if everything:
        chat.subscription.topics.clear()
        chat.subscription.keywords.clear()
        deps.store.save_chat(chat)
        return announce(cmd, Reply.text(
            "Unsubscribed from everything: no more alerts here (topics and keywords).",
            f"Subscribe again any time with {typed(cmd, 'subscribe')}."))
    gone = [t for t in ids if t in chat.subscription.topics]
    if not gone:
        return Reply.text(f"This chat does not follow {topic_names(deps, ids)}.",
                          following_line(deps, chat))
    chat.subscription.topics.difference_update(gone)
    deps.store.save_chat(chat)
    return announce(cmd, Reply.text(f"Unsubscribed from {topic_names(deps, gone)}.",
                                    following_line(deps, chat)))


# ---- /settings ------------------------------------------------------------------------------


async def settings(cmd: Command, deps: Deps) -> Reply:
    chat = deps.store.get_chat(cmd.chat_key)
    if chat is None:
        return Reply.text("This chat has no settings yet: it follows nothing.",
                          f"Start with {typed(cmd, 'subscribe')} or {typed(cmd, 'topics')}.")
    sub = chat.subscription
    reply = Reply().add(Span("Settings of this chat", "bold"))
    reply.add("Topics: ", topic_names(deps, sub.topics) or "none")
    reply.add("Keywords: ", ", ".join(sorted(sub.keywords)) or "none")
    reply.add(mode_line(deps, chat))
    if chat.active:
        reply.add("Status: active.")
    else:
        reason = f" ({clean(chat.deactivated_reason, 120)})" if chat.deactivated_reason else ""
        reply.add(f"Status: paused{reason}; send {typed(cmd, 'start')} to resume.")
    reply.add(f"Change them with {typed(cmd, 'subscribe')}, {typed(cmd, 'unsubscribe')}, "
              f"{typed(cmd, 'watch')} and {typed(cmd, 'digest')}.")
    return reply
