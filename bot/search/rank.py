"""Answering a query from the postings: BM25 over quantised impacts, AND by intersection.

Only the idf is applied at query time, so scoring is done in C
(`dict(zip(docs, map(w.__mul__, impacts)))`) and AND is a dict-keys intersection, smallest
group first; a small candidate set probes a large posting list by binary search instead.
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice, product

import numpy as np

from bot.models import Item, Span
from bot.search.frozen import Column
from bot.search.keys import query_keys
from bot.search.postings import Postings
from bot.search.query import MAX_LIMIT, ParsedQuery, parse_query
from bot.search.slots import Ids, Slots
from bot.search.snippet import item_snippet, query_key_set, snippet
from bot.text import LANGUAGES

_CACHE_TERMS = 6  # expanded postings of common terms kept between queries (~5 MB each)
_CACHE_MIN_DF = 5000


@dataclass
class Hit:
    item_id: str
    score: float
    snippet: list[Span]


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    query: ParsedQuery
    error: str | None = None


def idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


class Ranking:
    """The search half of `SearchIndex` (which holds the data declared here)."""

    _get_item: Callable[[str], Item | None] | None
    _vocab: dict[str, int]
    _postings: Postings
    _ids: Ids
    _slot: Slots
    _tokens: Column
    _titles: Column
    _langs: bytearray
    _published: array
    _local_day: array
    _stop_tids: frozenset[int]
    _dict_cache: dict[int, dict[int, int]]

    def _word_group(self, word: str) -> list[int]:
        """Term ids a query word may be indexed under (present in the index)."""
        vocab = self._vocab
        return [tid for key in dict.fromkeys(query_keys(word))
                if (tid := vocab.get(key)) is not None and self._postings.df(tid)]

    def _group_scores(self, tids: list[int], weighted: bool) -> dict[int, float]:
        """slot -> idf-weighted impact for one query word (best of its keys)."""
        n = max(len(self._slot), 1)
        scores: dict[int, float] | None = None
        for tid in tids:
            docs, imps = self._postings.get(tid)
            w = idf(self._postings.df(tid), n) / 255.0 if weighted else 0.0
            part = dict(zip(docs, map(w.__mul__, imps), strict=True))
            if scores is None:
                scores = part
            else:
                for slot in part.keys() & scores.keys():
                    part[slot] = max(part[slot], scores[slot])
                scores.update(part)
        return scores or {}

    def _impact_dict(self, tid: int) -> dict[int, int]:
        """slot -> impact of one term. Common terms' dicts are kept (a few, until the index
        changes): words like "customs" recur in many queries and cost most to expand."""
        cached = self._dict_cache.get(tid)
        if cached is not None:
            return cached
        part = dict(zip(*self._postings.get(tid), strict=True))
        if len(part) >= _CACHE_MIN_DF:
            if len(self._dict_cache) >= _CACHE_TERMS:
                del self._dict_cache[next(iter(self._dict_cache))]  # oldest first
            self._dict_cache[tid] = part
        return part

    def _probe(self, acc: dict[int, float], tids: list[int], weighted: bool) -> dict[int, float]:
        """AND `acc` with a large group by binary search, cheaper than building its dict."""
        n = max(len(self._slot), 1)
        parts = [(*self._postings.get(t),
                  idf(self._postings.df(t), n) / 255.0 if weighted else 0.0) for t in tids]
        out: dict[int, float] = {}
        for slot, score in acc.items():
            best = -1.0
            for docs, imps, w in parts:
                i = bisect_left(docs, slot)
                if i < len(docs) and docs[i] == slot:
                    best = max(best, w * imps[i])
            if best >= 0.0:
                out[slot] = score + best
        return out

    def _and(self, groups: list[tuple[list[int], bool]]) -> dict[int, float]:
        """Intersect groups (term ids, weighted?) and sum their scores, smallest group first."""
        df = self._postings.df
        sized = sorted(groups, key=lambda g: sum(df(t) for t in g[0]))
        acc: dict[int, float] | None = None
        for tids, weighted in sized:
            if not tids:
                return {}
            if acc is None:
                acc = self._group_scores(tids, weighted)
                continue
            if not acc:
                return acc
            size = sum(df(t) for t in tids)
            if len(acc) * 16 < size:
                acc = self._probe(acc, tids, weighted)
            elif not weighted and len(tids) == 1:  # a filter: membership only
                acc = {slot: acc[slot] for slot in acc.keys() & self._postings.get(tids[0])[0]}
            elif len(tids) == 1:  # raw impacts, weighted only on the intersection
                tid = tids[0]
                w = idf(df(tid), max(len(self._slot), 1)) / 255.0
                impacts = self._impact_dict(tid)
                acc = {slot: acc[slot] + w * impacts[slot]
                       for slot in acc.keys() & impacts.keys()}
            else:
                part = self._group_scores(tids, weighted)
                acc = {slot: acc[slot] + part[slot] for slot in acc.keys() & part.keys()}
        return acc if acc is not None else {}

    def _is_stop(self, word: str) -> bool:
        """A word indexed only as a stop word (no postings; phrases still see it)."""
        tids = [t for k in query_keys(word) if (t := self._vocab.get(k)) is not None]
        return bool(tids) and all(t in self._stop_tids for t in tids)

    def _phrase_patterns(self, phrase: list[str]) -> list[bytes]:
        """Packed token-id sequences a phrase may appear as (one key choice per word)."""
        choices = []
        for word in phrase:
            tids = [t for k in dict.fromkeys(query_keys(word))
                    if (t := self._vocab.get(k)) is not None]
            if not tids:
                return []
            choices.append(tids)
        patterns = []
        for combo in islice(product(*choices), 64):
            patterns.append(array("I", combo).tobytes())
        return patterns

    def _has_phrase(self, slot: int, patterns: list[bytes]) -> bool:
        tokens = self._tokens[slot]
        for pattern in patterns:
            i = tokens.find(pattern)
            while i >= 0:
                if i % 4 == 0:
                    return True
                i = tokens.find(pattern, i + 1)
        return False

    def _filter_groups(self, pq: ParsedQuery) -> list[tuple[list[int], bool]] | None:
        """Topic and language filters as unweighted groups; None when one cannot match."""
        groups: list[tuple[list[int], bool]] = []
        for topic in pq.topics:
            tid = self._vocab.get("\x00topic:" + topic)
            if tid is None or not self._postings.df(tid):
                return None
            groups.append(([tid], False))
        if pq.langs:
            tids = [t for lang in pq.langs
                    if (t := self._vocab.get("\x00lang:" + lang)) is not None
                    and self._postings.df(t)]
            if not tids:
                return None
            groups.append((tids, False))
        return groups

    def _restrict(self, acc: dict[int, float], pq: ParsedQuery) -> dict[int, float]:
        """Apply dates, exclusions and phrases to candidate slots (and leave out releases
        removed since the snapshot, still in its postings)."""
        if not acc:
            return acc
        dead = self._postings.dead
        if dead:
            acc = {s: v for s, v in acc.items() if s not in dead}
        if pq.since or pq.until:
            lo = pq.since.toordinal() if pq.since else 0
            hi = pq.until.toordinal() if pq.until else 1 << 31
            day = self._local_day
            acc = {s: v for s, v in acc.items() if lo <= day[s] <= hi}
        for word in pq.excluded:
            for tid in self._word_group(word):
                for slot in acc.keys() & self._postings.get(tid)[0]:
                    del acc[slot]
        for topic in pq.excluded_topics:
            topic_tid = self._vocab.get("\x00topic:" + topic)
            if topic_tid is not None:
                for slot in acc.keys() & self._postings.get(topic_tid)[0]:
                    del acc[slot]
        for phrase in pq.excluded_phrases:
            patterns = self._phrase_patterns(phrase)
            if patterns:
                acc = {s: v for s, v in acc.items() if not self._has_phrase(s, patterns)}
        for phrase in pq.phrases:
            patterns = self._phrase_patterns(phrase)
            acc = {s: v for s, v in acc.items() if self._has_phrase(s, patterns)}
        return acc

    def _most_words(
        self, pq: ParsedQuery, filters: list[tuple[list[int], bool]]
    ) -> tuple[dict[int, float], int]:
        """Fallback when no release has every word: releases with the most words (>= 1)."""
        phrase_words = {w for p in pq.phrases for w in p}
        required = [(self._word_group(w), True) for w in phrase_words
                    if not self._is_stop(w)] + filters
        base = self._and(required) if required else None
        if base is not None:
            base = self._restrict(base, pq)
            if not base:
                return {}, 0
        totals: dict[int, float] = dict(base) if base is not None else {}
        counts: Counter[int] = Counter()
        for word in pq.terms:
            if word in phrase_words:
                continue
            part = self._group_scores(self._word_group(word), True)
            if base is not None:
                part = {s: part[s] for s in part.keys() & base.keys()}
            counts.update(part.keys())
            for slot, score in part.items():
                totals[slot] = totals.get(slot, 0.0) + score
        if not counts:
            return {}, 0
        acc = {s: totals[s] for s in counts}
        acc = self._restrict(acc, pq) if base is None else acc
        if not acc:
            return {}, 0
        best = max(counts[s] for s in acc)
        return {s: v for s, v in acc.items() if counts[s] == best}, best

    def _rank(self, acc: dict[int, float], want: int) -> list[int]:
        """The `want` best slots: score descending, then newest first."""
        if want <= 0 or not acc:
            return []
        published = self._published
        if len(acc) > 4 * want + 64:
            threshold = heapq.nlargest(want, acc.values())[-1] - 1e-9
            acc = {s: v for s, v in acc.items() if v >= threshold}
        ranked = sorted(acc, key=lambda s: (-round(acc[s], 9), -published[s]))
        return ranked[:want]

    def search(self, query: str, limit: int = 5, offset: int = 0) -> SearchResult:
        pq = parse_query(query)
        if pq.error:
            return SearchResult(hits=[], total=0, query=pq, error=pq.error)
        limit = max(0, min(int(limit), MAX_LIMIT))
        offset = max(0, int(offset))
        filters = self._filter_groups(pq)
        if filters is None:
            return SearchResult(hits=[], total=0, query=pq)
        phrase_words = {w for p in pq.phrases for w in p}
        word_groups = [(self._word_group(w), True) for w in pq.positive_words
                       if not (w in phrase_words and self._is_stop(w))]
        groups = word_groups + filters
        plain = not (pq.since or pq.until or pq.excluded or pq.excluded_topics
                     or pq.excluded_phrases or pq.phrases)
        if plain and len(groups) == 1 and groups[0][1] and len(groups[0][0]) == 1:
            return self._single_term(groups[0][0][0], pq, limit, offset)
        if groups:
            acc = self._restrict(self._and(groups), pq)
        else:  # only dates: every release in the range, newest first
            acc = self._restrict(dict.fromkeys(self._slot.values(), 0.0), pq)
        if not acc and len(pq.terms) > 1:
            acc, matched = self._most_words(pq, filters)
            if acc:
                words_total = len(pq.terms)
                pq.warnings.append(
                    f"no release has all {words_total} words; showing releases with "
                    f"{matched} of them")
        ranked = self._rank(acc, offset + limit)[offset:]
        hits = [Hit(item_id=self._ids[s] or "", score=round(acc[s], 4),
                    snippet=self._hit_snippet(s, pq)) for s in ranked]
        return SearchResult(hits=hits, total=len(acc), query=pq)

    def _single_term(self, tid: int, pq: ParsedQuery, limit: int, offset: int) -> SearchResult:
        """One word, no other conditions: the best impacts are found without scoring every
        posting (a common word can be in most releases)."""
        found, impacts = self._postings.get(tid)
        w = idf(self._postings.df(tid), max(len(self._slot), 1)) / 255.0
        docs = np.frombuffer(found, np.uint32)
        imps = np.frombuffer(impacts, np.uint8)
        if self._postings.dead:
            alive = ~np.isin(docs, self._postings.dead_array())
            docs, imps = docs[alive], imps[alive]
        want = offset + limit
        acc: dict[int, float] = {}
        if want and docs.size:
            k = min(want, imps.size)
            threshold = np.partition(imps, imps.size - k)[imps.size - k]
            best = np.flatnonzero(imps >= threshold)
            acc = dict(zip(docs[best].tolist(), (w * imps[best]).tolist(), strict=True))
        ranked = self._rank(acc, want)[offset:]
        hits = [Hit(item_id=self._ids[s] or "", score=round(acc[s], 4),
                    snippet=self._hit_snippet(s, pq)) for s in ranked]
        return SearchResult(hits=hits, total=int(docs.size), query=pq)

    # -- snippets -------------------------------------------------------------------------

    def _hit_snippet(self, slot: int, pq: ParsedQuery) -> list[Span]:
        item_id = self._ids[slot]
        if self._get_item is not None and item_id is not None:
            try:
                item = self._get_item(item_id)
            except Exception:  # a store hiccup must not break the whole result page
                item = None
            if item is not None:
                return item_snippet(item, pq)
        lang = LANGUAGES[self._langs[slot]]
        title = self._titles[slot].decode(errors="surrogatepass")
        return snippet(title, lang, query_key_set(pq), 160)

    def snippet(self, item: Item, query: ParsedQuery, width: int = 160) -> list[Span]:
        """~`width` characters of the body around its best match, matched words as marks."""
        return item_snippet(item, query, width)
