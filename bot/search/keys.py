"""Index keys: which key a word is indexed and looked up under.

Every word becomes an index *key*: its stem (`bot.text.stem`, on the diacritic-folded word).
Azerbaijani stems get a ``~`` in front, so the English and Azerbaijani stems of Latin words
never mix in one key. A query word's language is unknown, so a Latin query word is looked up
under both its English and its Azerbaijani key (`query_keys`), a Cyrillic one under its
Russian key.
"""

from __future__ import annotations

from functools import lru_cache

from bot.text import fold_diacritics, is_cyrillic, is_numeric, stem_tagged

AZ_PREFIX = "~"

_STOP_TEXT = """a an and are as at be by for from has have in into is it its of on or the to
    was were
    with will this that these those
    və ilə üçün də bu o ki bir olan olub
    и в во на с со по к о об от для из за у не что как это а"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@lru_cache(maxsize=200_000)
def _key(word: str) -> str:
    return stem_tagged(fold_diacritics(word), "en")[0]


@lru_cache(maxsize=200_000)
def _az_key(word: str) -> str:
    key, stemmer = stem_tagged(fold_diacritics(word), "az")
    return AZ_PREFIX + key if stemmer == "az" else key


def doc_key(word: str, language: str) -> str:
    """The index key of a case-folded word (`bot.text.words`) in a release of `language`.

    Numbers are their own key in every language. Outside Azerbaijani every language reads a
    word the same way (the script picks the stemmer), so one memo serves them all.
    """
    return _az_key(word) if language == "az" else _key(word)


def query_keys(word: str) -> tuple[str, ...]:
    """Every key a case-folded query word may have been indexed under (language unknown)."""
    if is_numeric(word) or (not word.isascii() and is_cyrillic(word)):
        return (doc_key(word, "ru"),)
    return (doc_key(word, "en"), doc_key(word, "az"))


def stop_keys() -> frozenset[str]:
    """Index keys of the stop words, in every language: they get no postings."""
    return frozenset(doc_key(w, lang) for w in STOP_WORDS for lang in ("en", "az"))
