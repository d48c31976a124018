"""/pause [duration] [keep], /resume, /quiet HH:MM-HH:MM|off: when a chat takes no alerts.

Delivery reads the chat's fields (bot.gate): while paused nothing is pushed, and what
arrives is dropped or, with `keep`, sent as one digest when the pause ends; releases arriving in
quiet hours come as one digest when they end. Both are in the bot's time zone.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.gate import format_quiet, parse_quiet, pause_active
from bot.i18n import format_datetime, tr
from bot.models import Chat, Command, Reply
from handlers.common import announce, can_change, clean, load_chat, refusal, typed
from handlers.deps import Deps

MAX_PAUSE = timedelta(days=365)
_DURATION = re.compile(r"(\d{1,4})\s*([a-zа-яəğıöüşç]+)")
# units as typed: English letters, Russian and Azerbaijani abbreviations
UNITS: dict[str, timedelta] = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "мин", "м", "минута", "минуты",
                     "минут", "dəq", "deq", "dəqiqə"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "ч", "час", "часа", "часов", "saat"),
                    timedelta(hours=1)),
    **dict.fromkeys(("d", "day", "days", "д", "дн", "день", "дня", "дней", "gün", "gun"),
                    timedelta(days=1)),
    **dict.fromkeys(("w", "wk", "week", "weeks", "н", "нед", "неделя", "недели", "недель",
                     "həftə"), timedelta(weeks=1)),
}
KEEP = ("keep", "saxla", "сохранить")


def parse_duration(text: str) -> timedelta | None:
    """"2h", "3d", "30m", "1h30m", "2ч", "2 saat", "1 час 30 мин" -> a timedelta; None unless
    wholly a duration (spaces between the pieces are allowed: people type "2 saat")."""
    text = text.strip().casefold()
    pos, total = 0, timedelta()
    for match in _DURATION.finditer(text):
        if text[pos:match.start()].strip() or match.group(2) not in UNITS:
            return None
        total += int(match.group(1)) * UNITS[match.group(2)]
        pos = match.end()
    return total if pos == len(text) and total > timedelta() else None


def pause_line(deps: Deps, chat: Chat | None, lang: str, cmd: Command) -> str:
    """The chat's pause, for /pause, /resume and /settings."""
    if chat is None or not pause_active(chat, deps.clock()):
        return tr(lang, "Pause: off.")
    if chat.paused_until is None:
        if chat.pause_keep:
            return tr(lang, "Alerts are paused until {command}; what arrives meanwhile comes "
                      "then as one digest.", command=typed(cmd, "resume"))
        return tr(lang, "Alerts are paused until {command}; what arrives meanwhile is not "
                  "sent.", command=typed(cmd, "resume"))
    when = format_datetime(chat.paused_until, lang, deps.settings.tz)
    if chat.pause_keep:
        return tr(lang, "Alerts are paused until {when}; what arrives meanwhile comes then as "
                  "one digest.", when=when)
    return tr(lang, "Alerts are paused until {when}; what arrives meanwhile is not sent.",
              when=when)


def quiet_line(deps: Deps, chat: Chat | None, lang: str) -> str:
    if chat is None or not chat.quiet_hours:
        return tr(lang, "Quiet hours: off.")
    return tr(lang, "Quiet hours: {hours} ({timezone} time); releases arriving then come as "
              "one digest when they end.", hours=chat.quiet_hours,
              timezone=deps.settings.timezone)


async def pause(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    usage = tr(lang, "Usage: {example} pauses alerts for two hours ({units}); with no "
               "duration, until {resume_cmd}. Add {keep} to get what arrives meanwhile as one "
               "digest afterwards.", example=typed(cmd, "pause 2h"), units="30m, 2h, 3d, 1w",
               resume_cmd=typed(cmd, "resume"), keep="keep")
    keep = any(arg.strip().casefold() in KEEP for arg in cmd.args)
    typed_duration = " ".join(arg for arg in cmd.args if arg.strip().casefold() not in KEEP)
    duration: timedelta | None = None
    if typed_duration:
        duration = parse_duration(typed_duration)
        if duration is None:
            return Reply.text(tr(lang, "'{value}' is not a duration.",
                                 value=clean(typed_duration)), usage)
    if duration is not None and duration > MAX_PAUSE:
        return Reply.text(tr(lang, "A pause lasts at most a year; with no duration it lasts "
                             "until {command}.", command=typed(cmd, "resume")), usage)
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    chat.paused = True
    chat.paused_until = deps.clock() + duration if duration is not None else None
    chat.pause_keep = keep
    deps.store.save_chat(chat)
    deps.changed()
    reply = Reply.text(pause_line(deps, chat, lang, cmd))
    if duration is not None:
        reply.add(tr(lang, "{command} ends it sooner.", command=typed(cmd, "resume")))
    return announce(cmd, reply)


async def resume(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    chat = deps.store.get_chat(cmd.chat_key)
    if chat is None or not pause_active(chat, deps.clock()):
        return Reply.text(tr(lang, "Alerts to this chat are not paused."))
    if not can_change(cmd):
        return refusal(cmd)
    kept = chat.pause_keep
    chat.paused, chat.paused_until, chat.pause_keep = False, None, False
    deps.store.save_chat(chat)
    deps.changed()
    reply = Reply.text(tr(lang, "Alerts are on again."))
    if kept:
        reply.add(tr(lang, "What arrived during the pause comes now, as one digest."))
    else:
        reply.add(tr(lang, "What arrived during the pause was not sent; {command} shows it.",
                     command=typed(cmd, "latest")))
    return announce(cmd, reply)


async def quiet(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    usage = tr(lang, "Usage: {example} holds alerts from 22:00 to 08:00 ({timezone} time) and "
               "sends them as one digest at 08:00; {off_cmd} ends quiet hours.",
               example=typed(cmd, "quiet 22:00-08:00"), timezone=deps.settings.timezone,
               off_cmd=typed(cmd, "quiet off"))
    chat = deps.store.get_chat(cmd.chat_key)
    if not cmd.args:
        return Reply.text(quiet_line(deps, chat, lang), usage)
    value = "".join(cmd.args).casefold()
    hours = ""
    if value not in ("off", "none", "no"):
        window = parse_quiet(value)
        if window is None:
            return Reply.text(tr(lang, "'{value}' is not a time range: use HH:MM-HH:MM, "
                                 "for example 22:00-08:00.", value=clean(cmd.raw_args)), usage)
        hours = format_quiet(window)
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    chat.quiet_hours = hours
    deps.store.save_chat(chat)
    deps.changed()
    return announce(cmd, Reply.text(quiet_line(deps, chat, lang)))
