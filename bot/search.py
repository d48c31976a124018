"""Full-text search over the stored releases: an in-memory inverted index with BM25 ranking.

Pure: no file, network or environment access. The index is built once at start-up
(`add_many` over the store) and kept current with `add`/`remove` as releases arrive.

Layout, chosen so that 100,000 releases fit in well under 300 MB and a query costs
milliseconds in pure Python:

- every index key (a stem, see `bot.search_text`) has a term id; per term id the index keeps
  the internal numbers ("slots") of the releases containing it (`array('I')`, ascending,
  because slots only grow) and a parallel `bytearray` of quantised BM25 *impacts* (the
  saturated, length-normalised term frequency, 1..255). Only the idf is applied at query
  time, so scoring is done in C (`dict(zip(docs, map(w.__mul__, impacts)))`) and AND is a
  dict-keys intersection. Titles are boosted by repetition: a title word counts as
  TITLE_REPEAT body words (and saturates like them).
- stop words keep their place in each release's token sequence (phrases) but get no
  postings; topics and language are pseudo-terms, so filters intersect like words.
- per release: its token ids as packed bytes (phrases, removal), publication time, local
  date, language, topics and title. Bodies are not kept: snippets fetch the few releases on
  the page through `get_item`.

Impacts use the average length at the time a release is indexed (per `add_many` chunk), so
they drift a little from textbook BM25 as the archive grows; that spares any rebuild.
"""

from __future__ import annotations

import heapq
import math
import pickle
import re
from array import array
from bisect import bisect_left
from collections import Counter, _count_elements  # type: ignore[attr-defined]
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from itertools import chain, islice, product, repeat

from bot.models import Item, Span
from bot.search_text import (
    STOP_WORDS,
    doc_key,
    guess_language,
    query_keys,
    stemmer_backend,
    stop_keys,
    strip_html,
    word_spans,
    words,
)

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 20
MAX_LIMIT = 100
LANGUAGES = ("en", "az", "ru")

NOTHING_TO_SEARCH = "nothing to search for: type some words, see /help search"

SEARCH_HELP = """\
Search all releases: /search words

  customs revenue        releases with all the words (any form: parcel, parcels)
  "Policy Commission"    an exact phrase
  heroin -Iran           leave out releases with a word
  topic:demining         only releases of a topic (topic:smuggling, topic:trade ...)
  lang:az                only one language: en, az or ru
  since:2022-06-01       published on or after a date (also since:2022 or since:2022-06)
  until:2023-01-31       published on or before a date (also until:2023 or until:2023-01)

Combine them: mines topic:demining since:2023 lang:en
Words match in any of English, Azerbaijani and Russian, whatever their ending
(mina finds minalardan, разминирование finds разминированию). Capitals, and ə/e, ı/i,
ö/o, ü/u, ç/c, ş/s, ğ/g in Azerbaijani words, do not matter. Very common words (the, and,
və, и) are skipped unless quoted. When no release has all the words, the releases with most
of them are shown instead. Best matches first; equally good ones newest first.
At most 200 characters and 20 words per search."""

# BM25 over the body plus the title repeated TITLE_REPEAT times (a field boost by
# repetition: a title word counts as three body words, saturating like any other)
K1 = 1.2
B = 0.75
TITLE_REPEAT = 3
_TF_CAP = 32  # term frequencies above this get the saturated impact 255

