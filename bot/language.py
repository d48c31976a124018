"""Which of the bot's languages a text is in: a cheap script-based guess, shared by every part."""

from __future__ import annotations

LANGUAGES = ("en", "az", "ru")


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
    """'ru' for mostly Cyrillic, 'az' for Latin with Azerbaijani letters, else 'en'."""
    sample = text[:5000]
    cyr, lat = script_counts(sample)
    if cyr > lat:
        return "ru"
    low = sample.lower()
    if "ə" in low or sum(low.count(c) for c in "ğış") >= 3:
        return "az"
    return "en"
