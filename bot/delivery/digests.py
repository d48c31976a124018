"""Digests: a daily or weekly one, or the one that ends /quiet hours or a kept /pause.

One list grouped by topic (the taxonomy's order; a story under the first topic the chat follows
that it has), each story once, in the chat's language, newest first within a topic, with links
to its other language editions; at most `DIGEST_MAX_ITEMS`, then a line pointing to /latest.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import tzinfo
from typing import Literal

from bot.i18n import N_, ntr, tr
from bot.models import Item, Reply, Span, Story
from bot.summary import TopicLabel, date_text

DIGEST_MAX_ITEMS = 15
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


def _group(story: Story, followed: Collection[str], order: Sequence[str]) -> str:
    """The topic a story is listed under: the first followed one it has, else its first."""
    rank = {t: n for n, t in enumerate(order)}
    topics = sorted(story.topics, key=lambda t: (rank.get(t, len(rank)), t))
    mine = [t for t in topics if t in followed]
    return (mine or topics or [""])[0]


def _line(story: Story, edition: Item, tz: tzinfo, lang: str) -> list[Span]:
    spans = [Span("• "), Span(edition.title, "link", edition.url),
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
    shown = list(reversed(entries))[:DIGEST_MAX_ITEMS]
    groups: dict[str, list[tuple[Story, Item]]] = {}
    for story, edition in shown:
        groups.setdefault(_group(story, followed, order), []).append((story, edition))
    rank = {t: n for n, t in enumerate(order)}
    for topic in sorted(groups, key=lambda t: (t == "", rank.get(t, len(rank)), t)):
        label = topic_label(topic, lang) if topic else tr(lang, OTHER)
        reply.add(Span(f"{label} ({len(groups[topic])})", "bold"))
        for story, edition in groups[topic]:
            reply.paragraphs.append(_line(story, edition, tz, lang))
    if len(entries) > DIGEST_MAX_ITEMS:
        command = "/news latest" if platform == "slack" else "/latest"
        reply.add(tr(lang, "…and {n} more: see {command}", n=len(entries) - DIGEST_MAX_ITEMS,
                     command=command))
    return reply
