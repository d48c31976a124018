"""/channel: an administrator binds a Telegram or Slack channel to topics, lists the bound
channels, or unbinds one."""

from __future__ import annotations

import re

from bot.i18n import tr
from bot.models import Chat, Command, Reply, Span
from handlers.common import (
    CHANNEL_ADD_HINT,
    CHANNEL_REMOVE_HINT,
    UNBOUND,
    advance_floor,
    clean,
    hint,
    paused_reason,
    refuse_non_admin,
    resolve_topics,
    snapshot,
    topic_names,
    topic_words,
    typed,
    unknown_topic_reply,
)
from handlers.deps import Deps

_TELEGRAM_CHANNEL = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-100\d{5,})$")
_SLACK_CHANNEL = re.compile(r"^[A-Z0-9]{2,24}$")
_OTHER_CHANNEL = re.compile(r"^\S{1,64}$")


def _channel_name_problem(cmd: Command, name: str) -> str | None:
    lang = cmd.language
    if cmd.platform == "telegram":
        if _TELEGRAM_CHANNEL.match(name):
            return None
        return tr(lang, "give the channel as @name (its public username) or its numeric id "
                  "(-100…), e.g. {example}", example=typed(cmd, "channel add @customsnews "
                                                                 "demining"))
    if cmd.platform == "slack":
        if _SLACK_CHANNEL.match(name):
            return None
        return tr(lang, "pick the channel from Slack's list as you type # (so that its id is "
                  "sent), e.g. {example}", example=typed(cmd, "channel add #customs-news "
                                                             "demining"))
    return None if _OTHER_CHANNEL.match(name) else tr(lang, "give the channel's name or id")


def _find_channel(cmd: Command, deps: Deps, name: str) -> Chat | None:
    chat = deps.store.get_chat(f"{cmd.platform}:{name}")
    if chat is not None:
        return chat
    if name.startswith("@"):  # Telegram usernames ignore case
        for other in deps.store.chats(cmd.platform):
            if other.kind == "channel" and other.chat_id.casefold() == name.casefold():
                return other
    return None


async def channel(cmd: Command, deps: Deps) -> Reply:
    if refused := refuse_non_admin(cmd):
        return refused
    lang = cmd.language
    usage = tr(lang, "Usage: {add_cmd}, {remove_cmd} or {list_cmd}.",
               add_cmd=hint(cmd, CHANNEL_ADD_HINT),
               remove_cmd=hint(cmd, CHANNEL_REMOVE_HINT),
               list_cmd=typed(cmd, "channel list"))
    action = cmd.args[0].casefold() if cmd.args else ""
    if action == "list":
        return _channel_list(cmd, deps)
    if action not in ("add", "remove") or len(cmd.args) < 2:
        return Reply.text(usage)
    name = cmd.args[1]
    if action == "remove":
        chat = _find_channel(cmd, deps, name)
        if chat is None or chat.kind != "channel":
            return Reply.text(tr(lang, "No channel '{name}' is bound; {command} shows them.",
                                 name=clean(name), command=typed(cmd, "channel list")))
        chat.subscription.topics.clear()
        chat.subscription.keywords.clear()
        chat.active = False
        chat.deactivated_reason = UNBOUND
        deps.store.save_chat(chat)
        return Reply.text(tr(lang, "Channel {channel} is unbound: it gets no more alerts.",
                             channel=chat.chat_id))
    if problem := _channel_name_problem(cmd, name):
        return Reply.text(tr(lang, "'{name}' is not a channel I can use: {problem}.",
                             name=clean(name), problem=problem))
    words = topic_words(cmd.args[2:])
    if not words:
        return Reply.text(tr(lang, "Which topics should the channel get?"), usage)
    ids, unknown = resolve_topics(deps, words)
    if unknown:
        return unknown_topic_reply(deps, unknown[0], lang)
    check = deps.channel_check.get(cmd.platform)
    if check is not None:
        try:
            problem = await check(name)
        except Exception as exc:  # the platform did not answer as expected
            problem = tr(lang, "I could not check the channel ({error}); try again later",
                         error=type(exc).__name__)
        if problem:
            return Reply.text(tr(lang, "Cannot bind {name}: {problem}", name=clean(name, 80),
                                 problem=problem))
    chat = _find_channel(cmd, deps, name)
    if chat is None:
        chat = Chat(platform=cmd.platform, chat_id=name, kind="channel", title=name,
                    language=lang, created_at=deps.clock(), since_seq=deps.store.max_seq)
    before = snapshot(chat.subscription)
    if not chat.active:
        chat.active = True
        chat.deactivated_reason = None
        chat.since_seq = max(chat.since_seq, deps.store.max_seq)
    chat.kind = "channel"
    chat.subscription.topics = set(ids)
    if chat.subscription.topics - before.topics:
        advance_floor(chat, before, deps)
    deps.store.save_chat(chat)
    return Reply.text(tr(lang, "Channel {channel} now gets {topics}.", channel=chat.chat_id,
                         topics=topic_names(deps, ids, lang)),
                      tr(lang, "Only releases published from now on are posted there."))


def _channel_list(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    channels = [c for c in deps.store.chats() if c.kind == "channel"]
    if not channels:
        return Reply.text(tr(lang, "No channels are bound. Bind one with {command}.",
                             command=hint(cmd, CHANNEL_ADD_HINT)))
    reply = Reply().add(Span(tr(lang, "Channels ({n})", n=len(channels)), "bold"))
    for chat in sorted(channels, key=lambda c: (c.platform, c.chat_id)):
        what = topic_names(deps, chat.subscription.topics, lang) or tr(lang, "no topics")
        if chat.subscription.keywords:
            what += "; " + tr(lang, "keywords: {keywords}",
                              keywords=", ".join(sorted(chat.subscription.keywords)))
        state = "" if chat.active else " " + tr(
            lang, "(paused: {reason})", reason=paused_reason(chat, lang, 80))
        title = f" “{clean(chat.title, 60)}”" if chat.title and chat.title != chat.chat_id else ""
        reply.add(f"{chat.platform} ", Span(chat.chat_id, "code"), f"{title}: {what}{state}")
    return reply
