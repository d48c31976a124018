"""An HTML source whose pages are huge: the event loop keeps serving while they are parsed, and
what the source remembers between polls stays bounded whatever the pages hold."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import FetchSettings
from bot.models import FeedSpec, FeedState
from bot.sources import html as html_source
from bot.sources.article import extract_article
from bot.sources.boilerplate import MAX_LINES_REMEMBERED
from bot.sources.fetch import Fetcher
from bot.sources.html import poll_html
from bot.sources.links import MAX_LINKS_PER_PAGE, MAX_PENDING_LINKS
from tests.e2e.test_html_source import list_page
from tests.fakes.site_server import SiteServer

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    fetcher = Fetcher(FetchSettings(timeout_seconds=5, connect_timeout_seconds=1,
                                    max_bytes=30 * 1024 * 1024))
    yield fetcher
    await fetcher.aclose()


async def test_a_list_page_of_50000_links_is_capped_and_the_queue_bounded(
    site: SiteServer, fetcher: Fetcher
) -> None:
    spec = FeedSpec(id="big", url=site.url("/news"), type="html", link_pattern=r"/news/\d+$",
                    max_new_per_poll=0, request_delay_seconds=0)
    state = FeedState(feed_id="big")
    for poll, top in enumerate((20_000, 40_000, 60_000)):
        site.set_page("/news", list_page(range(top, top - 20_000, -1)))
        await poll_html(spec, state, fetcher, BAKU, NOW, lambda key: False)
        assert len(state.pending_links) == min(MAX_PENDING_LINKS, MAX_LINKS_PER_PAGE * (poll + 1))
    # the newest links are the ones kept: the first of each page
    assert state.pending_links[-1].url == site.url("/news/60000")


async def test_huge_pages_are_parsed_off_the_event_loop_and_remembered_in_bounds(
    site: SiteServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    paragraphs = "".join(f"<p>Line {n} of a very long customs report, with its own words "
                         f"and figures: {n * 7} tonnes.</p>" for n in range(6_000))
    site.set_page("/news", list_page(range(2, 0, -1)))
    for n in (1, 2):
        site.set_page(f"/news/{n}", f"<html><head><title>Report {n} on customs</title></head>"
                                      f"<body><h1>Report {n} on customs</h1>{paragraphs}"
                                      "</body></html>")
    spec = FeedSpec(id="huge", url=site.url("/news"), type="html",
                    link_pattern=r"/news/\d+$", request_delay_seconds=0)
    state = FeedState(feed_id="huge")
    # The real extractor, watched: which thread runs it, and how often the event loop turned
    # while it ran. Counting the loop's turns, not measuring time, holds on a loaded machine:
    # parsing on the loop itself would leave no turn at all during a parse.
    loop_thread = threading.get_ident()
    parses: list[dict[str, int]] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        parse = {"thread": threading.get_ident(), "turns": 0}
        parses.append(parse)
        try:
            return extract_article(*args, **kwargs)
        finally:
            parse["done"] = 1

    monkeypatch.setattr(html_source, "extract_article", watched)

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.001)
            for parse in parses:
                if "done" not in parse:
                    parse["turns"] += 1

    ticking = asyncio.create_task(ticker())
    try:
        items = await poll_html(spec, state, fetcher, BAKU, NOW, lambda key: False)
    finally:
        ticking.cancel()
    assert [i.title for i in items] == ["Report 1 on customs", "Report 2 on customs"]
    assert all("Line 5999 of a very long customs report" in i.body for i in items)  # real work
    assert len(parses) == 2 and all(p["thread"] != loop_thread for p in parses)
    assert all(p["turns"] >= 3 for p in parses), parses  # the loop kept serving meanwhile
    assert all(len(hashes) <= MAX_LINES_REMEMBERED for hashes in state.line_windows)
