"""Whether a subscription wants a release: the one rule delivery and the handlers share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bot.models import Item, Story, Subscription


@lru_cache(maxsize=4096)
def _keyword_pattern(words: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w.casefold()) for w in sorted(words))
    return re.compile(rf"(?<!\w)(?:{alternatives})")


def wants(sub: Subscription, item: Item, topics: Iterable[str] | None = None) -> bool:
    """A release matches a followed topic, or contains a watched word (at a word start),
    followed since before the release was stored (see `Subscription.added_at`).

    `topics` are the ones to match (the release's own unless given: delivery gives its
    story's, the union over its language editions)."""
    added = sub.added_at
    chosen = item.topics if topics is None else topics
    if any(added.get(f"topic:{t}", -1) < item.seq for t in sub.topics.intersection(chosen)):
        return True
    words = frozenset(w for w in sub.keywords if added.get(f"word:{w}", -1) < item.seq)
    if not words:
        return False
    return bool(_keyword_pattern(words).search(f"{item.title}\n{item.body}".casefold()))


def wants_story(sub: Subscription, story: Story) -> bool:
    """A story matches when one of its editions does, with the topics of every edition
    (the az and ru texts catch what the en rules miss) and the words of its own text."""
    topics = story.topics
    return any(wants(sub, edition, topics) for edition in story.editions.values())
