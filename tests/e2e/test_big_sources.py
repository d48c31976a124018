"""Big sources (issue 15, item 5): a list page of 100,000 links and an 8,000-item feed.

What a source remembers between polls (feeds.json, written at every poll) stays small whatever
the page holds; a backlog drains in a few polls, not hundreds; and chats are answered while the
big documents are parsed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.classify import Classifier
from bot.config import FetchSettings
from bot.models import FeedSpec
from bot.poller import Poller
from bot.sources.fetch import Fetcher
from bot.sources.links import CATCH_UP_FACTOR, MAX_PENDING_LINKS
from bot.store import Store
from tests.e2e.test_html_source import list_page, small_article
from tests.e2e.test_telegram_e2e import make_settings
from tests.fakes.feed_server import Entry, FeedServer
from tests.fakes.site_server import SiteServer
from tests.fakes.telegram_api import FakeTelegram

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
STATE_MAX_BYTES = 160_000  # feeds.json of one HTML source, whatever its list page holds
# Seconds a wait here may take. Megabytes are served and parsed in this very process, so a
# loaded 2-core machine makes everything several times slower: generous, and still bounded.
WAIT = 60.0


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    fetcher = Fetcher(FetchSettings(timeout_seconds=WAIT, connect_timeout_seconds=WAIT,
                                    max_bytes=30 * 1024 * 1024, allow_private=True))
    yield fetcher
    await fetcher.aclose()


@pytest.mark.slow
async def test_a_list_page_of_100000_links_leaves_a_small_state_file(
    tmp_path: Path, site: SiteServer, fetcher: Fetcher
) -> None:
    spec = FeedSpec(id="big", url=site.url("/news"), type="html", link_pattern=r"/news/\d+$",
                    request_delay_seconds=0)
    with Store(tmp_path / "data") as store:
        poller = Poller(store, fetcher, Classifier(), None, [spec], fetcher.settings, BAKU,
                        clock=lambda: NOW)
        state_file = tmp_path / "data" / "feeds.json"
        sizes = []
        # a page of 100,000 links, one with 50,000 new ones on top, then the same again (304)
        for top in (100_000, 150_000, 150_000):
            site.set_page("/news", list_page(range(top, top - 100_000, -1)))
            report = await poller.poll_feed(spec)  # the articles are missing: 404s
            assert report.ok
            sizes.append(state_file.stat().st_size)
        assert site.not_modified["/news"] == 1
        assert len(store.feed_state("big").pending_links) == MAX_PENDING_LINKS
    print("feeds.json bytes after each poll:", sizes)
    assert max(sizes) < STATE_MAX_BYTES, sizes  # 3.6 MB before the caps


async def test_a_backlog_drains_in_a_few_polls(site: SiteServer, fetcher: Fetcher,
                                               tmp_path: Path) -> None:
    numbers = range(160, 0, -1)
    site.set_page("/news", list_page(numbers))
    for n in numbers:
        site.set_page(f"/news/{n}", small_article(n))
    spec = FeedSpec(id="site", url=site.url("/news"), type="html", link_pattern=r"/news/\d+$",
                    max_new_per_poll=2, request_delay_seconds=0)
    with Store(tmp_path / "data") as store:
        poller = Poller(store, fetcher, Classifier(), None, [spec], fetcher.settings, BAKU,
                        clock=lambda: NOW)
        fetched: list[int] = []
        while not store.feed_state("site").initialised:
            assert len(fetched) < 12, fetched  # 80 polls at two a poll
            report = await poller.poll_feed(spec)
            fetched.append(len(report.result.new))
        assert sum(fetched) == 160 and store.count_items() == 160
        assert max(fetched) == CATCH_UP_FACTOR * spec.max_new_per_poll  # bounded per poll
    assert all(site.count(f"/news/{n}") == 1 for n in numbers)


@pytest.mark.slow
@pytest.mark.timeout(300)  # 8,000 entries and 100,000 links: slow when the machine is loaded
async def test_chats_are_answered_while_big_sources_are_parsed(
    tmp_path: Any, feeds: FeedServer, site: SiteServer
) -> None:
    start = datetime.now(UTC) - timedelta(days=30)
    feeds.publish("big", *(Entry(title=f"Customs revenue report number {n} for the region",
                                 body=f"The customs service collected {n} manats of duties "
                                      "and excise taxes in the region.",
                                 guid=f"g{n}", link=f"https://customs.example/news/{n}",
                                 published=start + timedelta(minutes=n))
                           for n in range(8000)))
    site.set_page("/news", list_page(range(100_000, 0, -1)))
    async with FakeTelegram() as tg:
        settings = make_settings(tmp_path, tg, feeds)
        settings.fetch.timeout_seconds = WAIT  # megabytes served by this very process
        settings.feeds = [
            FeedSpec(id="big", url=feeds.url("big"), interval_seconds=300, language="en"),
            FeedSpec(id="site", url=site.url("/news"), type="html", interval_seconds=300,
                     link_pattern=r"/news/\d+$", request_delay_seconds=0, language="en"),
        ]
        app = App(settings)
        app.build_platforms()
        await asyncio.wait_for(app.start(), timeout=WAIT)
        try:
            answered_during_polls = []
            for chat in (101, 102, 103):
                tg.push_message(chat, chat, "/help")
                await tg.wait_for(lambda _, chat=chat: tg.sent_to(chat), WAIT,
                                  what=f"/help answered in {chat}")
                answered_during_polls.append(app.poller.polls_done < 2)
            assert all(answered_during_polls)  # no answer waited for the big polls to end
            await asyncio.wait_for(app.poller.first_poll_done.wait(), 3 * WAIT)
            assert app.store.count_items() >= 1000
        finally:
            await asyncio.wait_for(app.stop(), timeout=WAIT)
