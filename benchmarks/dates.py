"""Date accuracy of HTML article pages: the project's reading against htmldate alone.

    python -m benchmarks.dates [--json] [--errors]

The pages are tests/fixtures/dates/*.html, small hand-written pages in the agencies' styles;
tests/fixtures/dates/labels.tsv gives each its expected publication day in the source's zone
(Asia/Baku), the URL it was served at ("-": none) and what it tests. A page counts as right when
the day is right. The baseline, in the same run, is `htmldate.find_date` with its defaults
(extensive search) and `original_date=True`, on the same bytes and URL.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from htmldate import find_date

from bot.sources.article import extract_article

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "dates"
ZONE = ZoneInfo("Asia/Baku")
FETCHED_AT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def labelled_pages() -> list[tuple[str, date, str, str]]:
    """(file name, expected day, URL or "", what it tests) for every labelled page."""
    rows = []
    for line in (PAGES / "labels.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, day, url, note = line.split("\t")
        rows.append((name, date.fromisoformat(day), "" if url == "-" else url, note))
    return rows


def project_day(body: bytes, url: str) -> date | None:
    article = extract_article(body, url or "https://customs.example.az/news/1", ZONE, FETCHED_AT)
    if article is None or article.estimated:
        return None
    return article.published.astimezone(ZONE).date()


def htmldate_day(body: bytes, url: str) -> date | None:
    found = find_date(body, original_date=True, url=url or None)
    return date.fromisoformat(found) if found else None


def run() -> dict[str, object]:
    rows = labelled_pages()
    right = {"project": 0, "htmldate": 0}
    errors: list[str] = []
    started = time.perf_counter()
    for name, expected, url, note in rows:
        body = (PAGES / name).read_bytes()
        ours, theirs = project_day(body, url), htmldate_day(body, url)
        right["project"] += ours == expected
        right["htmldate"] += theirs == expected
        if ours != expected or theirs != expected:
            errors.append(f"{name}: expected {expected}, project {ours}, htmldate {theirs}"
                          f"  ({note})")
    n = len(rows)
    return {
        "dates_pages": n,
        "dates_accuracy": round(right["project"] / n, 3),
        "dates_htmldate_accuracy": round(right["htmldate"] / n, 3),
        "dates_seconds": round(time.perf_counter() - started, 2),
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--errors", action="store_true", help="list the pages either got wrong")
    args = parser.parse_args(argv)
    result = run()
    errors = result.pop("errors")
    if args.json:
        print(json.dumps(result))
    else:
        print(f"pages: {result['dates_pages']}")
        print(f"project (htmldate + local rules): {result['dates_accuracy']:.1%}")
        print(f"htmldate alone:                   {result['dates_htmldate_accuracy']:.1%}")
    if args.errors:
        print("\n".join(errors), file=sys.stderr)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
