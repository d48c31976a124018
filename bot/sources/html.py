"""HTML news pages: a list page of links -> article pages -> Items, for agencies with no feed.

One poll:

1. fetch the list page (conditional GET with the feed's validators); collect the links that match
   `spec.link_pattern`, normalise them (`normalise_url`) and queue the ones never seen before in
   `state.pending_links`, oldest first (by the numeric id in the URL, else reverse page order:
   list pages are newest first);
2. fetch at most `spec.max_new_per_poll` pending articles, oldest first, with a politeness pause
   between them - also when the list page answered 304, so a backlog drains over later polls;
3. extract each article (trafilatura for the main text, our own reading of the page for the
   title and date), learn the source's boilerplate lines, clean the text, return the Items.

Bookkeeping lives in `FeedState` (which the poller saves after every poll):

* `pending_links`: fetchable absolute URLs, oldest first. An entry "URL\\tN" records N failed
  fetches (404, 5xx, timeout, nothing extractable). A failed link stays queued and is retried on
  later polls, after the links that never failed; after MAX_ARTICLE_FAILURES failures (or one
  410) we give up: the link goes to `seen_links`, the poll logs it and sets `state.last_error`.
* `seen_links`: normalised URLs already turned into Items (or given up), the last MAX_SEEN_LINKS.
* `boilerplate`: the learnt banner lines (readable, for operators) followed by one entry
  "window:<hash>,<hash>,..." per recent article: hashes of its text lines (see `learn_boilerplate`).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import html
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from urllib.parse import urldefrag, urljoin, urlsplit

import trafilatura
from lxml import etree
from trafilatura.utils import load_html

from bot.models import FeedSpec, FeedState, Item
from bot.sources.dates import find_local_date, offset_minutes, parse_date
from bot.sources.fetch import Fetcher, FetchError
from bot.sources.rss import normalise_url
from bot.sources.text import (
    clean_text,
    content_hash,
    detect_language,
    drop_leading_title,
    html_to_text,
)

log = logging.getLogger("newsbot.sources.html")

MAX_SEEN_LINKS = 5000
MAX_ARTICLE_FAILURES = 5
# this many article fetches failing in a row in one poll: the site is down, stop for this poll
# (the rest stay pending, with no failure counted) instead of waiting out every timeout
STOP_AFTER_FAILURES_IN_A_ROW = 3
# a line is boilerplate when it is in at least 60% of the source's last (up to) 20 articles,
# and in at least 3 of them (so nothing is learnt from fewer than 3 articles)
BOILERPLATE_WINDOW = 20
BOILERPLATE_MIN_ARTICLES = 3
BOILERPLATE_SHARE = (3, 5)  # 60%, as a fraction to avoid float rounding in the threshold
WINDOW_PREFIX = "window:"

# ---- links ------------------------------------------------------------------------------

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#")
_NUMERIC_ID = re.compile(r"/(\d+)(?:[_-][^/]*)?/?$")
_QUERY_ID = re.compile(r"(?:^|&)(?:id|news_?id|nid|p)=(\d+)(?:&|$)", re.IGNORECASE)


def find_article_links(body: bytes, base_url: str, pattern: re.Pattern[str]) -> list[str]:
    """Links on a list page that match `pattern`, in page order: absolute, without fragment,
    one per normalised URL. The pattern is searched in the absolute URL and, failing that, in
    its normalised form (so "?utm_source=..." or a trailing "_/" does not hide an article)."""
    tree = load_html(body)
    if tree is None:
        return []
    base = base_url
    for href in tree.xpath("//base/@href"):
        base = urljoin(base_url, str(href).strip())
        break
    found: dict[str, str] = {}
    for href in tree.xpath("//a/@href"):
        href = str(href).strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        key = normalise_url(url)
        if key in found:
            continue
        if pattern.search(url) or pattern.search(key):
            found[key] = url
    return list(found.values())


def numeric_id(url: str) -> int | None:
    """The article number in ".../xeberler/4426_/" or "?id=4426", if the URL has one."""
    parts = urlsplit(url)
    match = _NUMERIC_ID.search(parts.path) or _QUERY_ID.search(parts.query)
    return int(match.group(1)) if match else None


def _pending(entry: str) -> tuple[str, int]:
    url, _, failures = entry.partition("\t")
    return url, int(failures) if failures.isdigit() else 0


def _pending_entry(url: str, failures: int) -> str:
    return f"{url}\t{failures}" if failures else url


def queue_links(state: FeedState, links: list[str], is_known: Callable[[str], bool]) -> int:
    """Add the links never seen before to `state.pending_links`, oldest first. Returns how many."""
    pending = [_pending(e) for e in state.pending_links]
    known = set(state.seen_links) | {normalise_url(url) for url, _ in pending}
    added = 0
    for url in reversed(links):  # list pages are newest first
        key = normalise_url(url)
        if key in known or is_known(key):
            continue
        known.add(key)
        pending.append((url, 0))
        added += 1
    if pending and all(numeric_id(url) is not None for url, _ in pending):
        pending.sort(key=lambda p: numeric_id(p[0]) or 0)
    state.pending_links = [_pending_entry(url, n) for url, n in pending]
    return added


def _mark_seen(state: FeedState, key: str) -> None:
    if key not in state.seen_links:
        state.seen_links.append(key)
    if len(state.seen_links) > MAX_SEEN_LINKS:
        del state.seen_links[: len(state.seen_links) - MAX_SEEN_LINKS]


# ---- the poll ---------------------------------------------------------------------------


@dataclass(slots=True)
class Article:
    url: str  # as listed on the list page (absolute)
    title: str
    lines: list[str]  # the extracted text, line by line, before boilerplate removal
    published: datetime
    estimated: bool


async def poll_html(
    spec: FeedSpec,
    state: FeedState,
    fetcher: Fetcher,
    tz: tzinfo,
    now: datetime,
    is_known: Callable[[str], bool],
) -> list[Item]:
    """Poll one HTML news source; see the module docstring. Raises FetchError when the list page
    cannot be fetched, or is fetched but has no link matching `spec.link_pattern` (a changed
    site layout or a wrong pattern: better loud than silently empty)."""
    if not spec.link_pattern:
        raise FetchError("html source without link_pattern")
    pattern = re.compile(spec.link_pattern)
    listing = await fetcher.fetch(spec.url, state.etag, state.last_modified,
                                  guarded=spec.origin == "admin")
    if not listing.not_modified:
        links = find_article_links(listing.body, listing.url, pattern)
        if not links:
            raise FetchError("no links matching link_pattern on the list page")
        state.etag, state.last_modified = listing.etag, listing.last_modified
        queue_links(state, links, is_known)

    articles = await _fetch_articles(spec, state, fetcher, tz, now, is_known)
    if not articles:
        return []
    learnt = learn_boilerplate(state, [a.lines for a in articles])
    items = []
    for article in articles:
        body = clean_article_text(article.lines, article.title, learnt, tz)
        items.append(Item(
            id=normalise_url(article.url),
            feed_id=spec.id,
            url=article.url,
            title=article.title,
            body=body,
            published=article.published,
            published_estimated=article.estimated,
            language=spec.language or detect_language(f"{article.title}\n{body}"),
            content_hash=content_hash(article.title, body),
            tz_offset_minutes=offset_minutes(article.published, tz),
        ))
    return items


def _batch(state: FeedState, limit: int) -> list[tuple[str, int]]:
    """Oldest first, but links that already failed go after those that never did: a run of
    broken articles must not hold up the new ones."""
    pending = [_pending(e) for e in state.pending_links]
    order = sorted(range(len(pending)), key=lambda i: (pending[i][1] > 0, i))
    return [pending[i] for i in order[:limit]]


async def _fetch_articles(
    spec: FeedSpec,
    state: FeedState,
    fetcher: Fetcher,
    tz: tzinfo,
    now: datetime,
    is_known: Callable[[str], bool],
) -> list[Article]:
    articles: list[Article] = []
    failures: dict[str, int] = {}  # url -> new failure count
    done: set[str] = set()
    in_a_row = 0
    for url, failed_before in _batch(state, max(0, spec.max_new_per_poll)):
        key = normalise_url(url)
        if is_known(key):  # another source (or an earlier life of this one) has it
            done.add(url)
            _mark_seen(state, key)
            continue
        if in_a_row >= STOP_AFTER_FAILURES_IN_A_ROW:
            break
        if spec.request_delay_seconds > 0:
            await asyncio.sleep(spec.request_delay_seconds)
        reason, gone = None, False
        try:
            result = await fetcher.fetch(url, guarded=spec.origin == "admin")
        except FetchError as exc:
            reason, gone = exc.reason, exc.gone
        else:
            article = None
            if not pattern_still_matches(spec.link_pattern, result.url):
                reason = f"redirected away from the article (to {result.url})"
            else:
                article = extract_article(result.body, url, tz, now)
                if article is None:
                    reason = "no title or text could be extracted"
            if article is not None:
                articles.append(article)
                done.add(url)
                _mark_seen(state, key)
                in_a_row = 0
                continue
        in_a_row += 1
        count = failed_before + 1
        if gone or count >= MAX_ARTICLE_FAILURES:
            done.add(url)
            _mark_seen(state, key)
            message = f"gave up on {url} after {count} failed fetches ({reason})"
            log.warning("event=html_article_given_up feed=%s url=%s failures=%d reason=%s",
                        spec.id, url, count, reason)
            state.last_error, state.last_error_at = message, now
        else:
            failures[url] = count
            log.info("event=html_article_failed feed=%s url=%s failures=%d reason=%s",
                     spec.id, url, count, reason)
    state.pending_links = [
        _pending_entry(url, failures.get(url, n))
        for url, n in (_pending(e) for e in state.pending_links)
        if url not in done
    ]
    return articles


def pattern_still_matches(link_pattern: str, final_url: str) -> bool:
    """False when the article redirected somewhere that is no article (a deleted release sent
    to the home page): extracting that page would publish the home page as news."""
    url = urldefrag(final_url)[0]
    pattern = re.compile(link_pattern)
    return bool(pattern.search(url) or pattern.search(normalise_url(url)))


# ---- article extraction -----------------------------------------------------------------

_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]{1,31});", re.IGNORECASE)
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»|·)\s+")
_DATE_META = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "date", "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date",
)
_SKIP_IN_FALLBACK = ("script", "style", "noscript", "template", "nav", "header", "footer",
                     "aside", "form", "iframe", "svg")


def _unescape(text: str) -> str:
    # lxml has decoded the entities once; a CMS that escapes twice leaves "&amp;quot;" as
    # "&quot;" in the text: decode that second layer too, as text.html_to_text does
    return html.unescape(text) if _ENTITY.search(text) else text


def _one_line(text: str) -> str:
    return " ".join(_unescape(text).split())


def line_key(line: str) -> str:
    """Comparable form of a line: case-folded, punctuation to spaces. Azerbaijani "İ" folds to
    "i" + a combining dot, which is dropped so "İdarə" and "idarə" compare equal."""
    folded = line.casefold().replace("\u0307", "")
    return re.sub(r"[\W_]+", " ", folded).strip()


def extract_article(body: bytes, url: str, tz: tzinfo, fetched_at: datetime) -> Article | None:
    """Title, text lines and publication date of one article page; None if it has neither a
    title nor any text."""
    tree = load_html(body)
    if tree is None:
        return None
    page_lines = html_to_text(etree.tostring(tree, encoding="unicode", method="html")).split("\n")
    lines = _main_text_lines(tree, url)
    title = pick_title(tree, lines)
    if not title and not lines:
        return None
    if not title:
        title = lines[0][:140]
    published, estimated = pick_date(tree, lines, page_lines, title, tz, fetched_at)
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
    return [line for line in clean_text(_unescape(text)).split("\n") if line]


def _texts(tree: etree._Element, xpath: str) -> list[str]:
    out = []
    for found in tree.xpath(xpath):
        value = found if isinstance(found, str) else found.text_content()
        value = _one_line(str(value))
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


# ---- dates ------------------------------------------------------------------------------

_NOT_DATE_WORDS = re.compile(
    r"\b(?:date|published|posted|on|updated|views?|tarix|baxış\w*|sayı|dərc|olunub|edilib|"
    r"дата|опубликовано|просмотр\w*|обновлено)\b",
    re.IGNORECASE,
)


def date_line(line: str, tz: tzinfo) -> datetime | None:
    """The date if the line is nothing but a date (and time), maybe with a "Date:" label or a
    view counter glued on ("21-November-2020 387", "25.09.2019 1.204"); else None."""
    if len(line) > 60:
        return None
    found = find_local_date(line, tz)
    if not found:
        return None
    start = line.find(found[1])
    rest = _NOT_DATE_WORDS.sub(" ", line[:start] + " " + line[start + len(found[1]):])
    if any(ch.isalpha() for ch in rest):
        return None
    return found[0]


def _meta_dates(tree: etree._Element) -> Iterator[str]:
    for element in tree.xpath("//meta[@content]"):
        name = (element.get("property") or element.get("name") or element.get("itemprop") or "")
        if name.strip().lower() in _DATE_META:
            yield element.get("content", "")
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "null")
        except ValueError:
            continue
        yield from _json_ld_dates(data)
    articles = tree.xpath("//article")
    scope = articles[0] if articles else tree
    times = scope.xpath(".//time[@datetime]")
    if articles or len(times) == 1:  # a lone <time>, or the article's own
        yield from (t.get("datetime", "") for t in times[:1])


def _json_ld_dates(data: object) -> Iterable[str]:
    if isinstance(data, dict):
        value = data.get("datePublished")
        if isinstance(value, str):
            yield value
        for child in data.values():
            if isinstance(child, dict | list):
                yield from _json_ld_dates(child)
    elif isinstance(data, list):
        for child in data:
            yield from _json_ld_dates(child)


def pick_date(
    tree: etree._Element,
    lines: list[str],
    page_lines: list[str],
    title: str,
    tz: tzinfo,
    fetched_at: datetime,
) -> tuple[datetime, bool]:
    """(published UTC, estimated). In order: the page's metadata (meta article:published_time
    and kin, JSON-LD datePublished, <time datetime>); a line of the article text that is only a
    date; such a line anywhere on the page after the title; a dateline opening the text
    ("Baku, 22 June 2022 - ..."); else the fetch time, estimated.

    A metadata date after the fetch time is ignored, and one within five minutes of it is only
    used when nothing else is found: some CMSes stamp the render time into the meta tags.
    trafilatura's own date (htmldate) is not used: it has no time of day, and on a page dated
    "3 Avqust 2023-cü il" it answered 2023-01-01 (the year alone) - a date that would make a
    fresh release look stale and never be pushed."""
    suspicious: datetime | None = None
    for value in _meta_dates(tree):
        when = parse_date(value, tz)
        if when is None or when > fetched_at + timedelta(minutes=5):
            continue
        if abs(fetched_at - when) <= timedelta(minutes=5):
            suspicious = suspicious or when
            continue
        return when, False
    for line in lines:
        if (when := date_line(line, tz)) is not None:
            return when, False
    title_key = line_key(title)
    start = next((i for i, line in enumerate(page_lines) if line_key(line) == title_key), 0)
    for line in page_lines[start:]:
        if (when := date_line(line, tz)) is not None:
            return when, False
    for line in lines[:3]:
        found = find_local_date(line, tz)
        if found and 0 <= line.find(found[1]) < 40 and line_key(line) != title_key:
            return found[0], False
    if suspicious is not None:
        return suspicious, False
    return fetched_at, True


# ---- boilerplate ------------------------------------------------------------------------

_SIGN_OFF = re.compile(
    r"""^(?:
      (?:the\s)?(?:press\s(?:and\s)?public\s(?:affairs|relations)|public\s(?:affairs|relations)
                 |press|media\s(?:and\s)?public\srelations|media\srelations|press\sand\smedia)
      \s(?:department|service|office|division|centre|center|unit|section)
      (?:\sof\s(?:the\s)?(?:state\scustoms\scommittee|scc)
         (?:\sof\s(?:the\s)?republic\sof\sazerbaijan)?)?
    | (?:(?:azərbaycan\srespublikası\s)?dövlət\sgömrük\skomitəsinin\s|dgk\s(?:nın\s)?)?
      (?:mətbuat\svə\sictimaiyyətlə\səlaqələr|ictimaiyyətlə\səlaqələr|mətbuat)
      \s(?:şöbəsi|idarəsi|xidməti|mərkəzi|sektoru)
    | (?:пресс\sслужба
         |(?:отдел|управление|служба|сектор)\sпо\sсвязям\sс\s
          (?:прессой|общественностью|сми|средствами\sмассовой\sинформации)
          (?:\sи\s(?:прессой|общественностью|сми|средствами\sмассовой\sинформации))?)
      (?:\s(?:государственного\sтаможенного\sкомитета|гтк)(?:\sазербайджанской\sреспублики)?)?
    )$""",
    re.VERBOSE,
)


def is_sign_off(line: str) -> bool:
    """The agency's sign-off line in any of its three languages (the whole line, nothing else)."""
    return bool(_SIGN_OFF.match(line_key(line)))


