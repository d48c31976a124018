"""One stemmer per language, and `stem`, which picks the right one for a word.

Words are given normalised (`bot.text.normalise.normalize_token`: case and Latin diacritics
folded). A word's script decides before the text's language does, so each stemmer only sees
its own language: Cyrillic words -> Russian Snowball; Latin words -> our Azerbaijani suffix
stripper in an Azerbaijani text, English Snowball (with ``-isation`` read as ``-ization``)
otherwise. Numbers are their own stem.
"""

from __future__ import annotations

import re

import snowballstemmer

from bot.text.tokens import is_numeric

_EN = snowballstemmer.stemmer("english")
_RU = snowballstemmer.stemmer("russian")
for _stemmer in (_EN, _RU):
    # PyStemmer's own word cache costs more to fill (~3 µs a new word) than it saves: the
    # users memoise what they need (the index its keys, the classifier its tokens)
    if hasattr(_stemmer, "maxCacheSize"):
        _stemmer.maxCacheSize = 0

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ISE = re.compile(r"(?<=\w\w\w)is(ation|ations|e|es|ed|ing|er|ers)$")


def stemmer_backend() -> str:
    """The Snowball implementation in use (C PyStemmer or pure Python): their stems differ."""
    return type(_EN).__module__


# Azerbaijani inflectional suffixes, written diacritic-folded (ə->e, ı->i, ü->u, ö->o), so
# vowel-harmony variants collapse: -nın/-nin/-nun/-nün -> nin/nun, -lar/-lər -> lar/ler.
# Derivational suffixes (-lıq, -çı, ...) are left alone: they change the meaning.
_AZ_SUFFIXES = frozenset({
    # plural + case/possessive combinations
    "larinin", "lerinin", "larindan", "lerinden", "larinda", "lerinde",
    "larina", "lerine", "larini", "lerini", "larin", "lerin", "lari", "leri",
    "lar", "ler",
    # genitive, accusative, dative, locative, ablative, instrumental
    "in", "un", "ni", "nu", "i", "u", "n",
    "ya", "ye", "na", "ne",
    "nda", "nde", "da", "de",
    "ndan", "nden", "dan", "den",
    "yla", "yle", "la", "le",
    # possessive 3rd person after a vowel
    "si", "su", "sini", "sinin", "sina", "sinda", "sindan",
    # common verb endings in press releases (-ib, -ıb, -miş, -ılıb, -ıblar)
    "ib", "ub", "iblar", "ibler", "ublar", "mis", "mus", "dir", "dur",
    "maq", "mek",
})
# the suffixes by length, longest first (at most one of each length can end a word)
_AZ_SUFFIXES_BY_LENGTH: tuple[tuple[int, frozenset[str]], ...] = tuple(
    (n, frozenset(s for s in _AZ_SUFFIXES if len(s) == n))
    for n in sorted({len(s) for s in _AZ_SUFFIXES}, reverse=True)
)
_AZ_MIN_STEM = 3
_AZ_VOWELS = frozenset("aeiou")  # folded: ə->e, ı->i, ö->o, ü->u
_AZ_POSSESSIVE_VOWELS = frozenset("iu")


def stem_az(word: str) -> str:
    """Strip Azerbaijani inflectional suffixes from a normalised word.

    Greedy: the longest matching suffix is removed while at least three letters remain,
    repeatedly, so "minalardan" -> "minalar" -> "mina", "komitesinin" -> "komite".
    Over-stemming is harmless as long as every form of a word ends at the same stem.
    """
    for _ in range(5):
        size = len(word)
        for n, suffixes in _AZ_SUFFIXES_BY_LENGTH:  # longest first
            cut = size - n
            if cut < _AZ_MIN_STEM:
                continue
            suffix = word[cut:]
            if suffix not in suffixes:
                continue
            # the buffer n of -nda/-ndan/-na/-ni follows a possessive ı/i/u/ü, so
            # "Özbəkistandan" is Özbəkistan + dan, not Özbəkista + ndan
            if suffix[0] == "n" and word[cut - 1] not in _AZ_POSSESSIVE_VOWELS and suffix != "n":
                continue
            # genitive -ın vs -nın ("Özbəkistanın", "minanın") cannot be told apart without
            # a lexicon: strip -ın, then any n after a vowel, so both end the same way
            if suffix == "n" and word[cut - 1] not in _AZ_VOWELS:
                continue
            word = word[:cut]
            break
        else:
            break
    return word


def stem_en(word: str) -> str:
    if len(word) > 5 and word.find("is", 3) >= 0:  # (the check is ~10x cheaper than the regex)
        word = _ISE.sub(r"iz\1", word)
    return _EN.stemWord(word)


def stem_ru(word: str) -> str:
    return _RU.stemWord(word)


def is_cyrillic(word: str) -> bool:
    return _CYRILLIC.search(word) is not None


def stem_tagged(word: str, language: str) -> tuple[str, str]:
    """`stem`, and which stemmer made it: "ru", "az", "en", or "" for a number."""
    if not word or is_numeric(word):
        return word, ""
    if not word.isascii() and is_cyrillic(word):
        return stem_ru(word), "ru"
    if language == "az":
        return stem_az(word), "az"
    return stem_en(word), "en"


def stem(word: str, language: str) -> str:
    """The stem of a normalised word found in a text of `language` (see the module docstring)."""
    return stem_tagged(word, language)[0]
