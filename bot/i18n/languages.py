"""Which language a chat's texts are written in, from what its platform says about the user."""

from __future__ import annotations

from bot.text.language import LANGUAGES, language_code

DEFAULT_LANGUAGE = "en"  # the msgids' language, and what any other language falls back to

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "pick_language"]


def pick_language(code: str | None) -> str:
    """The bot language for a platform's language tag; English for anything else.

    Telegram's `language_code` is an IETF tag ("ru", "en-GB", "az-Latn-AZ"), Slack's locale a
    POSIX-like one ("ru-RU", "en_US"). The primary subtag decides: "ru-RU" -> "ru",
    "en-GB" -> "en", "de" -> "en", "" or None -> "en".
    """
    code = language_code(code or "")
    return code if code in LANGUAGES else DEFAULT_LANGUAGE
