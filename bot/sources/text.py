"""Turning feed HTML into clean plain text, and the small cleanups every source needs."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from html.parser import HTMLParser

from bot.language import detect_language

__all__ = ["clean_text", "content_hash", "detect_language", "drop_leading_title",
           "html_to_text", "one_line"]

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "blockquote", "header", "footer", "pre", "hr", "dd", "dt",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "iframe", "svg", "head"}
_SPACES = re.compile(r"[^\S\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """HTML (or plain text with entities) -> paragraphs of plain text separated by newlines."""
    if "<" in markup:
        parser = _TextExtractor()
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = markup
    text = html.unescape(text)  # double-escaped feeds ("&amp;quot;") and plain text entities
    return clean_text(text)


def clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " "))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def one_line(text: str) -> str:
    return " ".join(html_to_text(text).split())


def _comparable(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


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
