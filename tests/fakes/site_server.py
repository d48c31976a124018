"""A local website for tests: HTML pages by path on 127.0.0.1, a free port.

Pages live in a dict that tests change while the server runs (`set_page`, `remove_page`). Every
answer carries an ETag (a hash of the body) and honours If-None-Match with 304. Requests and
304s are counted per path, and faults can be injected per path: an HTTP status, a delay, or a
hang until the server stops (for client timeouts). Reusable for any test that needs "a website":
HTML news sources, redirects, or pages that go missing.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.webserver import start_site


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html"
    charset: str | None = "utf-8"
    etag: bool = True  # send an ETag and answer If-None-Match with 304


@dataclass
class Fault:
    status: int | None = None  # answer with this status instead of the page
    delay: float = 0.0  # wait this long before answering
    hang: bool = False  # never answer (until the server stops): the client times out
    redirect_to: str | None = None  # answer 302 to this path or URL
    times: int | None = None  # how many requests it applies to (None: until cleared)


class SiteServer:
    def __init__(self, pages: dict[str, str | bytes | Page] | None = None) -> None:
        self.pages: dict[str, Page] = {}
        self.faults: dict[str, Fault] = {}
        self.requests: dict[str, int] = {}
        self.not_modified: dict[str, int] = {}
        self.base = ""
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        for path, page in (pages or {}).items():
            self.set_page(path, page)

    # -- the site's content ----------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def set_page(
        self, path: str, page: str | bytes | Page, content_type: str = "text/html"
    ) -> None:
        if isinstance(page, str):
            page = Page(page.encode("utf-8"), content_type)
        elif isinstance(page, bytes):
            page = Page(page, content_type, charset=None)
        self.pages[path] = page

    def remove_page(self, path: str) -> None:
        self.pages.pop(path, None)

    def set_fault(self, path: str, fault: Fault | None) -> None:
        if fault is None:
            self.faults.pop(path, None)
        else:
            self.faults[path] = fault

    def count(self, path: str) -> int:
        return self.requests.get(path, 0)

    def total_requests(self) -> int:
        return sum(self.requests.values())

    def reset_counts(self) -> None:
        self.requests.clear()
        self.not_modified.clear()

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> SiteServer:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner, port = await start_site(app, shutdown_timeout=0.1)
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner:
            await self._runner.cleanup()

    async def __aenter__(self) -> SiteServer:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    # -- answering ------------------------------------------------------------------------

    def _fault_for(self, path: str) -> Fault | None:
        fault = self.faults.get(path)
        if fault is not None and fault.times is not None:
            fault.times -= 1
            if fault.times < 0:
                del self.faults[path]
                return None
        return fault

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.requests[path] = self.requests.get(path, 0) + 1
        fault = self._fault_for(path)
        if fault is not None:
            if fault.hang:
                await self._stopping.wait()
                return web.Response(status=503, text="shutting down")
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.redirect_to:
                raise web.HTTPFound(location=fault.redirect_to)
            if fault.status:
                return web.Response(status=fault.status, text=f"error {fault.status}")
        page = self.pages.get(path)
        if page is None:
            return web.Response(status=404, text="<html><body><h1>Not found</h1></body></html>",
                                content_type="text/html")
        headers = {}
        if page.etag:
            etag = '"' + hashlib.sha1(page.body).hexdigest()[:20] + '"'
            headers["ETag"] = etag
            if request.headers.get("If-None-Match") == etag:
                self.not_modified[path] = self.not_modified.get(path, 0) + 1
                return web.Response(status=304, headers=headers)
        return web.Response(body=page.body, content_type=page.content_type,
                            charset=page.charset, headers=headers)
