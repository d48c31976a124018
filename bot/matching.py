"""Whether a subscription wants a release: the one rule delivery and the handlers share."""

from __future__ import annotations

import re
from functools import lru_cache

from bot.models import Item, Subscription


@lru_cache(maxsize=4096)
def _keyword_pattern(words: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w.casefold()) for w in sorted(words))
    return re.compile(rf"(?<!\w)(?:{alternatives})")


def wants(sub: Subscription, item: Item) -> bool:
    """A release matches a followed topic, or contains a watched word (at a word start)."""
    if sub.topics.intersection(item.topics):
        return True
    if not sub.keywords:
        return False
    pattern = _keyword_pattern(frozenset(sub.keywords))
    return bool(pattern.search(f"{item.title}\n{item.body}".casefold()))
