"""Feeds that are not the UTF-8 they declare, repaired one item at a time.

A feed declared (or defaulting to) UTF-8 whose bytes are not UTF-8 is one of two things: a UTF-8
feed with a few stray bytes (one item pasted from Word, a cut multi-byte character), or a feed
in another code page altogether (or with one item in one). feedparser would read the whole
document as windows-1252 ("Òàìîæíÿ"). Here the document is cut at its items; each piece that is
mostly UTF-8 keeps its text and gets one U+FFFD per bad byte, and only the pieces that are not
UTF-8 at all are decoded in the code page charset_normalizer finds for them, among the
likely ones - Cyrillic, Latin, Turkish, Hebrew, Arabic, Greek, Japanese, Chinese, Korean - so a
Hebrew windows-1255 or a Shift-JIS feed is not forced into Cyrillic.

A feed that declares another encoding (XML declaration or HTTP charset) is left to feedparser.
"""

from __future__ import annotations

import re

_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""", re.I)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_ITEM_START = re.compile(rb"<(?:item|entry)[\s>]")
_CODE_PAGES = ["cp1251", "koi8_r", "cp1252", "cp1254", "cp1250", "cp1255", "cp1256", "cp1253",
               "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr"]
# charset_normalizer cannot tell these Latin pages apart on short text without "ə/ş/ğ";
# Azerbaijani and Turkish feeds are the likely ones here
_LATIN_COUSINS = {"cp1250", "cp1252", "cp1257", "iso8859_10"}


def declared_encoding(body: bytes, content_type: str = "") -> str:
    """The encoding the feed says it is in: the HTTP charset, else the XML declaration, else
    UTF-8 (normalised: lower case, "_" as "-")."""
    http = _HTTP_CHARSET.search(content_type or "")
    xml = _XML_ENCODING.match(body)
    name = http.group(1) if http else (xml.group(1).decode("ascii") if xml else "utf-8")
    return name.lower().replace("_", "-")


def repair_encoding(body: bytes, content_type: str = "") -> bytes:
    """`body` as valid UTF-8 if it claims UTF-8 (or nothing); other declared encodings are
    returned as they are."""
    if declared_encoding(body, content_type) not in ("utf-8", "utf8"):
        return body
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    cuts = [0, *(m.start() for m in _ITEM_START.finditer(body)), len(body)]
    pieces = [body[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
    # no UTF-8 character anywhere: the whole feed is in a code page, even its pieces with
    # only a stray accented letter or two
    anywhere = _good_non_ascii(body.decode("utf-8", errors="replace")) > 0
    foreign = [not anywhere or not _mostly_utf8(p) for p in pieces]
    sample = b" ".join(p for p, alien in zip(pieces, foreign, strict=True) if alien)
    code_page = _guess_code_page(sample) if sample else None
    out = []
    for piece, alien in zip(pieces, foreign, strict=True):
        encoding = code_page if alien and code_page is not None else "utf-8"
        out.append(piece.decode(encoding, errors="replace"))
    return "".join(out).encode("utf-8")


def _mostly_utf8(piece: bytes) -> bool:
    """Valid UTF-8 but for a few bytes: at most 3 bad ones, or one per 4 good non-ASCII
    characters (a code page's text has almost no valid multi-byte sequences)."""
    text = piece.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - piece.count("\ufffd".encode())
    if bad <= 3:
        return True
    return bad * 4 <= _good_non_ascii(text)


def _good_non_ascii(text: str) -> int:
    return sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")


def _guess_code_page(sample: bytes) -> str | None:
    # imported here: only a feed that is not the UTF-8 it declares needs it, and the bot's
    # start-up does not (3 MB resident)
    import charset_normalizer

    matches = list(charset_normalizer.from_bytes(sample, cp_isolation=_CODE_PAGES))
    if not matches:
        return None
    best = matches[0].encoding
    if best in _LATIN_COUSINS and any(m.encoding == "cp1254" for m in matches):
        return "cp1254"
    return best
