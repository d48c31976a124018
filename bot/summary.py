"""What a release looks like in a chat, before any platform's markup: pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo

from bot.models import Card, Item, Reply, Span

LEAD_MAX_CHARS = 420
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”)]?\s+(?=[\"«“(]?[A-ZÀ-ÖØ-ÞƏÜÖĞŞÇİА-ЯЁ0-9])")
# "Mr.", "No.", "St." and initials are not sentence ends
_NOT_END = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|No|St|Jr|Inc|Ltd|vs|etc|i\.e|e\.g|г|ул|им)\.|\b[A-ZА-Я]\.)$"
)


def split_sentences(text: str) -> list[str]:
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        piece = text[start : match.start()].strip()
        if _NOT_END.search(piece):
            continue
        out.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def cut_words(text: str, limit: int) -> str:
    """At most `limit` characters, cut on a word boundary, with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def lead(body: str, max_sentences: int = 3, max_chars: int = LEAD_MAX_CHARS) -> str:
    """One to three whole sentences from the start of the body, never cut mid-word."""
    sentences = split_sentences(body)
    if not sentences:
        return ""
    chosen = [sentences[0]]
    for sentence in sentences[1:max_sentences]:
        if len(" ".join([*chosen, sentence])) > max_chars:
            break
        chosen.append(sentence)
    return cut_words(" ".join(chosen), max_chars)


def date_text(item: Item, tz: tzinfo) -> str:
    local = item.published.astimezone(tz)
    if item.published_estimated:
        return local.strftime("%d %b %Y") + " (date not given; first seen)"
    return local.strftime("%d %b %Y, %H:%M")


def make_card(
    item: Item,
    tz: tzinfo,
    topic_label: Callable[[str], str] = str,
    number: int | None = None,
    snippet: list[Span] | None = None,
) -> Card:
    return Card(
        title=item.title,
        url=item.url,
        date_text=date_text(item, tz),
        topic_labels=[topic_label(t) for t in item.topics],
        lead=lead(item.body),
        snippet=snippet or [],
        number=number,
    )


def notification(item: Item, tz: tzinfo, topic_label: Callable[[str], str] = str) -> Reply:
    """The message a subscribed chat receives for a new release."""
    return Reply(cards=[make_card(item, tz, topic_label)], ephemeral=False, link_preview=True)
