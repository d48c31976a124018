"""RSS/Atom: feedparser on bytes we fetched ourselves -> normalised Items."""

from __future__ import annotations

import calendar
import io
import re
import xml.sax
from datetime import UTC, datetime, tzinfo
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.models import FeedSpec, Item
from bot.sources.dates import find_local_date, offset_minutes, parse_date, plausible
from bot.sources.encoding import repair_encoding
from bot.sources.ids import feed_entry_id, keep_apart
from bot.sources.images import entry_image
from bot.sources.text import (
    clean_text,
    content_hash,
    detect_language,
    drop_leading_title,
    html_to_text,
    one_line,
)


class NotAFeed(Exception):
    """The bytes are not an RSS or Atom feed."""


_HAS_ZONE = re.compile(
    r"(?:[+-]\d\d:?\d\d|\d\dZ|\b(?:GMT|UTC|UT|Z|[ECMP][SD]T|[A-IK-Z])\b)\s*$", re.IGNORECASE
)


def _looks_truncated(problem: xml.sax.SAXParseException) -> bool:
    # undefined entities and the like are common and harmless; a cut-off document is not
    return problem.getMessage() in ("no element found", "unclosed token", "unclosed CDATA section")


def _struct_to_dt(value: object) -> datetime | None:
    try:
        return plausible(datetime.fromtimestamp(calendar.timegm(value),  # type: ignore[arg-type]
                                                UTC))
    except (TypeError, ValueError, OverflowError):
        return None


def _absolute(base: str, link: str) -> str:
    """`link` made absolute against `base`; "" for what is not a web page (javascript:...)."""
    if link and base and not urlsplit(link).scheme:
        link = urljoin(base, link)
    return link if not link or urlsplit(link).scheme in ("http", "https", "") else ""


def _entry_body(entry: feedparser.FeedParserDict) -> str:
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or entry.get("description", "")
    return best if len(best) >= len(summary) else summary


MAX_ITEMS_PER_POLL = 1000  # entries read per feed per poll, in the feed's order (newest first)
_XML_DECLARED = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([\w.:-]+)(["'])""", re.I)


def _feedparser_input(body: bytes, content_type: str) -> tuple[bytes, dict[str, str]]:
    """The bytes and headers feedparser should see: a feed claiming UTF-8 repaired item by item
    (`encoding.repair_encoding`), and then declared UTF-8 everywhere; else as served."""
    repaired = repair_encoding(body, content_type)
    if repaired is body:
        return body, ({"content-type": content_type} if content_type else {})
    repaired = _XML_DECLARED.sub(rb"\1utf-8\3", repaired, count=1)
    return repaired, {"content-type": "application/xml; charset=utf-8"}


def parse_feed(
    body: bytes,
    spec: FeedSpec,
    tz: tzinfo,
    fetched_at: datetime | None = None,
    url: str = "",
    content_type: str = "",
) -> list[Item]:
    """Every release in the feed exactly once, in the feed's order (the first
    MAX_ITEMS_PER_POLL). `url` is the address the feed was fetched from: relative links are
    resolved against the entry's xml:base, else the feed's own link, else `url`."""
    fetched_at = fetched_at or datetime.now(UTC)
    data, headers = _feedparser_input(body, content_type)
    # no content-location: feedparser would resolve against the feed's address before the
    # feed's <link>; xml:base it still applies itself
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    is_feed = bool(parsed.get("version")) or bool(parsed.entries)
    problem = parsed.get("bozo_exception")
    if not is_feed:
        hint = f" ({type(problem).__name__}: {problem})" if problem else ""
        raise NotAFeed(f"not an RSS or Atom feed{hint}")
    if isinstance(problem, xml.sax.SAXParseException) and _looks_truncated(problem):
        # feedparser's loose parser would salvage a truncated download as a shorter feed;
        # better to fail this poll loudly and read the whole feed on the next one.
        raise NotAFeed(f"malformed XML ({problem.getMessage()} at line {problem.getLineNumber()})")
    feed_language = (parsed.feed.get("language") or "").split("-")[0].lower()
    base = urljoin(url, parsed.feed.get("link") or "") if (url or parsed.feed.get("link")) else ""
    items = []
    for entry in parsed.entries[:MAX_ITEMS_PER_POLL]:
        item = _entry_to_item(entry, spec, tz, fetched_at, feed_language, base)
        if item is not None:
            items.append(item)
    return keep_apart(items)


def _entry_to_item(
    entry: feedparser.FeedParserDict,
    spec: FeedSpec,
    tz: tzinfo,
    fetched_at: datetime,
    feed_language: str,
    base: str,
) -> Item | None:
    title = one_line(entry.get("title", ""))
    link = _absolute(base, (entry.get("link") or "").strip())
    body = html_to_text(_entry_body(entry))
    if not title and not body:
        return None
    if not title:
        title = body.split("\n", 1)[0][:140]

    published, estimated = None, False
    for key in ("published", "updated", "created"):
        raw = (entry.get(key) or "").strip()
        if not raw:
            continue
        # ours first: it honours every zone written ("MET", "-0000") and reads a date with
        # none in the source's zone, where feedparser would take UTC; feedparser's for the
        # forms we do not know, when they carry a zone
        published = parse_date(raw, tz)
        if published is None and _HAS_ZONE.search(raw) and entry.get(f"{key}_parsed"):
            published = _struct_to_dt(entry[f"{key}_parsed"])
        if published:
            break
    body = drop_leading_title(body, title)
    # a body that opens with its own local date line: use it, then drop it
    first_line = body.split("\n", 1)[0]
    found = find_local_date(first_line, tz) if len(first_line) < 60 else None
    if found and len(found[1]) >= len(first_line) - 8:
        published = published or found[0]
        body = body.split("\n", 1)[1] if "\n" in body else ""
        body = drop_leading_title(body, title)
    if published is None:
        published, estimated = fetched_at, True
    body = clean_text(body)

    item_id = feed_entry_id((entry.get("id") or "").strip(), link, spec.id, title,
                            None if estimated else published, body)
    language = (
        spec.language
        or (entry.get("language") or "").split("-")[0].lower()
        or feed_language
        or detect_language(f"{title}\n{body}")
    )
    return Item(
        id=item_id,
        feed_id=spec.id,
        url=link,
        title=title,
        body=body,
        published=published,
        published_estimated=estimated,
        language=language if language in ("en", "az", "ru") else detect_language(title + body),
        content_hash=content_hash(title, body),
        tz_offset_minutes=offset_minutes(published, tz),
        image=entry_image(entry, base or link),
    )
