"""Topic classification: the term grammar (`terms`), the matcher (`engine`), the scoring
(`classifier`) and the built-in taxonomy (`taxonomy`). Pure code: no files, no environment."""

from bot.classify.classifier import (
    DEFAULT_THRESHOLD,
    Classifier,
    TopicMatch,
    check_topic_terms,
    classify_json_lines,
)
from bot.classify.taxonomy import DEFAULT_TOPICS
from bot.classify.terms import compile_term
from bot.classify.word_classes import MACROS
from bot.text import detect_language, normalize_token

__all__ = [
    "DEFAULT_THRESHOLD",
    "DEFAULT_TOPICS",
    "MACROS",
    "Classifier",
    "TopicMatch",
    "check_topic_terms",
    "classify_json_lines",
    "compile_term",
    "detect_language",
    "normalize_token",
]
