"""RSS/Atom: feedparser on bytes we fetched ourselves -> normalised Items."""

from __future__ import annotations

import calendar
import io
import re
import xml.sax
from datetime import UTC, datetime, tzinfo

import charset_normalizer
import feedparser

from bot.models import FeedSpec, Item
from bot.sources.dates import find_local_date, offset_minutes, parse_date
from bot.sources.ids import feed_entry_id
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
        return datetime.fromtimestamp(calendar.timegm(value), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_body(entry: feedparser.FeedParserDict) -> str:
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or entry.get("description", "")
    return best if len(best) >= len(summary) else summary


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""", re.I)
# what a feed that is not the UTF-8 it claims is likely to be: the Windows code pages of the
# agency's languages' regions, and KOI8-R
_LIKELY_ENCODINGS = ["cp1251", "cp1252", "cp1254", "koi8-r"]


def _repair_encoding(body: bytes) -> bytes:
    """A feed declared UTF-8 (or undeclared, which means UTF-8) whose bytes are not UTF-8.

    feedparser would fall back to windows-1252, turning a Russian windows-1251 feed into
    "Òàìîæíÿ"; charset_normalizer picks the code page that reads as language instead.
    """
    declared = _XML_ENCODING.match(body)
    name = declared.group(1).decode("ascii").lower().replace("_", "-") if declared else "utf-8"
    if name not in ("utf-8", "utf8"):
        return body
    try:
        body.decode("utf-8")
        return body
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(body, cp_isolation=_LIKELY_ENCODINGS).best()
    return str(best).encode("utf-8") if best is not None else body


def parse_feed(
    body: bytes, spec: FeedSpec, tz: tzinfo, fetched_at: datetime | None = None
) -> list[Item]:
    """Every release in the feed exactly once, in the feed's order."""
    fetched_at = fetched_at or datetime.now(UTC)
    parsed = feedparser.parse(io.BytesIO(_repair_encoding(body)))
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
    items: list[Item] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        item = _entry_to_item(entry, spec, tz, fetched_at, feed_language)
        if item is None or item.id in seen:
            continue
        seen.add(item.id)
        items.append(item)
    return items


def _entry_to_item(
    entry: feedparser.FeedParserDict,
    spec: FeedSpec,
    tz: tzinfo,
    fetched_at: datetime,
    feed_language: str,
) -> Item | None:
    title = one_line(entry.get("title", ""))
    link = (entry.get("link") or "").strip()
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
        if _HAS_ZONE.search(raw) and entry.get(f"{key}_parsed"):
            published = _struct_to_dt(entry[f"{key}_parsed"])
        else:  # a local date ("22 June 2022 09:50"): feedparser would take it as UTC
            published = parse_date(raw, tz)
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

    item_id = feed_entry_id((entry.get("id") or "").strip(), link, spec.id, title, published)
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
    )
