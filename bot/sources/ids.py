"""Stable release ids: one spelling per page URL, so a release is stored once whichever way a
feed or list page happens to write its link."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|yclid|mc_\w+|_ga|ref)$", re.IGNORECASE)
_NUMERIC_ID = re.compile(r"/(\d+)(?:[_-][^/]*)?/?$")
_QUERY_ID = re.compile(r"(?:^|&)(?:id|news_?id|nid|p)=(\d+)(?:&|$)", re.IGNORECASE)


def normalise_url(url: str) -> str:
    """One spelling per page: lower-case host, https, no fragment, no tracking parameters,
    no trailing slash or agency-style trailing '_'."""
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return url.strip()
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    path = re.sub(r"/+", "/", parts.path or "/")
    path = re.sub(r"_?/?$", "", path) or "/"
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, parts.netloc.lower().removeprefix("www."), path, query, ""))


def numeric_id(url: str) -> int | None:
    """The article number in ".../xeberler/4426_/" or "?id=4426", if the URL has one."""
    parts = urlsplit(url)
    match = _NUMERIC_ID.search(parts.path) or _QUERY_ID.search(parts.query)
    return int(match.group(1)) if match else None


def feed_entry_id(guid: str, link: str, feed_id: str, title: str, published: datetime) -> str:
    """A feed entry's id: its guid; else its normalised link; else a hash of its title and date
    within the feed (an entry with neither guid nor link)."""
    if guid:
        return guid
    if link:
        return normalise_url(link)
    digest = hashlib.sha1(f"{title}|{published.isoformat()}".encode()).hexdigest()[:16]
    return f"{feed_id}:{digest}"
