"""Editions of one press release across languages -> stories. Pure over models: no I/O.

    decide(stories, candidate(item, group))  -> Decision (the story joined, or a new one)
    group_editions(items, group_of)          -> {item id: story id}   (batch, re-grouping)
    stories_of(recent_items, story_of, group_of) -> [StoryRef]       (open stories, from store)
"""

from bot.editions.features import EditionCandidate, EditionFeatures, candidate, features_of
from bot.editions.matcher import (
    Decision,
    Evidence,
    MatchSettings,
    StoryRef,
    compare,
    decide,
    group_editions,
    stories_of,
)

__all__ = [
    "Decision", "EditionCandidate", "EditionFeatures", "Evidence", "MatchSettings", "StoryRef",
    "candidate", "compare", "decide", "features_of", "group_editions", "stories_of",
]
