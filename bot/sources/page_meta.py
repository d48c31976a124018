"""The publication date an article page declares in its markup: meta tags, JSON-LD (read
laxly), `itemprop`, `abbr`, and the `<time>` that belongs to the article - never one in a
sidebar, a list of related news or the comments."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from lxml import etree

_DATE_META = (
    "article:published_time", "og:published_time", "og:article:published_time",
    "article:published", "published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "date", "dc.date.issued", "dc.date", "dc.date.created",
    "dcterms.created", "dcterms.issued", "dcterms.date", "sailthru.date", "parsely-pub-date",
    "citation_publication_date", "release_date",
)
# regions of a page that are not the article: what they date is something else
_ELSEWHERE = re.compile(
    r"sidebar|side-bar|aside|related|widget|comment|footer|\bnav|menu|popular|latest|"
    r"most-read|more-news|other-news|teaser|breadcrumb|archive|calendar",
    re.IGNORECASE,
)
_NOT_ARTICLE_TAGS = ("aside", "nav", "footer", "form")
_LAYOUT_PREFIXES = ("has-", "with-", "no-", "page-", "layout-", "col-")
_PUBLISHED_HINT = re.compile(r"publish|created|posted|pubdate|entry-date", re.IGNORECASE)
_MODIFIED_HINT = re.compile(r"modif|updat|edited", re.IGNORECASE)


def is_elsewhere(element: etree._Element) -> bool:
    """Whether `element` is a sidebar, menu, footer, related list or comments."""
    if not isinstance(element.tag, str):
        return False
    if element.tag in _NOT_ARTICLE_TAGS:
        return element.find(".//h1") is None
    marks = [m for m in f"{element.get('class', '')} {element.get('id', '')} "
             f"{element.get('role', '')}".split() if not m.startswith(_LAYOUT_PREFIXES)]
    # a wrapper that holds the article's heading is the page itself ("content with-sidebar")
    return (any(_ELSEWHERE.search(m) for m in marks)) and element.find(".//h1") is None


def outside_article(element: etree._Element) -> bool:
    """Whether `element` sits in a sidebar, menu, footer, related list or comments."""
    return any(is_elsewhere(node) for node in element.iterancestors())


def declared_dates(tree: etree._Element, heading: etree._Element | None) -> Iterator[str]:
    """Date strings the markup gives for the article, best first. `heading` is the article's
    title element, if found: a `<time>` after it belongs to the article."""
    for element in tree.xpath("//meta[@content]"):
        name = element.get("property") or element.get("name") or element.get("itemprop") or ""
        if name.strip().lower() in _DATE_META:
            yield element.get("content", "")
    for script in tree.xpath("//script[@type='application/ld+json']"):
        yield from _json_ld_dates(script.text_content() or "")
    for element in tree.xpath("//*[@itemprop='datePublished' or @itemprop='dateCreated']"):
        if element.tag != "meta" and not outside_article(element):
            yield element.get("content") or element.get("datetime") or element.text_content()
    for abbr in tree.xpath("//abbr[@title]"):
        marks = f"{abbr.get('class', '')} {abbr.get('itemprop', '')}"
        if _PUBLISHED_HINT.search(marks) or "date" in marks.lower():
            yield abbr.get("title", "")
    yield from _article_times(tree, heading)


def _article_times(tree: etree._Element, heading: etree._Element | None) -> Iterator[str]:
    times = [t for t in tree.xpath("//time") if not outside_article(t)]
    times = [t for t in times if not _MODIFIED_HINT.search(_marks(t))]
    marked = [t for t in times if _PUBLISHED_HINT.search(_marks(t))]
    if heading is not None:
        after = set(heading.xpath("following::time"))
        in_article = heading.xpath("ancestor::article[1]//time")
        times = [t for t in times if t in after or t in in_article] or times[:1]
    else:  # the article's own, or the page's only one (not a clock in the site's header)
        in_articles = set(tree.xpath("//article//time"))
        times = [t for t in times if t in in_articles] or (times if len(times) == 1 else [])
    for element in [*marked, *times[:1]]:
        yield element.get("datetime") or element.text_content()


def _marks(element: etree._Element) -> str:
    return f"{element.get('class', '')} {element.get('itemprop', '')} " + " ".join(
        f"{p.get('class', '')}" for p in element.iterancestors() if isinstance(p.tag, str)
    )[:200]


_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_COMMENT = re.compile(r"/\*.*?\*/|^\s*//[^\n]*", re.DOTALL | re.MULTILINE)
_PUBLISHED_FIELD = re.compile(r"""["']?datePublished["']?\s*:\s*["']([^"']+)["']""")


def _json_ld_dates(text: str) -> Iterable[str]:
    """datePublished from JSON-LD, read laxly: CMSes leave trailing commas, comments, raw
    newlines in strings, or break the JSON outright (then the field is found by pattern)."""
    for attempt in (text, _TRAILING_COMMA.sub(r"\1", _COMMENT.sub("", text))):
        try:
            data = json.loads(attempt, strict=False)
        except ValueError:
            continue
        yield from _walk(data)
        return
    yield from _PUBLISHED_FIELD.findall(text)


def _walk(data: object) -> Iterable[str]:
    if isinstance(data, dict):
        value = data.get("datePublished") or data.get("dateCreated")
        if isinstance(value, str):
            yield value
        for child in data.values():
            if isinstance(child, dict | list):
                yield from _walk(child)
    elif isinstance(data, list):
        for child in data:
            yield from _walk(child)
