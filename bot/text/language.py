"""Which of the bot's languages a text is in: a cheap guess from the script, shared by all."""

from __future__ import annotations

import re
from collections.abc import Collection

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


def language_of(text: str, declared: str = "", also: Collection[str] = ()) -> str:
    """The declared language if it is known (one of LANGUAGES or `also`), else the detected one.

    A declared language whose script contradicts the text (a feed configured as "en" that
    serves Cyrillic pages) yields to the detected one. Counting letters costs a pass over the
    text: the search index, which reads whole archives, trusts a declared language instead.
    """
    code = language_code(declared)
    if code not in LANGUAGES and code not in also:
        return detect_language(text)
    cyr, lat = script_counts(text[:5000])
    if code == "ru" and lat > 3 * cyr + 20:
        return detect_language(text)
    if code in ("en", "az") and cyr > 3 * lat + 20:
        return "ru"
    return code
