"""HTML news pages: a list page of links -> article pages -> Items, for agencies with no feed.

One poll:

1. fetch the list page (conditional GET with the feed's validators); collect the links that match
   `spec.link_pattern` and queue the ones never seen before in `state.pending_links`, oldest
   first (`links.py`);
2. fetch `spec.max_new_per_poll` pending articles, oldest first (up to ten times as many while a
   backlog of more than two polls' worth waits: `links.batch_size`), with a politeness pause
   between them - also when the list page answered 304, so a backlog drains over later polls;
3. extract each article (`article.py`: trafilatura for the main text, our own reading of the page
   for the title and date), learn the source's boilerplate lines and clean the text
   (`boilerplate.py`), return the Items.

Bookkeeping lives in `FeedState` (which the poller saves after every poll):

* `pending_links`: `PendingLink`s, fetchable absolute URLs, oldest first, each with its count
  of failed fetches (404, 5xx, timeout, nothing extractable). A failed link stays queued and is
  retried on later polls, after the links that never failed; after MAX_ARTICLE_FAILURES
  failures (or one 410) we give up: the link goes to `seen_links`, the poll logs it and sets
  `state.last_error`.
* `seen_links`: normalised URLs already turned into Items (or given up), the last MAX_SEEN_LINKS.
* bounds whatever the page: MAX_LINKS_PER_PAGE links taken from one list page (the first, the
  newest), MAX_PENDING_LINKS queued (the oldest dropped), MAX_LINES_REMEMBERED line hashes per
  article in `line_windows`. List and article pages are parsed off the event loop.
* `boilerplate` and `line_windows`: what `boilerplate.learn_boilerplate` has learnt.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import datetime, tzinfo

from bot.models import FeedSpec, FeedState, Item, PendingLink
from bot.sources.article import Article, extract_article
from bot.sources.boilerplate import clean_article_text, is_learnt, learn_boilerplate
from bot.sources.dates import offset_minutes
from bot.sources.fetch import Fetcher, FetchError
from bot.sources.ids import normalise_url
from bot.sources.links import (
    batch_size,
    find_article_links,
    mark_seen,
    next_batch,
    pattern_still_matches,
    queue_links,
    settle_links,
)
from bot.sources.text import content_hash, detect_language

log = logging.getLogger("newsbot.sources.html")

MAX_ARTICLE_FAILURES = 5
# this many article fetches failing in a row in one poll: the site is down, stop for this poll
# (the rest stay pending, with no failure counted) instead of waiting out every timeout
STOP_AFTER_FAILURES_IN_A_ROW = 3


async def poll_html(
    spec: FeedSpec,
    state: FeedState,
    fetcher: Fetcher,
    tz: tzinfo,
    now: datetime,
    is_known: Callable[[str], bool],
) -> list[Item]:
    """Poll one HTML news source; see the module docstring. Raises FetchError when the list page
    cannot be fetched, or is fetched but has no link matching `spec.link_pattern` (a changed
    site layout or a wrong pattern: better loud than silently empty)."""
    if not spec.link_pattern:
        raise FetchError("html source without link_pattern")
    pattern = re.compile(spec.link_pattern)
    listing = await fetcher.fetch(spec.url, state.etag, state.last_modified,
                                  guarded=spec.origin == "admin")
    if not listing.not_modified:
        # a list page may be megabytes: parsed off the event loop, which is serving chats
        links = await asyncio.to_thread(find_article_links, listing.body, listing.url, pattern)
        if not links:
            raise FetchError("no links matching link_pattern on the list page")
        state.etag, state.last_modified = listing.etag, listing.last_modified
        queue_links(state, links, is_known)

    articles = await _fetch_articles(spec, state, fetcher, tz, now, is_known)
    if not articles:
        return []
    # the title candidates count as lines: a heading on every page is the site's, not a title
    learnt = learn_boilerplate(state, [a.lines + a.titles for a in articles])
    return [_to_item(spec, article, learnt, tz) for article in articles]


def _to_item(spec: FeedSpec, article: Article, learnt: set[str], tz: tzinfo) -> Item:
    article.title = next((t for t in article.titles if not is_learnt(t, learnt)), article.title)
    body = clean_article_text(article.lines, article.title, learnt, tz)
    return Item(
        id=normalise_url(article.url),
        feed_id=spec.id,
        url=article.url,
        title=article.title,
        body=body,
        published=article.published,
        published_estimated=article.estimated,
        language=spec.language or detect_language(f"{article.title}\n{body}"),
        content_hash=content_hash(article.title, body),
        tz_offset_minutes=offset_minutes(article.published, tz),
        image=article.image,
    )


async def _fetch_articles(
    spec: FeedSpec,
    state: FeedState,
    fetcher: Fetcher,
    tz: tzinfo,
    now: datetime,
    is_known: Callable[[str], bool],
) -> list[Article]:
    """Fetch the next batch of pending links; updates the queue, `seen_links` and, for a link
    given up, `last_error`."""
    articles: list[Article] = []
    failures: dict[str, int] = {}  # url -> new failure count
    done: set[str] = set()
    in_a_row = 0
    size = batch_size(len(state.pending_links), spec.max_new_per_poll,
                      spec.interval_seconds, spec.request_delay_seconds)
    for link in next_batch(state, size):
        key = normalise_url(link.url)
        if is_known(key):  # another source (or an earlier life of this one) has it
            done.add(link.url)
            mark_seen(state, key)
            continue
        if in_a_row >= STOP_AFTER_FAILURES_IN_A_ROW:
            break
        if spec.request_delay_seconds > 0:
            await asyncio.sleep(spec.request_delay_seconds)
        article, reason, gone = await _fetch_article(spec, link.url, fetcher, tz, now)
        if article is not None:
            articles.append(article)
            done.add(link.url)
            mark_seen(state, key)
            in_a_row = 0
            continue
        in_a_row += 1
        if _count_failure(spec, state, link, reason, gone, now):
            done.add(link.url)
            mark_seen(state, key)
        else:
            failures[link.url] = link.failures + 1
    settle_links(state, done, failures)
    return articles


async def _fetch_article(
    spec: FeedSpec, url: str, fetcher: Fetcher, tz: tzinfo, now: datetime
) -> tuple[Article | None, str, bool]:
    """(the article, or None with why it failed and whether the page is gone for good)."""
    try:
        result = await fetcher.fetch(url, guarded=spec.origin == "admin")
    except FetchError as exc:
        return None, exc.reason, exc.gone
    if not pattern_still_matches(spec.link_pattern, result.url):
        return None, f"redirected away from the article (to {result.url})", False
    article = await asyncio.to_thread(extract_article, result.body, url, tz, now)
    if article is None:
        return None, "no title or text could be extracted", False
    return article, "", False


def _count_failure(
    spec: FeedSpec, state: FeedState, link: PendingLink, reason: str, gone: bool, now: datetime
) -> bool:
    """Log one more failed fetch of `link`; True when we give up on it (410, or too many)."""
    count = link.failures + 1
    if gone or count >= MAX_ARTICLE_FAILURES:
        log.warning("event=html_article_given_up feed=%s url=%s failures=%d reason=%s",
                    spec.id, link.url, count, reason)
        state.last_error = f"gave up on {link.url} after {count} failed fetches ({reason})"
        state.last_error_at = now
        return True
    log.info("event=html_article_failed feed=%s url=%s failures=%d reason=%s",
             spec.id, link.url, count, reason)
    return False
