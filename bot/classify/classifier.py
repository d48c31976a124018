"""Topic classifier: weighted term patterns in English, Azerbaijani and Russian.

How a release is scored
-----------------------
The title and the body are tokenised and normalised separately. Every term of a topic that
matches adds ``weight x place x repetition`` to the topic's score, where *place* is 2 for the
title and 1 for the body, and *repetition* is 1, 1.5 or 2 for 1, 2 or 3+ occurrences of that
term in that place (diminishing, so one word repeated does not outweigh several different
pieces of evidence). A topic is assigned when its score reaches the threshold (default 3.0, a
per-topic `threshold` wins over the classifier's). With the default weights (1 = weak clue,
2 = strong clue, 3 = decisive) one strong term in the body is not enough, one in the title is:
that is what keeps a passing mention ("the WCO framework", "liberated territories" at a
ceremony) from tagging a release. Negative weights express evidence *against* a topic (e.g.
"member states" against `bilateral`).

When two matches of the same topic cover nested spans, only the longer one counts, so a
specific phrase overrides its parts: ``trade union^-1`` cancels ``trade`` inside it, and
``mine clearance^2`` is not also counted as ``mine``. (So give a positive phrase at least the
weight of its parts, or it lowers the score.)

Text
----
Normalised by `bot.text` (HTML out, case and Latin diacritics folded, ``ё->е``), a possessive
``'s`` is skipped, and a body that starts by repeating the title does not count the title
twice. Tokens are runs of letters and digits: hyphens split words (``e-commerce`` =
``e commerce``). The term syntax is described in `bot.classify.terms`.

Language
--------
The item's language ("en", "az", "ru"; "az-Latn" -> "az") is used if given and known;
otherwise it is `bot.text.detect_language`'s. Terms of that language and ``"*"`` terms apply.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bot.classify.engine import Engine
from bot.classify.taxonomy import DEFAULT_TOPICS
from bot.classify.terms import ANY, ParsedTerm, compile_term
from bot.models import Topic
from bot.text import language_of, strip_html

DEFAULT_THRESHOLD = 3.0
TITLE_FACTOR = 2.0
BODY_FACTOR = 1.0


@dataclass(slots=True)
class TopicMatch:
    topic_id: str
    score: float
    reasons: list[str] = field(default_factory=list)


def _clean(text: str) -> str:
    return strip_html(text, tag="\n")  # a tag ends a sentence


def _repetition(n: int) -> float:
    return 1.0 + 0.5 * (min(n, 3) - 1)


def parse_topic_terms(topics: list[Topic]) -> list[dict[str, list[ParsedTerm]]]:
    """Each topic's terms parsed, per language. A bad term raises ValueError naming its key
    as the config writes it (``topics[2].terms.en[1]``) and the topic's id."""
    parsed: list[dict[str, list[ParsedTerm]]] = []
    for n, topic in enumerate(topics):
        by_lang: dict[str, list[ParsedTerm]] = {}
        for lang, items in topic.terms.items():
            terms = by_lang[lang] = []
            for i, raw in enumerate(items):
                try:
                    terms.append(compile_term(raw))
                except ValueError as exc:
                    raise ValueError(
                        f"topics[{n}].terms.{lang}[{i}] (topic {topic.id!r}): {exc}"
                    ) from None
        parsed.append(by_lang)
    return parsed


def check_topic_terms(topics: list[Topic] | None) -> None:
    """Raise ValueError naming the key of the first term with bad syntax (see `terms`)."""
    if topics is not None:
        parse_topic_terms(topics)


