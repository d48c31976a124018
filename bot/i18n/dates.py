"""Dates and times written in the chat's language, with Babel's CLDR month names.

One pattern for the three languages, day first and the month in full: "22 June 2022",
"22 iyun 2022", "22 июня 2022" (the genitive, as Russian writes a date). CLDR's "long" format
would differ per language ("June 22, 2022" in en, a trailing "г." in ru).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from babel import dates as babel_dates

from bot.i18n.languages import pick_language

DATE_PATTERN = "d MMMM y"
DATETIME_PATTERN = "d MMMM y, HH:mm"


def _local(moment: datetime, tz: tzinfo | None) -> datetime:
    """`moment` on the wall clock of `tz`; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz or UTC)


def format_date(moment: date | datetime, lang: str | None, tz: tzinfo | None = None) -> str:
    """"22 June 2022" / "22 iyun 2022" / "22 июня 2022"; a datetime is first moved to `tz`."""
    day = _local(moment, tz).date() if isinstance(moment, datetime) else moment
    return babel_dates.format_date(day, DATE_PATTERN, locale=pick_language(lang))


def format_datetime(moment: datetime, lang: str | None, tz: tzinfo | None = None) -> str:
    """"22 June 2022, 18:05" in `tz` (UTC when None), the month in the chat's language."""
    local = _local(moment, tz)
    return babel_dates.format_datetime(local, DATETIME_PATTERN, tzinfo=local.tzinfo,
                                       locale=pick_language(lang))


def weekday_name(weekday: int, lang: str | None) -> str:
    """"Monday" / "bazar ertəsi" / "понедельник" (0 = Monday), CLDR's standalone name."""
    names = babel_dates.get_day_names("wide", context="stand-alone", locale=pick_language(lang))
    return str(names[weekday]).lower() if pick_language(lang) != "en" else str(names[weekday])
