"""Snippets: about `width` characters of a release around its best match, words marked."""

from __future__ import annotations

from bot.models import Item, Span
from bot.search.keys import doc_key, query_keys
from bot.search.query import ParsedQuery
from bot.text import LANGUAGES, detect_language, strip_html, word_spans


def item_snippet(item: Item, query: ParsedQuery, width: int = 160) -> list[Span]:
    """~`width` characters of the body around its best match, matched words as marks."""
    title = " ".join(strip_html(item.title or "").split())
    body = " ".join(strip_html(item.body or "").split())
    if title and body.startswith(title):  # agency pages repeat the title as a first line
        body = body[len(title):].lstrip(" .:-–—")
    lang = item.language if item.language in LANGUAGES else detect_language(title + body)
    return snippet(body or title, lang, query_key_set(query), width)


def query_key_set(pq: ParsedQuery) -> set[str]:
    keys: set[str] = set()
    for word in pq.positive_words:
        keys.update(query_keys(word))
    return keys


def snippet(text: str, lang: str, keys: set[str], width: int) -> list[Span]:
    """Cut `text` to about `width` characters on word boundaries, marking matched words."""
    width = max(int(width), 20)
    spans = word_spans(text)
    matched = [(s, e, k) for s, e, w in spans if (k := doc_key(w, lang)) in keys]
    start = 0
    if matched and len(text) > width:
        # the window (starting a little before a match) that holds the most distinct keys
        best, best_count = 0, -1
        for ms, _, _ in matched:
            lo = max(0, ms - 30)
            count = len({k for s, e, k in matched if s >= lo and e <= lo + width})
            if count > best_count:
                best, best_count = lo, count
        start = best
    if start > 0:
        # move to the start of the word containing/after `start`
        for s, _, _ in spans:
            if s >= start:
                start = s
                break
    end = start + width
    if end >= len(text):
        end = len(text)
        if start > 0:  # a short tail: show more before it instead
            start = _word_start_before(spans, max(0, len(text) - width))
    else:
        cut = start
        for _, e, _ in spans:
            if e > end:
                break
            if e > start:
                cut = e
        end = cut if cut > start else end
    out: list[Span] = []
    if start > 0:
        out.append(Span("…"))
    pos = start
    for s, e, _ in matched:
        if s < start or e > end:
            continue
        if s > pos:
            out.append(Span(text[pos:s]))
        out.append(Span(text[s:e], "mark"))
        pos = e
    if end > pos:
        out.append(Span(text[pos:end]))
    if end < len(text):
        out.append(Span("…"))
    return _merge_plain(out)


def _word_start_before(spans: list[tuple[int, int, str]], pos: int) -> int:
    for s, _, _ in spans:
        if s >= pos:
            return s
    return pos


def _merge_plain(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if out and span.style == "plain" and out[-1].style == "plain":
            out[-1] = Span(out[-1].text + span.text)
        elif span.text:
            out.append(span)
    return out
