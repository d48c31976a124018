"""The publication date of an article page: its metadata, a date line in its text, a dateline."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, tzinfo

from lxml import etree

from bot.sources.dates import find_local_date, parse_date
from bot.sources.page_lines import line_key

_DATE_META = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "date", "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date",
)
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
