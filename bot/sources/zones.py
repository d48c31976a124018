"""A time zone written after a time: "+04:00", "+0400", "-0000", "Z", "UTC+4", "(UTC+04:00)",
"MET", "ET", "MSK", "МСК". Dates that carry one are read in it; only dates without one are read
in the source's own zone.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

_HOURS = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AST": -4, "ADT": -3, "BST": 1, "WEST": 1,
    "CET": 1, "MET": 1, "CEST": 2, "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "TRT": 3,
    "AZT": 4, "AZST": 5, "GET": 4, "AMT": 4, "МСК": 3,
}
# the generic North American names mean whichever of standard or daylight time is in force
_REGIONS = {"ET": "America/New_York", "CT": "America/Chicago", "MT": "America/Denver",
            "PT": "America/Los_Angeles"}

_SECONDS = re.compile(r":\d\d(?:[.,]\d+)?")
_OFFSET = re.compile(
    r"\s*\(?\s*(?:(?P<base>UTC|GMT|UT)\s*)?(?P<sign>[+\-\u2212])\s*(?P<h>\d{1,2})"
    r"(?::?(?P<m>\d\d))?\s*\)?(?!\d)"
)
_NAME = re.compile(r"\s*\(?(?P<name>[A-ZА-Я]{1,4})\)?(?![\w+\-])")


def zone_after(text: str, pos: int) -> tuple[tzinfo | None, int]:
    """The zone written at `text[pos:]` (after optional seconds and spaces) and where it ends;
    (None, pos) when there is none."""
    start = pos
    if seconds := _SECONDS.match(text, pos):
        pos = seconds.end()
    if offset := _OFFSET.match(text, pos):
        bare = offset.group("base") is None
        # a bare number must look like an offset: "+04:00", "+0400", "-0000"; not "- 2"
        if not bare or (len(offset.group("h")) == 2 and offset.group("m") is not None
                        and " " not in offset.group(0).strip()):
            minutes = int(offset.group("h")) * 60 + int(offset.group("m") or 0)
            if minutes <= 14 * 60:
                sign = -1 if offset.group("sign") in "-\u2212" else 1
                return timezone(timedelta(minutes=sign * minutes)), offset.end()
    if named := _NAME.match(text, pos):
        name = named.group("name")
        if name in _REGIONS:
            return ZoneInfo(_REGIONS[name]), named.end()
        if name in _HOURS:
            hours = _HOURS[name]
            return (UTC if hours == 0 else timezone(timedelta(hours=hours))), named.end()
    return None, start
