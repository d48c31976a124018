"""The one text pipeline that sources, the classifier and the search index all use:
HTML to plain text, case and diacritic folding, words, stems and the language of a text."""

from bot.text.language import (
    LANGUAGES,
    detect_language,
    language_code,
    language_of,
    script_counts,
)
from bot.text.markup import clean_text, html_to_text, one_line
from bot.text.normalise import (
    fold_case,
    fold_diacritics,
    normalize_token,
    strip_html,
)
from bot.text.stem import (
    is_cyrillic,
    stem,
    stem_az,
    stem_en,
    stem_ru,
    stem_tagged,
    stemmer_backend,
)
from bot.text.tokens import WORD, is_numeric, word_spans, words

__all__ = [
    "LANGUAGES", "WORD", "clean_text", "detect_language", "fold_case", "fold_diacritics",
    "html_to_text", "is_cyrillic", "is_numeric", "language_code", "language_of",
    "normalize_token",
    "one_line", "script_counts", "stem", "stem_az", "stem_en", "stem_ru", "stem_tagged",
    "stemmer_backend",
    "strip_html", "word_spans", "words",
]
