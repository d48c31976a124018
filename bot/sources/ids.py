"""Stable release ids: one spelling per page URL, so a release is stored once whichever way a
feed or list page happens to write its link."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.models import Item

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|yclid|mc_\w+|_ga|ref)$", re.IGNORECASE)
_NUMERIC_ID = re.compile(r"/(\d+)(?:[_-][^/]*)?/?$")
_WORDS = re.compile(r"\w+")
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


def feed_entry_id(
    guid: str, link: str, feed_id: str, title: str, published: datetime | None, body: str = ""
) -> str:
    """A feed entry's id: its guid; else its normalised link; else, within the feed, a hash of
    its title and date, or - with no date either - of its normalised title and text (never of
    the fetch time: the entry would come back as new on every poll)."""
    if guid:
        return guid
    if link:
        return normalise_url(link)
    if published is not None:
        key = f"{title}|{published.isoformat()}"
    else:
        key = f"{_comparable(title)}|{_comparable(body)}"
    return f"{feed_id}:{hashlib.sha1(key.encode()).hexdigest()[:16]}"


def keep_apart(items: list[Item]) -> list[Item]:
    """One item per id, in order. Entries that share an id (a CMS that gives every entry the
    same guid) but differ in content all stay, each with the id suffixed by a hash of its
    normalised title and link; a true repeat (same content) is dropped."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.id, []).append(item)
    out: list[Item] = []
    seen: set[str] = set()
    for item in items:
        group = groups[item.id]
        if len({i.content_hash for i in group}) > 1:
            item.id += _suffix(item)
        if item.id not in seen:
            seen.add(item.id)
            out.append(item)
    return out


def _suffix(item: Item) -> str:
    """What `keep_apart` appends to a shared id: a hash of the normalised title and link."""
    key = f"{_comparable(item.title)}|{normalise_url(item.url) if item.url else ''}"
    return "#" + hashlib.sha1(key.encode()).hexdigest()[:10]


def same_release(stored: Item, item: Item) -> bool:
    """Whether `item` is `stored` again (perhaps corrected) rather than another release that
    shares its id: the same link, or - with no links to compare - the same title or text."""
    if stored.url and item.url:
        return (normalise_url(stored.url) == normalise_url(item.url)
                or _comparable(stored.title) == _comparable(item.title))
    return (_comparable(stored.title) == _comparable(item.title)
            or _comparable(stored.body) == _comparable(item.body))


def settle_shared_ids(
    items: list[Item], stored: Callable[[str], Item | None], known: Callable[[str], bool]
) -> None:
    """Ids of entries that share a guid made stable across polls, against what is stored
    (`keep_apart` only sees one poll): an entry alone under a guid that a different release of
    its feed is stored under takes the suffixed id, as if both had been in one poll; an entry
    that was stored under the plain or the suffixed id keeps it whichever the poll gives."""
    for item in items:
        suffix = _suffix(item)
        if item.id.endswith(suffix):  # split in this poll
            plain = item.id.removesuffix(suffix)
            if not known(item.id):
                old = stored(plain)
                if old is not None and old.feed_id == item.feed_id and same_release(old, item):
                    item.id = plain
        elif known(item.id):
            old = stored(item.id)
            if old is not None and old.feed_id == item.feed_id and not same_release(old, item):
                item.id += suffix
        elif known(item.id + suffix):
            item.id += suffix


def _comparable(text: str) -> str:
    """Case-folded words only: what stays when a feed re-renders the same entry."""
    return " ".join(_WORDS.findall(text.casefold()))
