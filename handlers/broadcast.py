"""/broadcast <text>: the bot's admins announce something to every active chat.

The command shows a preview and how many chats it would reach, with "Confirm" and "Cancel"
buttons; the text waits in memory (`Deps.broadcasts`) under a short id the buttons carry:
    broadcast confirm <id>     send it (delivery paces it and reports when done)
    broadcast cancel <id>      forget it
"""

from __future__ import annotations

import secrets

from bot.i18n import ntr, tr
from bot.models import Button, Chat, Command, Reply, Span
from bot.summary import announcement
from handlers.common import refuse_non_admin, typed
from handlers.deps import Deps

MAX_CHARS = 3000
MAX_PENDING = 20  # previews awaiting an answer; the oldest is forgotten first


async def broadcast(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    refused = refuse_non_admin(cmd)
    if refused is not None:
        return refused
    if cmd.via_button and len(cmd.args) == 2 and cmd.args[0] in ("confirm", "cancel"):
        return _answer(cmd, deps, cmd.args[0], cmd.args[1])
    text = cmd.raw_args.strip()
    if not text:
        return Reply.text(tr(lang, "Usage: {example}: a preview first, then it is sent to every "
                             "active chat when you confirm.",
                             example=typed(cmd, tr(lang, "/broadcast <text>").lstrip("/"))))
    if len(text) > MAX_CHARS:
        return Reply.text(tr(lang, "An announcement takes at most {max_chars} characters; this "
                             "one has {n}.", max_chars=MAX_CHARS, n=len(text)))
    if deps.broadcaster is None:
        return Reply.text(tr(lang, "Announcements can only be sent by the running bot."))
    key = secrets.token_hex(4)
    deps.broadcasts[key] = text
    while len(deps.broadcasts) > MAX_PENDING:
        deps.broadcasts.pop(next(iter(deps.broadcasts)))
    n = len(deps.broadcaster.audience())
    reply = Reply().add(Span(ntr(lang, "Preview: this goes to {n} active chat. Send it?",
                                 "Preview: this goes to {n} active chats. Send it?", n), "bold"))
    reply.paragraphs.extend(announcement(text, lang).paragraphs)
    reply.buttons = [[Button(tr(lang, "Confirm"), f"broadcast confirm {key}"),
                      Button(tr(lang, "Cancel"), f"broadcast cancel {key}")]]
    return reply


def _answer(cmd: Command, deps: Deps, choice: str, key: str) -> Reply:
    lang = cmd.language
    text = deps.broadcasts.pop(key, None)
    if text is None:
        return Reply.text(tr(lang, "This announcement was already sent or cancelled."))
    if choice == "cancel" or deps.broadcaster is None:
        return Reply.text(tr(lang, "Announcement cancelled; nothing was sent."))
    report_to = Chat(platform=cmd.platform, chat_id=cmd.chat_id, kind=cmd.chat_kind,
                     language=lang)
    n = deps.broadcaster.start(text, report_to)
    return Reply.text(ntr(lang, "Sending the announcement to {n} chat; a report follows when "
                          "it is done.", "Sending the announcement to {n} chats; a report "
                          "follows when it is done.", n))
