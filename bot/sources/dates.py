"""Dates as agencies write them: ISO, RFC 822, and local forms in three languages.

"22 June 2022 09:50", "21-November-2020", "25.09.2019", "10 fevral 2026", "22 июня 2022 г."
Local dates carry no offset: they are read in the source's time zone and returned in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime

MONTHS: dict[str, int] = {}
for number, names in enumerate(
    [
        "january jan yanvar января январь янв",
        "february feb fevral февраля февраль фев",
        "march mar mart марта март мар",
        "april apr aprel апреля апрель апр",
        "may may may мая май",
        "june jun iyun июня июнь",
        "july jul iyul июля июль",
        "august aug avqust августа август авг",
        "september sep sept sentyabr сентября сентябрь сен",
        "october oct oktyabr октября октябрь окт",
        "november nov noyabr ноября ноябрь ноя",
        "december dec dekabr декабря декабрь дек",
    ],
    start=1,
):
    for name in names.split():
        MONTHS[name] = number

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
# "09:50" or "09.50"; a dotted pair must not run on into more digits ("25.09.2019 1.234" is a
# date and a view counter, not 01:23)
_TIME = r"(?:[,\s]+(?:в\s+|saat\s+)?(?P<h>\d{1,2})(?=:\d\d|\.\d\d(?!\d))[:.](?P<mi>\d{2}))?"
_NAMED = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s\-./]+(?P<mon>{_MONTH_ALT})\.?[\s\-./,]+"
    rf"(?P<y>(?:19|20)\d\d)(?:\s*(?:г\.|года|il|-(?:ci|cı|cu|cü)\s+il))?{_TIME}",
    re.IGNORECASE,
)
_NAMED_MDY = re.compile(
    rf"\b(?P<mon>{_MONTH_ALT})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>(?:19|20)\d\d){_TIME}",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"\b(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>(?:19|20)\d\d)" + _TIME)
_ISO = re.compile(
    r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)(?:[T\s](?P<h>\d\d):(?P<mi>\d\d))?"
)
_COUNTER_AFTER_TIME = re.compile(r"\d:\d\d(?::\d\d)?\s+\d+\s*$")


def _month_key(name: str) -> str:
    # Azerbaijani capital dotted I: "İyun".lower() is "i" + U+0307 (combining dot above)
    return name.lower().replace("\u0307", "").rstrip(".")


def _build(y: str, m: int, d: str, h: str | None, mi: str | None, tz: tzinfo) -> datetime | None:
    try:
        local = datetime(int(y), m, int(d), int(h or 0), int(mi or 0), tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(UTC)


def find_local_date(text: str, tz: tzinfo) -> tuple[datetime, str] | None:
    """The first local date in `text`, in UTC, with the text that matched."""
    best: tuple[int, datetime, str] | None = None
    for pattern in (_NAMED, _NAMED_MDY, _NUMERIC, _ISO):
        match = pattern.search(text)
        if not match:
            continue
        groups = match.groupdict()
        month = groups.get("m")
        number = int(month) if month else MONTHS.get(_month_key(groups["mon"]))
        if not number:
            continue
        when = _build(groups["y"], number, groups["d"], groups.get("h"), groups.get("mi"), tz)
        if when and (best is None or match.start() < best[0]):
            best = (match.start(), when, match.group(0))
    return (best[1], best[2]) if best else None


def parse_date(value: str, tz: tzinfo) -> datetime | None:
    """Any date string a feed or page may carry -> aware UTC datetime, or None."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(UTC)
    except ValueError:
        pass
    try:
        # RFC 822 reads an unsigned number after the time as a zone offset: in
        # "22 June 2022 09:50 1204" the 1204 is a view counter, not +12:04
        if _COUNTER_AFTER_TIME.search(value):
            raise ValueError(value)
        parsed = parsedate_to_datetime(value)
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=tz)
            return parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError):
        pass
    found = find_local_date(value, tz)
    return found[0] if found else None


def offset_minutes(when: datetime, tz: tzinfo) -> int:
    """The source's UTC offset at `when`, in minutes ("since:" filters use the source's day)."""
    offset = when.astimezone(tz).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0
