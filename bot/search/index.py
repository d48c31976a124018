"""Full-text search over the stored releases: an in-memory inverted index with BM25 ranking.

Pure: no file, network or environment access. The index is built once at start-up
(`add_many` over the store, or `load_snapshot`) and kept current with `add`/`remove`.

How it works
------------
- Every word becomes a key (its stem, `bot.search.keys`) with a term id. Per term id the
  index keeps the slots (internal numbers, ascending: slots only grow) of the releases
  containing it and their quantised BM25 impacts (the saturated, length-normalised term
  frequency, 1..255): `bot.search.postings`; `bot.search.rank` applies the idf at query
  time. A title word counts as TITLE_REPEAT body words.
- Stop words keep their place in each release's token sequence (phrases) but get no
  postings; topics and language are pseudo-terms, so filters intersect like words.
- Per release: its token ids as packed bytes (phrases, removal), publication time, local
  date, language, topics and title. Bodies are not kept: snippets fetch the few releases on
  the page through `get_item`.
- A snapshot (`write_snapshot`, `load_snapshot`; `bot.search.frozen`) is read in place: the
  postings, token sequences and titles of the releases it holds stay in the memory-mapped
  file, where the page cache keeps what queries read (at 100,000 releases they were 150 MB
  of Python objects); only the vocabulary, the ids and the small per-release arrays are
  loaded. What is indexed afterwards goes to Python arrays beside them.
- Building goes a chunk of releases at a time (`add` is a chunk of one): `bot.search.tokens`
  turns the texts into term ids with numpy, one sort counts term frequencies and impacts.
  Impacts use the average length when a release is indexed, so they drift a little from
  textbook BM25 as the archive grows; that spares any rebuild.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from datetime import UTC, date
from itertools import islice
from typing import BinaryIO

import numpy as np

from bot.models import Item
from bot.search import frozen
from bot.search.frozen import Column
from bot.search.keys import stop_keys
from bot.search.postings import Postings
from bot.search.rank import Ranking
from bot.search.slots import Slots
from bot.search.tokens import ByteTokens
from bot.text import LANGUAGES, detect_language, stemmer_backend, strip_html

# BM25 over the body plus the title repeated TITLE_REPEAT times (a field boost by
# repetition: a title word counts as three body words, saturating like any other)
K1 = 1.2
B = 0.75
TITLE_REPEAT = 3
_TF_CAP = 32  # term frequencies above this get the saturated impact 255

_SEPARATOR = 0  # token id between title and body, so a phrase cannot span them (0: np.zeros)
_CHUNK = 2000  # add_many: releases tokenised (and their impacts computed) together
# a snapshot is only read back by the code that wrote it: bump when the fields or the keys
# change (3: keys from bot.text, diacritics folded before every stemmer; 4: memory-mapped;
# 5: the ids too)
_SNAPSHOT_FORMAT = "search-index/5"
_SNAPSHOT_FIELDS = (  # pickled in the header; the big arrays are not (see write_snapshot)
    "_vocab", "_langs", "_topics", "_published", "_local_day", "_length",
    "_sum_length", "_stop_tids",
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _snapshot_format() -> str:
    # the stems depend on the stemmer implementation (C PyStemmer or pure Python)
    return f"{_SNAPSHOT_FORMAT}/{stemmer_backend()}"


def _clean(text: str) -> str:
    return strip_html(text or "")


class SearchIndex(Ranking):
    """The index: building and keeping it (here), answering queries (`Ranking`)."""

    def __init__(self, get_item: Callable[[str], Item | None] | None = None) -> None:
        self._get_item = get_item
        # term id -> key, postings (ascending internal numbers) and their impacts
        self._vocab: dict[str, int] = {"": _SEPARATOR}
        self._postings = Postings()
        # byte token -> term id, so that each distinct word is stemmed once
        self._byte_tokens = ByteTokens(self._tid)
        # per internal number (slot); slots of removed releases are emptied, never reused
        self._slot = Slots()
        self._ids = self._slot.ids
        self._tokens = Column(unit=4)  # token ids, uint32 each
        self._titles = Column()  # UTF-8
        self._frozen_slots = 0  # slots whose postings are in the snapshot file
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

    def keys_of(self, item_id: str) -> list[str]:
        """The keys a release's words are indexed under, title then body (for inspection)."""
        slot = self._slot.get(item_id)
        if slot is None:
            return []
        key_of = {tid: key for key, tid in self._vocab.items()}
        tokens = array("I")
        tokens.frombytes(self._tokens[slot])
        return [key_of[t] for t in tokens if t != _SEPARATOR]

    def language_of(self, item_id: str) -> str | None:
        """The language a release is indexed in (its own, or detected when it has none)."""
        slot = self._slot.get(item_id)
        return None if slot is None else LANGUAGES[self._langs[slot]]

    def remove(self, item_id: str) -> None:
        slot = self._slot.pop(item_id)
        if slot is None:
            return
        self._dict_cache.clear()
        if slot < self._frozen_slots:
            self._postings.remove_frozen(slot)  # skipped by queries until the next snapshot
        else:
            tokens = array("I")
            tokens.frombytes(self._tokens[slot])
            tids = set(tokens)
            tids.discard(_SEPARATOR)
            tids.update(self._pseudo_tids(self._langs[slot], self._topics[slot]))
            for tid in tids:
                self._postings.remove_tail(tid, slot)
        self._sum_length -= self._length[slot]
        self._tokens.clear(slot)
        self._titles.clear(slot)
        self._topics[slot] = ()

    # -- snapshots -------------------------------------------------------------------------

    def write_snapshot(self, handle: BinaryIO, meta: dict[str, object]) -> None:
        """The whole index (with `meta`, e.g. the store position it covers) written to an open
        file, which `load_snapshot` maps instead of tokenising the archive again. Streamed:
        the token sequences are written piece by piece, only the postings are put together
        (about 50 MB at 100,000 releases, for the moment of the write)."""
        offsets, docs, imps = self._postings.arrays(len(self._vocab))
        token_offsets, tokens = self._tokens.chunks()
        title_offsets, titles = self._titles.chunks()
        state = {name: getattr(self, name) for name in _SNAPSHOT_FIELDS}
        key, id_offsets, ids, id_hashes, id_slots = self._slot.arrays()
        frozen.write(handle, {"format": _snapshot_format(), "meta": meta, "state": state,
                              "id_key": key}, {
            "id_offsets": id_offsets, "ids": ids, "id_hashes": id_hashes, "id_slots": id_slots,
            "term_offsets": offsets, "docs": docs, "imps": imps,
            "token_offsets": token_offsets, "tokens": tokens,
            "title_offsets": title_offsets, "titles": titles})

    def load_snapshot(self, handle: BinaryIO) -> dict[str, object] | None:
        """Replace this index's content with a snapshot in an open file, mapped (the file may
        be closed afterwards); its meta, or None (and nothing changed) if it is not a
        snapshot this code wrote. Only ever given files from the bot's own data directory:
        the header is a pickle, which must not read untrusted bytes."""
        loaded = frozen.load(handle)
        if loaded is None:
            return None
        header, arrays = loaded
        if header.get("format") != _snapshot_format():
            return None
        try:  # everything read before anything of this index is replaced
            state = {name: header["state"][name] for name in _SNAPSHOT_FIELDS}
            postings = Postings(arrays["term_offsets"], arrays["docs"], arrays["imps"])
            tokens = Column(arrays["tokens"], arrays["token_offsets"], unit=4)
            titles = Column(arrays["titles"], arrays["title_offsets"])
            slots = Slots(Column(arrays["ids"], arrays["id_offsets"]), arrays["id_hashes"],
                          arrays["id_slots"], header["id_key"])
        except (KeyError, TypeError, ValueError):
            return None
        for name, value in state.items():
            setattr(self, name, value)
        self._postings, self._tokens, self._titles, self._slot = postings, tokens, titles, slots
        self._ids = self._slot.ids
        self._frozen_slots = self._slot.count
        self._interned_topics = {t: t for t in self._topics}
        self._dict_cache = {}
        self._byte_tokens = ByteTokens(self._tid)  # it knew the old vocabulary
        self._stop_array = np.array(sorted(self._stop_tids), np.uint32)
        return dict(header["meta"])

    def _tid(self, key: str) -> int:
        tid = self._vocab.get(key)
        if tid is None:
            tid = self._vocab[key] = len(self._vocab)
        return tid

    def _pseudo_tids(self, lang_code: int, topics: tuple[str, ...]) -> list[int]:
        tids = [self._tid("\x00lang:" + LANGUAGES[lang_code])]
        tids.extend(self._tid("\x00topic:" + t) for t in topics)
        return tids

    def _index_chunk(self, items: list[Item]) -> None:
        """Index releases: Python runs per release, per distinct byte token (see
        `ByteTokens.term_ids`) and per distinct term of the chunk; numpy does everything per
        token and per posting.
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
            lang = item.language if item.language in LANGUAGES else detect_language(title + body)
            rows.append((item, lang, title))
            texts.append(title)
            texts.append(body)
            az.extend((lang == "az", lang == "az"))
        tids, n_words = self._byte_tokens.term_ids(texts, az)
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
        docs_of = self._postings.tail_docs.__getitem__  # defaultdicts: a new term's appear
        imps_of = self._postings.tail_imps.__getitem__
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
        self._slot.extend(ids)
        self._tokens.extend(map(tokens.__getitem__, map(slice, bounds[:-1], bounds[1:])))
        self._titles.extend(title.encode(errors="surrogatepass") for _, _, title in rows)
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
