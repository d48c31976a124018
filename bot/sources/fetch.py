"""HTTP fetching for every source: conditional GET, timeouts, size cap, redirects.

One `Fetcher` (one httpx.AsyncClient, shared connection pool) serves all feeds. Every failure is a
`FetchError` with a short reason that the poller records in the feed's health.

Sized for a thousand feeds a cycle: at most `max_connections` requests in flight and
`per_host` to any one host; a request first waits for its slots, and only then does its deadline
start, so a feed queued behind others is not timed out for the queue. The body is decoded by
`decode.BoundedDecoder` (every layer of Content-Encoding counted against `max_bytes`), inside
the deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections import defaultdict
from dataclasses import dataclass
from typing import NoReturn
from urllib.parse import urlsplit

import httpcore
import httpx

from bot.config import FetchSettings
from bot.sources.decode import BadEncoding, BodyTooLarge, BoundedDecoder
from bot.urls import feed_url_problem

MAX_CONNECTIONS = 100  # requests in flight, all hosts together
PER_HOST = 4  # requests in flight to one host (politeness; the agency sites are small)


class FetchError(Exception):
    def __init__(self, reason: str, *, status: int | None = None, gone: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.gone = gone  # 410: the publisher says the feed will not come back


@dataclass(slots=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    content_type: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


async def _refuse_bad_port(request: httpx.Request) -> None:
    """A port out of range (a redirect's Location may name one) is a bad URL; left to the
    socket layer, it fails with an error group that is no FetchError."""
    port = request.url.port
    if port is not None and not 0 < port <= 65535:
        raise FetchError(f"invalid URL (port {port} is not a number from 1 to 65535)")


class Fetcher:
    def __init__(
        self,
        settings: FetchSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        max_connections: int = MAX_CONNECTIONS,
        per_host: int = PER_HOST,
    ) -> None:
        self.settings = settings
        # no pool timeout: the slots below keep httpx's pool from ever being full
        timeout = httpx.Timeout(
            settings.timeout_seconds, connect=settings.connect_timeout_seconds, pool=None
        )
        limits = httpx.Limits(max_connections=max_connections,
                              max_keepalive_connections=min(max_connections, 40))
        options = dict(
            timeout=timeout,
            limits=limits,
            follow_redirects=True,
            max_redirects=settings.max_redirects,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
        )
        self._slots = asyncio.Semaphore(max_connections)
        self._per_host = per_host
        self._host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self._per_host))
        self.in_flight = 0
        self.client = httpx.AsyncClient(
            **options, event_hooks={"request": [_refuse_bad_port]}  # type: ignore[arg-type]
        )
        # for URLs an admin typed into a chat: every request, redirects included, is checked
        # against private and loopback addresses at the time it is made (the hook, for a clear
        # error), and the connection goes to an address that passed the check (the backend:
        # a name that re-resolves to 127.0.0.1 between the two cannot get through)
        if transport is None:
            options["transport"] = _guarded_transport(settings, max_connections)
        self.guarded_client = httpx.AsyncClient(
            **options,  # type: ignore[arg-type]
            event_hooks={"request": [_refuse_bad_port, self._refuse_private]},
        )

    async def _refuse_private(self, request: httpx.Request) -> None:
        reason = await url_refusal(str(request.url), self.settings.allow_private)
        if reason:
            raise FetchError(f"refused: {reason}")

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.guarded_client.aclose()

    async def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        guarded: bool = False,
    ) -> FetchResult:
        """GET `url`; `guarded` for admin-added sources (see `url_refusal`)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        # read timeouts are per chunk: a server that drips one byte a second would never trip
        # them, so the whole exchange (decoding included) also has a deadline, which starts
        # once this request has its connection slots
        deadline = self.settings.timeout_seconds * 2 + self.settings.connect_timeout_seconds
        host = (urlsplit(url).hostname or "").lower()
        try:
            async with self._slots, self._host_slots[host]:
                self.in_flight += 1
                try:
                    async with asyncio.timeout(deadline):
                        return await self._fetch(url, headers, guarded, deadline)
                finally:
                    self.in_flight -= 1
        except TimeoutError:
            raise FetchError(f"timed out after {deadline:g} s") from None
        except httpx.TooManyRedirects:
            raise FetchError(f"more than {self.settings.max_redirects} redirects") from None
        except httpx.TimeoutException:
            raise FetchError("timed out") from None
        except httpx.InvalidURL as exc:
            raise FetchError(f"invalid URL ({exc})") from None
        except BodyTooLarge as exc:
            raise FetchError(str(exc)) from None
        except (BadEncoding, httpx.DecodingError) as exc:
            raise FetchError(f"response body could not be decoded ({exc})") from None
        except httpx.HTTPError as exc:
            if isinstance(exc.__cause__, PrivateAddressRefused):
                raise FetchError(f"refused: {exc.__cause__}") from None
            raise FetchError(f"network error: {type(exc).__name__}: {exc}".rstrip(": ")) from None

    async def _fetch(
        self, url: str, headers: dict[str, str], guarded: bool, seconds: float
    ) -> FetchResult:
        cap = self.settings.max_bytes
        client = self.guarded_client if guarded else self.client
        loop = asyncio.get_running_loop()
        ends = loop.time() + seconds

        def in_time() -> None:  # between inflated pieces: asyncio.timeout cannot cut a loop
            if loop.time() > ends:
                raise TimeoutError

        async with client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status == 304 or status >= 400:
                # an unread response closes its connection: read the (small) rest so the
                # connection goes back to the pool for the next feed of this host
                await _drain(response)
            if status == 304:
                return FetchResult(str(response.url), 304, b"", response.headers.get("etag"),
                                   response.headers.get("last-modified"))
            if status >= 400:
                gone = status == 410
                raise FetchError(f"HTTP {status}", status=status, gone=gone)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise FetchError(f"response too large ({int(declared)} bytes > {cap})")
            decoder = BoundedDecoder(response.headers.get("content-encoding", ""), cap, in_time)
            chunks: list[bytes] = []
            received = 0
            async for raw in response.aiter_raw():  # as sent: decoded here, counted
                received += len(raw)
                if received > cap:
                    raise FetchError(f"response too large (over {cap} bytes)")
                chunks.extend(decoder.feed(raw))
                in_time()
            return FetchResult(
                url=str(response.url),
                status=status,
                body=b"".join(chunks),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                content_type=response.headers.get("content-type", ""),
            )


async def _drain(response: httpx.Response, limit: int = 64 * 1024) -> None:
    """Read what is left of a body we do not want, up to `limit` bytes (beyond that, closing
    the connection is cheaper than reading)."""
    read = 0
    with contextlib.suppress(httpx.HTTPError, TimeoutError):
        async with asyncio.timeout(1.0):  # the status is what counts: never wait long for it
            async for raw in response.aiter_raw():
                read += len(raw)
                if read > limit:
                    return


async def url_refusal(url: str, allow_private: bool) -> str | None:
    """Why an admin-supplied feed URL is refused, or None if it may be polled.

    Only http(s); and unless the config allows it, no host that resolves to loopback,
    private, link-local or otherwise non-public addresses (a bot must not be a proxy into the
    network it runs in).
    """
    if problem := feed_url_problem(url):  # its syntax first: a bad port, spaces, no host
        return problem
    parts = urlsplit(url)
    if not parts.hostname:  # (said above; for the type checker)
        return "the URL has no host name"
    if allow_private:
        return None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )
    except (socket.gaierror, UnicodeError):
        return f"the host {parts.hostname!r} could not be resolved"
    for info in infos:
        if (address := _non_public(str(info[4][0]))) is not None:
            return _private_refusal(parts.hostname, address)
    return None