def _fingerprint(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:10]


def learn_boilerplate(state: FeedState, articles: list[list[str]]) -> set[str]:
    """Add these articles' lines to the source's window and return the fingerprints of the lines
    that are boilerplate now.

    The window is the last BOILERPLATE_WINDOW articles of this source (including these), each
    kept as the set of hashes of its lines' comparable forms. A line is boilerplate when the
    window holds at least 3 articles and the line is in at least 60% of them and at least 3:
    a site banner or a "share" line, never a paragraph two releases happen to share. The
    current articles count, so a first poll of 10 releases learns its banner at once."""
    window: list[list[str]] = []
    readable: dict[str, str] = {}
    for entry in state.boilerplate:
        if entry.startswith(WINDOW_PREFIX):
            window.append([h for h in entry[len(WINDOW_PREFIX):].split(",") if h])
        else:
            readable[_fingerprint(line_key(entry))] = entry
    for lines in articles:
        window.append(sorted({_fingerprint(k) for k in map(line_key, lines) if k}))
    window = window[-BOILERPLATE_WINDOW:]
    learnt: set[str] = set()
    if len(window) >= BOILERPLATE_MIN_ARTICLES:
        share_num, share_den = BOILERPLATE_SHARE
        need = max(BOILERPLATE_MIN_ARTICLES, -(-share_num * len(window) // share_den))
        counts = Counter(h for hashes in window for h in hashes)
        learnt = {h for h, count in counts.items() if count >= need}
    for lines in articles:
        for line in lines:
            fingerprint = _fingerprint(line_key(line))
            if fingerprint in learnt and not line.startswith(WINDOW_PREFIX):
                readable.setdefault(fingerprint, line)
    state.boilerplate = [line for h, line in readable.items() if h in learnt]
    state.boilerplate += [WINDOW_PREFIX + ",".join(hashes) for hashes in window]
    return learnt


def clean_article_text(lines: list[str], title: str, learnt: set[str], tz: tzinfo) -> str:
    """The release's text without the page's artefacts:

    * whatever precedes the title when the title is one of the first 8 lines and everything
      before it is short (banners, menus, section names that trafilatura kept);
    * learnt boilerplate lines, the agency's sign-off, lines that are only a date (with or
      without a view counter);
    * the title, once or twice, at the start (`drop_leading_title`)."""
    title_key = line_key(title)
    for i, line in enumerate(lines[:8]):
        if line_key(line) == title_key and all(len(before) <= 120 for before in lines[:i]):
            lines = lines[i:]
            break
    kept = [
        line for line in lines
        if _fingerprint(line_key(line)) not in learnt
        and not is_sign_off(line)
        and date_line(line, tz) is None
    ]
    return clean_text(drop_leading_title("\n".join(kept), title))
