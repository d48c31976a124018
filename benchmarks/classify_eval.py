"""Evaluate the topic classifier on the labelled development set.

    python -m benchmarks.classify_eval            # tables
    python -m benchmarks.classify_eval --json     # one JSON object with the figures
    python -m benchmarks.classify_eval --errors   # also list every wrong release

Prints per-topic precision / recall / F1 and the macro average for the classifier and, beside
it, a naive baseline (a topic matches when its name or id appears in the text, case-insensitive).
Checks against over-fitting: macro F1 per language, macro F1 as the threshold moves, the number
of decisions close to the threshold, and a small author-written probe set in other wording. The
time to classify a 1 MB body is measured too (it must stay well under a second).

Generalisation: tests/fixtures/generalisation.jsonl holds releases in the styles of other customs
services and news agencies, each marked `split` "tune" or "heldout". The tables for both splits
are printed (key `generalisation`); tune the taxonomy on "tune" only and read "heldout" once.
`--errors` lists the wrong releases of the dev set and of the "tune" split, never "heldout".
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
HOLDOUT = Path(__file__).resolve().parent / "data" / "holdout_releases.jsonl"
GENERALISATION = DATA.parent / "generalisation.jsonl"
SPLITS = ("tune", "heldout")
SWEEP = (2.0, 2.5, 3.0, 3.5, 4.0, 5.0)

# A second, small set written by the classifier's author while building it, to see whether the
# rules carry beyond the development set's wording. Not independent (same author, same
# judgement), so it is a smoke check, not a score to optimise.
PROBES: list[tuple[str, list[str], str, str]] = [
    ("en", ["bilateral"], "Customs chiefs of Azerbaijan and Belarus sign cooperation plan",
     "In Minsk, the chairman of the State Customs Committee held talks with the Chairman of "
     "the State Customs Committee of Belarus. The parties signed a plan of cooperation."),
    ("en", ["bilateral", "smuggling"], "Joint operation with Turkish customs stops cigarettes",
     "Information from the Turkish customs administration helped to stop 40,000 packs of "
     "cigarettes hidden in a truck. The two services agreed at a meeting in Ankara to share "
     "risk data. The driver was detained and a criminal case opened."),
    ("en", ["transit"], "Truck queues at the border with Russia cleared after new lanes open",
     "Four new lanes at the Samur checkpoint on the border with the Russian Federation have "
     "reduced waiting times for lorries. Transit trucks heading to Iran use a dedicated lane."),
    ("en", [], "Committee employees donate blood",
     "Employees took part in a blood donation campaign. Representatives of several countries' "
     "embassies also attended."),
    ("en", ["trade"], "Exports to EU grow by 15 per cent",
     "According to customs statistics, exports to the European Union reached 9.2 billion "
     "dollars, while imports amounted to 1.8 billion dollars."),
    ("en", ["trade"], "Exports to Georgia rise under free trade agreement",
     "Customs statistics show that exports to Georgia rose by 12 per cent to 900 million "
     "dollars under the free trade agreement between the two countries."),
    ("en", ["transit"], "Trilateral meeting on the East-West corridor",
     "Customs heads of Azerbaijan, Georgia and Türkiye held a trilateral meeting in Kars to "
     "discuss transit along the railway. The sides agreed on a common transit document."),
    ("en", ["legislation"], "New procedure for temporary import of vehicles approved",
     "The Cabinet of Ministers has approved a new procedure for the temporary import of "
     "vehicles by non-residents. The rules take effect on 1 July."),
    ("en", ["bilateral", "training"], "Georgian customs officers study X-ray analysis in Baku",
     "Ten officers of the Revenue Service of Georgia attended a five-day course at the "
     "Customs Academy on analysing X-ray images."),
    ("en", [], "Customs officers take part in marathon",
     "A team of customs officers ran the Baku marathon. The trade union paid the entry fees."),
    ("az", ["bilateral"], "Azərbaycan və Qazaxıstan gömrük xidmətləri memorandum imzalayıb",
     "Komitənin sədri Qazaxıstan Dövlət Gəlirləri Komitəsinin sədri ilə görüşüb. Tərəflər "
     "məlumat mübadiləsi barədə memorandum imzalayıblar."),
    ("az", ["transit"], "Türk Dövlətləri Təşkilatı üzv dövlətlərinin gömrük rəhbərləri görüşüb",
     "Görüşdə Qazaxıstan, Qırğızıstan, Özbəkistan və Türkiyə nümayəndələri tranzit "
     "dəhlizinin sadələşdirilməsini müzakirə ediblər."),
    ("az", ["demining"], "Mina qurbanlarının ailələrinə yardım göstərilib",
     "Gömrük əməkdaşları minaya düşərək yaralanmış şəxslərin ailələrinə yardım göstəriblər. "
     "Azad edilmiş ərazilərdə minalardan təmizləmə işləri davam edir."),
    ("az", ["ecommerce", "legislation"], "Poçt göndərişləri üçün güzəşt limiti dəyişib",
     "Nazirlər Kabinetinin qərarı ilə internet mağazalarından alınan mallar üçün limit "
     "dəyişdirilib. Yeni qayda 1 iyundan qüvvəyə minir."),
    ("ru", ["bilateral", "transit"], "Таможенники Азербайджана и Туркменистана обсудили транзит",
     "Председатель комитета провёл переговоры с председателем таможенной службы "
     "Туркменистана. Стороны обсудили увеличение транзитных перевозок через порты."),
    ("ru", [], "Сотрудники таможни посадили деревья",
     "Сотрудники приняли участие в посадке деревьев на освобождённых территориях."),
    ("ru", ["transit"], "Заседание глав таможенных служб СНГ",
     "Руководители таможенных служб государств-участников СНГ обсудили в Минске вопросы "
     "транзита между Россией, Казахстаном, Беларусью и Арменией."),
    ("ru", ["legislation"], "Вступили в силу поправки в Таможенный кодекс",
     "Вступили в силу поправки в Таможенный кодекс, утверждённые указом Президента."),
]


def probe_rows() -> list[dict]:
    return [
        {"id": f"probe-{n:02d}", "language": lang, "topics": topics, "title": t, "body": b}
        for n, (lang, topics, t, b) in enumerate(PROBES, start=1)
    ]

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


def time_body(classifier: Classifier, rows: list[dict], size: int = 1_000_000) -> float:
    """Seconds (best of 3) to classify one body of `size` bytes built from the set's bodies."""
    text = "\n".join(r["body"] for r in rows)
    body = (text * (size // len(text.encode()) + 1))[:size]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        classifier.classify("A title", body, "en")
        best = min(best, time.perf_counter() - start)
    return best


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
    # robustness: macro F1 as the threshold moves; a flat curve means no knife-edge tuning
    result["threshold_sweep"] = {
        str(t): scores(
            rows,
            {r["id"]: classifier_predictor(Classifier(classifier.topics, t))(r) for r in rows},
            topic_ids,
        )["macro"]["f1"]
        for t in SWEEP
    }
    # margins: how far the weakest right topic and the strongest wrong one are from the
    # threshold, and how many decisions lie within 0.5 of it (the fragile ones)
    loose = Classifier(classifier.topics, 0.01)
    right, wrong = [], []
    for r in rows:
        for m in loose.classify(r["title"], r["body"], r.get("language", "")):
            (right if m.topic_id in r["topics"] else wrong).append(m.score)
    result["margins"] = {
        "lowest_score_of_a_labelled_topic": min(right, default=None),
        "highest_score_of_an_unlabelled_topic": max(wrong, default=None),
        "decisions_within_0.5_of_threshold": sum(
            abs(x - classifier.threshold) <= 0.5 for x in right + wrong
        ),
    }
    probes = probe_rows()
    pred = classifier_predictor(classifier)
    result["probes"] = {
        "n": len(probes),
        "macro_f1": scores(probes, {r["id"]: pred(r) for r in probes}, topic_ids)["macro"]["f1"],
        "exact_match": sum(set(r["topics"]) == pred(r) for r in probes) / len(probes),
    }
    # held out: releases written after the classifier was finished, never used to tune it
    held = load(HOLDOUT)
    held_pred = {r["id"]: pred(r) for r in held}
    base_pred = {r["id"]: systems["baseline"](r) for r in held}
    result["holdout"] = {
        "n": len(held),
        "macro_f1": scores(held, held_pred, topic_ids)["macro"]["f1"],
        "baseline_macro_f1": scores(held, base_pred, topic_ids)["macro"]["f1"],
        "exact_match": sum(set(r["topics"]) == held_pred[r["id"]] for r in held) / len(held),
    }
    result["generalisation"] = generalisation(load(GENERALISATION), systems, topic_ids)
    result["seconds_1mb_body"] = time_body(classifier, rows, 1_000_000)
    result["seconds_2mb_body"] = time_body(classifier, rows, 2_000_000)  # linear: about 2x
    return result


def generalisation(
    rows: list[dict], systems: dict[str, Predictor], topic_ids: Sequence[str]
) -> dict:
    """Per split ("tune", "heldout"): n, per-topic scores of each system, exact match, and the
    ids of the releases the classifier gets wrong (for the "tune" split only)."""
    out: dict = {}
    for split in SPLITS:
        sub = [r for r in rows if r.get("split") == split]
        preds = {name: {r["id"]: fn(r) for r in sub} for name, fn in systems.items()}
        entry: dict = {"n": len(sub)}
        for name in systems:
            entry[name] = scores(sub, preds[name], topic_ids)
        wrong = [
            {"id": r["id"], "language": r["language"], "gold": sorted(r["topics"]),
             "predicted": sorted(preds["classifier"][r["id"]])}
            for r in sub
            if set(r["topics"]) != preds["classifier"][r["id"]]
        ]
        entry["exact_match"] = 1 - len(wrong) / len(sub) if sub else 0.0
        if split == "tune":
            entry["errors"] = wrong
        out[split] = entry
    return out


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
    sweep = "  ".join(f"{t}: {f:.2f}" for t, f in result["threshold_sweep"].items())
    print(f"\nmacro F1 by threshold (default {classifier.threshold}): {sweep}")
    mg = result["margins"]
    print(
        f"margins: weakest labelled topic scores {mg['lowest_score_of_a_labelled_topic']},"
        f" strongest unlabelled {mg['highest_score_of_an_unlabelled_topic']};"
        f" {mg['decisions_within_0.5_of_threshold']} decisions within 0.5 of the threshold"
    )
    pr = result["probes"]
    print(
        f"author-written probe set (n={pr['n']}, not independent): macro F1 {pr['macro_f1']:.2f},"
        f" exact match {pr['exact_match']:.2f}"
    )
    ho = result["holdout"]
    print(
        f"held-out set (n={ho['n']}, written after the rules were fixed): macro F1"
        f" {ho['macro_f1']:.2f} (baseline {ho['baseline_macro_f1']:.2f}),"
        f" exact match {ho['exact_match']:.2f}"
    )
    for split, figs in result["generalisation"].items():
        print(
            f"\ngeneralisation, {split} split (n={figs['n']}, other services' styles):"
            f" exact match {figs['exact_match']:.2f}"
        )
        print(_table({"overall": figs}, topic_ids))
    print(
        f"\ntime to classify a 1 MB body: {result['seconds_1mb_body']:.3f} s"
        f" (2 MB: {result['seconds_2mb_body']:.3f} s; best of 3)"
    )
    if args.errors:
        print("\nmisclassified (dev set, then the generalisation set's tune split):")
        for e in [*result["errors"], *result["generalisation"]["tune"]["errors"]]:
            missing = sorted(set(e["gold"]) - set(e["predicted"]))
            extra = sorted(set(e["predicted"]) - set(e["gold"]))
            print(f"  {e['id']} ({e['language']}): missing {missing}, extra {extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
