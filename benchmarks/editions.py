"""Grouping of language editions into stories, on the labelled edition sets.

    python -m benchmarks.editions            # tables
    python -m benchmarks.editions --json     # one JSON object with the figures
    python -m benchmarks.editions --errors   # also list wrong merges and missed pairs

For each file (`tests/fixtures/editions.jsonl`, the development set the matcher was tuned on;
`tests/fixtures/editions_extra.jsonl`, a held-out set written separately; and the classifier's
`tests/fixtures/releases.jsonl`, 90 releases of 2020-2026 of which three pairs report one
event in two languages: a check against merging unrelated releases), prints pairwise
precision, recall and F1 (over pairs of editions put in one story) and the number of events
grouped exactly, for the matcher and, measured in the same run, a naive baseline: editions
published on the same calendar day (Baku time) with the same first topic are one story.
Floors on the development set: pairwise precision >= 0.97, F1 >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

from bot.editions import MatchSettings, group_editions
from bot.models import Item

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
FILES = {"dev": FIXTURES / "editions.jsonl", "extra": FIXTURES / "editions_extra.jsonl",
         "releases": FIXTURES / "releases.jsonl"}
# releases.jsonl (the classifier's set, written apart from the edition sets) has no `event`
# field: its data README names the only releases that report one event in two languages
RELEASE_PAIRS = (("dev-001", "dev-003"), ("dev-030", "dev-033"), ("dev-045", "dev-047"))
FLOORS = {"precision": 0.97, "f1": 0.95}
GROUP = "customs-az"  # the three language feeds of one publisher


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    event_of = {b: a for a, b in RELEASE_PAIRS}
    for row in rows:
        row.setdefault("event", event_of.get(row["id"], row["id"]))
    return rows


def to_item(row: dict) -> Item:
    published = datetime.fromisoformat(row["published"])
    return Item(id=row["id"], feed_id=f"customs-{row['language']}", url=row["url"],
                title=row["title"], body=row["body"], published=published.astimezone(UTC),
                language=row["language"], topics=list(row["topics"]))


SWEEP = (2.0, 2.5, 3.0, 3.5, 4.0, 5.0)


def matcher_stories(rows: list[dict], settings: MatchSettings = MatchSettings()
                    ) -> dict[str, str]:
    return group_editions([to_item(r) for r in rows], lambda feed_id: GROUP, settings)


def baseline_stories(rows: list[dict]) -> dict[str, str]:
    """Same calendar day (the release's own offset, Baku) and same first topic."""
    return {r["id"]: f"{r['published'][:10]}/{(r['topics'] or [''])[0]}" for r in rows}


def _pairs(labels: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for item_id, label in labels.items():
        groups[label].append(item_id)
    return {tuple(sorted(p)) for ids in groups.values() for p in combinations(ids, 2)}  # type: ignore[misc]


def score(rows: list[dict], predicted: dict[str, str]) -> dict:
    gold = {r["id"]: r["event"] for r in rows}
    gold_pairs, pred_pairs = _pairs(gold), _pairs(predicted)
    tp = len(gold_pairs & pred_pairs)
    precision = tp / len(pred_pairs) if pred_pairs else 1.0
    recall = tp / len(gold_pairs) if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    events: dict[str, set[str]] = defaultdict(set)
    stories: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        events[r["event"]].add(r["id"])
        stories[predicted[r["id"]]].add(r["id"])
    exact = sum(1 for ids in events.values() if ids in stories.values())
    return {"precision": precision, "recall": recall, "f1": f1, "pairs": len(gold_pairs),
            "wrong_merges": sorted(pred_pairs - gold_pairs),
            "missed": sorted(gold_pairs - pred_pairs),
            "events": len(events), "events_exact": exact}


def packed_stream(rows: list[dict], minutes: int = 20) -> dict:
    """A stress test: the 90 releases of six years re-dated one every `minutes` (about ten
    times the site's real pace), so every release meets dozens of unrelated ones of its topic
    inside the window. Only the three true pairs keep their 15 minutes apart."""
    start = datetime.fromisoformat("2025-01-01T09:00:00+04:00")
    packed = [{**r, "published": (start + timedelta(minutes=minutes * n)).isoformat()}
              for n, r in enumerate(sorted(rows, key=lambda r: (r["published"], r["id"])))]
    return {"minutes_apart": minutes,
            "matcher": _brief(score(packed, matcher_stories(packed))),
            "baseline": _brief(score(packed, baseline_stories(packed)))}


def _brief(figs: dict) -> dict:
    return {k: figs[k] for k in ("precision", "recall", "f1", "events_exact")}


def evaluate(paths: Iterable[tuple[str, Path]]) -> dict:
    result: dict = {}
    for name, path in paths:
        if not path.exists():
            continue
        rows = load(path)
        start = time.perf_counter()
        predicted = matcher_stories(rows)
        elapsed = time.perf_counter() - start
        result[name] = {
            "file": path.name, "releases": len(rows),
            "matcher": score(rows, predicted), "baseline": score(rows, baseline_stories(rows)),
            "ms_per_release": 1000 * elapsed / max(1, len(rows)),
            # the bot's topics come from its classifier, not from labels: the matcher must not
            # lean on them
            "matcher_without_topics": _brief(score(rows, matcher_stories(
                [{**r, "topics": []} for r in rows]))),
            # a flat curve means the threshold is not tuned to a knife edge
            "f1_by_threshold": {str(t): score(rows, matcher_stories(
                rows, MatchSettings(threshold=t)))["f1"] for t in SWEEP},
        }
    if "releases" in result:
        result["releases_packed"] = packed_stream(load(FILES["releases"]))
    dev = result.get("dev", {}).get("matcher")
    result["floors_met"] = bool(dev) and all(dev[k] >= v for k, v in FLOORS.items())
    return result


def _line(label: str, s: dict) -> str:
    return (f"  {label:<9} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}"
            f"  events exact {s['events_exact']}/{s['events']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.editions", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--errors", action="store_true", help="list wrong merges and missed pairs")
    args = ap.parse_args(argv)
    result = evaluate(FILES.items())
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for name in FILES:
        if name not in result:
            continue
        figs = result[name]
        print(f"{figs['file']} ({figs['releases']} releases, pairwise over "
              f"{figs['matcher']['pairs']} same-event pairs; "
              f"{figs['ms_per_release']:.2f} ms per release)")
        print(_line("matcher", figs["matcher"]))
        print(_line("baseline", figs["baseline"]))
        nt = figs["matcher_without_topics"]
        print(f"  without topics: P {nt['precision']:.3f}  R {nt['recall']:.3f}"
              f"  F1 {nt['f1']:.3f}")
        sweep = "  ".join(f"{t}: {f:.3f}" for t, f in figs["f1_by_threshold"].items())
        print(f"  F1 by threshold (default {MatchSettings().threshold}): {sweep}")
        if args.errors:
            for a, b in figs["matcher"]["wrong_merges"]:
                print(f"    wrong merge: {a} + {b}")
            for a, b in figs["matcher"]["missed"]:
                print(f"    missed: {a} + {b}")
    if "releases_packed" in result:
        packed = result["releases_packed"]
        print(f"releases.jsonl packed one every {packed['minutes_apart']} min (stress):")
        for label in ("matcher", "baseline"):
            figs = packed[label]
            print(f"  {label:<9} P {figs['precision']:.3f}  R {figs['recall']:.3f}"
                  f"  F1 {figs['f1']:.3f}")
    floors = ", ".join(f"{k} >= {v}" for k, v in FLOORS.items())
    print(f"floors on the development set ({floors}): "
          f"{'PASS' if result['floors_met'] else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
