"""/settings: everything this chat has chosen, in one answer."""

from __future__ import annotations

from bot.i18n import tr
from bot.models import Command, Reply, Span
from handlers.common import paused_reason, topic_names, typed
from handlers.deps import Deps
from handlers.digest import mode_line
from handlers.language import language_line
from handlers.pause import pause_line, quiet_line


async def settings(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    chat = deps.store.get_chat(cmd.chat_key)
    if chat is None:
        return Reply.text(tr(lang, "This chat has no settings yet: it follows nothing."),
                          language_line(cmd, lang),
                          tr(lang, "Start with {subscribe_cmd} or {topics_cmd}.",
                             subscribe_cmd=typed(cmd, "subscribe"),
                             topics_cmd=typed(cmd, "topics")))
    sub = chat.subscription
    reply = Reply().add(Span(tr(lang, "Settings of this chat"), "bold"))
    reply.add(language_line(cmd, lang))
    reply.add(tr(lang, "Topics: {topics}",
                 topics=topic_names(deps, sub.topics, lang) or tr(lang, "none")))
    reply.add(tr(lang, "Keywords: {keywords}",
                 keywords=", ".join(sorted(sub.keywords)) or tr(lang, "none")))
    reply.add(mode_line(deps, chat, lang))
    reply.add(pause_line(deps, chat, lang, cmd))
    reply.add(quiet_line(deps, chat, lang))
    if chat.active:
        reply.add(tr(lang, "Status: active."))
    elif chat.deactivated_reason:
        reply.add(tr(lang, "Status: not receiving alerts ({reason}); send {command} to start "
                     "again.", reason=paused_reason(chat, lang), command=typed(cmd, "start")))
    else:
        reply.add(tr(lang, "Status: not receiving alerts; send {command} to start again.",
                     command=typed(cmd, "start")))
    reply.add(tr(lang, "Change them with {commands}.", commands=", ".join(
        typed(cmd, name) for name in ("language", "subscribe", "unsubscribe", "watch", "digest",
                                      "pause", "quiet"))))
    return reply
