"""OPML import/export of the feed list, for admins moving between readers and bots."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from bot.config import check_feed_id
from bot.models import FeedSpec


def export_opml(feeds: list[FeedSpec]) -> str:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = "customs-newsbot feeds"
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"text": feed.id, "title": feed.id, "type": "rss", "xmlUrl": feed.url}
        if feed.type == "html":
            attrs.update(type="link", url=feed.url, linkPattern=feed.link_pattern)
        if feed.language:
            attrs["language"] = feed.language
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return slug or "feed"


def import_opml(text: str) -> list[FeedSpec]:
    """Feeds from an OPML document; raises ValueError with a short reason if it is not one."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"not an OPML file ({exc})") from None
    specs: list[FeedSpec] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl") or (outline.get("url") if outline.get("linkPattern") else None)
        if not url or urlsplit(url).scheme not in ("http", "https"):
            continue
        name = outline.get("text") or outline.get("title") or urlsplit(url).hostname or "feed"
        feed_id = name if not check_feed_id(name) else _slug(name)
        base, n = feed_id, 2
        while feed_id in seen:
            feed_id, n = f"{base[:36]}-{n}", n + 1
        seen.add(feed_id)
        pattern = outline.get("linkPattern") or ""
        specs.append(FeedSpec(id=feed_id, url=url, type="html" if pattern else "rss",
                              link_pattern=pattern, language=outline.get("language") or "",
                              origin="admin"))
    return specs
