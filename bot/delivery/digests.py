"""The daily digest: each story once, in the chat's language, newest first."""

from __future__ import annotations

from datetime import tzinfo

from bot.i18n import ntr, tr
from bot.models import Item, Reply, Span, Story
from bot.summary import TopicLabel, make_card

DIGEST_MAX_CARDS = 10


def digest_reply(
    entries: list[tuple[Story, Item]],
    tz: tzinfo,
    topic_label: TopicLabel,
    *,
    lang: str = "en",
    platform: str = "telegram",
) -> Reply:
    """`entries` (story, the edition shown), oldest first: a heading, then up to ten cards,
    each linking the story's other editions."""
    newest = list(reversed(entries))[:DIGEST_MAX_CARDS]
    cards = [make_card(edition, tz, topic_label, lang=lang, number=n,
                       others=story.others(edition))
             for n, (story, edition) in enumerate(newest, start=1)]
    reply = Reply(cards=cards, ephemeral=False)
    reply.paragraphs.append([Span(ntr(lang, "Your daily digest: {n} new release",
                                      "Your daily digest: {n} new releases", len(entries)),
                                  "bold")])
    if len(entries) > DIGEST_MAX_CARDS:
        command = "/news latest" if platform == "slack" else "/latest"
        reply.paragraphs.append([Span(tr(lang, "…and {n} more: see {command}",
                                         n=len(entries) - DIGEST_MAX_CARDS, command=command))])
    return reply
