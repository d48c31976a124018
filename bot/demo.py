"""`newsbot demo`: the whole flow on a bundled sample feed, no tokens, no network.

A local HTTP server (127.0.0.1, a free port) serves an RSS feed made from the bundled sample
releases. Most of them form the feed's history (stored and searchable, never pushed); the rest
are "published" one at a time, every few seconds or on /tick, and reach the console chat if it
subscribed to their topics.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import tempfile
from datetime import UTC, datetime
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape

from aiohttp import web

from bot.config import Settings
from bot.models import FeedSpec
from bot.webserver import start_site

UPCOMING = 8  # sample releases held back to be published during the session


def load_sample() -> list[dict[str, Any]]:
    text = resources.files("bot").joinpath("data/demo_releases.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def rss(entries: list[dict[str, Any]]) -> bytes:
    items = []
    for e in entries:
        published = datetime.fromisoformat(e["published"])
        items.append(
            "<item>"
            f"<title>{escape(e['title'])}</title>"
            f"<link>{escape(e['url'])}</link>"
            f"<guid isPermaLink=\"false\">{escape(e['id'])}</guid>"
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{escape(e['body'])}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>State Customs Committee (sample)</title><link>http://127.0.0.1/</link>"
        "<description>Sample press releases for the customs-newsbot demo</description>"
        + "".join(items) + "</channel></rss>"
    ).encode()


class DemoFeedServer:
    """Serves the sample feed with ETag support; `publish_next()` adds one release."""

    def __init__(self, releases: list[dict[str, Any]] | None = None) -> None:
        releases = releases or load_sample()
        self.upcoming = pick_upcoming(releases)
        held = {r["id"] for r in self.upcoming}
        self.published = [r for r in releases if r["id"] not in held]
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/feed.xml", self._feed)
        self._runner, port = await start_site(app)
        self.url = f"http://127.0.0.1:{port}/feed.xml"
        return self.url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def publish_next(self) -> dict[str, Any] | None:
        if not self.upcoming:
            return None
        release = dict(self.upcoming.pop(0))
        release["published"] = datetime.now(UTC).replace(microsecond=0).isoformat()
        self.published.append(release)
        return release

    async def _feed(self, request: web.Request) -> web.Response:
        body = rss(sorted(self.published, key=lambda r: r["published"], reverse=True))
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml",
                            headers={"ETag": etag})


def pick_upcoming(releases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Recent English releases with varied topics, a demining one early on."""
    english = sorted((r for r in releases if r["language"] == "en" and r["topics"]),
                     key=lambda r: r["published"], reverse=True)
    chosen: list[dict[str, Any]] = []
    topics_seen: set[str] = set()
    for release in english:
        if len(chosen) >= UPCOMING:
            break
        if not set(release["topics"]) <= topics_seen or "demining" in release["topics"]:
            chosen.append(release)
            topics_seen.update(release["topics"])
    demining = [r for r in chosen if "demining" in r["topics"]]
    rest = [r for r in chosen if "demining" not in r["topics"]]
    return rest[:1] + demining[:1] + rest[1:] + demining[1:]


INTRO = """\
customs-newsbot demo: a chat with the bot, right here in your terminal.
The bot watches a sample customs news feed ({count} releases so far, served from this machine).
A new release is published every {every} seconds, or when you type /tick.
Try:  /topics   /subscribe demining   /latest 3   /search WCO   /why 1   /help
End with Ctrl-D.
"""


async def run_demo(
    out: TextIO | None = None, inp: TextIO | None = None, every: float = 20.0,
    data_dir: Path | None = None,
) -> int:
    from bot.app import App
    from bot.platforms.console import ConsoleAdapter

    out = out or sys.stdout
    inp = inp or sys.stdin
    server = DemoFeedServer()
    url = await server.start()
    with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
        settings = Settings(source="<demo>")
        settings.storage.path = data_dir or Path(tmp)
        settings.feeds = [FeedSpec(id="customs-sample", url=url, interval_seconds=3600,
                                   language="")]
        settings.fetch.allow_private = True
        app = App(settings)
        console = ConsoleAdapter(app.deps, out=out, inp=inp)
        app.add_adapter("console", console)
        await app.start()
        await app.poller.first_poll_done.wait()
        await app.index_ready.wait()
        console.print(INTRO.format(count=app.store.count_items(), every=int(every)))

        async def tick(_: list[str] | None = None) -> str:
            release = server.publish_next()
            if release is None:
                return "No more sample releases to publish."
            await app.poller.poll_all()
            assert app.delivery is not None
            app.delivery.scan()
            await app.delivery.drain(timeout=10)
            return f"(published: {release['title']})"

        console.extra["tick"] = tick

        async def publisher() -> None:
            while server.upcoming:
                await asyncio.sleep(every)
                console.print(await tick())

        background = asyncio.create_task(publisher())
        try:
            await console.repl(prompt=inp.isatty())
            if not inp.isatty():
                await _show_notifications(console, tick, server)
        finally:
            background.cancel()
            await app.stop()
            await server.stop()
    console.print("Bye.")
    return 0


async def _show_notifications(console: Any, tick: Any, server: DemoFeedServer) -> None:
    """Input ended (a script): publish until the chat gets a notification, so it shows one."""
    from bot.platforms.console import CONSOLE_CHAT_ID

    chat = console.deps.store.get_chat(f"console:{CONSOLE_CHAT_ID}")
    if chat is None or not (chat.subscription.topics or chat.subscription.keywords):
        return
    console.print("\n(end of input: publishing new sample releases to show notifications)")
    before = len(console.transport.sent)
    while server.upcoming and len(console.transport.sent) == before:
        console.print(await tick())


