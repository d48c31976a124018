"""The small cleanups every source needs; the text itself is handled by `bot.text`."""

from __future__ import annotations

import hashlib
import re

from bot.text import clean_text, detect_language, fold_case, html_to_text, one_line

__all__ = ["clean_text", "content_hash", "detect_language", "drop_leading_title",
           "html_to_text", "one_line"]

_NOT_WORD = re.compile(r"[\W_]+")


def _comparable(text: str) -> str:
    return _NOT_WORD.sub(" ", fold_case(text)).strip()


def drop_leading_title(body: str, title: str) -> str:
    """Remove the title when the body repeats it as its first line(s), as agency pages do."""
    want = _comparable(title)
    if not want:
        return body
    lines = body.split("\n")
    while lines and _comparable(lines[0]) == want:
        lines.pop(0)
    rest = "\n".join(lines)
    # a title glued to the first sentence without a line break
    if _comparable(rest[: len(title) + 5]).startswith(want) and len(rest) > len(title) + 20:
        cut = len(title)
        if _comparable(rest[:cut]) == want:
            rest = rest[cut:].lstrip(" .:-\u2013\u2014\n")
    return rest


def content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()[:32]
