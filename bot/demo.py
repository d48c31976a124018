"""`newsbot demo`: the whole flow on a bundled sample feed, no tokens, no network.

A local HTTP server (127.0.0.1, a free port) serves three RSS feeds, az, ru and en, made from
the bundled sample releases: one group of feeds, as the customs committee's three news pages.
Some releases come in several language editions (rows with the same "event"); the bot finds
them on its own and shows each such story once. Most releases form the feeds' history (stored
and searchable, never pushed); the rest are "published" one story at a time (all its editions
at once), every few seconds or on /tick, and reach the console chat if it subscribed to their
topics.
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

UPCOMING = 8  # sample stories held back to be published during the session
LANGUAGES = ("az", "ru", "en")
GROUP = "customs-sample"

Release = dict[str, Any]  # a row of data/demo_releases.jsonl


def load_sample() -> list[dict[str, Any]]:
    text = resources.files("bot").joinpath("data/demo_releases.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def rss(entries: list[Release]) -> bytes:
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


def stories_of(releases: list[Release]) -> list[list[Release]]:
    """The releases as stories: the rows of one "event" together, newest story first."""
    stories: dict[str, list[Release]] = {}
    for release in releases:
        stories.setdefault(release.get("event") or release["id"], []).append(release)
    return sorted(stories.values(), key=lambda s: max(r["published"] for r in s), reverse=True)


class DemoFeedServer:
    """Serves the sample feeds (`/feed-az.xml`, `/feed-ru.xml`, `/feed-en.xml`) with ETag
    support; `publish_next()` adds one story, in all its editions."""

    def __init__(self, releases: list[Release] | None = None) -> None:
        releases = releases or load_sample()
        self.upcoming = pick_upcoming(releases)
        held = {r["id"] for story in self.upcoming for r in story}
        self.published = [r for r in releases if r["id"] not in held]
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/feed-{lang}.xml", self._feed)
        self._runner, port = await start_site(app)
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    def feed_specs(self) -> list[FeedSpec]:
        return [FeedSpec(id=f"customs-sample-{lang}", url=f"{self.base_url}/feed-{lang}.xml",
                         interval_seconds=3600, language=lang, group=GROUP)
                for lang in LANGUAGES]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def publish_next(self) -> list[Release]:
        """The next held-back story, published now in every edition; [] when none is left."""
        if not self.upcoming:
            return []
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        story = [dict(release, published=now) for release in self.upcoming.pop(0)]
        self.published.extend(story)
        return story

    async def _feed(self, request: web.Request) -> web.Response:
        lang = request.match_info["lang"]
        if lang not in LANGUAGES:
            raise web.HTTPNotFound()
        mine = [r for r in self.published if r["language"] == lang]
        body = rss(sorted(mine, key=lambda r: r["published"], reverse=True))
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml",
                            headers={"ETag": etag})


def _topics(story: list[Release]) -> set[str]:
    return {t for r in story for t in r["topics"]}


def pick_upcoming(releases: list[Release]) -> list[list[Release]]:
    """Recent stories with an English edition and varied topics, a demining one early on."""
    candidates = [s for s in stories_of(releases)
                  if _topics(s) and any(r["language"] == "en" for r in s)]
    chosen: list[list[Release]] = []
    topics_seen: set[str] = set()
    for story in candidates:
        if len(chosen) >= UPCOMING:
            break
        if not _topics(story) <= topics_seen or "demining" in _topics(story):
            chosen.append(story)
            topics_seen.update(_topics(story))
    demining = [s for s in chosen if "demining" in _topics(s)]
    rest = [s for s in chosen if "demining" not in _topics(s)]
    return rest[:1] + demining[:1] + rest[1:] + demining[1:]


INTRO = """\
customs-newsbot demo: a chat with the bot, right here in your terminal.
The bot watches three sample customs news feeds, az, ru and en ({count} releases so far,
served from this machine); the language editions of one release make one story.
A new story is published every {every} seconds, or when you type /tick.
Try:  /topics   /subscribe demining   /latest 3   /search WCO   /why 1   /language ru   /help
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
    await server.start()
    with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
        settings = Settings(source="<demo>")
        settings.storage.path = data_dir or Path(tmp)
        settings.feeds = server.feed_specs()
        settings.fetch.allow_private = True
        app = App(settings)
        console = ConsoleAdapter(app.deps, out=out, inp=inp)
        app.add_adapter("console", console)
        await app.start()
        await app.poller.first_poll_done.wait()
        await app.index_ready.wait()
        console.print(INTRO.format(count=app.store.count_items(), every=int(every)))

        async def tick(_: list[str] | None = None) -> str:
            story = server.publish_next()
            if not story:
                return "No more sample releases to publish."
            await app.poller.poll_all()
            assert app.delivery is not None
            app.delivery.scan()
            await app.delivery.drain(timeout=10)
            english = next((r for r in story if r["language"] == "en"), story[0])
            languages = ", ".join(r["language"] for r in story)
            return f"(published: {english['title']} [{languages}])"

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


