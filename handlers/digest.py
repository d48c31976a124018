"""/digest: one message a day at HH:MM, or each release as it comes."""

from __future__ import annotations

import re

from bot.i18n import tr
from bot.models import Chat, Command, DeliveryMode, Reply
from handlers.common import announce, can_change, clean, load_chat, refusal, typed
from handlers.deps import Deps

_HHMM = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def mode_line(deps: Deps, chat: Chat | None, lang: str) -> str:
    if chat is None or chat.subscription.mode == "instant":
        return tr(lang, "Delivery: each release as soon as it is published.")
    return tr(lang, "Delivery: one digest a day at {time} ({timezone} time).",
              time=chat.subscription.digest_time, timezone=deps.settings.timezone)


async def digest(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    chat = deps.store.get_chat(cmd.chat_key)
    usage = tr(lang, "Usage: {example} for one message a day at that time ({timezone}), or "
               "{off_cmd} for each release as it comes.", example=typed(cmd, "digest 08:30"),
               timezone=deps.settings.timezone, off_cmd=typed(cmd, "digest off"))
    if not cmd.args:
        return Reply.text(mode_line(deps, chat, lang), usage)
    value = cmd.args[0].strip().casefold()
    mode: DeliveryMode
    at: str | None
    if value in ("off", "instant", "stop", "no"):
        mode, at = "instant", None
    else:
        match = _HHMM.match(value)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            return Reply.text(tr(lang, "'{value}' is not a time of day: use HH:MM from 00:00 "
                                 "to 23:59.", value=clean(cmd.args[0])), usage)
        mode, at = "digest", f"{int(match.group(1)):02d}:{match.group(2)}"
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    chat.subscription.mode = mode
    if at:
        chat.subscription.digest_time = at
    deps.store.save_chat(chat)
    reply = Reply.text(mode_line(deps, chat, lang))
    if not (chat.subscription.topics or chat.subscription.keywords):
        reply.add(tr(lang, "This chat follows nothing yet: {command} picks topics.",
                     command=typed(cmd, "subscribe")))
    return announce(cmd, reply)
