"""What a release looks like in a chat, before any platform's markup: pure functions."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import tzinfo

from bot.i18n import format_date, format_datetime, tr
from bot.models import Card, Item, Reply, Span

LEAD_MAX_CHARS = 420
# what a release keeps when stored (and shows, for one stored before the cap): a title longer
# than a long headline is cut on a word with "…"; a body longer than any press release, too
TITLE_MAX_CHARS = 300
BODY_MAX_CHARS = 100_000
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


def capped(item: Item) -> Item:
    """`item` with its title and body cut to what is stored (TITLE_MAX_CHARS, BODY_MAX_CHARS),
    on a word boundary, with an ellipsis. Changes and returns the item itself."""
    item.title = cut_words(item.title, TITLE_MAX_CHARS)
    item.body = cut_words(item.body, BODY_MAX_CHARS)
    return item


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


TopicLabel = Callable[[str, str], str]  # (topic id, language) -> the topic's name


def topic_id_label(topic_id: str, lang: str) -> str:
    """The default label: the topic's id, in any language."""
    return topic_id


def date_text(item: Item, tz: tzinfo, lang: str = "en") -> str:
    """The release's date (and time) in the chat's language and the bot's time zone."""
    if item.published_estimated:
        return tr(lang, "{date} (date not given; first seen)",
                  date=format_date(item.published, lang, tz))
    return format_datetime(item.published, lang, tz)


def _topics(item: Item, others: Iterable[Item]) -> list[str]:
    """The story's topics: the item's first, then those only another edition was given."""
    seen = dict.fromkeys(item.topics)
    for other in others:
        seen.update(dict.fromkeys(other.topics))
    return list(seen)


def make_card(
    item: Item,
    tz: tzinfo,
    topic_label: TopicLabel = topic_id_label,
    *,
    lang: str = "en",
    number: int | None = None,
    others: Iterable[Item] = (),
    snippet: list[Span] | None = None,
) -> Card:
    others = list(others)
    """`item` as a card for a chat speaking `lang`; `others` are the story's other editions,
    linked from the card."""
    return Card(
        title=cut_words(item.title, TITLE_MAX_CHARS),  # a title stored before the cap
        url=item.url,
        date_text=date_text(item, tz, lang),
        topic_labels=[topic_label(t, lang) for t in _topics(item, others)],
        lead=lead(item.body),
        snippet=snippet or [],
        number=number,
        editions=[(o.language, o.url) for o in others if o.url and o.id != item.id],
    )


def notification(
    item: Item,
    tz: tzinfo,
    topic_label: TopicLabel = topic_id_label,
    *,
    lang: str = "en",
    others: Iterable[Item] = (),
) -> Reply:
    """The message a subscribed chat receives for a new release (one edition of a story)."""
    card = make_card(item, tz, topic_label, lang=lang, others=others)
    card.image = item.image  # a notification carries the release's picture
    return Reply(cards=[card], ephemeral=False, link_preview=True)


def announcement(text: str, lang: str = "en") -> Reply:
    """An announcement of the bot's administrators (/broadcast): a heading in the chat's
    language, then their text as they wrote it, line by line."""
    reply = Reply(ephemeral=False)
    reply.add(Span(tr(lang, "Announcement from the bot's administrators"), "bold"))
    for line in text.splitlines() or [""]:
        reply.add(line)
    return reply
