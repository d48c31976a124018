"""Digests: a daily or weekly one, or the one that ends /quiet hours or a kept /pause.

One list grouped by topic (the taxonomy's order; a story under the first topic the chat follows
that it has), each story once, in the chat's language, newest first within a topic, with links
to its other language editions; at most `DIGEST_MAX_ITEMS` and `DIGEST_MAX_CHARS` (one Telegram
message, one Slack section per ~3,000 characters), then a line pointing to /latest.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import tzinfo
from typing import Literal

from bot.i18n import N_, ntr, tr
from bot.models import Item, Reply, Span, Story
from bot.summary import TopicLabel, cut_words, date_text

DIGEST_MAX_ITEMS = 15
# a digest's length, its links' addresses counted (Telegram HTML carries them): one message
DIGEST_MAX_CHARS = 3500
TITLE_MAX = 200  # a title in a digest's list, cut on a word
DigestKind = Literal["daily", "weekly", "quiet", "pause", ""]


def heading(kind: DigestKind, n: int, lang: str) -> str:
    """The digest's first line: what it is and how many releases it holds."""
    if kind == "daily":
        return ntr(lang, "Your daily digest: {n} new release",
                   "Your daily digest: {n} new releases", n)
    if kind == "weekly":
        return ntr(lang, "Your weekly digest: {n} new release",
                   "Your weekly digest: {n} new releases", n)
    if kind == "quiet":
        return ntr(lang, "Quiet hours are over: {n} new release arrived meanwhile",
                   "Quiet hours are over: {n} new releases arrived meanwhile", n)
    return ntr(lang, "Alerts are on again: {n} new release arrived during the pause",
               "Alerts are on again: {n} new releases arrived during the pause", n)


OTHER = N_("Other releases")


def _group(story: Story, followed: Collection[str], rank: Mapping[str, int]) -> str:
    """The topic a story is listed under: the first followed one it has, else its first
    (`rank`: each topic's place in the taxonomy's order)."""
    topics = sorted(story.topics, key=lambda t: (rank.get(t, len(rank)), t))
    mine = [t for t in topics if t in followed]
    return (mine or topics or [""])[0]


def _line(story: Story, edition: Item, tz: tzinfo, lang: str) -> list[Span]:
    spans = [Span("• "), Span(cut_words(edition.title, TITLE_MAX), "link", edition.url),
             Span(" · " + date_text(edition, tz, lang), "italic")]
    for other in sorted(story.others(edition), key=lambda e: e.language):
        if other.url:
            spans += [Span(" · "), Span(other.language.upper(), "link", other.url)]
    return spans


def digest_reply(
    entries: list[tuple[Story, Item]],
    tz: tzinfo,
    topic_label: TopicLabel,
    *,
    lang: str = "en",
    platform: str = "telegram",
    kind: DigestKind = "daily",
    followed: Collection[str] = (),
    order: Sequence[str] = (),
) -> Reply:
    """`entries` (story, the edition shown), oldest first, as one message."""
    reply = Reply(ephemeral=False)
    reply.add(Span(heading(kind, len(entries), lang), "bold"))
    groups: dict[str, list[list[Span]]] = {}
    size, shown = _size(reply.paragraphs[0]), 0
    rank = {t: n for n, t in enumerate(order)}
    for story, edition in list(reversed(entries))[:DIGEST_MAX_ITEMS]:  # newest first
        line = _line(story, edition, tz, lang)
        group = _group(story, followed, rank)
        grows = _size(line) + (0 if group in groups else GROUP_HEADING)
        if shown and size + grows > DIGEST_MAX_CHARS:
            break
        groups.setdefault(group, []).append(line)
        size, shown = size + grows, shown + 1
    for topic in sorted(groups, key=lambda t: (t == "", rank.get(t, len(rank)), t)):
        label = topic_label(topic, lang) if topic else tr(lang, OTHER)
        reply.add(Span(f"{label} ({len(groups[topic])})", "bold"))
        reply.paragraphs.extend(groups[topic])
    if len(entries) > shown:
        command = "/news latest" if platform == "slack" else "/latest"
        reply.add(tr(lang, "…and {n} more: see {command}", n=len(entries) - shown,
                     command=command))
    return reply


GROUP_HEADING = 60  # what a topic's heading line may take


def _size(spans: list[Span]) -> int:
    return sum(len(s.text) + (len(s.url or "") + 15 if s.style == "link" else 0)
               for s in spans) + 1
