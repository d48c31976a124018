"""Content-Encoding undone with every layer's output counted (bot/sources/decode.py)."""

from __future__ import annotations

import gzip
import zlib

import pytest

from bot.sources.decode import BadEncoding, BodyTooLarge, BoundedDecoder

BODY = b"<rss><channel>" + b"<item><title>Customs release</title></item>" * 2000 + b"</rss>"


def decode(data: bytes, encoding: str, cap: int = 10**7, chunk: int = 4096) -> bytes:
    decoder = BoundedDecoder(encoding, cap)
    return b"".join(b"".join(decoder.feed(data[i:i + chunk])) for i in range(0, len(data), chunk))


def raw_deflate(data: bytes) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return squeeze.compress(data) + squeeze.flush()


@pytest.mark.parametrize(("encoding", "data"), [
    ("", BODY),
    ("identity", BODY),
    ("gzip", gzip.compress(BODY)),
    ("x-gzip", gzip.compress(BODY)),
    ("deflate", zlib.compress(BODY)),
    ("deflate", raw_deflate(BODY)),
    ("gzip, gzip", gzip.compress(gzip.compress(BODY))),
    ("deflate, gzip", gzip.compress(zlib.compress(BODY))),
])
def test_honest_encodings_decode_whole_in_any_chunking(encoding: str, data: bytes) -> None:
    assert decode(data, encoding) == BODY
    assert decode(data, encoding, chunk=7) == BODY


def test_gzip_of_several_members_reads_them_all() -> None:
    assert decode(gzip.compress(BODY[:5000]) + gzip.compress(BODY[5000:]), "gzip") == BODY


def test_the_cap_counts_what_comes_out_of_the_last_layer() -> None:
    bomb = gzip.compress(gzip.compress(bytes(64 * 1024 * 1024)))
    decoder = BoundedDecoder("gzip, gzip", 1024 * 1024)
    with pytest.raises(BodyTooLarge):
        decoder.feed(bomb)
    assert decoder.size <= 1024 * 1024 + 64 * 1024  # stopped at the first piece over the cap


def test_the_check_runs_between_pieces_and_can_stop_the_work() -> None:
    bomb = gzip.compress(bytes(16 * 1024 * 1024))
    calls = 0

    def deadline() -> None:
        nonlocal calls
        calls += 1
        if calls > 3:
            raise TimeoutError

    with pytest.raises(TimeoutError):
        BoundedDecoder("gzip", 10**9, deadline).feed(bomb)


@pytest.mark.parametrize(("encoding", "data"), [
    ("br", b"anything"),
    ("gzip, gzip, gzip, gzip, gzip", b"x"),
    ("gzip", b"\x1f\x8b not gzip at all"),
])
def test_unknown_stacked_or_broken_encodings_are_refused(encoding: str, data: bytes) -> None:
    with pytest.raises(BadEncoding):
        BoundedDecoder(encoding, 10**6).feed(data)
