"""Which edition of a story a chat gets, and when: the pure rule, no I/O.

A story is one release in its language editions. A chat is notified of it once, in its own
language: at once when its own edition is there; when only other languages' editions are, after
waiting up to `wait` from the first edition's arrival for its own (then the best there is).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.i18n import pick_language
from bot.matching import wants_story
from bot.models import Chat, FeedSpec, Item, Story


@dataclass(frozen=True, slots=True)
class Verdict:
    """Send `edition` now, or wait until `hold_until`; neither: nothing to send (decided)."""

    edition: Item | None = None
    hold_until: datetime | None = None


DONE = Verdict()


def arrived(story: Story) -> datetime | None:
    """When the story's first edition was first seen (its publication date if none says)."""
    times = [e.first_seen or e.published for e in story.editions.values()]
    return min(times) if times else None


def expected_languages(feeds: Iterable[FeedSpec]) -> dict[str, frozenset[str]]:
    """Feed id -> the languages its group publishes editions in (feeds of a `group` only):
    a chat waits for its own edition only where one can come."""
    groups: dict[str, set[str]] = {}
    for spec in feeds:
        if spec.group and spec.language:
            groups.setdefault(spec.group, set()).add(pick_language(spec.language))
    return {spec.id: frozenset(groups[spec.group]) for spec in feeds
            if spec.group and spec.group in groups}


def decide(
    chat: Chat,
    story: Story,
    *,
    already_sent: bool,
    now: datetime,
    wait: timedelta,
    expected: Mapping[str, frozenset[str]],
) -> Verdict:
    """What `chat` should get of `story` now."""
    if already_sent or not story.editions or not wants_story(chat.subscription, story):
        return DONE
    lang = pick_language(chat.language)
    own = story.editions.get(lang)
    if own is not None:
        return Verdict(edition=own)
    can_come = any(lang in expected.get(e.feed_id, ()) for e in story.editions.values())
    first = arrived(story)
    if can_come and first is not None and now < first + wait:
        return Verdict(hold_until=first + wait)
    return Verdict(edition=story.edition_for(lang))
