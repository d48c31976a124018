"""Stories in lists: each release once, in the chat's language, with links to its other
language editions.

The store and the search index know editions (the az, ru and en texts of one release are three
items); /latest and /search list stories. Their results are collapsed by `Item.story_id`: a
story takes the place of its first edition met (the newest, or the best ranked), and is shown
as the edition a reader of the chat's language should get (`Story.edition_for`: their own,
else the best other).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.models import Item, Span, Story
from handlers.ports import SearchOutcome, SearchPort, StorePort

SCAN_CHUNK = 100  # results asked of the index at a time (its own limit)
SCAN_MAX = 300  # search hits looked at to count the stories of a large result


@dataclass
class Listed:
    """One story of a list: the edition to show, its other editions, what found it."""

    edition: Item
    others: list[Item]
    snippet: list[Span] = field(default_factory=list)


def story_order(batches: Iterable[list[Item]], wanted: int) -> list[Item]:
    """The first edition met of each story, in order, until `wanted` stories are found."""
    first: dict[str, Item] = {}
    for batch in batches:
        for item in batch:
            first.setdefault(item.story_id, item)
        if len(first) >= wanted:
            break
    return list(first.values())


def latest_stories(store: StorePort, topic: str | None, skip: int,
                   count: int) -> tuple[list[Item], bool]:
    """The newest stories `skip`+1 .. `skip`+`count` (their newest editions, on `topic` if
    given); True when there are more."""
    wanted = skip + count + 1
    chunk = max(3 * wanted, 30)  # a story has at most three editions

    def batches() -> Iterable[list[Item]]:
        offset = 0
        while True:
            items = store.latest(limit=chunk, offset=offset, topic=topic)
            yield items
            if len(items) < chunk:
                return
            offset += chunk

    found = story_order(batches(), wanted)
    return found[skip : skip + count], len(found) > skip + count


@dataclass
class StoryHits:
    """A search's stories on one page: each with the best-ranked edition's snippet."""

    outcome: SearchOutcome  # the first answer of the index (errors, warnings)
    page: list[tuple[Item, list[Span]]]
    total: int  # stories found (at least, when `exact` is False)
    exact: bool
    more: bool


def search_stories(index: SearchPort, get_item: Callable[[str], Item | None], query: str,
                   skip: int, count: int) -> StoryHits:
    """Ranked search results collapsed into stories (a story found through any edition's
    text ranks as its best edition), stories `skip`+1 .. `skip`+`count`."""
    outcome = index.search(query, limit=SCAN_CHUNK, offset=0)
    found: dict[str, tuple[Item, list[Span]]] = {}
    scanned, result = 0, outcome
    while True:
        for hit in result.hits:
            item = get_item(hit.item_id)
            if item is not None:  # else the index knows a release the store no longer has
                found.setdefault(item.story_id, (item, list(hit.snippet)))
        scanned += len(result.hits)
        exhausted = not result.hits or scanned >= result.total
        if exhausted or scanned >= max(SCAN_MAX, 3 * (skip + count + 1)):
            break
        result = index.search(query, limit=SCAN_CHUNK, offset=scanned)
    stories = list(found.values())
    return StoryHits(outcome, stories[skip : skip + count], len(stories), exhausted,
                     len(stories) > skip + count)


def in_language(store: StorePort, found: list[Item], lang: str) -> list[Listed]:
    """Each found edition's story, as the edition for `lang` and links to the others."""
    stories = store.stories([item.story_id for item in found])
    listed: list[Listed] = []
    for item in found:
        story = stories.get(item.story_id) or Story(item.story_id)
        if not story.editions:  # not stored as a story (yet): the edition alone
            story.editions[item.language] = item
        edition = story.edition_for(lang)
        listed.append(Listed(edition, [o for o in story.others(edition) if o.url]))
    return listed
