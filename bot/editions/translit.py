"""Fold Azerbaijani Latin, Russian Cyrillic and English text to one ASCII spelling.

`fold` gives a lower-case ASCII text on which the gazetteer and the concept lexicon match with
small regular expressions (`Biləsuvar` -> `bilasuvar`, `Билясувар` -> `bilyasuvar`).
`skeleton` reduces a name to its consonant classes, so that the spellings of one name in the
three scripts meet: Mehdiyev / Мехдиев / Mekhdiyev -> ``mhdv``.
"""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "қ": "q", "ғ": "gh", "ә": "a", "ө": "o", "ү": "u", "һ": "h", "і": "i",
}
# Azerbaijani letters (c is the sound of English j, x that of Russian х)
_AZERBAIJANI = {
    "ə": "a", "ı": "i", "ö": "o", "ü": "u", "ğ": "gh", "ş": "sh", "ç": "ch", "c": "j",
    "x": "kh",
}
# Turkish and other Latin letters English editions keep (Türkiye, Zoltán)
_LATIN_EXTRA = {"ə": "a", "ı": "i", "ş": "sh", "ç": "ch", "ğ": "g", "ß": "ss"}

_TABLES = {
    "az": str.maketrans({**_CYRILLIC, **_AZERBAIJANI}),
    "ru": str.maketrans({**_CYRILLIC, **_LATIN_EXTRA}),
    "": str.maketrans({**_CYRILLIC, **_LATIN_EXTRA}),
}


def lower(text: str) -> str:
    """Lower case that keeps the Azerbaijani dotted capital İ a plain i."""
    return text.replace("İ", "i").lower().replace("\u0307", "")


def fold(text: str, language: str = "") -> str:
    """Lower-case ASCII rendering of `text` as written in `language` (az, ru, en, ...)."""
    table = _TABLES.get(language, _TABLES[""])
    folded = lower(text).translate(table)
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    # accents go, other symbols (dashes, guillemets) become spaces so words stay apart
    return "".join(ch if ch.isascii() else "" if unicodedata.combining(ch) else " "
                   for ch in decomposed)


# Sound classes: what the three spellings render differently falls into one class. Russian
# writes the Azerbaijani h as г (Гейдар, Гусейнова), so h, kh, g, k, q are one class; every run
# of vowels (y included: Mehdiyev, Мехдиев) is one "a", so Yamamoto keeps its shape.
_DIGRAPHS = (
    ("shch", "s"), ("dzh", "j"), ("kh", "k"), ("zh", "j"), ("dj", "j"), ("ch", "c"),
    ("sh", "s"), ("ts", "c"), ("ph", "f"), ("ck", "k"), ("gh", "k"),
)
_SINGLE = str.maketrans({"h": "k", "x": "k", "g": "k", "q": "k", "w": "v"})
_VOWELS = re.compile(r"[aeiouy']+")
_REPEATS = re.compile(r"([a-z])\1+")


def skeleton(word: str, language: str = "") -> str:
    """Sound skeleton of one word: look-alike consonants merged, each vowel run one `a`."""
    text = re.sub(r"[^a-z']", "", fold(word, language))
    for digraph, sound in _DIGRAPHS:
        text = text.replace(digraph, sound)
    text = _REPEATS.sub(r"\1", text.translate(_SINGLE))
    return _VOWELS.sub("a", text)


def consonants(skel: str) -> int:
    return sum(1 for ch in skel if ch != "a")


def same_name(a: str, b: str) -> bool:
    """Two skeletons of one name: equal, or one an inflected form of the other.

    Case endings differ by language (Mehdiyevin, Мехдиевым), so the skeletons need only share
    all but their last sound, and at least five."""
    if a == b:
        return consonants(a) >= 3
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= 5 and common >= min(len(a), len(b)) - 1 and consonants(a[:common]) >= 3
