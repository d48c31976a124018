"""Reply -> Telegram HTML messages and an inline keyboard.

Every text is escaped (``html.escape``, quote=False; URLs in href with quote=True), so nothing a
feed publishes can open a tag. Telegram counts a message's length in UTF-16 code units of the
parsed text; cutting the HTML at that length is a safe upper bound.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot.models import Button, Card, Reply, Span

log = logging.getLogger("newsbot.telegram")

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units of the parsed text
MAX_CALLBACK_DATA = 64  # bytes
URL_SHOWN_MAX = 200  # a card's address as text; its link keeps the whole of it
URL_LINK_MAX = 2048  # a longer address is no link (nor a button): shown cut, as text
_LINK = re.compile(r"^(https?|tg)://\S+$")
_TAG = re.compile(r"<[^>]+>")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def link_ok(url: str | None) -> bool:
    """A URL Telegram accepts in a link or a button (no javascript:, no spaces, not huge)."""
    return bool(url) and len(url or "") <= URL_LINK_MAX and _LINK.match(url or "") is not None


def _span_html(span: Span) -> str:
    text = _esc(span.text)
    style = span.style
    if style == "bold" or style == "mark":
        return f"<b>{text}</b>"
    if style == "italic":
        return f"<i>{text}</i>"
    if style == "code":
        return f"<code>{text}</code>"
    if style == "link" and link_ok(span.url):
        return f'<a href="{html.escape(span.url or "", quote=True)}">{text}</a>'
    return text


def _card_spans(card: Card) -> list[Span]:
    number = f"{card.number}. " if card.number is not None else ""
    spans: list[Span] = [Span(number + card.title, "link", card.url)]
    meta = " · ".join(p for p in (card.date_text, ", ".join(card.topic_labels)) if p)
    if meta:
        spans += [Span("\n"), Span(meta, "italic")]
    body = card.snippet or ([Span(card.lead)] if card.lead else [])
    if body:
        spans += [Span("\n"), *body]
    if card.url:
        shown = card.url if len(card.url) <= URL_SHOWN_MAX else card.url[:URL_SHOWN_MAX - 1] + "…"
        spans += [Span("\n"), Span(shown, "link", card.url)]
    editions = _edition_spans(card)
    if editions:
        spans += [Span("  ·  " if card.url else "\n"), *editions]
    return spans


def _edition_spans(card: Card) -> list[Span]:
    """Links to the story's other language editions: "AZ · RU"."""
    spans: list[Span] = []
    for lang, url in card.editions:
        if link_ok(url):
            if spans:
                spans.append(Span(" · "))
            spans.append(Span(lang.upper(), "link", url))
    return spans


def _card_html(spans: list[Span]) -> list[str]:
    """A card's spans as HTML pieces, its title in bold."""
    return [f"<b>{_span_html(spans[0])}</b>"] + [_span_html(s) for s in spans[1:]]


def _ulen(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _split_piece(span: Span, limit: int) -> list[str]:
    """One span too long for a message: cut its raw text on whitespace, each part re-tagged."""
    overhead = _ulen(_span_html(replace(span, text="")))
    out: list[str] = []
    rest = span.text
    while rest:
        room = max(1, limit - overhead)
        # the escaped text may grow (&amp; is 5): shrink the cut until it fits
        cut = min(len(rest), room)
        while True:
            chunk = rest[:cut]
            if cut < len(rest):
                space = max(chunk.rfind("\n"), chunk.rfind(" "))
                if space > cut // 2:
                    chunk = rest[:space + 1]
            rendered = _span_html(replace(span, text=chunk))
            if _ulen(rendered) <= limit or cut == 1:
                break
            cut = max(1, cut - max(1, (_ulen(rendered) - limit)))
        out.append(rendered)
        rest = rest[len(chunk):]
    return out


def _fit(pieces: list[str], spans: list[Span], limit: int) -> list[str]:
    """A paragraph as one or more HTML strings of at most `limit`, cut between its spans."""
    whole = "".join(pieces)
    if _ulen(whole) <= limit:
        return [whole]
    out: list[str] = []
    current = ""
    for piece, span in zip(pieces, spans, strict=True):
        parts = _split_piece(span, limit) if _ulen(piece) > limit else [piece]
        for part in parts:
            if current and _ulen(current) + _ulen(part) > limit:
                out.append(current)
                current = ""
            current += part
    if current:
        out.append(current)
    return out


def render_html(reply: Reply, limit: int = MAX_MESSAGE) -> list[str]:
    """The reply as Telegram HTML messages of at most `limit` characters each.

    Paragraphs are separated by a line break, cards by a blank line; a message is cut between
    paragraphs or cards, and a paragraph too long on its own between its spans or on
    whitespace, never inside a tag or an entity.
    """
    # (separator before it, its spans, its html pieces: one per span)
    blocks: list[tuple[str, list[Span], list[str]]] = []
    for para in reply.paragraphs:
        blocks.append(("\n", list(para), [_span_html(s) for s in para]))
    for card in reply.cards:
        spans = _card_spans(card)
        blocks.append(("\n\n", spans, _card_html(spans)))
    messages: list[str] = []
    current = ""
    for sep, spans, pieces in blocks:
        for part in _fit(pieces, spans, limit):
            if not part and not current:
                continue
            if current and _ulen(current) + _ulen(sep) + _ulen(part) <= limit:
                current += sep + part
            else:
                if current:
                    messages.append(current)
                current = part
    if current.strip():
        messages.append(current)
    return messages


def plain_text(message_html: str) -> str:
    """One rendered message without its markup (for when Telegram refuses the HTML)."""
    return html.unescape(_TAG.sub("", message_html))


def keyboard(rows: Iterable[Iterable[Button]]) -> InlineKeyboardMarkup | None:
    """Reply.buttons -> an inline keyboard (callback data = the button's command line)."""
    out: list[list[InlineKeyboardButton]] = []
    for row in rows:
        buttons: list[InlineKeyboardButton] = []
        for b in row:
            if b.url and link_ok(b.url):
                buttons.append(InlineKeyboardButton(b.label, url=b.url))
            elif b.action and len(b.action.encode()) <= MAX_CALLBACK_DATA:
                buttons.append(InlineKeyboardButton(b.label, callback_data=b.action))
            else:
                log.warning("event=button_dropped label=%r reason=%s", b.label,
                            "callback data over 64 bytes" if b.action else "no action or url")
        if buttons:
            out.append(buttons)
    return InlineKeyboardMarkup(out) if out else None


def link_preview(reply: Reply) -> LinkPreviewOptions:
    """A preview only when the reply asks for one, and then of its single release."""
    if not reply.link_preview:
        return LinkPreviewOptions(is_disabled=True)
    url = reply.cards[0].url if len(reply.cards) == 1 and link_ok(reply.cards[0].url) else None
    return LinkPreviewOptions(is_disabled=False, url=url)
