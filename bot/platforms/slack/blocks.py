"""Reply -> Slack mrkdwn and Block Kit, within Slack's size limits.

Everything that came from a feed is escaped for mrkdwn (`&`, `<`, `>`), so a title can never
produce `<!channel>`, `<!here>` or a mention. The texts written here (a button, the App Home
header) are in the chat's language, `lang`.
"""

from __future__ import annotations

import re
from typing import Any

from bot.i18n import tr
from bot.models import Button, Card, Reply, Span
from bot.summary import cut_words

Block = dict[str, Any]

HEADER_MAX = 150  # header block plain_text
SECTION_MAX = 3000  # section / context text
FALLBACK_MAX = 3000  # the message's `text` (notifications and screen readers)
TITLE_IN_LIST_MAX = 300
BUTTON_LABEL_MAX = 75
BUTTON_VALUE_MAX = 2000
BUTTON_URL_MAX = 3000
IMAGE_URL_MAX = 3000  # image block image_url
ALT_TEXT_MAX = 2000  # image block alt_text
ACTIONS_MAX = 25  # elements in one actions block
MAX_BLOCKS = 50  # a message; a Home view takes 100
HOME_MAX_BLOCKS = 100

ACTION_PREFIX = "news:"  # action_id of buttons carrying a command line in `value`
LINK_PREFIX = "newslink:"  # action_id of link buttons (clicks are acked, nothing else)

_SAFE_URL = re.compile(r"^(https?://|mailto:)[^\s]+$", re.IGNORECASE)
_MARKS = {"bold": "*", "mark": "*", "italic": "_", "code": "`"}


def escape_mrkdwn(text: str) -> str:
    """Escape Slack's three control characters; nothing else is special to the parser."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut_escaped(text: str, limit: int) -> str:
    """Escape `text`, cut on a word boundary so that the escaped form fits in `limit`."""
    out = escape_mrkdwn(text)
    if len(out) <= limit:
        return out
    n = limit
    while n > 1:
        out = escape_mrkdwn(cut_words(text, n))
        if len(out) <= limit:
            return out
        n -= max(1, len(out) - limit)
    return "…"


def _safe_url(url: str | None) -> str | None:
    """A URL fit to sit inside <url|text>, or None (no javascript:, no spaces)."""
    if not url or not _SAFE_URL.match(url):
        return None
    url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return url.replace("&", "&amp;")


def render_span(span: Span) -> str:
    text = escape_mrkdwn(span.text)
    if span.style == "link":
        url = _safe_url(span.url or span.text)
        if url is None:
            return text
        return f"<{url}|{text}>" if span.text else f"<{url}>"
    mark = _MARKS.get(span.style)
    core = text.strip()
    if mark is None or not core:
        return text
    if mark == "`":
        core = core.replace("`", "'")
    left = text[: len(text) - len(text.lstrip())]
    right = text[len(text.rstrip()):]
    return f"{left}{mark}{core}{mark}{right}"


def render_spans(spans: list[Span]) -> str:
    return "".join(render_span(s) for s in spans)


def _plain_spans(spans: list[Span]) -> str:
    return "".join(s.text for s in spans)


def mrkdwn(text: str, verbatim: bool = True) -> Block:
    return {"type": "mrkdwn", "text": text, "verbatim": verbatim}


def plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def paragraph_blocks(paragraphs: list[list[Span]]) -> list[Block]:
    """Paragraphs as few sections as possible, each under Slack's 3000 characters."""
    blocks: list[Block] = []
    lines: list[str] = []
    size = 0
    for para in paragraphs:
        line = render_spans(para)
        if len(line) > SECTION_MAX:  # too long to keep its markup: plain text, cut on words
            line = cut_escaped(_plain_spans(para), SECTION_MAX)
        if lines and size + 1 + len(line) > SECTION_MAX:
            blocks.append(_section("\n".join(lines)))
            lines, size = [], 0
        lines.append(line)
        size += len(line) + (1 if size else 0)
    if lines and any(x.strip() for x in lines):
        blocks.append(_section("\n".join(lines)))
    return blocks


def _editions(card: Card) -> str:
    """Links to the story's other language editions, mrkdwn: "<url|AZ> · <url|RU>"."""
    links = [f"<{url}|{escape_mrkdwn(lang.upper())}>" for lang, url in
             ((lang, _safe_url(url)) for lang, url in card.editions) if url]
    return " · ".join(links)


def _meta(card: Card) -> str:
    parts = [card.date_text] if card.date_text else []
    if card.topic_labels:
        parts.append(", ".join(card.topic_labels))
    return "  ·  ".join(parts)


