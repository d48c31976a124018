"""Dates as agencies write them: ISO, RFC 822, and local forms in three languages.

"22 June 2022 09:50", "21-November-2020", "25.09.2019", "10 fevral 2026", "22 июня 2022 г.",
"2023-cü il 3 avqust". A zone written after the date or time is honoured ("+04:00", "-0000",
"MET", "ET", "(UTC+04:00)", see `zones.py`); only a date with none is read in the source's time
zone. Every date is returned in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_tz

from bot.sources.zones import zone_after

MONTHS: dict[str, int] = {}
for number, names in enumerate(
    [
        "january jan yanvar января январь янв",
        "february feb fevral февраля февраль фев февр",
        "march mar mart марта март мар",
        "april apr aprel апреля апрель апр",
        "may may may мая май",
        "june jun iyun июня июнь",
        "july jul iyul июля июль",
        "august aug avqust августа август авг",
        "september sep sept sentyabr сентября сентябрь сен сент",
        "october oct oktyabr октября октябрь окт",
        "november nov noyabr ноября ноябрь ноя нояб",
        "december dec dekabr декабря декабрь дек",
    ],
    start=1,
):
    for name in names.split():
        MONTHS[name] = number

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
# "09:50" or "09.50"; a dotted pair must not run on into more digits ("25.09.2019 1.234" is a
# date and a view counter, not 01:23)
_TIME = (r"(?:[,\s]+(?:в\s+|saat\s+|at\s+)?(?P<h>\d{1,2})(?=:\d\d|\.\d\d(?!\d))[:.](?P<mi>\d{2})"
         r"(?:\s*(?P<ampm>[ap])\.?m\b\.?)?)?")
_NAMED = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s\-./]+(?P<mon>{_MONTH_ALT})\.?[\s\-./,]+"
    rf"(?P<y>(?:19|20)\d\d)(?:\s*(?:г\.|года|il|-(?:ci|cı|cu|cü)\s+il))?{_TIME}",
    re.IGNORECASE,
)
_NAMED_MDY = re.compile(
    rf"\b(?P<mon>{_MONTH_ALT})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>(?:19|20)\d\d){_TIME}",
    re.IGNORECASE,
)
# Azerbaijani order: "2023-cü il 3 avqust", "2023-cü ilin 3 avqustu"
_YEAR_FIRST = re.compile(
    rf"\b(?P<y>(?:19|20)\d\d)(?:-(?:ci|cı|cu|cü))?\s+il(?:in)?\s+(?P<d>\d{{1,2}})\s+"
    rf"(?P<mon>{_MONTH_ALT})(?:u|ü|ı|i)?\b{_TIME}",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"\b(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>(?:19|20)\d\d)" + _TIME)
_ISO = re.compile(
    r"\b(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)"
    r"(?:[T\s](?P<h>\d\d):(?P<mi>\d\d)(?::\d\d(?:\.\d+)?)?)?"
)
_COUNTER_AFTER_TIME = re.compile(r"\d:\d\d(?::\d\d)?\s+\d+\s*$")


def _month_key(name: str) -> str:
    # Azerbaijani capital dotted I: "İyun".lower() is "i" + U+0307 (combining dot above)
    return name.lower().replace("\u0307", "").rstrip(".")


def _build(y: str, m: int, d: str, h: str | None, mi: str | None, tz: tzinfo,
           ampm: str | None = None) -> datetime | None:
    hour = int(h or 0)
    if ampm:  # 12 am is midnight, 12 pm noon
        hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
    try:
        local = datetime(int(y), m, int(d), hour, int(mi or 0), tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(UTC)


def find_local_date(text: str, tz: tzinfo) -> tuple[datetime, str] | None:
    """The first date in `text`, in UTC, with the text that matched. A zone written right
    after it counts (and is part of the matched text); else the date is read in `tz`."""
    best: tuple[int, datetime, str] | None = None
    for pattern in (_NAMED, _NAMED_MDY, _YEAR_FIRST, _NUMERIC, _ISO):
        match = pattern.search(text)
        if not match:
            continue
        groups = match.groupdict()
        month = groups.get("m")
        number = int(month) if month else MONTHS.get(_month_key(groups["mon"]))
        if not number:
            continue
        zone, end = (zone_after(text, match.end()) if groups.get("h") else (None, match.end()))
        when = _build(groups["y"], number, groups["d"], groups.get("h"), groups.get("mi"),
                      zone or tz, groups.get("ampm"))
        if when and (best is None or match.start() < best[0]):
            best = (match.start(), when, text[match.start():end])
    return (best[1], best[2]) if best else None


# a date outside these years is a CMS's way of writing "no date" (0001-01-01, 9999-12-31),
# and one the arithmetic around it cannot take (a time zone, a window of days): none
PLAUSIBLE_YEARS = range(1900, 2200)


def plausible(when: datetime | None) -> datetime | None:
    return when if when is not None and when.year in PLAUSIBLE_YEARS else None


def parse_date(value: str, tz: tzinfo) -> datetime | None:
    """Any date string a feed or page may carry -> aware UTC datetime, or None (for a
    placeholder year too, see PLAUSIBLE_YEARS)."""
    try:
        return plausible(_parse_date(value, tz))
    except OverflowError:  # a date at the edge of datetime moved to UTC
        return None


def _parse_date(value: str, tz: tzinfo) -> datetime | None:
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
    # RFC 822 reads an unsigned number after the time as a zone offset: in
    # "22 June 2022 09:50 1204" the 1204 is a view counter, not +12:04
    if not _COUNTER_AFTER_TIME.search(value):
        try:
            fields = parsedate_tz(value)
        except (TypeError, ValueError, IndexError):
            fields = None
        if fields is not None:
            when = _from_rfc822(value, fields, tz)
            if when is not None:
                return when
    found = find_local_date(value, tz)
    return found[0] if found else None


def _from_rfc822(value: str, fields: tuple[int | None, ...], tz: tzinfo) -> datetime | None:
    """An RFC 822 date. email.utils knows the US zone names and numeric offsets only, and reads
    "-0000" as no zone; the zone is read here instead, with `zones.zone_after`."""
    year, month, day, hour, minute, second = (int(f or 0) for f in fields[:6])
    time_at = re.search(r"\d{1,2}:\d\d(?::\d\d)?", value)
    zone = zone_after(value, time_at.end())[0] if time_at else None
    if zone is None and fields[9] is not None:
        return None  # an offset email.utils read where we see none: let the date search decide
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=zone or tz)
    except ValueError:
        return None
    return local.astimezone(UTC)


def offset_minutes(when: datetime, tz: tzinfo) -> int:
    """The source's UTC offset at `when`, in minutes ("since:" filters use the source's day)."""
    offset = when.astimezone(tz).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0
