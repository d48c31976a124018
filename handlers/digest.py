"""/digest: one message a day at HH:MM, or each release as it comes."""

from __future__ import annotations

import re

from bot.models import Chat, Command, DeliveryMode, Reply
from handlers.common import announce, can_change, clean, load_chat, refusal, typed
from handlers.deps import Deps

_HHMM = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def mode_line(deps: Deps, chat: Chat | None) -> str:
    if chat is None or chat.subscription.mode == "instant":
        return "Delivery: each release as soon as it is published."
    return (f"Delivery: one digest a day at {chat.subscription.digest_time} "
            f"({deps.settings.timezone} time).")


async def digest(cmd: Command, deps: Deps) -> Reply:
    chat = deps.store.get_chat(cmd.chat_key)
    usage = (f"Usage: {typed(cmd, 'digest 08:30')} for one message a day at that time "
             f"({deps.settings.timezone}), or {typed(cmd, 'digest off')} for each release as "
             "it comes.")
    if not cmd.args:
        return Reply.text(mode_line(deps, chat), usage)
    value = cmd.args[0].strip().casefold()
    mode: DeliveryMode
    at: str | None
    if value in ("off", "instant", "stop", "no"):
        mode, at = "instant", None
    else:
        match = _HHMM.match(value)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            return Reply.text(f"'{clean(cmd.args[0])}' is not a time of day: use HH:MM from "
                              "00:00 to 23:59.", usage)
        mode, at = "digest", f"{int(match.group(1)):02d}:{match.group(2)}"
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    chat.subscription.mode = mode
    if at:
        chat.subscription.digest_time = at
    deps.store.save_chat(chat)
    reply = Reply.text(mode_line(deps, chat))
    if not (chat.subscription.topics or chat.subscription.keywords):
        reply.add(f"This chat follows nothing yet: {typed(cmd, 'subscribe')} picks topics.")
    return announce(cmd, reply)
