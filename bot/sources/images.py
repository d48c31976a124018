"""A release's picture: from a feed entry (an image enclosure, media:content, media:thumbnail)
or an article page (og:image / twitter:image / image_src, else the article's lead figure).

Always an absolute http(s) URL (resolved against the entry's or the page's address), or "":
a chat platform fetches the picture itself and takes nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from feedparser import FeedParserDict
from lxml import etree

from bot.sources.page_meta import outside_article

MAX_URL = 2000  # longer is not a picture's address (a data: URI, a tracking monster)
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp)(?:$|[?#])", re.IGNORECASE)
# pictures that are the site's, not the article's
_NOT_LEAD = re.compile(r"logo|icon|avatar|sprite|spacer|pixel|banner|flag|emblem|gerb",
                       re.IGNORECASE)


def absolute_image(url: str, base: str) -> str:
    """`url` resolved against `base`; "" unless it is an http(s) URL of reasonable length."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL or url.startswith("data:"):
        return ""
    try:
        resolved = urljoin(base, url) if base else url
        parts = urlsplit(resolved)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in resolved:
        return ""
    return resolved


def _is_image(kind: str, medium: str, url: str) -> bool:
    if kind:
        return kind.lower().startswith("image/")
    return medium.lower() == "image" or bool(_IMAGE_FILE.search(url))


def entry_image(entry: FeedParserDict, base: str) -> str:
    """The entry's picture: an image enclosure, else media:content, else media:thumbnail."""
    candidates: list[str] = []
    for enclosure in entry.get("enclosures") or []:
        href = enclosure.get("href") or enclosure.get("url") or ""
        if _is_image(enclosure.get("type") or "", "", href):
            candidates.append(href)
    for media in entry.get("media_content") or []:
        url = media.get("url") or ""
        if _is_image(media.get("type") or "", media.get("medium") or "", url):
            candidates.append(url)
    candidates += [t.get("url") or "" for t in entry.get("media_thumbnail") or []]
    return _first(candidates, base)


def _first(candidates: Iterable[str], base: str) -> str:
    for candidate in candidates:
        found = absolute_image(candidate, base)
        if found:
            return found
    return ""


def page_image(tree: etree._Element, url: str) -> str:
    """The article page's picture: og:image (or twitter:image, image_src), else the first
    picture of the article itself (a <figure>'s, then one in <article>), never a logo or one
    in a sidebar."""
    declared = [str(v) for v in tree.xpath(
        "//meta[@property='og:image' or @property='og:image:url' or @property='og:image:secure_url'"
        " or @name='twitter:image' or @name='twitter:image:src']/@content"
        " | //link[@rel='image_src']/@href")]
    found = _first((d for d in declared if not _NOT_LEAD.search(d)), url)
    if found:
        return found
    for xpath in ("//figure//img", "//article//img", "//main//img"):
        for img in tree.xpath(xpath):
            src = img.get("src") or img.get("data-src") or ""
            if not src or _NOT_LEAD.search(src) or outside_article(img) or _tiny(img):
                continue
            found = absolute_image(src, url)
            if found:
                return found
    return ""


def _tiny(img: etree._Element) -> bool:
    """An icon or a tracking pixel by its declared size."""
    for attribute in ("width", "height"):
        value = (img.get(attribute) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < 50:
            return True
    return False