def _card_list_block(card: Card) -> Block:
    """A release in a list (/latest, /search, digests): one section."""
    head = f"{card.number}. " if card.number is not None else ""
    title = cut_escaped(card.title, TITLE_IN_LIST_MAX)
    url = _safe_url(card.url)
    first = f"*{head}<{url}|{title}>*" if url else f"*{head}{title}*"
    meta = "  ·  ".join(x for x in (escape_mrkdwn(_meta(card)), _editions(card)) if x)
    room = SECTION_MAX - len(first) - len(meta) - 2
    if card.snippet:
        body = render_spans(card.snippet)
        if len(body) > room:
            body = cut_escaped(_plain_spans(card.snippet), room)
    else:
        body = cut_escaped(card.lead, room) if card.lead else ""
    text = "\n".join(x for x in (first, meta, body) if x)
    return _section(text)


def _notification_blocks(card: Card, lang: str) -> list[Block]:
    """A new release pushed to a chat: header, context line (with the other editions), lead,
    link button."""
    title = card.title or tr(lang, "New release")
    blocks: list[Block] = [{"type": "header", "text": plain(cut_escaped(title, HEADER_MAX))}]
    editions = _editions(card)
    meta = cut_escaped(_meta(card), SECTION_MAX - len(editions) - 5)
    meta = "  ·  ".join(x for x in (meta, editions) if x)
    if meta:
        blocks.append({"type": "context", "elements": [mrkdwn(meta)]})
    if card.lead:
        blocks.append(_section(cut_escaped(card.lead, SECTION_MAX)))
    image = image_block(card)
    if image is not None:
        blocks.append(image)
    if card.url and _safe_url(card.url) and len(card.url) <= BUTTON_URL_MAX:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "action_id": f"{LINK_PREFIX}release",
            "text": plain(tr(lang, "Read the release")), "url": card.url,
        }]})
    return blocks


def image_block(card: Card) -> Block | None:
    """The release's picture (an http(s) URL Slack fetches itself), its title as alt text."""
    url = card.image
    if not url or not url.lower().startswith(("http://", "https://")) or \
            not _safe_url(url) or len(url) > IMAGE_URL_MAX:
        return None
    alt = cut_escaped(card.title, ALT_TEXT_MAX) or "…"
    return {"type": "image", "image_url": url, "alt_text": alt}


def without_images(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.get("type") != "image"]


def _button_blocks(rows: list[list[Button]]) -> list[Block]:
    blocks: list[Block] = []
    for r, row in enumerate(rows):
        elements: list[Block] = []
        for i, button in enumerate(row[:ACTIONS_MAX]):
            label = cut_words(button.label, BUTTON_LABEL_MAX) or "…"
            element: Block = {"type": "button", "text": plain(escape_mrkdwn(label))}
            if button.url:
                if not _safe_url(button.url) or len(button.url) > BUTTON_URL_MAX:
                    continue
                element["action_id"] = f"{LINK_PREFIX}{r}:{i}"
                element["url"] = button.url
            elif button.action and len(button.action) <= BUTTON_VALUE_MAX:
                element["action_id"] = f"{ACTION_PREFIX}{r}:{i}"
                element["value"] = button.action
            else:
                continue
            elements.append(element)
        if elements:
            blocks.append({"type": "actions", "elements": elements})
    return blocks


def render_blocks(reply: Reply, max_blocks: int = MAX_BLOCKS,
                  lang: str = "en") -> tuple[str, list[Block]]:
    """A Reply as (mrkdwn fallback text, Block Kit blocks), the blocks' own texts in `lang`.
    All feed text arrives escaped."""
    blocks: list[Block] = []
    single = len(reply.cards) == 1 and not reply.paragraphs and reply.cards[0].number is None
    if single:
        blocks.extend(_notification_blocks(reply.cards[0], lang))
    else:
        blocks.extend(paragraph_blocks(reply.paragraphs))
        for n, card in enumerate(reply.cards):
            if n:
                blocks.append({"type": "divider"})
            blocks.append(_card_list_block(card))
    buttons = _button_blocks(reply.buttons)
    room = max_blocks - len(buttons)
    if len(blocks) > room:
        blocks = blocks[: room - 1]
        more = escape_mrkdwn(tr(lang, "…more not shown"))
        blocks.append({"type": "context", "elements": [mrkdwn(more)]})
    blocks.extend(buttons)
    text = cut_escaped(reply.plain(), FALLBACK_MAX) or " "
    return text, blocks


def home_view(subscription: Reply, note: Reply | None = None, lang: str = "en") -> Block:
    """The App Home tab: the user's own (DM) subscription, with buttons to toggle topics.

    `note` is the answer to the button just tapped there, shown above the list.
    """
    about = tr(lang, "Alerts for the topics below arrive in this app's Messages tab. "
               "In a channel, type {command}.", command="`/news help`")
    blocks: list[Block] = [
        {"type": "header", "text": plain(tr(lang, "Customs news: your alerts"))},
        {"type": "context", "elements": [mrkdwn(escape_mrkdwn(about), verbatim=False)]},
    ]
    if note is not None and not note.silent and note.paragraphs:
        blocks.extend(paragraph_blocks(note.paragraphs)[:2])
        blocks.append({"type": "divider"})
    _, body = render_blocks(subscription, max_blocks=HOME_MAX_BLOCKS - len(blocks), lang=lang)
    blocks.extend(body)
    return {"type": "home", "blocks": blocks}
