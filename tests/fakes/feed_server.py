"""A local RSS/Atom feed server for tests and benchmarks, on 127.0.0.1, a free port.

Supports ETag / Last-Modified (answers 304), counts requests, and injects the faults feeds
produce: HTTP errors, slow drip bodies, hangs, huge and gzip-bomb bodies, redirect loops,
raw bodies (invalid XML, wrong encoding).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from bot.webserver import start_site


@dataclass
class Entry:
    title: str
    body: str = ""
    guid: str | None = None
    link: str | None = None
    published: datetime | str | None = None  # a datetime -> RFC 822; a str is sent as is
    image: str | None = None  # an <enclosure type="image/png"> with this URL
    media: str | None = None  # a <media:content medium="image"> with this URL


def rss_bytes(entries: list[Entry], title: str = "Customs news") -> bytes:
    parts = []
    for e in entries:
        xml = [f"<title>{escape(e.title)}</title>"]
        if e.link:
            xml.append(f"<link>{escape(e.link)}</link>")
        if e.guid:
            xml.append(f'<guid isPermaLink="false">{escape(e.guid)}</guid>')
        if isinstance(e.published, datetime):
            xml.append(f"<pubDate>{format_datetime(e.published)}</pubDate>")
        elif isinstance(e.published, str):
            xml.append(f"<pubDate>{escape(e.published)}</pubDate>")
        if e.body:
            xml.append(f"<description>{escape(e.body)}</description>")
        if e.image:
            xml.append(f'<enclosure url="{escape(e.image, {chr(34): "&quot;"})}" '
                       'type="image/png" length="0"/>')
        if e.media:
            xml.append(f'<media:content url="{escape(e.media, {chr(34): "&quot;"})}" '
                       'medium="image"/>')
        parts.append("<item>" + "".join(xml) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>{escape(title)}</title><link>http://127.0.0.1/</link><description>d</description>"
        + "".join(parts) + "</channel></rss>"
    ).encode()


def nested_gzip_bomb(zeros: int) -> Iterator[bytes]:
    """gzip(gzip(`zeros` zero bytes)), generated in a few kB of memory and milliseconds.

    After a full flush a deflate stream forgets its past, so compressing the same input again
    gives the same bytes: the inner stream is one compressed MiB of zeros repeated, and the outer
    stream one compressed run of those blocks repeated. The trailers (CRC, length) are left
    out: a client that inflates it all has lost already."""
    mib = 1 << 20
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    inner_head = inner.compress(b"")
    block = inner.compress(bytes(mib)) + inner.flush(zlib.Z_FULL_FLUSH)
    outer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    yield outer.compress(inner_head) + outer.flush(zlib.Z_FULL_FLUSH)
    per_run = 256  # inner blocks per outer run
    run = outer.compress(block * per_run) + outer.flush(zlib.Z_FULL_FLUSH)
    for _ in range(max(1, zeros // (mib * per_run))):
        yield run


async def _send_nested_bomb(request: web.Request, zeros: int) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Encoding": "gzip, gzip",
                                           "Content-Type": "application/rss+xml"})
    await response.prepare(request)
    try:
        for chunk in nested_gzip_bomb(zeros):
            await response.write(chunk)
    except (ConnectionResetError, RuntimeError):
        pass
    return response


@dataclass
class Fault:
    status: int | None = None  # answer with this status
    delay: float = 0.0  # wait before answering
    drip: float = 0.0  # seconds between 1-byte chunks of the body
    raw: bytes | None = None  # send these bytes instead of the feed
    size: int = 0  # send this many bytes of junk (a huge body)
    gzip_bomb: int = 0  # send a gzip body that inflates to this many bytes
    # send gzip(gzip(this many zeros)), streamed, as "Content-Encoding: gzip, gzip"
    nested_gzip_bomb: int = 0
    redirect_loop: bool = False
    redirect_to: str = ""  # answer 302 with this Location, sent as it is (even a bad port)
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers (raw bodies)
    times: int | None = None  # how many requests it applies to (None: until cleared)


@dataclass
class FeedSite:
    entries: list[Entry] = field(default_factory=list)
    fault: Fault | None = None
    last_modified: datetime = field(default_factory=lambda: datetime.now(UTC))


class FeedServer:
    def __init__(self) -> None:
        self.sites: dict[str, FeedSite] = {}
        self.files: dict[str, tuple[bytes, str]] = {}  # name -> (body, content type): pictures
        self.requests: dict[str, int] = {}
        self.not_modified: dict[str, int] = {}
        self.connections: set[object] = set()  # client (host, port)s seen: connections opened
        self.base = ""
        self._runner: web.AppRunner | None = None

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def site(self, name: str) -> FeedSite:
        return self.sites.setdefault(name, FeedSite())

    def publish(self, name: str, *entries: Entry) -> None:
        site = self.site(name)
        site.entries[:0] = list(entries)  # newest first, as feeds list them
        site.last_modified = datetime.now(UTC)

    def add_file(self, name: str, body: bytes, content_type: str = "image/png") -> str:
        """Serve `body` at /name (a release's picture); its URL."""
        self.files[name] = (body, content_type)
        return self.url(name)

    def set_fault(self, name: str, fault: Fault | None) -> None:
        self.site(name).fault = fault

    async def start(self) -> FeedServer:
        app = web.Application()
        app.router.add_get("/{name:.+}", self._handle)
        self._runner, port = await start_site(app, shutdown_timeout=0.1)
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> FeedServer:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.requests[name] = self.requests.get(name, 0) + 1
        if request.transport is not None:
            self.connections.add(request.transport.get_extra_info("peername"))
        if name in self.files:
            body, kind = self.files[name]
            return web.Response(body=body, headers={"Content-Type": kind})
        site = self.sites.get(name)
        if site is None:
            return web.Response(status=404, text="no such feed")
        fault = site.fault
        if fault is not None and fault.times is not None:
            fault.times -= 1
            if fault.times < 0:
                site.fault = fault = None
        if fault is not None:
            return await self._fault(request, fault, name)
        body = rss_bytes(site.entries)
        etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        last_modified = format_datetime(site.last_modified, usegmt=True)
        if request.headers.get("If-None-Match") == etag or (
            "If-None-Match" not in request.headers
            and request.headers.get("If-Modified-Since") == last_modified
        ):
            self.not_modified[name] = self.not_modified.get(name, 0) + 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, content_type="application/rss+xml",
                            headers={"ETag": etag, "Last-Modified": last_modified})

    async def _fault(self, request: web.Request, fault: Fault, name: str) -> web.StreamResponse:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.redirect_loop:
            raise web.HTTPFound(location=f"/{name}")
        if fault.redirect_to:
            return web.Response(status=302, headers={"Location": fault.redirect_to})
        if fault.status:
            return web.Response(status=fault.status, text=f"error {fault.status}")
        if fault.gzip_bomb:
            body = gzip.compress(b"<" * fault.gzip_bomb, compresslevel=9)
            return web.Response(body=body, headers={"Content-Encoding": "gzip",
                                                    "Content-Type": "application/rss+xml"})
        if fault.nested_gzip_bomb:
            return await _send_nested_bomb(request, fault.nested_gzip_bomb)
        if fault.size:
            response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            await response.prepare(request)
            chunk = b"x" * 65536
            sent = 0
            try:
                while sent < fault.size:
                    await response.write(chunk)
                    sent += len(chunk)
            except (ConnectionResetError, RuntimeError):
                pass
            return response
        body = fault.raw if fault.raw is not None else rss_bytes(self.sites[name].entries)
        if fault.drip:
            response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            await response.prepare(request)
            try:
                for i in range(len(body)):
                    await response.write(body[i:i + 1])
                    await asyncio.sleep(fault.drip)
            except (ConnectionResetError, RuntimeError):
                pass
            return response
        return web.Response(body=body, content_type="application/rss+xml", headers=fault.headers)