def _non_public(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    ip = ipaddress.ip_address(address.split("%")[0])
    return None if ip.is_global else ip


def _private_refusal(host: str, address: object) -> str:
    return (f"{host} resolves to a non-public address ({address}); set [fetch] "
            "allow_private = true to allow it")


class PrivateAddressRefused(httpcore.ConnectError):
    pass


class _PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the address check at connection time: the host is
    resolved here, every address is checked, and the socket is opened to a checked address
    (TLS still verifies the certificate against the host name, which httpcore passes apart)."""

    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None, socket_options: object = None,
    ) -> httpcore.AsyncNetworkStream:
        if self.settings.allow_private:
            return await self._inner.connect_tcp(host, port, timeout, local_address,
                                                 socket_options)  # type: ignore[arg-type]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                                 type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"{host} could not be resolved ({exc})") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            if (bad := _non_public(address)) is not None:
                raise PrivateAddressRefused(_private_refusal(host, bad))
        error: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address,
                                                     socket_options)  # type: ignore[arg-type]
            except httpcore.ConnectError as exc:
                error = exc
        raise error

    async def connect_unix_socket(self, *args: object, **kwargs: object) -> NoReturn:
        raise httpcore.ConnectError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _guarded_transport(settings: FetchSettings, max_connections: int) -> httpx.AsyncHTTPTransport:
    """httpx's transport with its connection pool rebuilt on `_PublicOnlyBackend` (httpx
    does not take a network backend itself; the same pool size as the plain client's)."""
    transport = httpx.AsyncHTTPTransport()
    transport._pool = httpcore.AsyncConnectionPool(  # noqa: SLF001
        ssl_context=httpx.create_ssl_context(),
        max_connections=max_connections,
        max_keepalive_connections=min(max_connections, 40), keepalive_expiry=5.0,
        network_backend=_PublicOnlyBackend(settings),
    )
    return transport
