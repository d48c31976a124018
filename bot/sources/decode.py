"""Undoing an HTTP `Content-Encoding` with the output counted, layer by layer.

httpx's own decoders inflate each network chunk in one call: a 20 kB `gzip(gzip(8 GiB of
zeros))` sent as `Content-Encoding: gzip, gzip` becomes one 8 MB chunk after the first layer and
8 GiB after the second, before any size check can run. Here every layer inflates at most
`PIECE` bytes at a time, the pieces flow through the next layers at once, and the bytes that come
out of the last layer are counted against the cap: memory stays at a few pieces per layer, and
the work stops as soon as the cap is passed. A `check` callback runs between pieces (the fetch
deadline), so even a stream that inflates to nothing for ever cannot hold the fetch.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

PIECE = 64 * 1024
MAX_LAYERS = 4  # "gzip, gzip" is odd already; more is an attack


class BodyTooLarge(Exception):
    pass


class BadEncoding(Exception):
    """An encoding we do not undo, or compressed data that does not inflate."""


class _Inflater:
    """One layer: gzip (several members allowed) or deflate (zlib-wrapped or raw, as servers
    disagree on what "deflate" means)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._raw_fallback = kind == "deflate"
        self._obj = self._new()

    def _new(self, raw: bool = False) -> zlib._Decompress:
        if self.kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                out = self._obj.decompress(data, PIECE)
            except zlib.error as exc:
                if self._raw_fallback:  # not zlib-wrapped: try raw deflate, once
                    self._raw_fallback = False
                    self._obj = self._new(raw=True)
                    continue
                raise BadEncoding(f"{self.kind} data does not inflate ({exc})") from None
            self._raw_fallback = False
            data = self._obj.unconsumed_tail
            if out:
                yield out
            if self._obj.eof and self.kind == "gzip" and self._obj.unused_data.strip(b"\0"):
                data = self._obj.unused_data  # the next gzip member
                self._obj = self._new()
                continue
            if not data and len(out) < PIECE:
                return


def _layers(content_encoding: str) -> list[_Inflater]:
    """The layers to undo, outermost first (the header lists them in the order applied)."""
    names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
    names = [n for n in names if n != "identity"]
    if len(names) > MAX_LAYERS:
        raise BadEncoding(f"{len(names)} content encodings stacked")
    layers = []
    for name in reversed(names):
        if name in ("gzip", "x-gzip"):
            layers.append(_Inflater("gzip"))
        elif name == "deflate":
            layers.append(_Inflater("deflate"))
        else:
            raise BadEncoding(f"unsupported content encoding {name!r}")
    return layers


class BoundedDecoder:
    """Feed raw chunks in, get decoded bytes out; raises BodyTooLarge once more than
    `max_bytes` have come out, BadEncoding on bad data or an unknown encoding."""

    def __init__(self, content_encoding: str, max_bytes: int,
                 check: Callable[[], None] = lambda: None) -> None:
        self._layers = _layers(content_encoding)
        self._max = max_bytes
        self._check = check
        self.size = 0

    def _through(self, level: int, data: bytes) -> Iterator[bytes]:
        if level == len(self._layers):
            yield data
            return
        for piece in self._layers[level].feed(data):
            self._check()
            yield from self._through(level + 1, piece)

    def feed(self, raw: bytes) -> list[bytes]:
        out = []
        for piece in self._through(0, raw):
            self.size += len(piece)
            if self.size > self._max:
                raise BodyTooLarge(f"response too large (over {self._max} bytes decoded)")
            out.append(piece)
        return out
