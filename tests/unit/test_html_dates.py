"""Publication dates of article pages and feed entries: local forms, zones, the date that belongs
to the article. The labelled pages are tests/fixtures/dates (also `python -m benchmarks.dates`)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from benchmarks.dates import PAGES, labelled_pages, project_day
from bot.sources.dates import parse_date
from bot.sources.page_dates import date_line

BAKU = ZoneInfo("Asia/Baku")


@pytest.mark.parametrize(("name", "expected", "url", "note"), labelled_pages())
def test_labelled_page_gets_its_day(name: str, expected: object, url: str, note: str) -> None:
    assert project_day((PAGES / name).read_bytes(), url) == expected, note


def test_there_are_enough_labelled_pages() -> None:
    assert len(labelled_pages()) >= 30


@pytest.mark.parametrize(("text", "expected"), [
    ("Wed, 22 Jun 2022 22:00:00 -0000", datetime(2022, 6, 22, 22, 0, tzinfo=UTC)),
    ("Wed, 22 Jun 2022 22:30:00 MET", datetime(2022, 6, 22, 21, 30, tzinfo=UTC)),
    ("June 22, 2022 21:00 ET", datetime(2022, 6, 23, 1, 0, tzinfo=UTC)),  # EDT in June
    ("January 22, 2022 21:00 ET", datetime(2022, 1, 23, 2, 0, tzinfo=UTC)),  # EST in January
    ("2022-06-22T23:30:00+04:00", datetime(2022, 6, 22, 19, 30, tzinfo=UTC)),
    ("22 June 2022 09:50 (UTC+04:00)", datetime(2022, 6, 22, 5, 50, tzinfo=UTC)),
    ("14 May 2023 23:30 (UTC+01:00)", datetime(2023, 5, 14, 22, 30, tzinfo=UTC)),
    ("22.06.2022 10:00 GMT+2", datetime(2022, 6, 22, 8, 0, tzinfo=UTC)),
    ("Среда, 22 июня 2022, 09:50 (МСК)", datetime(2022, 6, 22, 6, 50, tzinfo=UTC)),
    # no zone: the source's
    ("2022-06-22T23:30:00", datetime(2022, 6, 22, 19, 30, tzinfo=UTC)),
    ("Wed, 22 Jun 2022 09:50:00", datetime(2022, 6, 22, 5, 50, tzinfo=UTC)),
    ("2023-cü il 3 avqust, saat 12:00", datetime(2023, 8, 3, 8, 0, tzinfo=UTC)),
    ("3 сент. 2021 г.", datetime(2021, 9, 2, 20, 0, tzinfo=UTC)),
])
def test_explicit_zones_are_honoured_and_only_zoneless_dates_read_locally(
    text: str, expected: datetime
) -> None:
    assert parse_date(text, BAKU) == expected


@pytest.mark.parametrize("line", [
    "Datum: 14.03.2021", "Monday, 7 March 2022", "Среда, 22 июня 2022",
    "Tarix: 10 fevral 2026 14:20 | Baxış: 387", "15 May 2023 00:30 (UTC+04:00)",
    "Posted on June 22, 2022 at 9:50 am", "Дата публикации: 05.04.2021 14:20",
])
def test_labelled_and_weekday_lines_are_date_lines(line: str) -> None:
    assert date_line(line, BAKU) is not None


def test_a_sentence_with_a_date_is_no_date_line() -> None:
    assert date_line("The protocol enters into force on 1 July 2022.", BAKU) is None
