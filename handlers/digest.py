"""/digest: one message a day (or a week) at HH:MM, or each release as it comes."""

from __future__ import annotations

import re

from bot.i18n import tr, weekday_name
from bot.models import Chat, Command, DeliveryMode, Reply
from handlers.common import announce, can_change, clean, load_chat, refusal, typed
from handlers.deps import Deps

_HHMM = re.compile(r"^(\d{1,2})[:.](\d{2})$")
# the days /digest weekly understands: English, Russian and Azerbaijani names and abbreviations
WEEKDAYS: dict[str, int] = {}
for _n, _names in enumerate((
    ("mon", "monday", "пн", "понедельник", "b.e.", "be", "bazar_ertəsi"),
    ("tue", "tuesday", "вт", "вторник", "ç.a.", "ça", "çərşənbə_axşamı"),
    ("wed", "wednesday", "ср", "среда", "среду", "ç.", "ç", "çərşənbə"),
    ("thu", "thursday", "чт", "четверг", "c.a.", "ca", "cümə_axşamı"),
    ("fri", "friday", "пт", "пятница", "пятницу", "c.", "cümə"),
    ("sat", "saturday", "сб", "суббота", "субботу", "ş.", "ş", "şənbə"),
    ("sun", "sunday", "вс", "воскресенье", "b.", "bazar"),
)):
    WEEKDAYS.update(dict.fromkeys(_names, _n))
# Azerbaijani day names of two words, read as one ("bazar ertəsi" is Monday, "bazar" Sunday)
_TWO_WORD_DAYS = re.compile(r"\b(bazar|çərşənbə|cümə)\s+(ertəsi|axşamı)\b")


def mode_line(deps: Deps, chat: Chat | None, lang: str) -> str:
    if chat is None or chat.subscription.mode == "instant":
        return tr(lang, "Delivery: each release as soon as it is published.")
    sub = chat.subscription
    if sub.digest_weekday is not None:
        return tr(lang, "Delivery: one digest a week, on {weekday} at {time} ({timezone} time).",
                  weekday=weekday_name(sub.digest_weekday, lang), time=sub.digest_time,
                  timezone=deps.settings.timezone)
    return tr(lang, "Delivery: one digest a day at {time} ({timezone} time).",
              time=sub.digest_time, timezone=deps.settings.timezone)


def parse_hhmm(text: str) -> str | None:
    """"8:30" -> "08:30"; None unless a time of day."""
    match = _HHMM.match(text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return f"{int(match.group(1)):02d}:{match.group(2)}"


async def digest(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    chat = deps.store.get_chat(cmd.chat_key)
    usage = tr(lang, "Usage: {example} for one message a day at that time ({timezone}), "
               "{weekly_example} for one a week, or {off_cmd} for each release as it comes.",
               example=typed(cmd, "digest 08:30"), timezone=deps.settings.timezone,
               weekly_example=typed(cmd, "digest weekly mon 09:00"),
               off_cmd=typed(cmd, "digest off"))
    if not cmd.args:
        return Reply.text(mode_line(deps, chat, lang), usage)
    typed_words = _TWO_WORD_DAYS.sub(r"\1_\2", " ".join(cmd.args)).split()
    words = [a.casefold() for a in typed_words]
    mode: DeliveryMode = "digest"
    at: str | None = None
    weekday: int | None = None
    if words[0] in ("off", "instant", "stop", "no"):
        mode = "instant"
    else:
        weekly = words[0] == "weekly"
        if words[0] in ("weekly", "daily"):
            words = words[1:]
        for word, typed_word in zip(words, typed_words[len(typed_words) - len(words):],
                                    strict=True):
            if weekly and word in WEEKDAYS and weekday is None:
                weekday = WEEKDAYS[word]
            elif at is None and (hhmm := parse_hhmm(word)) is not None:
                at = hhmm
            elif weekly and _HHMM.match(word) is None:
                return Reply.text(tr(lang, "'{value}' is not a day of the week: use mon, tue, "
                                     "wed, thu, fri, sat or sun.", value=clean(typed_word)),
                                  usage)
            else:
                return Reply.text(tr(lang, "'{value}' is not a time of day: use HH:MM from "
                                     "00:00 to 23:59.", value=clean(typed_word)), usage)
        if weekly and weekday is None:
            weekday = 0  # Monday
    if not can_change(cmd):
        return refusal(cmd)
    chat = load_chat(cmd, deps)
    chat.subscription.mode = mode
    chat.subscription.digest_weekday = weekday if mode == "digest" else None
    chat.digest_held = False  # a digest held under the old schedule is not owed under the new
    if at:
        chat.subscription.digest_time = at
    deps.store.save_chat(chat)
    reply = Reply.text(mode_line(deps, chat, lang))
    if not (chat.subscription.topics or chat.subscription.keywords):
        reply.add(tr(lang, "This chat follows nothing yet: {command} picks topics.",
                     command=typed(cmd, "subscribe")))
    return announce(cmd, reply)
