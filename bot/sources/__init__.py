"""Where releases come from: RSS/Atom feeds and HTML news pages.

`poll_source` is the one entry point the poller uses; the rest of the pipeline never learns which
kind of source an item came from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, tzinfo

from bot.models import FeedSpec, FeedState, Item
from bot.sources.fetch import Fetcher, FetchError
from bot.sources.rss import NotAFeed, parse_feed

__all__ = ["FetchError", "Fetcher", "NotAFeed", "poll_source"]


async def poll_source(
    spec: FeedSpec,
    state: FeedState,
    fetcher: Fetcher,
    tz: tzinfo,
    now: datetime,
    is_known: Callable[[str], bool],
) -> list[Item]:
    """Fetch one source and return its items (all of them; the store sorts out new/seen).

    Updates the validators (and, for HTML sources, the link bookkeeping) in `state`; the caller
    saves it. Raises FetchError or NotAFeed when the poll failed as a whole.
    """
    if spec.type == "html":
        from bot.sources.html import poll_html

        return await poll_html(spec, state, fetcher, tz, now, is_known)
    result = await fetcher.fetch(spec.url, state.etag, state.last_modified,
                                 guarded=spec.origin == "admin")
    if result.not_modified:
        return []
    # a big feed takes a while to parse: not on the event loop, which is serving chats
    items = await asyncio.to_thread(parse_feed, result.body, spec, tz, now, result.url,
                                    result.content_type)
    state.etag, state.last_modified = result.etag, result.last_modified
    return items
