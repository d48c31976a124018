"""An HTML news source's release carries its article's picture (og:image, resolved against the
page's address), fetched from a local website as the poller does."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.config import FetchSettings
from bot.models import FeedSpec, FeedState
from bot.sources.fetch import Fetcher
from bot.sources.html import poll_html
from tests.fakes.site_server import SiteServer

BAKU = ZoneInfo("Asia/Baku")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


async def test_an_html_source_release_carries_its_pages_picture() -> None:
    text = ("Customs officers at the Astara border post inspected a lorry and found cigarettes "
            "that were not declared. ") * 4
    article = ("<html><head><title>Cigarettes found at Astara | Customs</title>"
               "<meta property='og:image' content='/uploads/2026/astara.jpg'></head><body>"
               "<nav><a href='/'>Home</a><img src='/logo.png'></nav><article>"
               f"<h1>Cigarettes found at Astara</h1><p>{text}</p><p>{text}</p>"
               "<p>5 December 2026 10:00</p></article></body></html>")
    async with SiteServer({"/news": "<html><body><a href='/news/7'>Cigarettes</a></body></html>",
                           "/news/7": article}) as server:
        fetcher = Fetcher(FetchSettings(allow_private=True))
        try:
            spec = FeedSpec(id="site", url=server.url("/news"), type="html",
                            link_pattern=r"/news/\d+$", request_delay_seconds=0)
            [release] = await poll_html(spec, FeedState(feed_id="site"), fetcher, BAKU, NOW,
                                        lambda _: False)
        finally:
            await fetcher.aclose()
    assert release.title == "Cigarettes found at Astara"
    assert release.image == server.url("/uploads/2026/astara.jpg")
