"""One article page -> its title, text lines and publication date.

trafilatura finds the main text; the title and the date are our own reading of the page (see
`title_candidates` and `page_dates.pick_date`). The lines are returned as found: the boilerplate
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

from bot.sources.images import page_image
from bot.sources.page_dates import pick_date
from bot.sources.page_lines import collapse_spaces, line_key, unescape_twice
from bot.sources.page_meta import outside_article
from bot.sources.text import clean_text, html_to_text

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|·)\s+")
_SKIP_IN_FALLBACK = ("script", "style", "noscript", "template", "nav", "header", "footer",
                     "aside", "form", "iframe", "svg")


@dataclass(slots=True)
class Article:
    url: str  # as listed on the list page (absolute)
    title: str
    lines: list[str]  # the extracted text, line by line, before boilerplate removal
    # the possible titles, best first (`title` is the first); a site's repeated section
    # heading is refused later, once the source's boilerplate is known
    titles: list[str]
    published: datetime
    estimated: bool  # no date found on the page: `published` is the fetch time
    image: str = ""  # the article's picture (og:image or lead figure), absolute; "" if none


def extract_article(body: bytes, url: str, tz: tzinfo, fetched_at: datetime) -> Article | None:
    """Title, text lines and publication date of one article page; None if it has neither a
    title nor any text."""
    tree = load_html(body)
    if tree is None:
        return None
    lines = _main_text_lines(tree, url)
    titles = title_candidates(tree, lines)
    if not titles and not lines:
        return None
    if not titles:
        titles = [lines[0][:140]]
    title = titles[0]
    published, estimated = pick_date(tree, lines, title, tz, fetched_at, url)
    return Article(url=url, title=title, lines=lines, titles=titles, published=published,
                   estimated=estimated, image=page_image(tree, url))


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


def title_candidates(tree: etree._Element, lines: list[str]) -> list[str]:
    """The article's possible titles, best first; `html.py` takes the first that is not a
    heading the site repeats on every page (learnt as boilerplate).

    1. headings (<h1>, then <h2>/<h3>) that match og:title or a part of <title> - the site's
       name and section names left out - by their words (at least half shared), best first
       (on a tie, one of more than three words first: a section's name is short);
    2. og:title, unless it is only a section name (the site's name, or the text of a link on
       the page: "News", "Press releases");
    3. an <h1> of at least three words;
    4. the part of <title> that is a line of the text, the longest part of <title>."""
    og = (_texts(tree, "//meta[@property='og:title']/@content")
          + _texts(tree, "//meta[@name='twitter:title']/@content"))
    site = {line_key(s) for s in _texts(tree, "//meta[@property='og:site_name']/@content")}
    title_tag = next(iter(_texts(tree, "//title")), "")
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title_tag) if p.strip()]
    parts = [p for p in parts if line_key(p) not in site] or parts
    link_texts = {line_key(t) for t in _texts(tree, "//a")}
    og = [t for t in og if not _section_name(t, site, link_texts)]
    references = [t for t in [*og[:1], *parts]
                  if line_key(t) and not _section_name(t, site, link_texts)]
    h1s = _headings(tree, "//h1")
    scored = []
    for rank, heading in enumerate([*h1s, *_headings(tree, "//h2 | //h3")]):
        score = max((_overlap(heading, ref) for ref in references), default=0.0)
        if score >= 0.5:
            # equally good: a section label ("Medienmitteilungen", "Navigation und Service")
            # is a word or three, a release's headline longer
            scored.append((-score, len(heading.split()) <= 3, rank, heading))
    candidates = [heading for *_, heading in sorted(scored)]
    candidates += og[:1]
    candidates += [h for h in h1s if len(h.split()) >= 3]
    if parts:
        line_keys = {line_key(line) for line in lines}
        candidates += sorted((p for p in parts if line_key(p) in line_keys), key=len, reverse=True)
        candidates.append(max(parts, key=len))
    unique: dict[str, str] = {}
    for candidate in candidates:
        unique.setdefault(line_key(candidate), candidate)
    return [c for k, c in unique.items() if k]


def _headings(tree: etree._Element, xpath: str) -> list[str]:
    return [collapse_spaces(e.text_content()) for e in tree.xpath(xpath)
            if collapse_spaces(e.text_content()) and not outside_article(e)]


def _overlap(a: str, b: str) -> float:
    """Words shared, over the words of the longer of the two."""
    words_a, words_b = set(line_key(a).split()), set(line_key(b).split())
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / max(len(words_a), len(words_b))


def _section_name(text: str, site: set[str], link_texts: set[str]) -> bool:
    key = line_key(text)
    return key in site or (len(key.split()) <= 3 and key in link_texts)
