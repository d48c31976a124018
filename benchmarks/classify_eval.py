"""Evaluate the topic classifier on the labelled development set.

    python -m benchmarks.classify_eval            # tables
    python -m benchmarks.classify_eval --json     # one JSON object with the figures
    python -m benchmarks.classify_eval --errors   # also list every wrong release

Prints per-topic precision / recall / F1 and the macro average for the classifier and, beside
it, a naive baseline (a topic matches when its name or id appears in the text, case-insensitive).
As a check against over-fitting to the mix of the set, the same figures are given per language,
and the time to classify a 1 MB body is measured (it must stay well under a second).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bot.classify import Classifier
from bot.models import Topic

DATA = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "releases.jsonl"

Predictor = Callable[[dict], set[str]]


def load(path: Path = DATA) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def classifier_predictor(classifier: Classifier) -> Predictor:
    def predict(row: dict) -> set[str]:
        matches = classifier.classify(row["title"], row["body"], row.get("language", ""))
        return {m.topic_id for m in matches}

    return predict


def baseline_predictor(topics: Sequence[Topic]) -> Predictor:
    """A topic matches if its name or its id (as a word) occurs in the text."""
    patterns = {
        t.id: re.compile(
            "|".join(re.escape(x) for x in (t.name, t.id.replace("_", " "))), re.IGNORECASE
        )
        for t in topics
    }

    def predict(row: dict) -> set[str]:
        text = f"{row['title']}\n{row['body']}"
        return {tid for tid, rx in patterns.items() if rx.search(text)}

    return predict


def scores(
    rows: Iterable[dict], predicted: dict[str, set[str]], topic_ids: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Per-topic precision, recall, F1 and support, plus 'macro' (mean over topics)."""
    counts = {t: [0, 0, 0] for t in topic_ids}  # tp, fp, fn
    for row in rows:
        gold, pred = set(row["topics"]), predicted[row["id"]]
        for t in topic_ids:
            if t in pred and t in gold:
                counts[t][0] += 1
            elif t in pred:
                counts[t][1] += 1
            elif t in gold:
                counts[t][2] += 1
    out: dict[str, dict[str, float]] = {}
    for t, (tp, fp, fn) in counts.items():
        p = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
        r = tp / (tp + fn) if tp + fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[t] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
    n = len(topic_ids)
    out["macro"] = {
        k: sum(out[t][k] for t in topic_ids) / n for k in ("precision", "recall", "f1")
    }
    out["macro"]["support"] = sum(out[t]["support"] for t in topic_ids)
    return out


def time_1mb(classifier: Classifier, rows: list[dict]) -> float:
    """Seconds to classify one body of about 1 MB built from the set's bodies."""
    text = "\n".join(r["body"] for r in rows)
    body = (text * (1_000_000 // len(text.encode()) + 1))[:1_000_000]
    start = time.perf_counter()
    classifier.classify("A title", body, "en")
    return time.perf_counter() - start


def evaluate(rows: list[dict], classifier: Classifier | None = None) -> dict:
    classifier = classifier or Classifier()
    topic_ids = [t.id for t in classifier.topics]
    systems = {
        "classifier": classifier_predictor(classifier),
        "baseline": baseline_predictor(classifier.topics),
    }
    preds = {name: {r["id"]: fn(r) for r in rows} for name, fn in systems.items()}
    result: dict = {"n": len(rows), "overall": {}, "by_language": {}}
    for name in systems:
        result["overall"][name] = scores(rows, preds[name], topic_ids)
    for lang in sorted({r["language"] for r in rows}):
        sub = [r for r in rows if r["language"] == lang]
        result["by_language"][lang] = {
            "n": len(sub),
            **{name: scores(sub, preds[name], topic_ids)["macro"] for name in systems},
        }
    result["errors"] = [
        {
            "id": r["id"],
            "language": r["language"],
            "gold": sorted(r["topics"]),
            "predicted": sorted(preds["classifier"][r["id"]]),
        }
        for r in rows
        if set(r["topics"]) != preds["classifier"][r["id"]]
    ]
    result["exact_match"] = 1 - len(result["errors"]) / len(rows)
    result["seconds_1mb_body"] = time_1mb(classifier, rows)
    return result


def _table(result: dict, topic_ids: Sequence[str]) -> str:
    cls, base = result["overall"]["classifier"], result["overall"]["baseline"]
    lines = [
        f"{'topic':<12} {'n':>3} | {'P':>5} {'R':>5} {'F1':>5} | {'base P':>6} {'R':>5} {'F1':>5}",
        "-" * 56,
    ]
    for t in [*topic_ids, "macro"]:
        c, b = cls[t], base[t]
        if t == "macro":
            lines.append("-" * 56)
        lines.append(
            f"{t:<12} {c['support']:>3} | {c['precision']:>5.2f} {c['recall']:>5.2f} "
            f"{c['f1']:>5.2f} | {b['precision']:>6.2f} {b['recall']:>5.2f} {b['f1']:>5.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.classify_eval", description=__doc__)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--errors", action="store_true", help="list the misclassified releases")
    ap.add_argument("--data", type=Path, default=DATA, help="labelled JSON Lines file")
    args = ap.parse_args(argv)

    rows = load(args.data)
    classifier = Classifier()
    result = evaluate(rows, classifier)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    topic_ids = [t.id for t in classifier.topics]
    print(f"{result['n']} labelled releases ({args.data.name}); classifier vs naive baseline\n")
    print(_table(result, topic_ids))
    print(f"\nexact match (all topics right): {result['exact_match']:.2f}")
    print("\nmacro F1 by language   classifier  baseline")
    for lang, figs in result["by_language"].items():
        print(
            f"  {lang} (n={figs['n']:>2})            {figs['classifier']['f1']:>5.2f}"
            f"     {figs['baseline']['f1']:>5.2f}"
        )
    print(f"\ntime to classify a 1 MB body: {result['seconds_1mb_body']:.3f} s")
    if args.errors:
        print("\nmisclassified:")
        for e in result["errors"]:
            missing = sorted(set(e["gold"]) - set(e["predicted"]))
            extra = sorted(set(e["predicted"]) - set(e["gold"]))
            print(f"  {e['id']} ({e['language']}): missing {missing}, extra {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
