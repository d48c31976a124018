"""/start /topics /subscribe /unsubscribe: what a chat follows."""

from __future__ import annotations

from bot.i18n import N_, topic_description, tr
from bot.models import Button, Chat, Command, Reply, Span
from handlers.alert_actions import last_buttons
from handlers.common import (
    UNSUBSCRIBE_HINT,
    WELCOME_BACK,
    advance_floor,
    announce,
    can_change,
    find_topic,
    hint,
    load_chat,
    reactivate,
    refusal,
    resolve_topics,
    snapshot,
    topic_name,
    topic_names,
    topic_words,
    typed,
    unknown_topic,
    unknown_topic_reply,
)
from handlers.deps import Deps

GREETING = (
    N_("Hello! I send the customs agency's press releases (English, Azerbaijani, Russian) "
       "to this chat as soon as they are published."),
    N_("You choose the topics; only releases on those topics arrive. /latest and /search look "
       "through everything already published."),
)


def topic_keyboard(deps: Deps, chat: Chat | None, lang: str,
                   per_row: int = 2) -> list[list[Button]]:
    following = chat.subscription.topics if chat else set()
    buttons = [Button(label=("✅ " if t.id in following else "") + topic_name(deps, t.id, lang),
                      action=f"subscribe toggle {t.id}") for t in deps.classifier.topics]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def following_line(deps: Deps, chat: Chat, lang: str) -> str:
    if chat.subscription.topics:
        return tr(lang, "This chat follows: {topics}.",
                  topics=topic_names(deps, chat.subscription.topics, lang))
    return tr(lang, "This chat follows no topic.")


# ---- /start ---------------------------------------------------------------------------------


