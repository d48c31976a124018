"""The article links of an HTML source: found on its list page, queued oldest first in
`FeedState.pending_links` until fetched, then remembered in `FeedState.seen_links`."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urldefrag, urljoin, urlsplit

from trafilatura.utils import load_html

from bot.models import FeedState, PendingLink
from bot.sources.ids import normalise_url, numeric_id

MAX_SEEN_LINKS = 2000  # twice what one list page yields; a fetched article is in the store anyway
MAX_LINKS_PER_PAGE = 1000  # links taken from one list page: the first (the newest)
MAX_PENDING_LINKS = 2000  # links queued; beyond it the oldest are dropped
# a backlog of more than two polls' worth is fetched up to this many times faster
CATCH_UP_FACTOR = 10

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#")


def find_article_links(body: bytes, base_url: str, pattern: re.Pattern[str]) -> list[str]:
    """Links on a list page that match `pattern`, in page order: absolute, without fragment,
    one per normalised URL. The pattern is searched in the absolute URL and, failing that, in
    its normalised form (so "?utm_source=..." or a trailing "_/" does not hide an article)."""
    tree = load_html(body)
    if tree is None:
        return []
    base = base_url
    for href in tree.xpath("//base/@href"):
        base = urljoin(base_url, str(href).strip())
        break
    found: dict[str, str] = {}
    for href in tree.xpath("//a/@href"):
        href = str(href).strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        key = normalise_url(url)
        if key in found:
            continue
        if pattern.search(url) or pattern.search(key):
            found[key] = url
            if len(found) >= MAX_LINKS_PER_PAGE:
                break
    return list(found.values())


def pattern_still_matches(link_pattern: str, final_url: str) -> bool:
    """False when the article redirected somewhere that is no article (a deleted release sent
    to the home page): extracting that page would publish the home page as news."""
    url = urldefrag(final_url)[0]
    pattern = re.compile(link_pattern)
    return bool(pattern.search(url) or pattern.search(normalise_url(url)))


def queue_links(state: FeedState, links: list[str], is_known: Callable[[str], bool]) -> int:
    """Add the links never seen before to `state.pending_links`, oldest first: by the number in
    the URL when every pending link has one, else in reverse page order (list pages are newest
    first). At most MAX_PENDING_LINKS stay, the newest. Returns how many were added."""
    pending = list(state.pending_links)
    known = set(state.seen_links) | {normalise_url(link.url) for link in pending}
    added = 0
    for url in reversed(links):
        key = normalise_url(url)
        if key in known or is_known(key):
            continue
        known.add(key)
        pending.append(PendingLink(url))
        added += 1
    if pending and all(numeric_id(link.url) is not None for link in pending):
        pending.sort(key=lambda link: numeric_id(link.url) or 0)
    state.pending_links = pending[-MAX_PENDING_LINKS:]
    return added


def batch_size(pending: int, max_new: int, interval_seconds: float, delay_seconds: float) -> int:
    """How many pending links one poll fetches: `max_new`, or, when more than two polls' worth
    wait (a new source's backlog, a site that published a lot), up to CATCH_UP_FACTOR times
    that, so the backlog drains in a few polls instead of hundreds. The politeness pauses
    (`delay_seconds` each) never take more than half the interval between polls."""
    if max_new <= 0:
        return 0
    if pending <= 2 * max_new:
        return max_new
    n = min(pending, CATCH_UP_FACTOR * max_new)
    if delay_seconds > 0:
        n = min(n, max(max_new, int(interval_seconds / 2 / delay_seconds)))
    return n


def next_batch(state: FeedState, limit: int) -> list[PendingLink]:
    """The next `limit` links to fetch: oldest first, but links that already failed go after
    those that never did (a run of broken articles must not hold up the new ones)."""
    pending = state.pending_links
    order = sorted(range(len(pending)), key=lambda i: (pending[i].failures > 0, i))
    return [pending[i] for i in order[:limit]]


def settle_links(state: FeedState, done: set[str], failures: dict[str, int]) -> None:
    """After a batch: drop the links that are `done` from the queue, record the new failure
    counts (url -> count) of those that stay."""
    state.pending_links = [
        PendingLink(link.url, failures.get(link.url, link.failures))
        for link in state.pending_links
        if link.url not in done
    ]


def mark_seen(state: FeedState, key: str) -> None:
    """Remember a normalised URL as fetched (or given up): it is never queued again. Only the
    last MAX_SEEN_LINKS are kept."""
    if key not in state.seen_links:
        state.seen_links.append(key)
    if len(state.seen_links) > MAX_SEEN_LINKS:
        del state.seen_links[: len(state.seen_links) - MAX_SEEN_LINKS]
