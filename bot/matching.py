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
    """A release matches a followed topic, or contains a watched word (at a word start),
    followed since before the release was stored (see `Subscription.added_at`)."""
    added = sub.added_at
    if any(added.get(f"topic:{t}", -1) < item.seq for t in sub.topics.intersection(item.topics)):
        return True
    words = frozenset(w for w in sub.keywords if added.get(f"word:{w}", -1) < item.seq)
    if not words:
        return False
    return bool(_keyword_pattern(words).search(f"{item.title}\n{item.body}".casefold()))
