"""Lines of an article page's text, as the article, date and boilerplate readers compare them."""

from __future__ import annotations

import html
import re

_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]{1,31});", re.IGNORECASE)


def unescape_twice(text: str) -> str:
    """lxml has decoded the entities once; a CMS that escapes twice leaves "&amp;quot;" as
    "&quot;" in the text: decode that second layer too, as text.html_to_text does."""
    return html.unescape(text) if _ENTITY.search(text) else text


def collapse_spaces(text: str) -> str:
    """The text (already decoded once) on one line, its runs of white space as single spaces."""
    return " ".join(unescape_twice(text).split())


def line_key(line: str) -> str:
    """Comparable form of a line: case-folded, punctuation to spaces. Azerbaijani "İ" folds to
    "i" + a combining dot, which is dropped so "İdarə" and "idarə" compare equal."""
    folded = line.casefold().replace("\u0307", "")
    return re.sub(r"[\W_]+", " ", folded).strip()
