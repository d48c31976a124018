"""Text normalisation, tokenisation and stemming for the search index (pure, no I/O).

Every word becomes an index *key*. Which key depends on the word's script and the release's
language, so that each stemmer only sees its own language:

- Cyrillic words -> Russian snowball stem (after ё -> е),
- Latin words in an Azerbaijani release -> ``~`` + our Azerbaijani suffix stripper's stem,
  computed on a diacritic-folded form (ə->e, ı->i, ö->o, ü->u, ç->c, ş->s, ğ->g) so that
  users typing without an Azerbaijani keyboard ("gomruk") still match "gömrük",
- any other Latin word (English releases, Latin abbreviations in Russian releases) -> English
  snowball stem.

A query word's language is unknown, so a Latin query word is looked up under both its English
and its Azerbaijani key (see `query_keys`), a Cyrillic one under its Russian key.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

AZ_PREFIX = "~"

_TAG = re.compile(r"<[^>]{0,500}>")
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

_AZ_FOLD = str.maketrans("əıöüçşğ", "eioucsg")

_en = snowballstemmer.stemmer("english")
_ru = snowballstemmer.stemmer("russian")
for _stemmer in (_en, _ru):
    # PyStemmer's own word cache costs more to fill (~3 µs a new word) than it saves: the
    # keys below are memoised by lru_cache already
    if hasattr(_stemmer, "maxCacheSize"):
        _stemmer.maxCacheSize = 0


def stemmer_backend() -> str:
    return type(_en).__module__

# Azerbaijani inflectional suffixes, written diacritic-folded (ə->e, ı->i, ü->u, ö->o), so
# vowel-harmony variants collapse: -nın/-nin/-nun/-nün -> nin/nun, -lar/-lər -> lar/ler.
# Derivational suffixes (-lıq, -çı, ...) are left alone: they change the meaning.
_AZ_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        {
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
        },
        key=len,
        reverse=True,
    )
)
# the same suffixes by length, longest first (at most one of each length can end a word)
_AZ_SUFFIXES_BY_LENGTH: tuple[tuple[int, frozenset[str]], ...] = tuple(
    (n, frozenset(s for s in _AZ_SUFFIXES if len(s) == n))
    for n in sorted({len(s) for s in _AZ_SUFFIXES}, reverse=True)
)
_AZ_MIN_STEM = 3
_AZ_VOWELS = frozenset("aeiou")  # folded: ə->e, ı->i, ö->o, ü->u
_AZ_POSSESSIVE_VOWELS = frozenset("iu")

_STOP_TEXT = """a an and are as at be by for from has have in into is it its of on or the to
    was were
    with will this that these those
    və ilə üçün də bu o ki bir olan olub
    и в во на с со по к о об от для из за у не что как это а"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def strip_html(text: str) -> str:
    """Drop tags and decode entities (a body may still carry `<p>` and `&amp;`)."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def normalise(text: str) -> str:
    """Lower-case with Azerbaijani and Russian fixes; NFC first so decomposed letters match."""
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # "İ".lower() is "i̇" (i + U+0307 combining dot): fold it first; ё -> е for Russian.
    # (str.replace, not str.translate: translate is ~20x slower on non-ASCII text)
    text = text.replace("İ", "i").replace("\u0307", "")
    return text.lower().replace("ё", "е")


_ASCII_WORD = re.compile(r"[a-z0-9]+")
_ANY_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The normalised words of `text` (letters and digits; everything else separates).

    Same result as `_WORD.findall`, but the ASCII class and plain \\w are 1.5-2.5x faster to
    match: tokenising is a large share of building the index."""
    text = normalise(text)
    if text.isascii():
        return _ASCII_WORD.findall(text)
    if "_" in text:
        text = text.replace("_", " ")
    return _ANY_WORD.findall(text)


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised word) for each word of `text`, offsets into `text` itself.

    `normalise` never changes the length of a word except for the dropped combining dot, so
    the words are found on the raw text and normalised one by one.
    """
    return [(m.start(), m.end(), normalise(m.group())) for m in _WORD.finditer(text)]


def fold_az(word: str) -> str:
    return word.translate(_AZ_FOLD)


def az_stem(word: str) -> str:
    """Strip Azerbaijani inflectional suffixes from a lower-case word (folded or not).

    Greedy: the longest matching suffix is removed while at least three letters remain,
    repeatedly, so "minalardan" -> "minalar" -> "mina".
    Over-stemming is harmless as long as every form of a word ends at the same stem.
    """
    word = fold_az(word)
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


@lru_cache(maxsize=200_000)
def en_key(word: str) -> str:
    return _en.stemWord(word)


@lru_cache(maxsize=200_000)
def az_key(word: str) -> str:
    return AZ_PREFIX + az_stem(word)


@lru_cache(maxsize=200_000)
def ru_key(word: str) -> str:
    return _ru.stemWord(word)


def is_cyrillic(word: str) -> bool:
    return _CYRILLIC.search(word) is not None


def _numeric(word: str) -> bool:
    return word[0].isdigit() or word[-1].isdigit()


def doc_key(word: str, language: str) -> str:
    """The index key of a normalised word found in a release of `language`.

    Numbers are their own key in every language (and skip the stemmers, which cost ~50-90 µs
    a call in pure Python: an archive has a great many distinct numbers).
    """
    if _numeric(word):
        return word
    if word.isascii():
        return az_key(word) if language == "az" else en_key(word)
    if is_cyrillic(word):
        return ru_key(word)
    return az_key(word) if language == "az" else en_key(word)


def query_keys(word: str) -> tuple[str, ...]:
    """Every key a normalised query word may have been indexed under (language unknown)."""
    if _numeric(word):
        return (word,)
    if is_cyrillic(word):
        return (ru_key(word),)
    en, az = en_key(word), az_key(word)
    return (en, az)


def stop_keys() -> frozenset[str]:
    """Index keys of the stop words, in every language: they get no postings."""
    return frozenset(k for w in STOP_WORDS for lang in ("en", "az") for k in (doc_key(w, lang),))


def guess_language(text: str) -> str:
    """For releases without a language: Cyrillic -> ru, Azerbaijani letters -> az, else en."""
    sample = text[:2000]
    if _CYRILLIC.search(sample):
        return "ru"
    lowered = sample.lower()
    if "ə" in lowered or "ı" in lowered or "ğ" in lowered:
        return "az"
    return "en"
