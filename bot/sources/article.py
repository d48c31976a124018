"""One article page -> its title, text lines and publication date.

trafilatura finds the main text; the title and the date are our own reading of the page (see
`pick_title` and `page_dates.pick_date`). The lines are returned as found: the boilerplate
cleanup (`boilerplate.clean_article_text`) needs the other articles of the source first.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from bot.sources.page_dates import pick_date
from bot.sources.page_lines import collapse_spaces, line_key, unescape_twice
from bot.sources.text import clean_text, html_to_text

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|·)\s+")
_SKIP_IN_FALLBACK = ("script", "style", "noscript", "template", "nav", "header", "footer",
                     "aside", "form", "iframe", "svg")


@dataclass(slots=True)
class Article:
    url: str  # as listed on the list page (absolute)
    title: str
    lines: list[str]  # the extracted text, line by line, before boilerplate removal
    published: datetime
    estimated: bool  # no date found on the page: `published` is the fetch time


def extract_article(body: bytes, url: str, tz: tzinfo, fetched_at: datetime) -> Article | None:
    """Title, text lines and publication date of one article page; None if it has neither a
    title nor any text."""
    tree = load_html(body)
    if tree is None:
        return None
    lines = _main_text_lines(tree, url)
    title = pick_title(tree, lines)
    if not title and not lines:
        return None
    if not title:
        title = lines[0][:140]
    published, estimated = pick_date(tree, lines, title, tz, fetched_at, url)
    return Article(url=url, title=title, lines=lines, published=published, estimated=estimated)


def _main_text_lines(tree: etree._Element, url: str) -> list[str]:
    """trafilatura's main text in recall mode: precision mode drops the title and date lines we
    still want to see (the title anchors the cleanup, the date line is read), while the extra
    menus and banners that recall mode keeps are what our own cleanup removes anyway. If
    trafilatura finds nothing (very short pages), the page minus its navigation."""
    doc = trafilatura.bare_extraction(
        copy.deepcopy(tree), url=url, with_metadata=False, include_comments=False,
        include_tables=True, deduplicate=False, favor_precision=False,
    )
    text = getattr(doc, "text", None) or ""
    if not text.strip():
        fallback = copy.deepcopy(tree)
        for element in fallback.xpath("|".join(f"//{tag}" for tag in _SKIP_IN_FALLBACK)):
            if element.getparent() is not None:
                element.getparent().remove(element)
        bodies = fallback.xpath("//body")
        root = bodies[0] if bodies else fallback
        text = html_to_text(etree.tostring(root, encoding="unicode", method="html"))
    return [line for line in clean_text(unescape_twice(text)).split("\n") if line]


def _texts(tree: etree._Element, xpath: str) -> list[str]:
    out = []
    for found in tree.xpath(xpath):
        value = found if isinstance(found, str) else found.text_content()
        value = collapse_spaces(str(value))
        if value:
            out.append(value)
    return out


def pick_title(tree: etree._Element, lines: list[str]) -> str:
    """<h1> or og:title before <title>, which carries the site's name ("Title | Committee").

    An <h1> is taken when it agrees with og:title or a part of <title>; a lone <h1> that does
    not is only taken if it is at least three words (a section name such as "News" is not a
    title). Then og:title, a heading matching a part of <title>, the part of <title> that is a
    line of the text, the longest part of <title>."""
    og = (_texts(tree, "//meta[@property='og:title']/@content")
          + _texts(tree, "//meta[@name='twitter:title']/@content"))
    site = {line_key(s) for s in _texts(tree, "//meta[@property='og:site_name']/@content")}
    title_tag = next(iter(_texts(tree, "//title")), "")
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title_tag) if p.strip()]
    parts = [p for p in parts if line_key(p) not in site] or parts
    references = {line_key(t) for t in [*og[:1], *parts]} - site - {""}
    h1s = _texts(tree, "//h1")
    for heading in h1s:
        if line_key(heading) in references:
            return heading
    if og and line_key(og[0]) not in site:
        return og[0]
    part_keys = {line_key(p) for p in parts} - site
    for heading in _texts(tree, "//h2 | //h3"):
        if line_key(heading) in part_keys:
            return heading
    for heading in h1s:
        if len(heading.split()) >= 3:
            return heading
    if parts:
        line_keys = {line_key(line) for line in lines}
        in_text = [p for p in parts if line_key(p) in line_keys]
        return max(in_text or parts, key=len)
    return ""
