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

Building is vectorised with numpy, one chunk of releases at a time (`add` is a chunk of one).
A Python object per token (a str from findall, a dict entry, an append) was the cost: 100,000
releases are 12 million tokens, and that took ~25 s. Now Python works per release (HTML
stripping, UTF-8 encoding), per token never seen before (normalised, split into words and
stemmed once) and per distinct term of the chunk (appending its postings), while numpy finds
the tokens in the chunk's bytes, hashes them (`_hash_tokens`), looks them up in a table of
known tokens (`_TokenTable`), and counts term frequencies and impacts with one sort. The
stored tokens are exactly the keys of `words()` of the cleaned title and body, which the query
side relies on (see `_term_ids` for why tokens can be normalised one by one).
"""

from __future__ import annotations

import heapq
import math
import pickle
import re
import secrets
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from itertools import chain, islice, product
from typing import BinaryIO

import numpy as np

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

_SEPARATOR = 0  # token id between title and body, so a phrase cannot span them (0: np.zeros)
_CACHE_TERMS = 6  # expanded postings of common terms kept between queries (~5 MB each)
_CACHE_MIN_DF = 5000
_CHUNK = 2000  # add_many: releases tokenised (and their impacts computed) together
_MEMO_MAX = 500_000  # distinct tokens remembered (their term ids), forgotten beyond that
_HASH_MAX = 64  # byte tokens longer than this are not hashed but resolved one by one
# a snapshot is only read back by the code that wrote it: bump when the fields change
_SNAPSHOT_FORMAT = "search-index/2"
_SNAPSHOT_FIELDS = (
    "_vocab", "_docs", "_imps", "_ids", "_slot", "_tokens", "_titles", "_langs",
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

# the bytes of byte tokens in UTF-8 text: ASCII letters and digits, and every byte of a
# non-ASCII character (other ASCII characters, "_" too, separate words, as in `words`)
_WORD_BYTE = np.zeros(256, np.bool_)
for _lo, _hi in ("09", "AZ", "az"):
    _WORD_BYTE[ord(_lo):ord(_hi) + 1] = True
_WORD_BYTE[0x80:] = True
_WORD_BYTES = _WORD_BYTE.tobytes()  # the same as a bytes.translate table: 1 for a word byte
# Byte tokens are told apart by a 64-bit hash (`_hash_tokens`): multiply-xorshift rounds over
# the token's 8-byte blocks, keyed by odd multipliers and a salt drawn at random in each
# process, so no one can prepare colliding words (and nothing keyed by the hashes is saved).
# Tokens of up to 8 bytes of the same length and mode cannot collide (each step is a
# bijection, bar the hash 0 made 1); other pairs collide with odds of about 2^-64, so among
# the ~10^6 distinct words an archive may have, a collision is a one in 10^7 event. Its
# effect would be two words sharing a term id (a search for one also finding the other):
# harmless.
_U64_MASK = (1 << 64) - 1
_MUL_1 = np.uint64(secrets.randbits(64) | 1)
_MUL_2 = np.uint64(secrets.randbits(64) | 1)
_SALT = np.uint64(secrets.randbits(64))
_ODD = 1 << 31  # and up: stand-ins for the term ids of a byte token not exactly one word
_LOW_BYTES = np.array([(1 << 8 * n) - 1 for n in range(8)] + [_U64_MASK], np.uint64)


def _idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def _snapshot_format() -> str:
    # the stems depend on the stemmer implementation (C PyStemmer or pure Python)
    return f"{_SNAPSHOT_FORMAT}/{stemmer_backend()}"


def _clean(text: str) -> str:
    return strip_html(text or "")


class _TokenTable:
    """Token hash -> term id: an open-addressing hash table (linear probing) in numpy arrays,
    so that looking up all the tokens of a chunk takes a few array operations. Hash 0 marks a
    free slot. At most a quarter full, so most tokens are found in their first slot."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.size = 0
        self._allocate(1 << 16)

    def _allocate(self, capacity: int) -> None:
        self.keys = np.zeros(capacity, np.uint64)
        self.vals = np.zeros(capacity, np.uint32)
        self.shift = np.uint64(65 - capacity.bit_length())  # top bits: the first slot

    def lookup(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The value of each hash (anything for a missing one), and where the missing are."""
        mask = self.keys.size - 1
        pos = (hashes >> self.shift).astype(np.int64)
        found = self.keys[pos]
        values = self.vals[pos]
        todo = np.flatnonzero(found != hashes)
        missing = []
        while todo.size:
            empty = found[todo] == 0
            missing.append(todo[empty])
            todo = todo[~empty]  # another hash in the slot: try the next one
            at = (pos[todo] + 1) & mask
            pos[todo] = at
            found[todo] = self.keys[at]
            hit = found[todo] == hashes[todo]
            values[todo[hit]] = self.vals[at[hit]]
            todo = todo[~hit]
        return values, np.concatenate(missing) if missing else todo

    def insert(self, hashes: np.ndarray, values: np.ndarray) -> None:
        """Add distinct hashes that are not in the table."""
        self.size += hashes.size
        if 4 * self.size > self.keys.size:
            keys, vals = self.keys, self.vals
            used = keys != 0
            self._allocate(1 << (4 * self.size).bit_length())
            self._place(keys[used], vals[used])
        self._place(hashes, values)

    def _place(self, hashes: np.ndarray, values: np.ndarray) -> None:
        mask = self.keys.size - 1
        pos = (hashes >> self.shift).astype(np.int64)
        todo = np.arange(hashes.size)
        while todo.size:
            free = todo[self.keys[pos[todo]] == 0]
            # of the hashes wanting the same free slot, the first takes it
            slots, first = np.unique(pos[free], return_index=True)
            self.keys[slots] = hashes[free[first]]
            self.vals[slots] = values[free[first]]
            todo = todo[self.keys[pos[todo]] != hashes[todo]]
            pos[todo] = (pos[todo] + 1) & mask


def _hash_tokens(data: bytes, starts: np.ndarray, lens: np.ndarray, az: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each token ``data[start:start + len]`` (len <= _HASH_MAX; `data` has
    8 bytes to spare at its end) and its tokenisation mode (`az`): the seed is the length and
    mode, then for each 8-byte block h = (h ^ block) * _MUL_1, h ^= h >> 29. Every token has
    a first block; the later rounds run on the tokens that are long enough."""
    # every 8 bytes of `data` starting at any offset, as little-endian integers (no copy)
    blocks = np.ndarray((len(data) - 7,), "<u8", data, 0, (1,))
    h = (lens << 1).view(np.uint64)
    h |= az
    h *= _MUL_2
    h ^= _SALT
    block = blocks[starts]
    block &= np.take(_LOW_BYTES, lens, mode="clip")  # the token's bytes, 8 at most
    h ^= block
    h *= _MUL_1
    h ^= h >> np.uint64(29)
    active = np.flatnonzero(lens > 8)
    for at in range(8, _HASH_MAX, 8):
        if not active.size:
            break
        rest = lens[active] - at
        block = blocks[starts[active] + at] & np.take(_LOW_BYTES, rest, mode="clip")
        x = (h[active] ^ block) * _MUL_1
        h[active] = x ^ (x >> np.uint64(29))
        active = active[rest > 8]
    h[h == 0] = 1  # 0 marks a free slot of _TokenTable
    return h


class SearchIndex:
    def __init__(self, get_item: Callable[[str], Item | None] | None = None) -> None:
        self._get_item = get_item
        # term id -> key, postings (ascending internal numbers) and their impacts
        self._vocab: dict[str, int] = {"": _SEPARATOR}
        self._docs: list[array] = [array("I")]
        self._imps: list[bytearray] = [bytearray()]
        # byte token hash (see _hash_tokens) -> the term id of its word, so a word is stemmed
        # once; _ODD + i for a token of no or several words (their term ids: _odd_tids[i]).
        # Never saved: the hashes are keyed per process.
        self._token_table = _TokenTable()
        self._odd_tids: list[tuple[int, ...]] = []
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
        self._stop_array = np.array(sorted(self._stop_tids), np.uint32)

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

    def write_snapshot(self, handle: BinaryIO, meta: dict[str, object]) -> None:
        """The whole index (with `meta`, e.g. the store position it covers) written to an open
        file, so a restart loads it in about a second instead of tokenising the archive
        again. Streamed: the ~100 MB of a big archive's snapshot is never held as bytes."""
        state = {name: getattr(self, name) for name in _SNAPSHOT_FIELDS}
        pickle.dump({"format": _snapshot_format(), "meta": meta, "state": state}, handle,
                    protocol=pickle.HIGHEST_PROTOCOL)

    def load_snapshot(self, handle: BinaryIO) -> dict[str, object] | None:
        """Replace this index's content with a snapshot read from an open file (as a stream);
        its meta, or None (and nothing changed) if it is not a snapshot this code wrote. Only
        ever given files from the bot's own data directory: pickle must not read untrusted
        bytes."""
        try:
            blob = pickle.load(handle)
        except Exception:
            return None
        if not isinstance(blob, dict) or blob.get("format") != _snapshot_format():
            return None
        for name in _SNAPSHOT_FIELDS:
            setattr(self, name, blob["state"][name])
        self._dict_cache = {}
        self._token_table, self._odd_tids = _TokenTable(), []  # of the old vocabulary
        self._stop_array = np.array(sorted(self._stop_tids), np.uint32)
        return dict(blob["meta"])

    def _tid(self, key: str) -> int:
        tid = self._vocab.get(key)
        if tid is None:
            tid = self._vocab[key] = len(self._docs)
            self._docs.append(array("I"))
            self._imps.append(bytearray())
        return tid

    def _term_ids(self, texts: list[str], az: list[bool]) -> tuple[np.ndarray, np.ndarray]:
        """The term ids of ``words(text)`` for every text, concatenated, and how many words
        each text has. `az[i]`: text i is tokenised in the "az" mode (see `doc_key`).

        ``words(text)`` is the concatenation of ``words(token)`` over the text's *byte tokens*
        (runs of ASCII letters and digits and non-ASCII characters), so the costly
        normalisation can wait for the distinct tokens (`_byte_term_ids`): `normalise` works
        character by character, except for NFC, which never joins a letter or digit across an
        ASCII character (the only compositions with one are "<", "=", ">" + U+0338, which make
        no letter), and for the lower case of "Σ", which depends on the letters around it, even
        across punctuation ("A'Σ"): the rare text with a "Σ" is tokenised with `words` here.
        """
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]  # lone ones too
        sigma = [i for i, text in enumerate(texts) if "Σ" in text]
        for i in sigma:
            encoded[i] = b""
        tids, words_per_text = self._byte_term_ids(encoded, az)
        if sigma:
            found = [[self._tid(doc_key(w, "az" if az[i] else "en")) for w in words(texts[i])]
                     for i in sigma]
            counts = list(map(len, found))
            at = (np.cumsum(words_per_text) - words_per_text)[sigma]
            tids = np.insert(tids, np.repeat(at, counts), list(chain.from_iterable(found)))
            words_per_text[sigma] = counts
        return tids, words_per_text

    def _byte_term_ids(
        self, encoded: list[bytes], az: list[bool]
    ) -> tuple[np.ndarray, np.ndarray]:
        """`_term_ids` of UTF-8 texts without a "Σ". numpy finds the byte tokens, hashes them
        and looks them up in the table of known tokens (`_TokenTable`, kept across chunks);
        Python runs once per new token and once per very long token, taking
        ``words(token)``. A token is almost always one word;
        the few that are not ("«", "—": none; "5\xa0000", "a\u037eb": two) are expanded at the
        end. Lone surrogates pass through as bytes."""
        sizes = np.fromiter(map(len, encoded), np.int64, len(encoded))
        # one separator byte before every text and after the last, then 8 bytes of padding
        # so that reading 8 bytes at any token start stays inside the buffer
        joined = b"\n".join(chain((b"",), encoded, (bytes(8),)))
        text_ends = np.cumsum(sizes + 1)  # where each text ends in `joined`
        is_word = np.frombuffer(joined.translate(_WORD_BYTES), np.bool_)
        edges = np.flatnonzero(is_word[1:] != is_word[:-1])
        edges += 1
        starts, ends = edges[0::2], edges[1::2]
        if not starts.size:
            return np.zeros(0, np.uint32), np.zeros(len(encoded), np.int64)
        lens = ends - starts
        token_at = np.searchsorted(starts, text_ends - sizes)  # each text's first token
        tokens_per_text = np.searchsorted(starts, text_ends) - token_at
        tok_az = np.repeat(np.asarray(az, np.bool_), tokens_per_text)

        # tokens -> groups (one per distinct hash, then one per very long token)
        long = np.flatnonzero(lens > _HASH_MAX)
        if long.size:
            short = np.flatnonzero(lens <= _HASH_MAX)
            hashes = _hash_tokens(joined, starts[short], lens[short], tok_az[short])
        else:
            short, hashes = None, _hash_tokens(joined, starts, lens, tok_az)
        table = self._token_table
        if table.size + len(self._odd_tids) > _MEMO_MAX:  # forget them all, now and then
            table.clear()
            self._odd_tids.clear()
        hashed, missing = table.lookup(hashes)
        if missing.size:  # new tokens: each distinct one resolved once
            distinct, first, where = np.unique(hashes[missing], return_index=True,
                                               return_inverse=True)
            index = missing[first] if short is None else short[missing[first]]
            new = np.array([self._token_tids(joined[starts[t]:ends[t]], bool(tok_az[t]))
                            for t in index.tolist()], np.uint32)
            table.insert(distinct, new)
            hashed[missing] = new[where]
        if short is None:
            tids = hashed
        else:
            tids = np.empty(len(starts), np.uint32)
            tids[short] = hashed
            tids[long] = [self._token_tids(joined[starts[t]:ends[t]], bool(tok_az[t]))
                          for t in long.tolist()]
        special = np.flatnonzero(tids >= _ODD)
        if not special.size:
            return tids, tokens_per_text
        # tokens of no words ("«", "—") or several ("5\xa0000"): expand with np.repeat, then
        # fill in the extra words
        found = list(map(self._odd_tids.__getitem__, (tids[special] - _ODD).tolist()))
        extra = np.array(list(map(len, found)), np.int64) - 1  # words beyond one per token
        counts = np.ones(tids.size, np.int64)
        counts[special] = extra + 1
        tids = np.repeat(tids, counts)
        at = special + np.cumsum(extra) - extra  # where each special token's words go
        for k in np.flatnonzero(extra > 0).tolist():
            tids[at[k]:at[k] + extra[k] + 1] = found[k]
        text_of = np.searchsorted(token_at, special, side="right") - 1
        words_per_text = tokens_per_text + np.bincount(text_of, extra, len(encoded)).astype(
            np.int64)
        return tids, words_per_text

    def _token_tids(self, token: bytes, az: bool) -> int:
        """The term id of a byte token's word; _ODD + i if it has not exactly one word (then
        `_odd_tids[i]` holds the term ids)."""
        mode = "az" if az else "en"
        found = words(token.decode("utf-8", "surrogatepass"))
        if len(found) == 1:
            return self._tid(doc_key(found[0], mode))
        self._odd_tids.append(tuple(self._tid(doc_key(word, mode)) for word in found))
        return _ODD + len(self._odd_tids) - 1

    def _pseudo_tids(self, lang_code: int, topics: tuple[str, ...]) -> list[int]:
        tids = [self._tid("\x00lang:" + LANGUAGES[lang_code])]
        tids.extend(self._tid("\x00topic:" + t) for t in topics)
        return tids

    def _index_chunk(self, items: list[Item]) -> None:
        """Index releases: Python runs per release, per distinct byte token (see `_term_ids`)
        and per distinct term of the chunk; numpy does everything per token and per posting.
        Slots only grow, so postings stay sorted."""
        self._dict_cache.clear()
        latest = {item.id: i for i, item in enumerate(items)}  # same id twice: last wins
        rows: list[tuple[Item, str, str]] = []
        texts: list[str] = []
        az: list[bool] = []
        for i, item in enumerate(items):
            if latest[item.id] != i:
                continue
            if item.id in self._slot:
                self.remove(item.id)
            title, body = _clean(item.title), _clean(item.body)
            lang = item.language if item.language in LANGUAGES else guess_language(title + body)
            rows.append((item, lang, title))
            texts.append(title)
            texts.append(body)
            az.extend((lang == "az", lang == "az"))
        tids, n_words = self._term_ids(texts, az)
        title_n, body_n = n_words[0::2], n_words[1::2]
        lengths = body_n + TITLE_REPEAT * title_n
        base = len(self._ids)
        self._sum_length += int(lengths.sum())
        avg = max(self._sum_length / max(len(self._slot) + len(rows), 1), 1.0)

        # each release's token sequence: title, separator (0), body; the words of text p
        # (title 2r or body 2r + 1 of release r) move by the (p + 1) // 2 separators before
        text_of = np.repeat(np.arange(2 * len(rows)), n_words)
        sequence = np.zeros(tids.size + len(rows), np.uint32)
        sequence[np.arange(tids.size) + ((text_of + 1) >> 1)] = tids
        text_at = np.concatenate(([0], np.cumsum(n_words)))
        bounds = (text_at[0::2] + np.arange(len(rows) + 1)) * 4
        pseudo = self._store(rows, sequence.tobytes(), bounds.tolist(), lengths)

        # postings: sorted keys (term id, release, 0 in the title or 1 in the body: the text's
        # number), stop words left out; a run of equal (term id, release) is a term
        # frequency, title words counting TITLE_REPEAT
        stop = self._stop_array  # ids 1..n, given first in __init__: a comparison will do
        contiguous = stop.size and stop[-1] == stop.size
        content = tids > stop.size if contiguous else ~np.isin(tids, stop)
        keys = tids[content].astype(np.uint64)
        keys <<= np.uint64(32)
        keys |= text_of[content].view(np.uint64)
        if keys.size:
            keys.sort()
            weights = np.where(keys & np.uint64(1), 1, TITLE_REPEAT)
            keys >>= np.uint64(1)  # (term id, release)
            runs = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
            tf = np.add.reduceat(weights, runs)
            keys = keys[runs]
            release = (keys & np.uint64(0x7FFFFFFF)).astype(np.int64)
            # the same arithmetic, in the same order, as 1 + int(254 * tf / (norm + tf))
            norm = K1 * (1.0 - B + B * lengths[release] / avg)
            impacts = np.where(tf < _TF_CAP, 1 + (254.0 * tf / (norm + tf)).astype(np.int64),
                               255)
            keys >>= np.uint64(31)
            self._append_postings(keys.view(np.int64), release + base, impacts)
        # filters: pseudo-terms with impact 0, never word terms (their keys start with \x00)
        if pseudo:
            p_tids = np.array([t for tids_of in pseudo for t in tids_of], np.int64)
            p_slots = np.repeat(np.arange(base, base + len(rows)), list(map(len, pseudo)))
            order = np.argsort(p_tids, kind="stable")
            self._append_postings(p_tids[order], p_slots[order], np.zeros(len(order), np.int64))

    def _append_postings(self, tids: np.ndarray, slots: np.ndarray, impacts: np.ndarray) -> None:
        """Append postings grouped by term id (ascending slots within each term): one Python
        step per distinct term."""
        if not tids.size:
            return
        runs = np.flatnonzero(np.concatenate(([True], tids[1:] != tids[:-1])))
        ends = np.concatenate((runs[1:], [tids.size]))
        # map() drives the C-level appends and any() drains it (they return None); a term
        # with one posting (most, in a small chunk) is cheaper to append as a number
        docs_of, imps_of = self._docs.__getitem__, self._imps.__getitem__
        single = ends - runs == 1
        if single.any():
            first = runs[single]
            term_ids = tids[first].tolist()
            any(map(array.append, map(docs_of, term_ids), slots[first].tolist()))
            any(map(bytearray.append, map(imps_of, term_ids), impacts[first].tolist()))
            runs, ends = runs[~single], ends[~single]
        term_ids = tids[runs].tolist()
        slot_bytes = memoryview(slots.astype(np.uint32).tobytes())
        impact_bytes = memoryview(impacts.astype(np.uint8).tobytes())
        any(map(array.frombytes, map(docs_of, term_ids),
                map(slot_bytes.__getitem__, map(slice, (runs * 4).tolist(), (ends * 4).tolist()))))
        any(map(bytearray.extend, map(imps_of, term_ids),
                map(impact_bytes.__getitem__, map(slice, runs.tolist(), ends.tolist()))))

    def _store(
        self, rows: list[tuple[Item, str, str]], tokens: bytes, bounds: list[int],
        lengths: np.ndarray,
    ) -> list[list[int]]:
        """Record the releases' own data (`tokens[bounds[i]:bounds[i + 1]]` is release i's
        token sequence); return each one's filter pseudo-term ids."""
        items = [item for item, _, _ in rows]
        ids = [item.id for item in items]
        first = len(self._ids)
        self._ids.extend(ids)
        self._slot.update(zip(ids, range(first, first + len(ids)), strict=True))
        self._tokens.extend(map(tokens.__getitem__, map(slice, bounds[:-1], bounds[1:])))
        self._titles.extend(title for _, _, title in rows)
        codes = [LANGUAGES.index(lang) for _, lang, _ in rows]
        self._langs.extend(codes)
        interned = self._interned_topics
        topics = [interned.setdefault(t, t) for t in [tuple(i.topics or ()) for i in items]]
        self._topics.extend(topics)
        seconds = np.array([int((p if p.tzinfo is not None else p.replace(tzinfo=UTC)).timestamp())
                            for p in [i.published for i in items]], np.int64)
        self._published.frombytes(seconds.tobytes())
        offsets = np.array([i.tz_offset_minutes or 0 for i in items], np.int64)
        days = (seconds + 60 * offsets) // 86400 + _EPOCH_ORDINAL
        self._local_day.frombytes(days.astype(np.uint32).tobytes())
        pseudo_of: dict[tuple[int, tuple[str, ...]], list[int]] = {}
        pseudo: list[list[int]] = []
        for key in zip(codes, topics, strict=True):
            tids = pseudo_of.get(key)
            if tids is None:
                tids = pseudo_of[key] = self._pseudo_tids(*key)
            pseudo.append(tids)
        self._length.frombytes(lengths.astype(np.uint32).tobytes())
        return pseudo

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

