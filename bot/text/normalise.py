"""Plain text for matching: HTML tags and entities out, case and diacritics folded.

Two folds, applied in this order:

- `fold_case`: NFC, lower case, with the Azerbaijani and Russian fixes ("İ" -> "i" without a
  combining dot, "ё" -> "е"). Never changes the length of a word except for that dot, so
  offsets found on the raw text still hold (snippets rely on it).
- `fold_diacritics`: Latin letters lose their marks (Azerbaijani ə->e, ı->i, ö->o, ü->u,
  ç->c, ş->s, ğ->g; also é, ñ ...), so text typed without an Azerbaijani keyboard still
  matches; Cyrillic keeps its letters.

`normalize_token` is both: the form every stemmer is given.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

_TAG = re.compile(r"<[^>]{0,2000}>")
_PRE_FOLD = str.maketrans({"ə": "e", "ı": "i"})


def strip_html(text: str, tag: str = " ") -> str:
    """Drop tags (each becomes `tag`) and decode entities: cheap, for text that is mostly
    plain already (stored bodies, classifier input). Feed markup goes through
    `bot.text.markup.html_to_text`, which keeps paragraphs."""
    if "<" in text:
        text = _TAG.sub(tag, text)
    if "&" in text:
        text = html.unescape(text)
    return text


def fold_case(text: str) -> str:
    """Lower-case with Azerbaijani and Russian fixes; NFC first so decomposed letters match."""
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # "İ".lower() is "i̇" (i + U+0307 combining dot): fold it first; ё -> е for Russian.
    # (str.replace, not str.translate: translate is ~20x slower on non-ASCII text)
    text = text.replace("İ", "i").replace("\u0307", "")
    return text.lower().replace("ё", "е")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """Strip diacritics from a Latin letter; leave Cyrillic and everything else alone."""
    if ch < "\u00c0" or "\u0400" <= ch <= "\u04ff":
        return ch
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)) or ch


def fold_diacritics(word: str) -> str:
    """A case-folded word without Latin diacritics (see the module docstring)."""
    if word.isascii():
        return word
    word = word.translate(_PRE_FOLD)
    if word.isascii():
        return word
    return "".join(map(_fold_char, word))


@lru_cache(maxsize=200_000)
def normalize_token(token: str) -> str:
    """The case- and diacritic-folded form of one token."""
    return fold_diacritics(fold_case(token))
