"""/watch /unwatch: alerts for releases containing a word, whatever their topics."""

from __future__ import annotations

import re

from bot.models import Chat, Command, Reply
from handlers.common import (
    WELCOME_BACK,
    advance_floor,
    announce,
    can_change,
    clean,
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


def _keywords_line(chat: Chat | None) -> str:
    words = sorted(chat.subscription.keywords) if chat else []
    if not words:
        return "This chat watches no keywords."
    return "Keywords watched here: " + ", ".join(words) + "."


async def watch(cmd: Command, deps: Deps) -> Reply:
    words = [w for w in (_keyword(a) for a in cmd.args) if w]
    chat = deps.store.get_chat(cmd.chat_key)
    if not words:
        phrase = typed(cmd, 'watch "free zone"')
        return Reply.text(
            f"Usage: {typed(cmd, 'watch <word>')}, e.g. {typed(cmd, 'watch Georgia')} or "
            f"{phrase}: any release containing it (any case) is sent here, whatever its "
            "topics.", _keywords_line(chat))
    for word in words:
        if len(word) > MAX_KEYWORD_CHARS:
            return Reply.text(f"'{clean(word)}' is too long: a keyword has at most "
                              f"{MAX_KEYWORD_CHARS} characters.")
        if len(_WORDISH.findall(word)) < 2:
            return Reply.text(f"'{clean(word)}' is too short to watch: use a word of at least "
                              "two letters or digits.")
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    new = [w for w in dict.fromkeys(words) if w not in chat.subscription.keywords]
    if not new:
        return Reply.text("Already watched.", _keywords_line(chat))
    if len(chat.subscription.keywords) + len(new) > MAX_KEYWORDS:
        return Reply.text(f"A chat can watch at most {MAX_KEYWORDS} keywords; remove some with "
                          f"{typed(cmd, 'unwatch <word>')} first.", _keywords_line(chat))
    before = snapshot(chat.subscription)
    chat.subscription.keywords.update(new)
    advance_floor(chat, before, deps)
    back = reactivate(chat, deps)
    deps.store.save_chat(chat)
    reply = Reply.text(
        f"Watching {', '.join(new)}: new releases containing "
        f"{'it' if len(new) == 1 else 'any of them'} arrive here, whatever their topics.",
        _keywords_line(chat))
    if back:
        reply.add(WELCOME_BACK)
    return announce(cmd, reply)


async def unwatch(cmd: Command, deps: Deps) -> Reply:
    words = [w for w in (_keyword(a) for a in cmd.args) if w]
    chat = deps.store.get_chat(cmd.chat_key)
    if not words:
        return Reply.text(f"Usage: {typed(cmd, 'unwatch <word>')} or "
                          f"{typed(cmd, 'unwatch all')}.", _keywords_line(chat))
    if chat is None or not chat.subscription.keywords:
        return Reply.text("This chat watches no keywords.")
    if not can_change(cmd):
        return refusal(cmd)
    gone = (set(chat.subscription.keywords) if words == ["all"]
            else {w for w in words if w in chat.subscription.keywords})
    if not gone:
        return Reply.text(f"Not watched here: {', '.join(clean(w) for w in words)}.",
                          _keywords_line(chat))
    chat.subscription.keywords.difference_update(gone)
    deps.store.save_chat(chat)
    return announce(cmd, Reply.text(f"Stopped watching {', '.join(sorted(gone))}.",
                                    _keywords_line(chat)))