async def start(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    stored = deps.store.get_chat(cmd.chat_key)
    chat = load_chat(cmd, deps)
    reply = Reply.text(*(tr(lang, line) for line in GREETING))
    notes: list[str] = []
    changed = stored is None
    if stored is not None and not stored.active:
        if can_change(cmd):
            changed = reactivate(chat, deps)
            what = (topic_names(deps, chat.subscription.topics, lang)
                    or tr(lang, "no topics yet"))
            notes.append(tr(lang, "Welcome back! Alerts are on again with your old settings "
                            "({topics}); they resume with releases published from now on.",
                            topics=what))
        else:
            notes.append(tr(lang, "Alerts to this chat are paused; an administrator can send "
                            "{command} to resume them.", command=typed(cmd, "start")))
    words = topic_words(cmd.args)
    if words:  # a deep link: t.me/<bot>?start=demining
        ids, unknown = resolve_topics(deps, words)
        if unknown:
            notes.append(unknown_topic(deps, unknown[0], lang))
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
            notes.append(tr(lang, "You are subscribed to {topics}. New releases on it arrive "
                            "here; {command} lists the others.",
                            topics=topic_names(deps, ids, lang), command=typed(cmd, "topics")))
    if changed:
        deps.store.save_chat(chat)
    for note in notes:
        reply.add(note)
    if not words:
        reply.add(tr(lang, "To start, tap the topics you want below, or type {example}. "
                     "{help_cmd} lists every command.",
                     example=typed(cmd, "subscribe demining"), help_cmd=typed(cmd, "help")))
        reply.buttons = topic_keyboard(deps, chat, lang)
    return reply


# ---- /topics --------------------------------------------------------------------------------


async def topics(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    chat = deps.store.get_chat(cmd.chat_key)
    following = chat.subscription.topics if chat else set()
    reply = Reply().add(Span(tr(lang, "Topics"), "bold"),
                        " " + tr(lang, "(✅ = this chat follows it)"))
    for topic in deps.classifier.topics:
        mark = "✅ " if topic.id in following else "▫️ "
        spans: list[Span | str] = [mark, Span(topic_name(deps, topic.id, lang), "bold"), " · ",
                                   Span(topic.id, "code")]
        if description := topic_description(topic, lang):
            spans.append(" – " + description)
        reply.add(*spans)
    example = deps.classifier.topics[0].id if deps.classifier.topics else "demining"
    reply.add(tr(lang, "Follow one with {example}, or send {command} for buttons.",
                 example=typed(cmd, "subscribe " + example), command=typed(cmd, "subscribe")))
    return reply


# ---- /subscribe /unsubscribe ------------------------------------------------------------------


def _keyboard_reply(cmd: Command, deps: Deps, chat: Chat | None, note: str = "") -> Reply:
    reply = Reply()
    if note:
        reply.add(note)
    reply.add(tr(cmd.language, "Tap a topic to follow it, tap it again to stop (✅ = followed)."))
    reply.buttons = topic_keyboard(deps, chat, cmd.language)
    return reply


async def _toggle(cmd: Command, deps: Deps, word: str) -> Reply:
    lang = cmd.language
    topic = find_topic(deps, word)
    chat = deps.store.get_chat(cmd.chat_key)
    if topic is None:
        return _keyboard_reply(cmd, deps, chat, unknown_topic(deps, word, lang))
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    before = snapshot(chat.subscription)
    if topic.id in chat.subscription.topics:
        chat.subscription.topics.discard(topic.id)
        note = tr(lang, "Stopped following {topic}.", topic=topic_name(deps, topic.id, lang))
    else:
        chat.subscription.topics.add(topic.id)
        advance_floor(chat, before, deps)
        note = tr(lang, "Now following {topic}: new releases on it arrive here.",
                  topic=topic_name(deps, topic.id, lang))
        if reactivate(chat, deps):
            note += " " + tr(lang, WELCOME_BACK)
    deps.store.save_chat(chat)
    return announce(cmd, _keyboard_reply(cmd, deps, chat, note))


async def subscribe(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
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
        return unknown_topic_reply(deps, unknown[0], lang)
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    before = snapshot(chat.subscription)
    added = [t for t in ids if t not in chat.subscription.topics]
    if not added:
        return Reply.text(tr(lang, "This chat already follows {topics}.",
                             topics=topic_names(deps, ids, lang)),
                          following_line(deps, chat, lang))
    chat.subscription.topics.update(added)
    advance_floor(chat, before, deps)
    back = reactivate(chat, deps)
    deps.store.save_chat(chat)
    reply = Reply.text(
        tr(lang, "Subscribed to {topics}.", topics=topic_names(deps, added, lang)),
        following_line(deps, chat, lang),
        tr(lang, "New releases on these topics arrive here; earlier ones are in {command}.",
           command=typed(cmd, "latest")))
    if back:
        reply.add(tr(lang, WELCOME_BACK))
    reply.buttons = last_buttons(deps, added, lang)
    return announce(cmd, reply)


async def unsubscribe(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    words = topic_words(cmd.args)
    chat = deps.store.get_chat(cmd.chat_key)
    if not words:
        note = tr(lang, "Type {command} or {all_cmd}.",
                  command=hint(cmd, UNSUBSCRIBE_HINT),
                  all_cmd=typed(cmd, "unsubscribe all"))
        return _keyboard_reply(cmd, deps, chat, note)
    everything = [w.casefold() for w in words] == ["all"]
    ids, unknown = ([], []) if everything else resolve_topics(deps, words)
    if unknown:
        return unknown_topic_reply(deps, unknown[0], lang)
    if chat is None or not (chat.subscription.topics or chat.subscription.keywords):
        return Reply.text(tr(lang, "This chat follows nothing, so there is nothing to stop. "
                             "{command} lists the topics.", command=typed(cmd, "topics")))
    if not can_change(cmd):
        return refusal(cmd)
    if everything:
        chat.subscription.topics.clear()
        chat.subscription.keywords.clear()
        deps.store.save_chat(chat)
        return announce(cmd, Reply.text(
            tr(lang, "Unsubscribed from everything: no more alerts here (topics and keywords)."),
            tr(lang, "Subscribe again any time with {command}.",
               command=typed(cmd, "subscribe"))))
    gone = [t for t in ids if t in chat.subscription.topics]
    if not gone:
        return Reply.text(tr(lang, "This chat does not follow {topics}.",
                             topics=topic_names(deps, ids, lang)),
                          following_line(deps, chat, lang))
    chat.subscription.topics.difference_update(gone)
    deps.store.save_chat(chat)
    return announce(cmd, Reply.text(
        tr(lang, "Unsubscribed from {topics}.", topics=topic_names(deps, gone, lang)),
        following_line(deps, chat, lang)))