class Classifier:
    """Assigns topics to a release; see the module docstring for the scoring."""

    def __init__(self, topics: list[Topic] | None = None, threshold: float | None = None):
        self.topics: list[Topic] = list(DEFAULT_TOPICS if topics is None else topics)
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self._by_id = {t.id: t for t in self.topics}
        self._parsed = parse_topic_terms(self.topics)  # per topic: language -> terms
        self._langs = {lang for by_lang in self._parsed for lang in by_lang}
        self._thresholds = [
            self.threshold if t.threshold is None else t.threshold for t in self.topics
        ]
        self._engines: dict[str, Engine] = {}

    def topic(self, topic_id: str) -> Topic | None:
        return self._by_id.get(topic_id)

    def _engine(self, lang: str) -> Engine:
        engine = self._engines.get(lang)
        if engine is None:
            parsed = [by_lang.get(lang, []) + by_lang.get(ANY, []) for by_lang in self._parsed]
            engine = self._engines[lang] = Engine(parsed, lang)
        return engine

    def language_of(self, title: str, body: str, language: str = "") -> str:
        """The given language if known, else the detected one.

        A given language whose script contradicts the text (a feed configured as "en" that
        serves Cyrillic pages) yields to the detected one.
        """
        sample = f"{title}\n{body[:5000]}"
        return language_of(sample, language, also=self._langs - {ANY})

    def stems(self, text: str, language: str = "") -> list[str]:
        """The stems a text's tokens are matched by, in its language (for inspection)."""
        text = _clean(text or "")
        return self._engine(self.language_of(text, "", language)).token_stems(text)

    def classify(self, title: str, body: str, language: str = "") -> list[TopicMatch]:
        title = _clean(title or "").strip()
        body = _clean(body or "").strip()
        if title and body[: len(title)].casefold() == title.casefold():
            body = body[len(title) :].lstrip()
        if not title and not body:
            return []
        engine = self._engine(self.language_of(title, body, language))

        # per topic: (term index, place) -> [count, first surface]
        hits: dict[int, dict[tuple[int, str], list]] = defaultdict(dict)
        atom_terms = engine.atom_terms

        for place, text in (("title", title), ("body", body)):
            if not text:
                continue
            matches, toks = engine.match(text)
            by_atom: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
            for aid, i, j, s in matches:
                by_atom[aid].append((i, j, s))
            single: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # topic -> spans
            for aid, occ in by_atom.items():
                for k in atom_terms[aid]:
                    term = engine.terms[k]
                    if len(term.atom_ids) == 1:
                        for i, j, _s in occ:
                            single[term.topic_index].append((i, j, k))
            # single-atom terms: drop matches nested inside a longer match of the same topic
            for ti, occs in single.items():
                occs.sort(key=lambda o: (-(o[1] - o[0]), -abs(engine.terms[o[2]].weight)))
                kept: list[tuple[int, int, int]] = []
                kept_end: dict[int, int] = {}  # start -> furthest end of a kept span
                longest = 0
                for i, j, k in occs:
                    if any(kept_end.get(x, -1) >= j for x in range(i - longest, i + 1)):
                        continue
                    kept.append((i, j, k))
                    kept_end[i] = max(kept_end.get(i, -1), j)
                    longest = max(longest, j - i)
                for i, j, k in sorted(kept):
                    rec = hits[ti].get((k, place))
                    if rec is None:
                        rec = hits[ti][(k, place)] = [0, toks.surface(i, j)]
                    rec[0] += 1
            # conjunctions: once per sentence where every atom occurs
            atom_sents: dict[int, set[int]] = {}
            for k in engine.conjunctions:
                term = engine.terms[k]
                if not all(a in by_atom for a in term.atom_ids):
                    continue
                for a in term.atom_ids:
                    if a not in atom_sents:
                        atom_sents[a] = {s for _i, _j, s in by_atom[a]}
                sentences = set.intersection(*(atom_sents[a] for a in term.atom_ids))
                if not sentences:
                    continue
                first = min(sentences)
                parts = []
                for a in term.atom_ids:
                    i, j, _ = min(o for o in by_atom[a] if o[2] == first)
                    parts.append(f'"{toks.surface(i, j)}"')
                hits[term.topic_index][(k, place)] = [len(sentences), " & ".join(parts)]

        results: list[TopicMatch] = []
        for ti, recs in hits.items():
            score = 0.0
            reasons: list[tuple[float, str]] = []
            for (k, place), (count, surface) in recs.items():
                term = engine.terms[k]
                factor = TITLE_FACTOR if place == "title" else BODY_FACTOR
                contribution = term.weight * factor * _repetition(count)
                score += contribution
                shown = surface if surface.startswith('"') else f'"{surface}"'
                reason = f"{place}: {shown}" + (f" x{count}" if count > 1 else "")
                if term.weight < 0:
                    reason += " (against)"
                reasons.append((contribution, reason))
            if score >= self._thresholds[ti] and score > 0:
                reasons.sort(key=lambda r: (r[0] < 0, not r[1].startswith("title"), -abs(r[0])))
                results.append(
                    TopicMatch(self.topics[ti].id, round(score, 2), [r for _c, r in reasons])
                )
        order = {t.id: n for n, t in enumerate(self.topics)}
        results.sort(key=lambda m: (-m.score, order[m.topic_id]))
        return results


# ---- JSON lines --------------------------------------------------------------------------


def classify_json_lines(
    lines: Iterable[str], classifier: Classifier
) -> Iterator[tuple[str | None, str | None]]:
    """Classify JSON objects, one per line: yields (output line, None) or (None, error).

    The output is the input object with "topics" and "reasons" added. A bad line yields an
    error naming its 1-based number and does not stop the others; blank lines are skipped.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield None, f"line {number}: not a JSON object ({exc})"
            continue
        if not isinstance(obj, dict):
            yield None, f"line {number}: not a JSON object (got {type(obj).__name__})"
            continue
        fields = {}
        bad = None
        for key in ("title", "body", "language"):
            value = obj.get(key, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                bad = f"line {number}: {key!r} must be a string, not {type(value).__name__}"
                break
            fields[key] = value
        if bad:
            yield None, bad
            continue
        matches = classifier.classify(fields["title"], fields["body"], fields["language"])
        obj["topics"] = [m.topic_id for m in matches]
        obj["reasons"] = {m.topic_id: m.reasons for m in matches}
        yield json.dumps(obj, ensure_ascii=False), None
