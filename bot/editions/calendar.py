"""Months and reporting periods named in a release, in any of the three languages.

A monthly series (mine clearance in June, then in July; trade for January-February, then for
January-March) is written from one template: the period is what tells its releases apart. A
period is a span of months (first, last): `iyun` -> (6, 6), `январе–марте` -> (1, 3),
`first quarter` -> (1, 3), `ilin birinci yarısı` -> (1, 6). Patterns run on `translit.fold` text.
"""

from __future__ import annotations

import re

_MONTHS = (
    r"yanvar|january",
    r"fevral|february",
    r"mart\b|marta?\b|marte\b|march",
    r"aprel|april",
    r"may(?:in|da|a|dan)?\b|ma(?:ya|ye)\b",
    r"iyun|june",
    r"iyul|july",
    r"avqust|avgust|august",
    r"sentyabr|september",
    r"oktyabr|october",
    r"noyabr|november",
    r"dekabr|december",
)
_MONTH_RX = [re.compile(rf"\b(?:{p})\w*") for p in _MONTHS]
_ANY_MONTH = "|".join(f"(?:{p})" for p in _MONTHS)
_RANGE_RX = re.compile(rf"\b((?:{_ANY_MONTH})\w*)\s*(?:-|–|—|\s)\s*((?:{_ANY_MONTH})\w*)")
_ENGLISH_MAY = re.compile(r"\bMay\b")

# (pattern, first month, last month): whole periods named without month names
_PERIODS: tuple[tuple[str, int, int], ...] = (
    (r"birin[cj]i rub|1-[cj]i rub|pervo\w* kvartal|\bi kvartal|first quarter|\bq1\b", 1, 3),
    (r"ikin[cj]i rub|2-[cj]i rub|vtoro\w* kvartal|\bii kvartal|second quarter|\bq2\b", 4, 6),
    (r"uchun[cj]u rub|3-[cj]u rub|treti\w* kvartal|\biii kvartal|third quarter|\bq3\b", 7, 9),
    (r"dordun[cj]u rub|4-[cj]u rub|chetvert\w* kvartal|\biv kvartal|fourth quarter|\bq4\b", 10, 12),
    (r"birin[cj]i yari|pervo\w* polugodi|za polgoda|first half|first six months"
     r"|\balti ay", 1, 6),
    (r"ikin[cj]i yari|vtoro\w* polugodi|second half", 7, 12),
    (r"doqquz ay|devyat\w* mesyats|nine months|9 ay\b|9 mesyats", 1, 9),
    (r"first two months|ilk iki ay|iki ayi|dva\w* mesyats|dvukh mesyats", 1, 2),
    (r"first (?:eleven|11) months|on bir ay|odinnadtsat\w* mesyats", 1, 11),
)
_PERIOD_RX = [(re.compile(rf"\b(?:{p})"), a, b) for p, a, b in _PERIODS]


def _month_of(word: str) -> int:
    for number, rx in enumerate(_MONTH_RX, start=1):
        if rx.match(word):
            return number
    return 0


def periods(folded: str, original: str, language: str) -> frozenset[tuple[int, int]]:
    """Spans of months named in a release. `original` is only read for English "May", which
    in lower case is also a verb."""
    spans: set[tuple[int, int]] = set()
    text = folded
    for match in _RANGE_RX.finditer(folded):
        first, last = _month_of(match.group(1)), _month_of(match.group(2))
        if first and last and first < last:
            spans.add((first, last))
            text = text.replace(match.group(0), " ")
    for number, rx in enumerate(_MONTH_RX, start=1):
        if number == 5 and language == "en":
            if _ENGLISH_MAY.search(original):
                spans.add((5, 5))
            continue
        if rx.search(text):
            spans.add((number, number))
    for rx, first, last in _PERIOD_RX:
        if rx.search(folded):
            spans.add((first, last))
    return frozenset(spans)
