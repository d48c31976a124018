"""The `/search` syntax: words, "phrases", -exclusions, topic:, lang:, since:, until:."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.search.keys import STOP_WORDS
from bot.text import words

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 20
MAX_LIMIT = 100

NOTHING_TO_SEARCH = "nothing to search for: type some words, see /help search"

SEARCH_HELP = """\
Search all releases: /search words

  customs revenue        releases with all the words (any form: parcel, parcels)
  "Policy Commission"    an exact phrase
  heroin -Iran           leave out releases with a word
  topic:demining         only releases of a topic (topic:smuggling, topic:trade ...)
  lang:az                only one language: en, az or ru
  since:2022-06-01       published on or after a date (also since:2022 or since:2022-06)
  until:2023-01-31       published on or before a date (also until:2023 or until:2023-01)

Combine them: mines topic:demining since:2023 lang:en
Words match in any of English, Azerbaijani and Russian, whatever their ending
(mina finds minalardan, разминирование finds разминированию). Capitals, and ə/e, ı/i,
ö/o, ü/u, ç/c, ş/s, ğ/g in Azerbaijani words, do not matter. Very common words (the, and,
və, и) are skipped unless quoted. When no release has all the words, the releases with most
of them are shown instead. Best matches first; equally good ones newest first.
At most 200 characters and 20 words per search."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_QUOTES = str.maketrans({c: '"' for c in "“”„«»‟″"})
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_OPERATOR = re.compile(r"([A-Za-z]+):(.*)", re.S)
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_LANG_ALIASES = {
    "en": "en", "eng": "en", "english": "en",
    "az": "az", "aze": "az", "azerbaijani": "az", "azərbaycan": "az",
    "ru": "ru", "rus": "ru", "russian": "ru", "русский": "ru",
}


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    langs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    excluded_phrases: list[list[str]] = field(default_factory=list)
    excluded_topics: list[str] = field(default_factory=list)
    error: str | None = None  # set when the query has nothing usable

    @property
    def asked_topics(self) -> list[str]:
        """Every topic: and -topic: value, in the order typed."""
        return [*self.topics, *self.excluded_topics]

    @property
    def positive_words(self) -> list[str]:
        """Every word a release must contain (plain terms and phrase words), deduplicated."""
        seen: dict[str, None] = dict.fromkeys(self.terms)
        for phrase in self.phrases:
            seen.update(dict.fromkeys(phrase))
        return list(seen)



def unknown_topics(asked: Iterable[str], topic_ids: Iterable[str]) -> list[str]:
    """The topic: values of a query (`ParsedQuery.asked_topics`) that name no topic."""
    known = {t.casefold() for t in topic_ids}
    return [t for t in dict.fromkeys(asked) if t.casefold() not in known]


def _parse_date(value: str, end: bool) -> date | None:
    """YYYY, YYYY-MM or YYYY-MM-DD; `end` picks the last day of a year or month."""
    m = _DATE.fullmatch(value.strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            first = date(year, int(month), 1)
            if not end:
                return first
            nxt = date(year + (first.month == 12), first.month % 12 + 1, 1)
            return nxt - timedelta(days=1)
        return date(year, int(month), int(day))
    except ValueError:
        return None


def parse_query(text: str) -> ParsedQuery:
    """Parse the `/search` syntax (see SEARCH_HELP). Never raises; problems become warnings."""
    pq = ParsedQuery()
    if not isinstance(text, str):
        text = ""
    if len(text) > MAX_QUERY_CHARS:
        pq.warnings.append(f"the search was cut to its first {MAX_QUERY_CHARS} characters")
        text = text[:MAX_QUERY_CHARS]
    text = _CONTROL.sub(" ", text).translate(_QUOTES)

    budget = MAX_QUERY_TERMS
    dropped = 0

    def take(ws: list[str]) -> list[str]:
        nonlocal budget, dropped
        kept = ws[: max(budget, 0)]
        dropped += len(ws) - len(kept)
        budget -= len(kept)
        return kept

    for m in _QUERY_TOKEN.finditer(text):
        neg, quoted, token = m.group(1) == "-", m.group(2), m.group(3)
        if quoted is not None:
            ws = take(words(quoted))
            if not ws:
                continue
            if len(ws) == 1:
                (pq.excluded if neg else pq.terms).append(ws[0])
            else:
                (pq.excluded_phrases if neg else pq.phrases).append(ws)
            continue
        if token.startswith("-") and len(token) > 1:
            neg, token = True, token[1:]
        op = _OPERATOR.fullmatch(token)
        if op and _apply_operator(pq, op.group(1).lower(), op.group(2), neg):
            continue
        ws = take(words(token))
        (pq.excluded if neg else pq.terms).extend(ws)

    if dropped:
        pq.warnings.append(f"only the first {MAX_QUERY_TERMS} words were used")
    pq.terms = list(dict.fromkeys(pq.terms))
    pq.excluded = list(dict.fromkeys(pq.excluded))
    # very common words only narrow the search when nothing else is asked for
    content = [t for t in pq.terms if t not in STOP_WORDS]
    if content or pq.phrases:
        pq.terms = content
    if pq.since and pq.until and pq.since > pq.until:
        pq.warnings.append("since: is after until:, so they were swapped")
        pq.since, pq.until = pq.until, pq.since
    if not (pq.terms or pq.phrases or pq.topics or pq.langs or pq.since or pq.until):
        pq.error = NOTHING_TO_SEARCH
    return pq


def _apply_operator(pq: ParsedQuery, op: str, value: str, neg: bool) -> bool:
    """Handle `op:value`; False when `op` is not an operator (the token is then just words)."""
    value = value.strip().strip("\"'").strip()
    if op == "topic":
        topic = value.casefold()
        if not topic:
            pq.warnings.append("topic: needs a topic id, e.g. topic:demining")
        elif neg:
            pq.excluded_topics.append(topic)
        elif topic not in pq.topics:
            pq.topics.append(topic)
        return True
    if op in ("lang", "language"):
        lang = _LANG_ALIASES.get(value.casefold())
        if lang is None:
            pq.warnings.append(f"lang: accepts en, az or ru, not {value[:20]!r}")
        elif neg:
            pq.warnings.append("-lang: is not supported; use lang: with the languages you want")
        elif lang not in pq.langs:
            pq.langs.append(lang)
        return True
    if op in ("since", "until", "from", "to"):
        end = op in ("until", "to")
        name = "until" if end else "since"
        day = _parse_date(value, end)
        if day is None:
            pq.warnings.append(f"{name}: expects YYYY, YYYY-MM or YYYY-MM-DD, not {value[:20]!r}")
        elif end:
            pq.until = day
        else:
            pq.since = day
        return True
    return False
