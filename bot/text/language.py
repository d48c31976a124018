"""Which of the bot's languages a text is in: a cheap guess from the script, shared by all."""

from __future__ import annotations

import re

LANGUAGES = ("en", "az", "ru")

_CODE_SEPARATOR = re.compile(r"[-_]")


def script_counts(sample: str) -> tuple[int, int]:
    """(Cyrillic letters, Latin letters) in `sample`."""
    cyr = lat = 0
    for c in sample:
        if c.isalpha():
            if "\u0400" <= c <= "\u04ff":
                cyr += 1
            elif c < "\u0250":
                lat += 1
    return cyr, lat


def detect_language(text: str) -> str:
    """'ru' for mostly Cyrillic, 'az' for Latin with Azerbaijani letters, else 'en'.

    Letters are counted, so an English text quoting a Russian abbreviation in parentheses
    stays English.
    """
    sample = text[:5000]
    cyr, lat = script_counts(sample)
    if cyr > lat:
        return "ru"
    low = sample.lower()
    if "ə" in low or sum(low.count(c) for c in "ğış") >= 3:
        return "az"
    return "en"


def language_code(language: str) -> str:
    """The bare code of a language tag: "az-Latn" -> "az", " RU " -> "ru", "" -> ""."""
    return _CODE_SEPARATOR.split(language.strip().lower(), maxsplit=1)[0] if language else ""
