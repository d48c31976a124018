"""An HTML source whose pages are huge: the event loop keeps serving while they are parsed, and
what the source remembers between polls stays bounded whatever the pages hold."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import FetchSettings
from bot.models import FeedSpec, FeedState
from bot.sources.boilerplate import MAX_LINES_REMEMBERED
from bot.sources.fetch import Fetcher
from bot.sources.html import poll_html
from bot.sources.links import MAX_LINKS_PER_PAGE, MAX_PENDING_LINKS
from tests.fakes.site_server import SiteServer

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
async def server() -> AsyncIterator[SiteServer]:
    async with SiteServer() as srv:
        yield srv


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    fetcher = Fetcher(FetchSettings(timeout_seconds=5, connect_timeout_seconds=1,
                                    max_bytes=30 * 1024 * 1024))
    yield fetcher
    await fetcher.aclose()


def list_page(numbers: range) -> str:
    links = "".join(f"<li><a href='/news/{n}'>Release number {n} about customs</a></li>"
                    for n in numbers)
    return f"<html><body><ul>{links}</ul></body></html>"


async def test_a_list_page_of_50000_links_is_capped_and_the_queue_bounded(
    server: SiteServer, fetcher: Fetcher
) -> None:
    spec = FeedSpec(id="big", url=server.url("/news"), type="html", link_pattern=r"/news/\d+$",
                    max_new_per_poll=0, request_delay_seconds=0)
    state = FeedState(feed_id="big")
    for poll, top in enumerate((20_000, 40_000, 60_000)):
        server.set_page("/news", list_page(range(top, top - 20_000, -1)))
        await poll_html(spec, state, fetcher, BAKU, NOW, lambda key: False)
        assert len(state.pending_links) == min(MAX_PENDING_LINKS, MAX_LINKS_PER_PAGE * (poll + 1))
    # the newest links are the ones kept: the first of each page
    assert state.pending_links[-1].url == server.url("/news/60000")


async def test_huge_pages_are_parsed_off_the_event_loop_and_remembered_in_bounds(
    server: SiteServer, fetcher: Fetcher
) -> None:
    paragraphs = "".join(f"<p>Line {n} of a very long customs report, with its own words "
                         f"and figures: {n * 7} tonnes.</p>" for n in range(6_000))
    server.set_page("/news", list_page(range(2, 0, -1)))
    for n in (1, 2):
        server.set_page(f"/news/{n}", f"<html><head><title>Report {n} on customs</title></head>"
                                      f"<body><h1>Report {n} on customs</h1>{paragraphs}"
                                      "</body></html>")
    spec = FeedSpec(id="huge", url=server.url("/news"), type="html",
                    link_pattern=r"/news/\d+$", request_delay_seconds=0)
    state = FeedState(feed_id="huge")
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    started = time.monotonic()
    items = await poll_html(spec, state, fetcher, BAKU, NOW, lambda key: False)
    took = time.monotonic() - started
    ticking.cancel()
    assert [i.title for i in items] == ["Report 1 on customs", "Report 2 on customs"]
    assert took > 0.3  # real parsing work happened ...
    assert max(gaps) < 0.25  # ... and the loop never stalled for long
    assert all(len(hashes) <= MAX_LINES_REMEMBERED for hashes in state.line_windows)