_SEPARATOR = 0  # token id between title and body, so a phrase cannot span them
_CACHE_TERMS = 6  # expanded postings of common terms kept between queries (~5 MB each)
_CACHE_MIN_DF = 5000
_CHUNK = 2000  # add_many: releases tokenised before their impacts are computed
# a snapshot is only read back by the code that wrote it: bump when the fields change
_SNAPSHOT_FORMAT = "search-index/1"
_SNAPSHOT_FIELDS = (
    "_vocab", "_docs", "_imps", "_word_tid", "_ids", "_slot", "_tokens", "_titles", "_langs",
    "_topics", "_published", "_local_day", "_length", "_sum_length", "_interned_topics",
    "_stop_tids",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_QUOTES = str.maketrans({c: '"' for c in "“”„«»‟″"})
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_OPERATOR = re.compile(r"([A-Za-z]+):(.*)", re.S)
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_LANG_ALIASES = {
    "en": "en", "eng": "en", "english": "en",
    "az": "az", "aze": "az", "azerbaijani": "az", "azərbaycan": "az",
    "ru": "ru", "rus": "ru", "russian": "ru", "русский": "ru",
}


@dataclass
class ParsedQuery:
    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    langs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    excluded_phrases: list[list[str]] = field(default_factory=list)
    excluded_topics: list[str] = field(default_factory=list)
    error: str | None = None  # set when the query has nothing usable

    @property
    def positive_words(self) -> list[str]:
        """Every word a release must contain (plain terms and phrase words), deduplicated."""
        seen: dict[str, None] = dict.fromkeys(self.terms)
        for phrase in self.phrases:
            seen.update(dict.fromkeys(phrase))
        return list(seen)


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


# ---- query parsing -----------------------------------------------------------------------


def _parse_date(value: str, end: bool) -> date | None:
    """YYYY, YYYY-MM or YYYY-MM-DD; `end` picks the last day of a year or month."""
    m = _DATE.fullmatch(value.strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            first = date(year, int(month), 1)
            if not end:
                return first
            nxt = date(year + (first.month == 12), first.month % 12 + 1, 1)
            return nxt - timedelta(days=1)
        return date(year, int(month), int(day))
    except ValueError:
        return None


def parse_query(text: str) -> ParsedQuery:
    """Parse the `/search` syntax (see SEARCH_HELP). Never raises; problems become warnings."""
    pq = ParsedQuery()
    if not isinstance(text, str):
        text = ""
    if len(text) > MAX_QUERY_CHARS:
        pq.warnings.append(f"the search was cut to its first {MAX_QUERY_CHARS} characters")
        text = text[:MAX_QUERY_CHARS]
    text = _CONTROL.sub(" ", text).translate(_QUOTES)

    budget = MAX_QUERY_TERMS
    dropped = 0

    def take(ws: list[str]) -> list[str]:
        nonlocal budget, dropped
        kept = ws[: max(budget, 0)]
        dropped += len(ws) - len(kept)
        budget -= len(kept)
        return kept

    for m in _QUERY_TOKEN.finditer(text):
        neg, quoted, token = m.group(1) == "-", m.group(2), m.group(3)
        if quoted is not None:
            ws = take(words(quoted))
            if not ws:
                continue
            if len(ws) == 1:
                (pq.excluded if neg else pq.terms).append(ws[0])
            else:
                (pq.excluded_phrases if neg else pq.phrases).append(ws)
            continue
        if token.startswith("-") and len(token) > 1:
            neg, token = True, token[1:]
        op = _OPERATOR.fullmatch(token)
        if op and _apply_operator(pq, op.group(1).lower(), op.group(2), neg):
            continue
        ws = take(words(token))
        (pq.excluded if neg else pq.terms).extend(ws)

    if dropped:
        pq.warnings.append(f"only the first {MAX_QUERY_TERMS} words were used")
    pq.terms = list(dict.fromkeys(pq.terms))
    pq.excluded = list(dict.fromkeys(pq.excluded))
    # very common words only narrow the search when nothing else is asked for
    content = [t for t in pq.terms if t not in STOP_WORDS]
    if content or pq.phrases:
        pq.terms = content
    if pq.since and pq.until and pq.since > pq.until:
        pq.warnings.append("since: is after until:, so they were swapped")
        pq.since, pq.until = pq.until, pq.since
    if not (pq.terms or pq.phrases or pq.topics or pq.langs or pq.since or pq.until):
        pq.error = NOTHING_TO_SEARCH
    return pq


def _apply_operator(pq: ParsedQuery, op: str, value: str, neg: bool) -> bool:
    """Handle `op:value`; False when `op` is not an operator (the token is then just words)."""
    value = value.strip().strip("\"'").strip()
    if op == "topic":
        topic = value.casefold()
        if not topic:
            pq.warnings.append("topic: needs a topic id, e.g. topic:demining")
        elif neg:
            pq.excluded_topics.append(topic)
        elif topic not in pq.topics:
            pq.topics.append(topic)
        return True
    if op in ("lang", "language"):
        lang = _LANG_ALIASES.get(value.casefold())
        if lang is None:
            pq.warnings.append(f"lang: accepts en, az or ru, not {value[:20]!r}")
        elif neg:
            pq.warnings.append("-lang: is not supported; use lang: with the languages you want")
        elif lang not in pq.langs:
            pq.langs.append(lang)
        return True
    if op in ("since", "until", "from", "to"):
        end = op in ("until", "to")
        name = "until" if end else "since"
        day = _parse_date(value, end)
        if day is None:
            pq.warnings.append(f"{name}: expects YYYY, YYYY-MM or YYYY-MM-DD, not {value[:20]!r}")
        elif end:
            pq.until = day
        else:
            pq.since = day
        return True
    return False


# ---- the index ---------------------------------------------------------------------------


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_array_append = array.append
_bytearray_append = bytearray.append


def _idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _snapshot_format() -> str:
    # the stems depend on the stemmer implementation (C PyStemmer or pure Python)
    return f"{_SNAPSHOT_FORMAT}/{stemmer_backend()}"


def _clean(text: str) -> str:
    return strip_html(text or "")


class SearchIndex:
    def __init__(self, get_item: Callable[[str], Item | None] | None = None) -> None:
        self._get_item = get_item
        # term id -> key, postings (ascending internal numbers) and their impacts
        self._vocab: dict[str, int] = {"": _SEPARATOR}
        self._docs: list[array] = [array("I")]
        self._imps: list[bytearray] = [bytearray()]
        # surface word -> term id, per tokenisation mode ("az" or other), to skip stemming
        self._word_tid: dict[str, dict[str, int]] = {"az": {}, "en": {}}
        # per internal number (slot); slots of removed releases are emptied, never reused
        self._ids: list[str | None] = []
        self._slot: dict[str, int] = {}
        self._tokens: list[bytes] = []
        self._titles: list[str] = []
        self._langs = bytearray()
        self._topics: list[tuple[str, ...]] = []
        self._published = array("q")  # epoch seconds, recency tie-break
        self._local_day = array("I")  # date ordinal in the source's time zone, since:/until:
        self._length = array("I")  # BM25 length: body words + TITLE_REPEAT * title words
        self._sum_length = 0
        self._interned_topics: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._dict_cache: dict[int, dict[int, int]] = {}  # see _impact_dict
        # stop words stay in the token sequences (phrases) but get no postings
        self._stop_tids = frozenset(self._tid(key) for key in stop_keys())

    # -- maintenance ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._slot

    def add(self, item: Item) -> None:
        """Index one release; an id already indexed is replaced (its old text is forgotten)."""
        self._index_chunk([item])

    def add_many(self, items: Iterable[Item]) -> None:
        it = iter(items)
        while chunk := list(islice(it, _CHUNK)):
            self._index_chunk(chunk)

    def remove(self, item_id: str) -> None:
        slot = self._slot.pop(item_id, None)
        if slot is None:
            return
        self._dict_cache.clear()
        tids = set(array("I", self._tokens[slot]))
        tids.discard(_SEPARATOR)
        tids.update(self._pseudo_tids(self._langs[slot], self._topics[slot]))
        for tid in tids:
            docs = self._docs[tid]
            i = bisect_left(docs, slot)
            if i < len(docs) and docs[i] == slot:
                del docs[i]
                del self._imps[tid][i]
        self._sum_length -= self._length[slot]
        self._ids[slot] = None
        self._tokens[slot] = b""
        self._titles[slot] = ""
        self._topics[slot] = ()

    # -- snapshots -------------------------------------------------------------------------

    def to_snapshot(self, meta: dict[str, object]) -> bytes:
        """The whole index as bytes (with `meta`, e.g. the store position it covers), so a
        restart loads it in about a second instead of tokenising the archive again."""
        state = {name: getattr(self, name) for name in _SNAPSHOT_FIELDS}
        return pickle.dumps({"format": _snapshot_format(), "meta": meta, "state": state},
                            protocol=pickle.HIGHEST_PROTOCOL)

    def load_snapshot(self, data: bytes) -> dict[str, object] | None:
        """Replace this index's content with a snapshot; its meta, or None (and nothing
        changed) if the bytes are not a snapshot this code wrote. Only ever given files from
        the bot's own data directory: pickle must not read untrusted bytes."""
        try:
            blob = pickle.loads(data)
        except Exception:
            return None
        if not isinstance(blob, dict) or blob.get("format") != _snapshot_format():
            return None
        for name in _SNAPSHOT_FIELDS:
            setattr(self, name, blob["state"][name])
        self._dict_cache = {}
        return dict(blob["meta"])

    def _tid(self, key: str) -> int:
        tid = self._vocab.get(key)
        if tid is None:
            tid = self._vocab[key] = len(self._docs)
            self._docs.append(array("I"))
            self._imps.append(bytearray())
        return tid

    def _chunk_word_tids(
        self, words_by_mode: dict[str, list[list[str]]]
    ) -> dict[str, dict[str, int]]:
        """word -> term id for every distinct word of a chunk, per mode ("az" or "en").

        Looking each distinct word up once per chunk (rather than once per release) keeps the
        big memo's cache misses and the stemmer calls off the per-token path.
        """
        out: dict[str, dict[str, int]] = {}
        for mode, lists in words_by_mode.items():
            cache = self._word_tid[mode]
            if len(cache) > 500_000:  # bound the memo on a very large vocabulary
                cache.clear()
            distinct = dict.fromkeys(chain.from_iterable(lists))
            mapping = dict(zip(distinct, map(cache.get, distinct, repeat(0)), strict=True))
            for word, tid in mapping.items():
                if not tid:
                    mapping[word] = cache[word] = self._tid(doc_key(word, mode))
            out[mode] = mapping
        return out

    def _pseudo_tids(self, lang_code: int, topics: tuple[str, ...]) -> list[int]:
        tids = [self._tid("\x00lang:" + LANGUAGES[lang_code])]
        tids.extend(self._tid("\x00topic:" + t) for t in topics)
        return tids

    def _index_chunk(self, items: list[Item]) -> None:
        """Index releases. Only C-level work touches individual tokens and postings
        (findall, map, dict counting, array appends driven by map); Python code runs per
        release and per distinct word of the chunk. Slots only grow, so postings stay sorted.
        """
        self._dict_cache.clear()
        latest = {item.id: i for i, item in enumerate(items)}  # same id twice: last wins
        prepared = []
        words_by_mode: dict[str, list[list[str]]] = {"en": [], "az": []}
        for i, item in enumerate(items):
            if latest[item.id] != i:
                continue
            if item.id in self._slot:
                self.remove(item.id)
            title, body = _clean(item.title), _clean(item.body)
            lang = item.language if item.language in LANGUAGES else guess_language(title + body)
            title_words, body_words = words(title), words(body)
            mode_lists = words_by_mode["az" if lang == "az" else "en"]
            mode_lists.append(title_words)
            mode_lists.append(body_words)
            prepared.append((item, lang, title, title_words, body_words))
        mappings = self._chunk_word_tids(words_by_mode)
        rows = []
        for item, lang, title, title_words, body_words in prepared:
            get = mappings["az" if lang == "az" else "en"].__getitem__
            title_tids, body_tids = list(map(get, title_words)), list(map(get, body_words))
            length = len(body_tids) + TITLE_REPEAT * len(title_tids)
            self._sum_length += length
            rows.append((item, lang, title, title_tids, body_tids, length))
        avg = max(self._sum_length / max(len(self._slot) + len(rows), 1), 1.0)
        tables: dict[int, dict[int, int]] = {}  # length -> impact by term frequency
        docs_of, imps_of, stop = self._docs.__getitem__, self._imps.__getitem__, self._stop_tids
        for item, lang, title, title_tids, body_tids, length in rows:
            slot, pseudo = self._store(item, lang, title, title_tids, body_tids, length)
            counts: dict[int, int] = {}
            _count_elements(counts, body_tids)
            for _ in range(TITLE_REPEAT):
                _count_elements(counts, title_tids)
            for tid in counts.keys() & stop:
                del counts[tid]
            table = tables.get(length)
            if table is None:
                norm = K1 * (1.0 - B + B * length / avg)
                table = tables[length] = {
                    tf: 1 + int(254.0 * tf / (norm + tf)) for tf in range(1, _TF_CAP)}
            # append to each term's postings without a bytecode loop: map() drives the
            # C-level appends and any() drains it (append returns None)
            any(map(_array_append, map(docs_of, counts), repeat(slot)))
            any(map(_bytearray_append, map(imps_of, counts),
                    map(table.get, counts.values(), repeat(255))))
            any(map(_array_append, map(docs_of, pseudo), repeat(slot)))
            any(map(_bytearray_append, map(imps_of, pseudo), repeat(0)))

    def _store(
        self, item: Item, lang: str, title: str, title_tids: list[int], body_tids: list[int],
        length: int,
    ) -> tuple[int, list[int]]:
        """Record a release's own data; return its slot and its filter pseudo-term ids."""
        slot = len(self._ids)
        self._ids.append(item.id)
        self._slot[item.id] = slot
        tokens = array("I", title_tids)
        tokens.append(_SEPARATOR)
        tokens.extend(body_tids)
        self._tokens.append(tokens.tobytes())
        self._titles.append(title)
        lang_code = LANGUAGES.index(lang)
        self._langs.append(lang_code)
        topics = tuple(item.topics or ())
        topics = self._interned_topics.setdefault(topics, topics)
        self._topics.append(topics)
        published = item.published
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        seconds = int(published.timestamp())
        self._published.append(seconds)
        local = seconds + 60 * (item.tz_offset_minutes or 0)
        self._local_day.append(local // 86400 + _EPOCH_ORDINAL)
        self._length.append(length)
        return slot, self._pseudo_tids(lang_code, topics)

    # -- searching ------------------------------------------------------------------------

    def _word_group(self, word: str) -> list[int]:
        """Term ids a query word may be indexed under (present in the index)."""
        vocab = self._vocab
        return [tid for key in dict.fromkeys(query_keys(word))
                if (tid := vocab.get(key)) is not None and self._docs[tid]]

    def _group_scores(self, tids: list[int], weighted: bool) -> dict[int, float]:
        """slot -> idf-weighted impact for one query word (best of its keys)."""
        n = max(len(self._slot), 1)
        scores: dict[int, float] | None = None
        for tid in tids:
            docs = self._docs[tid]
            w = _idf(len(docs), n) / 255.0 if weighted else 0.0
            part = dict(zip(docs, map(w.__mul__, self._imps[tid]), strict=True))
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
        part = dict(zip(self._docs[tid], self._imps[tid], strict=True))
        if len(part) >= _CACHE_MIN_DF:
            if len(self._dict_cache) >= _CACHE_TERMS:
                del self._dict_cache[next(iter(self._dict_cache))]  # oldest first
            self._dict_cache[tid] = part
        return part

    def _probe(self, acc: dict[int, float], tids: list[int], weighted: bool) -> dict[int, float]:
        """AND `acc` with a large group by binary search, cheaper than building its dict."""
        n = max(len(self._slot), 1)
        parts = [(self._docs[t], self._imps[t],
                  _idf(len(self._docs[t]), n) / 255.0 if weighted else 0.0) for t in tids]
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
        sized = sorted(groups, key=lambda g: sum(len(self._docs[t]) for t in g[0]))
        acc: dict[int, float] | None = None
        for tids, weighted in sized:
            if not tids:
                return {}
            if acc is None:
                acc = self._group_scores(tids, weighted)
                continue
            if not acc:
                return acc
            size = sum(len(self._docs[t]) for t in tids)
            if len(acc) * 16 < size:
                acc = self._probe(acc, tids, weighted)
            elif not weighted and len(tids) == 1:  # a filter: membership only
                acc = {slot: acc[slot] for slot in acc.keys() & self._docs[tids[0]]}
            elif len(tids) == 1:  # raw impacts, weighted only on the intersection
                tid = tids[0]
                w = _idf(len(self._docs[tid]), max(len(self._slot), 1)) / 255.0
                part = self._impact_dict(tid)
                acc = {slot: acc[slot] + w * part[slot] for slot in acc.keys() & part.keys()}
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
            if tid is None or not self._docs[tid]:
                return None
            groups.append(([tid], False))
        if pq.langs:
            tids = [t for lang in pq.langs
                    if (t := self._vocab.get("\x00lang:" + lang)) is not None and self._docs[t]]
            if not tids:
                return None
            groups.append((tids, False))
        return groups

    def _restrict(self, acc: dict[int, float], pq: ParsedQuery) -> dict[int, float]:
        """Apply dates, exclusions and phrases to candidate slots."""
        if not acc:
            return acc
        if pq.since or pq.until:
            lo = pq.since.toordinal() if pq.since else 0
            hi = pq.until.toordinal() if pq.until else 1 << 31
            day = self._local_day
            acc = {s: v for s, v in acc.items() if lo <= day[s] <= hi}
        for word in pq.excluded:
            for tid in self._word_group(word):
                for slot in acc.keys() & self._docs[tid]:
                    del acc[slot]
        for topic in pq.excluded_topics:
            tid = self._vocab.get("\x00topic:" + topic)
            if tid is not None:
                for slot in acc.keys() & self._docs[tid]:
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
        docs, imps = self._docs[tid], self._imps[tid]
        want = offset + limit
        acc: dict[int, float] = {}
        if want and docs:
            threshold = heapq.nlargest(min(want, len(imps)), imps)[-1]
            w = _idf(len(docs), max(len(self._slot), 1)) / 255.0
            for level in range(255, threshold - 1, -1):
                i = imps.find(level)
                while i >= 0:
                    acc[docs[i]] = w * level
                    i = imps.find(level, i + 1)
        ranked = self._rank(acc, want)[offset:]
        hits = [Hit(item_id=self._ids[s] or "", score=round(acc[s], 4),
                    snippet=self._hit_snippet(s, pq)) for s in ranked]
        return SearchResult(hits=hits, total=len(docs), query=pq)

    # -- snippets -------------------------------------------------------------------------

    def _hit_snippet(self, slot: int, pq: ParsedQuery) -> list[Span]:
        item_id = self._ids[slot]
        if self._get_item is not None and item_id is not None:
            try:
                item = self._get_item(item_id)
            except Exception:  # a store hiccup must not break the whole result page
                item = None
            if item is not None:
                return self.snippet(item, pq)
        lang = LANGUAGES[self._langs[slot]]
        return _snippet(self._titles[slot], lang, _query_key_set(pq), 160)

    def snippet(self, item: Item, query: ParsedQuery, width: int = 160) -> list[Span]:
        """~`width` characters of the body around its best match, matched words as marks."""
        title = " ".join(_clean(item.title).split())
        body = " ".join(_clean(item.body).split())
        if title and body.startswith(title):  # agency pages repeat the title as a first line
            body = body[len(title):].lstrip(" .:-–—")
        lang = item.language if item.language in LANGUAGES else guess_language(title + body)
        return _snippet(body or title, lang, _query_key_set(query), width)


def _query_key_set(pq: ParsedQuery) -> set[str]:
    keys: set[str] = set()
    for word in pq.positive_words:
        keys.update(query_keys(word))
    return keys


def _snippet(text: str, lang: str, keys: set[str], width: int) -> list[Span]:
    """Cut `text` to about `width` characters on word boundaries, marking matched words."""
    width = max(int(width), 20)
    spans = word_spans(text)
    matched = [(s, e, k) for s, e, w in spans if (k := doc_key(w, lang)) in keys]
    start = 0
    if matched and len(text) > width:
        # the window (starting a little before a match) that holds the most distinct keys
        best, best_count = 0, -1
        for ms, _, _ in matched:
            lo = max(0, ms - 30)
            count = len({k for s, e, k in matched if s >= lo and e <= lo + width})
            if count > best_count:
                best, best_count = lo, count
        start = best
    if start > 0:
        # move to the start of the word containing/after `start`
        for s, _, _ in spans:
            if s >= start:
                start = s
                break
    end = start + width
    if end >= len(text):
        end = len(text)
        if start > 0:  # a short tail: show more before it instead
            start = _word_start_before(spans, max(0, len(text) - width))
    else:
        cut = start
        for _, e, _ in spans:
            if e > end:
                break
            if e > start:
                cut = e
        end = cut if cut > start else end
    out: list[Span] = []
    if start > 0:
        out.append(Span("…"))
    pos = start
    for s, e, _ in matched:
        if s < start or e > end:
            continue
        if s > pos:
            out.append(Span(text[pos:s]))
        out.append(Span(text[s:e], "mark"))
        pos = e
    if end > pos:
        out.append(Span(text[pos:end]))
    if end < len(text):
        out.append(Span("…"))
    return _merge_plain(out)


def _word_start_before(spans: list[tuple[int, int, str]], pos: int) -> int:
    for s, _, _ in spans:
        if s >= pos:
            return s
    return pos


def _merge_plain(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for span in spans:
        if out and span.style == "plain" and out[-1].style == "plain":
            out[-1] = Span(out[-1].text + span.text)
        elif span.text:
            out.append(span)
    return out

