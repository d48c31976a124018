"""/watch /unwatch: alerts for releases containing a word, whatever their topics."""

from __future__ import annotations

import re

from bot.i18n import ntr, tr
from bot.models import Chat, Command, Reply
from handlers.common import (
    UNWATCH_HINT,
    WATCH_HINT,
    WELCOME_BACK,
    advance_floor,
    announce,
    can_change,
    clean,
    hint,
    load_chat,
    reactivate,
    refusal,
    snapshot,
    typed,
)
from handlers.deps import Deps

MAX_KEYWORDS = 20
MAX_KEYWORD_CHARS = 40
_WORDISH = re.compile(r"\w", re.UNICODE)


def _keyword(word: str) -> str:
    return " ".join(clean(word, 10_000).casefold().split())


def _keywords_line(chat: Chat | None, lang: str) -> str:
    words = sorted(chat.subscription.keywords) if chat else []
    if not words:
        return tr(lang, "This chat watches no keywords.")
    return tr(lang, "Keywords watched here: {keywords}.", keywords=", ".join(words))


async def watch(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    words = [w for w in (_keyword(a) for a in cmd.args) if w]
    chat = deps.store.get_chat(cmd.chat_key)
    if not words:
        return Reply.text(tr(
            lang, "Usage: {usage}, e.g. {example} or {other_example}: any release containing "
            "it (any case) is sent here, whatever its topics.",
            usage=hint(cmd, WATCH_HINT), example=typed(cmd, "watch Georgia"),
            other_example=typed(cmd, 'watch "free zone"')), _keywords_line(chat, lang))
    for word in words:
        if len(word) > MAX_KEYWORD_CHARS:
            return Reply.text(tr(lang, "'{word}' is too long: a keyword has at most {max} "
                                 "characters.", word=clean(word), max=MAX_KEYWORD_CHARS))
        if len(_WORDISH.findall(word)) < 2:
            return Reply.text(tr(lang, "'{word}' is too short to watch: use a word of at least "
                                 "two letters or digits.", word=clean(word)))
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    new = [w for w in dict.fromkeys(words) if w not in chat.subscription.keywords]
    if not new:
        return Reply.text(tr(lang, "Already watched."), _keywords_line(chat, lang))
    if len(chat.subscription.keywords) + len(new) > MAX_KEYWORDS:
        return Reply.text(tr(lang, "A chat can watch at most {max} keywords; remove some with "
                             "{command} first.", max=MAX_KEYWORDS,
                             command=hint(cmd, UNWATCH_HINT)),
                          _keywords_line(chat, lang))
    before = snapshot(chat.subscription)
    chat.subscription.keywords.update(new)
    advance_floor(chat, before, deps)
    back = reactivate(chat, deps)
    deps.store.save_chat(chat)
    reply = Reply.text(
        ntr(lang, "Watching {words}: new releases containing it arrive here, whatever their "
            "topics.", "Watching {words}: new releases containing any of them arrive here, "
            "whatever their topics.", len(new), words=", ".join(new)),
        _keywords_line(chat, lang))
    if back:
        reply.add(tr(lang, WELCOME_BACK))
    return announce(cmd, reply)


async def unwatch(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    words = [w for w in (_keyword(a) for a in cmd.args) if w]
    chat = deps.store.get_chat(cmd.chat_key)
    if not words:
        return Reply.text(tr(lang, "Usage: {command} or {all_cmd}.",
                             command=hint(cmd, UNWATCH_HINT),
                             all_cmd=typed(cmd, "unwatch all")), _keywords_line(chat, lang))
    if chat is None or not chat.subscription.keywords:
        return Reply.text(tr(lang, "This chat watches no keywords."))
    if not can_change(cmd):
        return refusal(cmd)
    gone = (set(chat.subscription.keywords) if words == ["all"]
            else {w for w in words if w in chat.subscription.keywords})
    if not gone:
        return Reply.text(tr(lang, "Not watched here: {words}.",
                             words=", ".join(clean(w) for w in words)),
                          _keywords_line(chat, lang))
    chat.subscription.keywords.difference_update(gone)
    deps.store.save_chat(chat)
    return announce(cmd, Reply.text(tr(lang, "Stopped watching {words}.",
                                       words=", ".join(sorted(gone))),
                                    _keywords_line(chat, lang)))
