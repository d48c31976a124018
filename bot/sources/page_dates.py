"""The publication date of an article page: the date that belongs to the article - its
metadata, a date line near its title - never one from a sidebar or the body.

htmldate is the base for what our own rules miss (dates in the URL, metadata of rarer kinds);
our rules come first because they read what htmldate does not: Azerbaijani and Russian month
names, times of day and zones, labels ("Datum:", "Tarix:"), a weekday first, a lax JSON-LD.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo

from htmldate import find_date
from lxml import etree

from bot.sources.dates import find_local_date, parse_date
from bot.sources.page_lines import line_key
from bot.sources.page_meta import declared_dates, is_elsewhere, outside_article
from bot.sources.text import html_to_text

log = logging.getLogger("newsbot.sources.dates")

_NOT_DATE_WORDS = re.compile(
    r"\b(?:date|datum|fecha|data|published|publication|posted|on|at|by|updated|last|"
    r"modified|views?|tarix|tarixi|baxış\w*|sayı|dərc|olunub|edilib|yeniləndi|saat|"
    r"дата|опубликовано|публикации|размещено|просмотр\w*|обновлено|в|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|"
    r"bazar\s+ertəsi|çərşənbə\s+axşamı|çərşənbə|cümə\s+axşamı|cümə|şənbə|bazar|"
    r"понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|"
    r"пн|вт|ср|чт|пт|сб|вс)\b",
    re.IGNORECASE,
)
_UPDATED = re.compile(r"updated|modified|yeniləndi|обновлено|изменено", re.IGNORECASE)


def date_line(line: str, tz: tzinfo) -> datetime | None:
    """The date if the line is nothing but a date (and time), maybe with a "Date:" label or a
    view counter glued on ("21-November-2020 387", "25.09.2019 1.204"); else None."""
    if len(line) > 80:
        return None
    found = find_local_date(line, tz)
    if not found:
        return None
    start = line.find(found[1])
    rest = _NOT_DATE_WORDS.sub(" ", line[:start] + " " + line[start + len(found[1]):])
    if any(ch.isalpha() for ch in rest):
        return None
    return found[0]


def pick_date(
    tree: etree._Element,
    lines: list[str],
    title: str,
    tz: tzinfo,
    fetched_at: datetime,
    url: str = "",
) -> tuple[datetime, bool]:
    """(published UTC, estimated). In order:

    1. the markup's own date for the article (`page_meta.declared_dates`);
    2. a line that is only a date (maybe labelled, with a weekday, a view counter, a zone)
       among the lines right after the title, or the two before it, sidebars left out; a
       "Published" line before an "Updated" one;
    3. such a line in the article's text (`lines`, trafilatura's main text);
    4. a dateline opening the text ("Baku, 22 June 2022 - ...");
    5. htmldate without its extensive search (URL, rarer metadata), on the page without its
       sidebars and footer, a day read as local midnight;
    6. else the fetch time, estimated.

    A date after the fetch time is ignored, and a metadata date within five minutes of it is only
    used when nothing else is found: some CMSes stamp the render time into the meta tags.
    htmldate's extensive search is not used: on a page dated "3 Avqust 2023-cü il" it answered
    2023-01-01 (the year alone), a date that would make a fresh release look stale."""
    latest = fetched_at + timedelta(minutes=5)
    heading = _title_element(tree, title)
    suspicious: datetime | None = None
    for value in declared_dates(tree, heading):
        when = parse_date(value, tz)
        if when is None or when > latest:
            continue
        if abs(fetched_at - when) <= timedelta(minutes=5):
            suspicious = suspicious or when
            continue
        return when, False
    for when in _near_title(tree, title, tz):
        if when <= latest:
            return when, False
    for line in lines:
        if (when := date_line(line, tz)) is not None and when <= latest:
            return when, False
    title_key = line_key(title)
    for line in lines[:3]:
        found = find_local_date(line, tz)
        if (found and 0 <= line.find(found[1]) < 40 and line_key(line) != title_key
                and found[0] <= latest):
            return found[0], False
    if (when := _htmldate(_without_elsewhere(tree), url, tz)) is not None and when <= latest:
        return when, False
    if suspicious is not None:
        return suspicious, False
    return fetched_at, True


def _title_element(tree: etree._Element, title: str) -> etree._Element | None:
    key = line_key(title)
    for element in tree.xpath("//h1 | //h2 | //h3"):
        if line_key(element.text_content()) == key and not outside_article(element):
            return element
    return None


def _near_title(tree: etree._Element, title: str, tz: tzinfo) -> Iterator[datetime]:
    """Dates of the date-only lines next to the title: the eight after it, then the two before;
    the page's sidebars, menus and comments left out. An "updated" line comes last."""
    page = _without_elsewhere(tree)
    text_lines = html_to_text(etree.tostring(page, encoding="unicode", method="html")).split("\n")
    key = line_key(title)
    at = next((i for i, line in enumerate(text_lines) if line_key(line) == key), None)
    if at is None:
        return
    window = [*text_lines[at + 1:at + 9], *reversed(text_lines[max(0, at - 2):at])]
    updated: list[datetime] = []
    for line in window:
        if (when := date_line(line, tz)) is None:
            continue
        if _UPDATED.search(line):
            updated.append(when)
        else:
            yield when
    yield from updated


def _without_elsewhere(tree: etree._Element) -> etree._Element:
    """A copy of the page without its sidebars, menus, footer, related lists and comments."""
    page = copy.deepcopy(tree)
    for element in [e for e in page.iter() if is_elsewhere(e)]:
        if (parent := element.getparent()) is not None:
            parent.remove(element)
    return page


def _htmldate(tree: etree._Element, url: str, tz: tzinfo) -> datetime | None:
    try:
        day = find_date(tree, extensive_search=False, original_date=True,
                        url=url or None)
    except Exception:  # noqa: BLE001 - a third-party parser on hostile pages: never fatal
        log.debug("htmldate failed on %s", url, exc_info=True)
        return None
    return parse_date(day, tz) if day else None
