"""Synthetic releases and queries for the search benchmark, grown from the 90 dev releases.

Each synthetic release takes the title of a random dev release (its language and topics too)
and a body of 3-8 sentences drawn from releases of the same language. Numbers are replaced
by random ones, and about a third of the capitalised words by invented names (a pool of
20,000 per script), so the vocabulary has a long tail like a real archive. Publication dates
are spread uniformly over 2015-2026. Everything is seeded: the same corpus every run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from benchmarks.search_data import RELEASES, read_jsonl
from bot.models import Item
from bot.search.keys import STOP_WORDS
from bot.text import strip_html, words

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# numbers, and capitalised words not at the start of the text (names, mostly)
_SLOT = re.compile(r"(\d+)|(?<=\s)([A-ZÀ-ÞƏİÖÜÇŞĞА-ЯЁ][\w-]{3,})")
_LATIN_SYLLABLES = ("ba", "ka", "ra", "li", "mo", "sa", "te", "vi", "zu", "no", "qa", "ər",
                    "şə", "gü", "dö", "xa", "ye", "ni", "lo", "ma", "ti", "han", "bek", "dar")
_CYRILLIC_SYLLABLES = ("ба", "ка", "ра", "ли", "мо", "са", "те", "ви", "зу", "но", "ха", "ер",
                       "ше", "гу", "до", "ма", "ти", "хан", "бек", "дар", "ов", "ев")
START = datetime(2015, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(2026, 12, 31, tzinfo=UTC) - START).total_seconds())


def _names(rng: random.Random, syllables: tuple[str, ...], count: int) -> list[str]:
    out: set[str] = set()
    while len(out) < count:
        name = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        out.add(name[0].upper() + name[1:])
    return sorted(out)


class Corpus:
    def __init__(self, seed: int = 20240601) -> None:
        self.rng = random.Random(seed)
        self.releases = read_jsonl(RELEASES)
        self.by_lang: dict[str, list[dict]] = {}
        self.sentences: dict[str, list[str]] = {}
        for rel in self.releases:
            lang = rel["language"]
            self.by_lang.setdefault(lang, []).append(rel)
            body = " ".join(strip_html(rel["body"]).split())
            self.sentences.setdefault(lang, []).extend(
                s for s in _SENTENCE_END.split(body) if len(s) > 20)
        self._templates: dict[str, list[str | tuple[str, int]]] = {}
        self.names = {
            "latin": _names(self.rng, _LATIN_SYLLABLES, 20_000),
            "cyrillic": _names(self.rng, _CYRILLIC_SYLLABLES, 20_000),
        }

    def _template(self, text: str) -> list[str | tuple[str, int]]:
        """`text` split once into literal runs, ("n", digits) numbers and ("c", 0) names."""
        parts: list[str | tuple[str, int]] = []
        pos = 0
        for m in _SLOT.finditer(text):
            parts.append(text[pos:m.start()])
            if m.group(1):
                digits = m.group(1)
                year = len(digits) == 4 and digits[:2] in ("19", "20")
                parts.append(("y", 0) if year else ("n", len(digits)))
            else:
                parts.append(("c", 0))
                parts.append(m.group(2))  # kept when the name is not replaced
            pos = m.end()
        parts.append(text[pos:])
        return parts

    def _vary(self, text: str, lang: str) -> str:
        template = self._templates.get(text)
        if template is None:
            template = self._templates[text] = self._template(text)
        rng = self.rng
        pool = self.names["cyrillic" if lang == "ru" else "latin"]
        out: list[str] = []
        skip = False
        for part in template:
            if skip:
                skip = False
                continue
            if isinstance(part, str):
                out.append(part)
            elif part[0] == "y":
                out.append(str(rng.randint(2015, 2026)))
            elif part[0] == "n":
                out.append(str(rng.randint(1, 10 ** part[1])))
            elif rng.random() < 0.33:  # a name: replaced by an invented one, or kept
                out.append(rng.choice(pool))
                skip = True
        return "".join(out)

    def items(self, count: int) -> Iterator[Item]:
        rng = self.rng
        for n in range(count):
            base = rng.choice(self.releases)
            lang = base["language"]
            sentences = rng.sample(self.sentences[lang], rng.randint(3, 8))
            body = "<p>" + "</p><p>".join(self._vary(s, lang) for s in sentences) + "</p>"
            published = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
            yield Item(
                id=f"syn-{n:06d}", feed_id="synthetic", url=f"https://example.invalid/{n}",
                title=self._vary(" " + base["title"], lang).strip(), body=body,
                published=published, language=lang, topics=list(base["topics"]),
                tz_offset_minutes=240,
            )

    def queries(self, items: list[Item], count: int) -> list[str]:
        """1-4 words each: mostly words of one release (so most queries have answers), some
        words drawn from the whole vocabulary, and a few with phrases or filters."""
        rng = random.Random(7)
        vocab: dict[str, list[str]] = {}
        for item in items[:5000]:
            vocab.setdefault(item.language, []).extend(
                w for w in words(strip_html(item.body)) if _content(w))
        distinct = {lang: sorted(set(ws)) for lang, ws in vocab.items()}
        out: list[str] = []
        while len(out) < count:
            item = rng.choice(items)
            all_words = words(item.title + " " + strip_html(item.body))
            ws = [w for w in all_words if _content(w)]
            if not ws:
                continue
            k = rng.randint(1, 4)
            kind = rng.random()
            if kind < 0.6:
                query = " ".join(rng.sample(ws, min(k, len(ws))))
            elif kind < 0.8:
                query = " ".join(rng.choice(distinct[item.language]) for _ in range(k))
            elif kind < 0.9:
                pairs = [all_words[i:i + 2] for i in range(len(all_words) - 1)
                         if _content(all_words[i]) and _content(all_words[i + 1])]
                if not pairs:
                    continue
                query = '"' + " ".join(rng.choice(pairs)) + '"'
            else:
                query = " ".join(rng.sample(ws, min(k, len(ws)))) + f" lang:{item.language}"
                if item.topics:
                    query += f" topic:{rng.choice(item.topics)}"
            out.append(query)
        return out


def _content(word: str) -> bool:
    return len(word) > 2 and word not in STOP_WORDS and not word.isdigit()
