"""/language: the language the bot writes in for this chat (az, ru or en).

A chat starts in its creator's language (the platform's language tag, `pick_language`); its
administrators change it here, as they change its subscriptions. The answer to a change is in
the new language.
"""

from __future__ import annotations

from bot.i18n import LANGUAGES, N_, tr
from bot.models import Button, Command, Reply
from handlers.common import announce, can_change, clean, load_chat, typed
from handlers.deps import Deps

LANGUAGE_NAMES = {"az": N_("Azerbaijani"), "ru": N_("Russian"), "en": N_("English")}


def language_name(code: str, lang: str) -> str:
    """The name of the language `code`, written in `lang` ("русский" for ru in ru)."""
    return tr(lang, LANGUAGE_NAMES[code])


def own_name(code: str) -> str:
    """The language's name in itself, capitalised, for a button: "Azərbaycan dili"."""
    name = language_name(code, code)
    return name[:1].upper() + name[1:]


def language_of_word(word: str) -> str | None:
    """"az", "ru" or "en" for a code or a language's name in any of the three ("русский")."""
    key = word.strip().casefold()
    for code in LANGUAGES:
        names = {language_name(code, lang).casefold() for lang in LANGUAGES}
        if key == code or key in names or key == LANGUAGE_NAMES[code].casefold():
            return code
    return None


def language_line(cmd: Command, lang: str) -> str:
    """The chat's language, for /settings."""
    return tr(lang, "Language: {language}; {command} changes it.",
              language=language_name(lang, lang), command=typed(cmd, "language"))


def _buttons(current: str) -> list[list[Button]]:
    return [[Button(("✅ " if code == current else "") + own_name(code), f"language {code}")
             for code in LANGUAGES]]


def _refusal(cmd: Command) -> Reply:
    if cmd.chat_kind == "channel":
        return Reply.text(tr(cmd.language, "Only the bot's administrators can change this "
                             "channel's language."))
    return Reply.text(tr(cmd.language, "Only this group's administrators can change its "
                         "language."))


async def language(cmd: Command, deps: Deps) -> Reply:
    lang = cmd.language
    choices = ", ".join(LANGUAGES)
    if not cmd.args:
        reply = Reply.text(
            tr(lang, "This chat's language: {language}.", language=language_name(lang, lang)),
            tr(lang, "Tap another to change it, or type {example} (one of {choices}).",
               example=typed(cmd, "language ru"), choices=choices))
        reply.buttons = _buttons(lang)
        return reply
    wanted = language_of_word(cmd.raw_args) or language_of_word(cmd.args[0])
    if wanted is None:
        return Reply.text(tr(lang, "'{value}' is not a language I write in: use one of {choices}, "
                             "e.g. {example}.", value=clean(cmd.raw_args), choices=choices,
                             example=typed(cmd, "language ru")))
    if not can_change(cmd):
        return _refusal(cmd)
    if lang == wanted and deps.store.get_chat(cmd.chat_key) is not None:
        return Reply.text(tr(wanted, "This chat's language is already {language}.",
                             language=language_name(wanted, wanted)))
    chat = load_chat(cmd, deps)
    chat.language = wanted
    deps.store.save_chat(chat)
    return announce(cmd, Reply.text(tr(wanted, "Done: this chat's language is now {language}.",
                                       language=language_name(wanted, wanted))))
